// Golden tests for ForCES (RFC 5810) in SCTP DATA, the -vv DATA payload dump, and the chunk lines of
// -vv: real tcpdump 4.99 is the oracle at -nn, -nn -v and -nn -vv.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "printer_golden_support.h"

namespace sctpkit::trace {
namespace printer_forces_golden_test {

using printer_testing::ChunkSpec;
using printer_testing::GoldenCapture;
using printer_testing::PacketSpec;

constexpr uint16_t kHighPriority = 6704;  // RFC 5811 5.1
constexpr uint16_t kLowPriority = 6706;
constexpr uint32_t kForcesMediumPpid = 22;  // RFC 5811 5.2

using printer_testing::put_u16;
using printer_testing::put_u32;

struct Header {
  uint8_t type = 0x0f;
  uint8_t version = 1;
  uint32_t source = 0x40000001;
  uint32_t destination = 0x00000001;
  uint64_t correlator = 0x1122334455667788;
  uint32_t flags = 0x40000000;
  int length_adjust = 0;  // added to the length field (in 32-bit words)
};

// RFC 5810 6.1: the common header, its length in 32-bit words, then the body.
std::vector<uint8_t> message(const Header& h, const std::vector<uint8_t>& body = {}) {
  std::vector<uint8_t> out{static_cast<uint8_t>(h.version << 4), h.type};
  put_u16(out, static_cast<uint16_t>((24 + body.size()) / 4 + h.length_adjust));
  put_u32(out, h.source);
  put_u32(out, h.destination);
  put_u32(out, static_cast<uint32_t>(h.correlator >> 32));
  put_u32(out, static_cast<uint32_t>(h.correlator));
  put_u32(out, h.flags);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::vector<uint8_t> message(uint8_t type, const std::vector<uint8_t>& body = {}) {
  Header h;
  h.type = type;
  return message(h, body);
}

// RFC 5810 6.2: a TLV padded to 4 bytes.
std::vector<uint8_t> tlv(uint16_t type, const std::vector<uint8_t>& value) {
  std::vector<uint8_t> out;
  put_u16(out, type);
  put_u16(out, static_cast<uint16_t>(4 + value.size()));
  out.insert(out.end(), value.begin(), value.end());
  while (out.size() % 4 != 0) out.push_back(0);
  return out;
}

std::vector<uint8_t> words(std::initializer_list<uint32_t> values) {
  std::vector<uint8_t> out;
  for (uint32_t v : values) put_u32(out, v);
  return out;
}

std::vector<uint8_t> concat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// RFC 5810 7.1.5: LFB class and instance, then the operation TLV.
std::vector<uint8_t> lfb_select(uint32_t lfb_class, uint16_t operation, const std::vector<uint8_t>& inside) {
  return tlv(0x1000, concat(words({lfb_class, 1}), tlv(operation, inside)));
}

// RFC 5810 7.1.6: PATH-DATA with flags, ids, and the data TLV.
std::vector<uint8_t> path_data(std::initializer_list<uint32_t> ids, const std::vector<uint8_t>& inside) {
  std::vector<uint8_t> value;
  put_u16(value, 0);
  put_u16(value, static_cast<uint16_t>(ids.size()));
  return tlv(0x110, concat(concat(value, words(ids)), inside));
}

ChunkSpec data(const std::vector<uint8_t>& payload, uint32_t ppid = 0, uint32_t tsn = 1) {
  std::vector<uint8_t> value = words({tsn});
  put_u16(value, 1);
  put_u16(value, 2);
  put_u32(value, ppid);
  value.insert(value.end(), payload.begin(), payload.end());
  return ChunkSpec{0, 3, value};
}

class Capture {
 public:
  void add(std::vector<ChunkSpec> chunks, uint16_t source = kHighPriority, uint16_t destination = 40000) {
    PacketSpec p;
    p.timestamp = Timestamp{1700000000 + index_, 1000 * index_};
    ++index_;
    p.sctp = printer_testing::sctp_packet(chunks, source, destination);
    capture_.add(p);
  }
  void add(const std::vector<uint8_t>& payload) { add({data(payload)}); }
  void add_packet(PacketSpec p) {
    p.timestamp = Timestamp{1700000000 + index_, 1000 * index_};
    ++index_;
    capture_.add(p);
  }
  void check(const std::string& name) { printer_testing::expect_matches_tcpdump(capture_, name); }

 private:
  GoldenCapture capture_;
  int index_ = 0;
};

TEST(PrinterForcesGolden, EveryMessageType) {
  Capture capture;
  for (int type = 0; type <= 0x16; ++type) capture.add(message(static_cast<uint8_t>(type)));
  capture.add(message(0xff));
  capture.check("forces-types");
}

TEST(PrinterForcesGolden, HeaderFieldsAndFlags) {
  Capture capture;
  for (uint32_t id : {0u, 0x3fffffffu, 0x40000000u, 0x7fffffffu, 0x80000000u, 0xc0000000u, 0xffffffefu, 0xfffffff0u,
                      0xfffffffdu, 0xfffffffeu, 0xffffffffu}) {
    Header h;
    h.source = id;
    h.destination = ~id;
    capture.add(message(h));
  }
  // RFC 5810 6.1: ACK indicator, priority, reserved, execution mode, atomic, transaction phase.
  for (uint32_t flags : {0x00000000u, 0x80000000u, 0xc0000000u, 0x38000000u, 0x07000000u, 0x00400000u, 0x00800000u,
                         0x00c00000u, 0x00200000u, 0x00080000u, 0x00100000u, 0x00180000u, 0x0007ffffu, 0xffffffffu}) {
    Header h;
    h.flags = flags;
    h.version = 2;
    h.correlator = flags;
    capture.add(message(h));
  }
  capture.check("forces-header");
}

TEST(PrinterForcesGolden, LengthsAndTruncation) {
  Capture capture;
  Header h;
  h.type = 1;
  h.length_adjust = 3;
  capture.add(message(h));                                      // header says longer than the payload
  h.length_adjust = -1;
  capture.add(message(h));                                      // shorter
  capture.add({0x10, 0x01, 0x00});                               // too short for the header: [|forces]
  const auto setup = message(1);
  capture.add(std::vector<uint8_t>(setup.begin(), setup.begin() + 20));
  // A short message followed by another chunk: tcpdump reads the header across the chunk boundary.
  capture.add({data({0x10, 0x01, 0x00}), {11, 0, {}}});
  capture.add({data({0x10, 0x0f, 0x00}), data(message(0x0f), 0, 2)});
  // An odd length in the error dump, and more than one line of it.
  Header odd;
  odd.type = 7;
  auto seven = message(odd, std::vector<uint8_t>(13, 0xee));
  capture.add(seven);
  // The chunk cut by the snapshot length: SCTP's own truncation comes first.
  PacketSpec p;
  p.sctp = printer_testing::sctp_packet({data(message(2, tlv(0x11, words({0}))))}, kHighPriority, 40000);
  p.snaplen = 14 + 20 + 12 + 16 + 10;
  capture.add_packet(p);
  capture.check("forces-lengths");
}

TEST(PrinterForcesGolden, PortsAndPayloadProtocolIdentifiers) {
  Capture capture;
  capture.add({data(message(0x0f), kForcesMediumPpid)}, 5000, 30102);
  // Once a chunk has a ForCES PPID, tcpdump decodes the later DATA chunks of the packet as ForCES too.
  capture.add({data(message(0x0f), 21), data(message(1), 0, 2)}, 5000, 30102);
  capture.add({data(message(0x0f), 0), data(message(1), 23, 2)}, 5000, 30102);
  capture.add({data(message(0x0f)), data(message(3), 0, 2)}, kLowPriority, kLowPriority);
  capture.add({data(message(0x0f))}, 40000, 6705);
  capture.check("forces-ports");
}

TEST(PrinterForcesGolden, TopLevelTlvs) {
  Capture capture;
  capture.add(message(0x0f, tlv(0x10, words({0}))));             // HeartBeat takes no TLV
  capture.add(message(0x0f, words({0})));                         // 4 bytes are not a TLV yet
  capture.add(message(0x0f, words({0, 0})));
  capture.add(message(1, words({0})));
  capture.add(message(2, tlv(0x11, words({1}))));                 // teardown reason
  capture.add(message(2, tlv(0x11, words({1, 2}))));              // of the wrong size
  capture.add(message(2, tlv(0x11, words({300}))));               // out of range
  capture.add(message(0x11, tlv(0x10, words({2}))));              // setup result
  capture.add(message(0x11, tlv(0x10, words({7}))));
  capture.add(message(0x11, tlv(0x10, {})));
  capture.add(message(3, tlv(0x77, words({0}))));                 // unknown top-level TLV
  capture.add(message(3, concat(words({0x10000028}), words({0, 0}))));  // TLV longer than the message
  capture.add(message(3, concat(words({0x10000002}), words({0, 0}))));  // TLV length under 4
  capture.add(message(2, concat(tlv(0x11, words({1})), tlv(0x11, words({1})))));  // one TLV too many
  capture.add(message(0x11, concat(tlv(0x10, words({1})), {0, 0x10})));           // 2 bytes left over
  capture.check("forces-top");
}

TEST(PrinterForcesGolden, LfbSelectorsAndOperations) {
  Capture capture;
  const auto fulldata = tlv(0x112, {'a', 'b', 'c', 'd', 'e', 'f'});
  capture.add(message(3, lfb_select(1, 1, path_data({1, 2}, fulldata))));        // Config SET
  capture.add(message(4, lfb_select(1, 7, path_data({3}, {}))));                  // Query GET
  capture.add(message(5, lfb_select(2, 11, path_data({3}, tlv(0x112, {'x'})))));  // Event REPORT
  capture.add(message(0x13, lfb_select(2, 3, path_data({3}, tlv(0x114, words({0}))))));  // SET-RESPONSE
  capture.add(message(0x14, lfb_select(2, 9, path_data({3}, fulldata))));         // GET-RESPONSE
  capture.add(message(1, lfb_select(2, 11, path_data({3}, fulldata))));           // Setup REPORT
  capture.add(message(3, lfb_select(1, 11, path_data({1}, fulldata))));           // REPORT is not for Config
  capture.add(message(3, lfb_select(1, 0x8001, path_data({1}, fulldata))));       // vendor operation
  capture.add(message(3, lfb_select(1, 1, words({0}))));                          // operation too short
  capture.add(message(3, lfb_select(1, 0x8001, {})));
  capture.add(message(3, tlv(0x1000, words({1, 1}))));                            // no operation
  capture.add(message(3, tlv(0x1000, concat(words({1, 1}), words({0x00010002})))));  // bad operation length
  capture.add(message(3, concat(lfb_select(1, 1, path_data({1}, fulldata)), lfb_select(1, 5, path_data({2}, {})))));
  capture.check("forces-lfb");
}

TEST(PrinterForcesGolden, PacketRedirect) {
  Capture capture;
  const auto metadata = tlv(0x115, concat(words({5, 12}), {'a', 'b', 'c', 'd'}));
  const auto redirect_data = tlv(0x116, {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9'});
  capture.add(message(6, tlv(1, concat(metadata, redirect_data))));
  capture.add(message(6, tlv(1, metadata)));
  capture.add(message(6, tlv(1, tlv(0x115, concat(words({5, 12, 1, 2, 7, 8}), {'z'})))));  // two items, a bad one
  capture.add(message(6, tlv(1, tlv(0x99, words({1, 2})))));       // unknown inside
  capture.add(message(6, tlv(1, words({1}))));                      // too short
  capture.add(message(6, tlv(1, words({1, 2}))));
  capture.add(message(6, tlv(1, concat(redirect_data, words({0x01160020})))));  // bad length inside
  capture.check("forces-redirect");
}

// -vv: each chunk on its own line, DATA payloads dumped in hex and ASCII (not for ForCES).
TEST(PrinterForcesGolden, DoubleVerbosePayloadDump) {
  Capture capture;
  for (size_t size : {1, 2, 15, 16, 17, 33}) {
    std::vector<uint8_t> payload;
    for (size_t i = 0; i < size; ++i) payload.push_back(static_cast<uint8_t>(0x1e + i * 7));
    capture.add({data(payload, 0)}, 5000, 30102);
  }
  capture.add({data({' ', '~', 0x7f, 0x80, 0xff, '!'}, 46), {11, 0, {}}, data({'x'}, 0, 3)}, 5000, 30102);
  capture.check("vv-payload");
}

}  // namespace printer_forces_golden_test
}  // namespace sctpkit::trace
