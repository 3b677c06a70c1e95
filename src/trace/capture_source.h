// Reading SCTP frames from a pcap/pcapng file or a live interface, through libpcap.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "trace/frame.h"

namespace sctpkit::trace {

inline constexpr uint16_t kDefaultUdpEncapsulationPort = 9899;  // RFC 6951

struct CaptureOptions {
  std::string read_file;                       // -r; exactly one of read_file and interface
  std::string interface;                       // -i
  std::string filter;                          // BPF; empty means "SCTP, plus UDP on the encapsulation ports"
  std::vector<uint16_t> udp_ports{kDefaultUdpEncapsulationPort};  // UDP ports decoded as SCTP
  std::string write_file;                      // -w: write captured packets, unmodified, as pcap
  int64_t count = -1;                          // -c: stop after this many SCTP frames; -1 for no limit
  int snaplen = 262144;
  // The kernel's capture ring. In immediate mode (a live trace) libpcap gives each packet a slot of
  // the snapshot length (capped at the MTU, or 64 KiB with offloads, on Ethernet-like links only),
  // so its 2 MiB default held 8 to 32 packets and a burst (a GSO train, an echo of many messages)
  // was dropped by the kernel. 32 MiB holds 128 slots of 256 KiB ("any"), 256 on lo.
  int buffer_bytes = 32 << 20;
  bool promiscuous = true;
  // -U: flush the -w file after every packet, so that a reader of the file (or of -w -) sees each
  // packet as it is captured rather than when stdio's buffer fills.
  bool packet_buffered = false;
};

struct CaptureError {
  enum class Kind { Open, Permission, Filter, Read, Write, LinkType } kind;
  std::string message;  // one line, saying what failed and what to do about it
};

struct CaptureStats {
  uint64_t packets_read = 0;     // every packet libpcap returned
  uint64_t sctp_frames = 0;      // handed to the callback
  uint64_t skipped = 0;          // not SCTP, not on a UDP encapsulation port, or unsupported link layer
  uint64_t kernel_dropped = 0;   // live capture only, from pcap_stats
};

class CaptureSource {
 public:
  static std::variant<std::unique_ptr<CaptureSource>, CaptureError> open(const CaptureOptions& options);
  virtual ~CaptureSource() = default;

  // Delivers each SCTP frame in order. Returns when the file ends, the count is reached, stop() is
  // called (e.g. from a SIGINT handler), or reading fails (the error is returned).
  virtual std::variant<CaptureStats, CaptureError> run(const std::function<void(const Frame&)>& on_frame) = 0;

  // Safe to call from a signal handler.
  virtual void stop() = 0;

  // The link type name (e.g. "EN10MB") and snapshot length, for tcpdump's banner line on live capture.
  [[nodiscard]] virtual std::string link_type_name() const = 0;
  [[nodiscard]] virtual std::string link_type_description() const = 0;
  [[nodiscard]] virtual int snapshot_length() const = 0;
};

}  // namespace sctpkit::trace
