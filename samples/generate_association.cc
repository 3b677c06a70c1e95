// Writes samples/association.pcap: one whole SCTP association between a client and a server, as a
// capture on the server's Ethernet interface would show it. Setup (RFC 9260 5.1), data both ways
// with SACKs (6.2), a heartbeat (8.3) and a graceful shutdown (9.2).
#include <fmt/core.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "trace/pcap_writer.h"
#include "wire/packet.h"

namespace {

using sctpkit::trace::IpAddress;
using sctpkit::trace::PacketMeta;
using sctpkit::trace::PcapWriter;
using sctpkit::trace::Timestamp;
namespace wire = sctpkit::wire;

constexpr uint16_t kClientPort = 60002;
constexpr uint16_t kServerPort = 30102;
constexpr uint32_t kClientTag = 1008070933;
constexpr uint32_t kServerTag = 3195919287;
constexpr uint32_t kClientTsn = 2431437204;
constexpr uint32_t kServerTsn = 1174380815;
constexpr uint32_t kRwnd = 106496;

// A chunk as bytes: type, flags, length, value (PacketBuilder pads it).
std::vector<uint8_t> chunk(uint8_t type, uint8_t flags, const std::vector<uint8_t>& value) {
  std::vector<uint8_t> out(4 + value.size());
  wire::Writer w(out);
  w.u8(type);
  w.u8(flags);
  w.u16(static_cast<uint16_t>(4 + value.size()));
  w.bytes(value);
  return out;
}

struct Value {
  std::vector<uint8_t> bytes;
  Value& u16(uint16_t v) {
    bytes.push_back(static_cast<uint8_t>(v >> 8));
    bytes.push_back(static_cast<uint8_t>(v));
    return *this;
  }
  Value& u32(uint32_t v) { return u16(static_cast<uint16_t>(v >> 16)).u16(static_cast<uint16_t>(v)); }
  Value& raw(const std::vector<uint8_t>& b) {
    bytes.insert(bytes.end(), b.begin(), b.end());
    return *this;
  }
  // A TLV parameter (RFC 9260 3.2.1), padded to 4 bytes.
  Value& param(uint16_t type, const std::vector<uint8_t>& value) {
    u16(type).u16(static_cast<uint16_t>(4 + value.size())).raw(value);
    while (bytes.size() % 4 != 0) bytes.push_back(0);
    return *this;
  }
};

std::vector<uint8_t> text(std::string_view s) { return {s.begin(), s.end()}; }

class Association {
 public:
  explicit Association(PcapWriter& writer) : writer_(writer) {}

  // Sends one packet after `delay_us` microseconds.
  bool send(bool from_client, int64_t delay_us, const std::vector<std::vector<uint8_t>>& chunks,
            uint32_t tag_override = UINT32_MAX) {
    now_us_ += delay_us;
    const uint32_t tag = tag_override != UINT32_MAX ? tag_override : (from_client ? kServerTag : kClientTag);
    std::vector<uint8_t> buffer(1500);
    wire::PacketBuilder builder(buffer, buffer.size(),
                                {from_client ? kClientPort : kServerPort, from_client ? kServerPort : kClientPort,
                                 wire::VerificationTag(tag), 0});
    for (const auto& c : chunks) {
      if (!builder.add_raw(c)) return false;
    }
    const auto packet = builder.finish();
    PacketMeta meta;
    meta.timestamp = Timestamp{now_us_ / 1'000'000, static_cast<int32_t>(now_us_ % 1'000'000)};
    meta.source = from_client ? client_ : server_;
    meta.destination = from_client ? server_ : client_;
    meta.ip_id = 0;
    meta.ttl = 64;
    return writer_.write(meta, packet);
  }

 private:
  PcapWriter& writer_;
  IpAddress client_ = IpAddress::v4(10, 128, 0, 81);
  IpAddress server_ = IpAddress::v4(10, 128, 0, 79);
  int64_t now_us_ = int64_t{1768488655} * 1'000'000 + 792111;  // 2026-01-15 14:50:55.792111 UTC
};

bool generate(PcapWriter& writer) {
  Association a(writer);
  const std::vector<uint8_t> cookie = Value().u32(0x5c0ffee5).u32(kClientTag).u32(kServerTag).u32(1768488655)
                                          .raw(std::vector<uint8_t>(32, 0xa7)).bytes;
  const std::vector<uint8_t> heartbeat_info = Value().u32(1768488672).u32(120033).u32(0x0a80004f).bytes;
  bool ok = true;
  // RFC 9260 5.1: INIT carries verification tag 0; the INIT ACK carries the state cookie.
  ok &= a.send(true, 0, {chunk(1, 0, Value().u32(kClientTag).u32(kRwnd).u16(10).u16(65535).u32(kClientTsn)
                                         .param(12, Value().u16(5).bytes)       // Supported Address Types: IPv4
                                         .param(0x8000, {})                     // ECN capable
                                         .param(0xc000, {})                     // Forward-TSN supported
                                         .bytes)}, 0);
  ok &= a.send(false, 212, {chunk(2, 0, Value().u32(kServerTag).u32(kRwnd).u16(10).u16(10).u32(kServerTsn)
                                          .param(7, cookie)                     // State Cookie
                                          .param(0x8000, {})
                                          .bytes)});
  ok &= a.send(true, 151, {chunk(10, 0, cookie)});
  ok &= a.send(false, 64, {chunk(11, 0, {})});
  // Data from the client, acknowledged by the server's delayed SACK (RFC 9260 6.2: at most 200 ms).
  ok &= a.send(true, 6'184'560, {chunk(0, 3, Value().u32(kClientTsn).u16(0).u16(0).u32(0).raw(text("hello, server\n")).bytes)});
  ok &= a.send(false, 67, {chunk(3, 0, Value().u32(kClientTsn).u32(kRwnd - 14).u16(0).u16(0).bytes)});
  // Two messages back on two streams, bundled, then the client's SACK.
  ok &= a.send(false, 1'503'311, {chunk(0, 3, Value().u32(kServerTsn).u16(0).u16(0).u32(0).raw(text("hello, client\n")).bytes),
                                  chunk(0, 3, Value().u32(kServerTsn + 1).u16(1).u16(0).u32(0).raw(text("bye\n")).bytes)});
  ok &= a.send(true, 199'870, {chunk(3, 0, Value().u32(kServerTsn + 1).u32(kRwnd - 18).u16(0).u16(0).bytes)});
  // A second message from the client, fragmented in two DATA chunks (B, then E).
  ok &= a.send(true, 2'000'113, {chunk(0, 2, Value().u32(kClientTsn + 1).u16(0).u16(1).u32(0).raw(text("part one, ")).bytes),
                                 chunk(0, 1, Value().u32(kClientTsn + 2).u16(0).u16(1).u32(0).raw(text("part two\n")).bytes)});
  ok &= a.send(false, 73, {chunk(3, 0, Value().u32(kClientTsn + 2).u32(kRwnd - 19).u16(0).u16(0).bytes)});
  // RFC 9260 8.3: an idle path is probed with HEARTBEAT, echoed in HEARTBEAT ACK.
  ok &= a.send(false, 30'001'522, {chunk(4, 0, Value().param(1, heartbeat_info).bytes)});
  ok &= a.send(true, 58, {chunk(5, 0, Value().param(1, heartbeat_info).bytes)});
  // RFC 9260 9.2: SHUTDOWN carries the cumulative TSN ack; SHUTDOWN COMPLETE ends the association.
  ok &= a.send(true, 4'381'900, {chunk(7, 0, Value().u32(kServerTsn + 1).bytes)});
  ok &= a.send(false, 61, {chunk(8, 0, {})});
  ok &= a.send(true, 49, {chunk(14, 0, {})});
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: {} OUTPUT.pcap\n", argv[0]);
    return 2;
  }
  auto opened = PcapWriter::open(argv[1], sctpkit::trace::LinkType::Ethernet);
  if (auto* error = std::get_if<sctpkit::trace::CaptureError>(&opened)) {
    fmt::print(stderr, "{}\n", error->message);
    return 1;
  }
  auto& writer = std::get<PcapWriter>(opened);
  const bool ok = generate(writer);
  if (auto error = writer.close()) {
    fmt::print(stderr, "{}\n", error->message);
    return 1;
  }
  if (!ok) {
    fmt::print(stderr, "a sample packet did not fit\n");
    return 1;
  }
  return 0;
}
