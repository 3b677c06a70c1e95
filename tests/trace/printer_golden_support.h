// Test support for the printer's golden tests: builds SCTP packets, writes them as a pcap file for
// several link types, derives the Frames the capture layer would deliver for them, and runs the real
// tcpdump on the file. tcpdump is the oracle: when it is missing the tests fail, they never pass blind.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "trace/frame.h"
#include "trace/tcpdump_printer.h"

namespace sctpkit::trace::printer_testing {

// Link types as numbered in pcap files (LINKTYPE_*).
enum class LinkType : uint32_t { Null = 0, Ethernet = 1, Raw = 101, LinuxSll = 113 };

struct ChunkSpec {
  uint8_t type = 0;
  uint8_t flags = 0;
  std::vector<uint8_t> value;
  std::optional<uint16_t> length;  // overrides the length field (for malformed chunks)
  bool pad = true;
};

// Big-endian appends, for building packets field by field.
inline void put_u16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
inline void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  put_u16(out, static_cast<uint16_t>(v >> 16));
  put_u16(out, static_cast<uint16_t>(v));
}

std::vector<uint8_t> encode_chunk(const ChunkSpec& chunk);
// Common header plus chunks with a correct CRC32c.
std::vector<uint8_t> sctp_packet(const std::vector<ChunkSpec>& chunks, uint16_t source_port = 5000,
                                 uint16_t destination_port = 30102, uint32_t tag = 0x01020304);

// Chunk values, big-endian, for the tests' readability.
std::vector<uint8_t> data_value(uint32_t tsn, uint16_t sid, uint16_t ssn, uint32_t ppid, size_t payload);
std::vector<uint8_t> init_value(uint32_t tag, uint32_t rwnd, uint16_t os, uint16_t mis, uint32_t tsn);
std::vector<uint8_t> sack_value(uint32_t cum_ack, uint32_t rwnd, const std::vector<std::pair<uint16_t, uint16_t>>& gaps,
                                const std::vector<uint32_t>& dups);

struct PacketSpec {
  Timestamp timestamp;
  std::vector<uint8_t> sctp;
  IpVersion version = IpVersion::V4;
  std::optional<std::pair<uint16_t, uint16_t>> udp;  // RFC 6951 encapsulation ports
  uint8_t tos = 0;
  uint8_t ttl = 64;
  uint16_t id = 0;
  bool dont_fragment = true;
  bool more_fragments = false;
  uint16_t fragment_offset = 0;       // bytes, a multiple of 8
  std::vector<uint8_t> ipv4_options;  // a multiple of 4 bytes
  uint32_t flow_label = 0;
  std::vector<uint8_t> ipv6_extensions;  // extension headers, each naming the next; the last names SCTP/UDP
  uint8_t ipv6_first_header = 0;        // the fixed header's next header when extensions are present
  std::optional<uint16_t> ip_length;  // overrides the IP length field
  bool bad_ip_checksum = false;
  std::optional<uint32_t> snaplen;    // bytes of the link-layer frame that were captured
};

class GoldenCapture {
 public:
  void add(const PacketSpec& packet) { packets_.push_back(packet); }

  // Writes the pcap file and returns the frames our capture layer would deliver for it.
  std::vector<Frame> write(const std::string& path, LinkType link);

 private:
  std::vector<PacketSpec> packets_;
  std::deque<std::vector<uint8_t>> storage_;  // keeps the frames' views valid
};

// The lines tcpdump prints for the file (stdout only), run with TZ set. Fails the test when tcpdump
// is missing.
std::vector<std::string> run_tcpdump(const std::string& path, const std::string& arguments,
                                     const std::string& tz = "UTC");

// Splits text into lines without their newline characters.
std::vector<std::string> split_lines(const std::string& text);

// A fresh path under the build tree for a test's capture file.
std::string temp_capture_path(const std::string& name);

// Our lines for the frames.
std::vector<std::string> print_frames(const std::vector<Frame>& frames, PrinterOptions options);

void expect_lines_equal(const std::vector<std::string>& expected, const std::vector<std::string>& actual,
                        const std::string& what);

// Writes the capture and compares our lines with tcpdump -nn, -nn -v and -nn -vv (up to max_verbose
// -v flags) under the given time stamp flag and time zone.
void expect_matches_tcpdump(GoldenCapture& capture, const std::string& name, LinkType link = LinkType::Ethernet,
                            TimestampMode mode = TimestampMode::TimeOfDay, const std::string& ts_flag = "",
                            const std::string& tz = "UTC", int max_verbose = 2);

}  // namespace sctpkit::trace::printer_testing
