// A tcpdump capture in a namespace for the length of a test, and the checks design.md 4 asks of
// every test capture: `sctpkit dump --check` and tshark find no bad checksum and no malformed frame.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "interop/child.h"

namespace sctpkit::interop {

class Capture {
 public:
  // Starts `tcpdump -i any -U -w file` in `netns` and waits until it listens.
  Capture(const std::string& netns, const std::string& file);
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const std::string& file() const { return file_; }
  // Stops tcpdump so that the file is complete: first waits (up to 5 s) until the file holds at
  // least `expected_frames` frames, since tcpdump drops what it has not read yet when SIGINT comes,
  // and on a loaded machine it may not have run since the last packets arrived.
  void stop(size_t expected_frames = 0);

 private:
  std::unique_ptr<Child> tcpdump_;
  std::string file_;
  bool ok_ = false;
};

struct CaptureVerdict {
  size_t sctp_frames = 0;         // frames tshark decoded as SCTP
  size_t good_checksums = 0;      // frames tshark verified the CRC32c of
  std::vector<std::string> bad;   // tshark: one line per bad-checksum, malformed or error frame
  int dump_check_code = -1;       // `sctpkit dump --check`: 0 when every checksum was good
  std::string dump_check_report;  // its stderr summary
};

// Checks a capture; `udp_ports` are decoded as SCTP over UDP (RFC 6951) by both tools.
CaptureVerdict check_capture(const std::string& file, const std::vector<uint16_t>& udp_ports);

// Drops one SCTP packet (UDP with `udp`) in `every_nth` entering `netns`, and one in `every_nth`
// leaving it, with nftables (design.md 5), until destroyed (deleting the namespace deletes the table too). A counter,
// not a random draw: a run of any length loses its share, and a lost chunk's retransmission is not
// lost again unless as many packets passed in between (random 20% each way, as this once was, lost
// the same chunk three times in a row about once in ten runs, and the peer's RTO backoff then
// outlasted the test's wait).
class NftLoss {
 public:
  NftLoss(const std::string& netns, int every_nth, bool udp);
  [[nodiscard]] bool ok() const { return ok_; }
  // How many packets the rule dropped.
  [[nodiscard]] long dropped() const;

 private:
  std::string netns_;
  bool ok_ = false;
};

}  // namespace sctpkit::interop
