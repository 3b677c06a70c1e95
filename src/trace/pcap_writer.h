// Synthesizing capture files from SCTP packets: wraps each packet in IPv4 or IPv6 (optionally UDP,
// RFC 6951) and a link-layer header, and writes it through libpcap as a classic pcap file. Used for
// golden tests of the printer and for `sctpkit cat --trace-file`.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "trace/capture_source.h"
#include "trace/frame.h"
#include "trace/pcap_handle.h"
#include "wire/byte_io.h"

namespace sctpkit::trace {

// The link layers a PcapWriter can produce.
enum class LinkType : uint8_t {
  Ethernet,   // DLT_EN10MB: 14-byte Ethernet II header
  Raw,        // DLT_RAW (LINKTYPE_RAW in the file): the IP header comes first
  Null,       // DLT_NULL: BSD loopback, a 4-byte address family in the writer's byte order
  LinuxSll,   // DLT_LINUX_SLL: Linux "cooked" v1, 16 bytes
  LinuxSll2,  // DLT_LINUX_SLL2: Linux "cooked" v2, 20 bytes
};

std::string_view to_string(LinkType link);
// The DLT_* value libpcap reports for files written with this link type.
int dlt_of(LinkType link);

struct IpAddress {
  IpVersion version = IpVersion::V4;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4

  static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  // Dotted quad or RFC 4291 text form; nullopt if it is neither.
  static std::optional<IpAddress> parse(std::string_view text);
};

struct UdpPorts {
  uint16_t source = kDefaultUdpEncapsulationPort;
  uint16_t destination = kDefaultUdpEncapsulationPort;
};

// Everything about one synthesized packet except the SCTP bytes themselves.
struct PacketMeta {
  Timestamp timestamp;
  IpAddress source;
  IpAddress destination;            // same version as source
  std::optional<UdpPorts> udp;      // RFC 6951 encapsulation when set
  uint16_t ip_id = 0;               // IPv4 identification
  uint8_t ttl = 64;                 // IPv4 TTL or IPv6 hop limit
  uint8_t tos = 0;                  // IPv4 TOS or IPv6 traffic class
  uint32_t flow_label = 0;          // IPv6 only, 20 bits
  bool outgoing = false;            // Linux cooked headers: "sent by us" rather than "to us"
  uint32_t snaplen = 0;             // record only this many bytes of the frame; 0 records all
};

// The source and destination MAC addresses of synthesized Ethernet and cooked headers.
inline constexpr std::array<uint8_t, 6> kSourceMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
inline constexpr std::array<uint8_t, 6> kDestinationMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

// RFC 1071 Internet checksum (ones' complement of the ones' complement sum) over the parts, taken
// as one byte string. Each part but the last must have an even length.
uint16_t internet_checksum(std::initializer_list<wire::Bytes> parts);

// Writes the whole link-layer frame for `sctp` into `frame` (resized; its capacity is reused, so a
// caller that keeps the vector allocates nothing per packet). Returns false and leaves `frame` empty
// when the packet cannot be represented: source and destination of different IP versions, or too
// long for the IP length field.
bool build_frame(LinkType link, const PacketMeta& meta, wire::Bytes sctp, std::vector<uint8_t>& frame);

class PcapWriter {
 public:
  static constexpr int kDefaultSnaplen = 262144;

  static std::variant<PcapWriter, CaptureError> open(const std::string& path, LinkType link,
                                                     int snaplen = kDefaultSnaplen);

  PcapWriter(PcapWriter&&) noexcept = default;
  PcapWriter& operator=(PcapWriter&&) noexcept = default;
  ~PcapWriter() = default;

  // One SCTP packet, wrapped as `meta` says. False (nothing written) when build_frame refuses it.
  bool write(const PacketMeta& meta, wire::Bytes sctp);
  // A caller-made link-layer frame, recorded as is: for broken and truncated captures. The record
  // says the frame had `wire_length` bytes on the wire (at least frame.size(); 0 means frame.size()).
  void write_raw(Timestamp timestamp, wire::Bytes frame, uint32_t wire_length = 0);

  // Flushes and closes the file; reports a write error (e.g. a full disk). Later writes are ignored.
  std::optional<CaptureError> close();

  [[nodiscard]] LinkType link_type() const { return link_; }

 private:
  PcapWriter(PcapHandle handle, PcapDumper dumper, LinkType link, uint32_t snaplen, std::string path);
  void record(Timestamp timestamp, wire::Bytes frame, uint32_t wire_length, uint32_t snaplen);

  PcapHandle handle_;
  PcapDumper dumper_;
  LinkType link_;
  uint32_t snaplen_;
  std::string path_;
  std::vector<uint8_t> buffer_;
};

}  // namespace sctpkit::trace
