// --json: frame_to_json parsed back and its fields checked, malformed input as values.
#include <gtest/gtest.h>

#include "extras_test_util.h"
#include "trace/packet_json.h"

namespace sctpkit::trace {
namespace {

using namespace extras_testing;
using nlohmann::json;

json round_trip(const Frame& frame, bool check = false) {
  return json::parse(dump_json_line(frame_to_json(frame, {.check = check})));
}

TEST(Json, InitWithParametersHasEveryField) {
  Conversation c;
  auto value = printer_testing::init_value(0x01020304, 65536, 10, 20, 1000);
  const auto params = concat({tlv(5, {192, 0, 2, 1}), tlv(12, {0, 5, 0, 6}), tlv(0x8008, {0xC1, 0x80}),
                              tlv(0xABCD, {9, 9}, false)});
  value.insert(value.end(), params.begin(), params.end());
  const json j = round_trip(c.add(5, true, 0, {{1, 0, value}}), true);
  EXPECT_EQ(j["frame"], 1);
  EXPECT_EQ(j["time"], "1700000000.005000");
  EXPECT_EQ(j["ip"]["version"], 4);
  EXPECT_EQ(j["ip"]["source"], "10.0.0.1");
  EXPECT_FALSE(j.contains("udp"));
  const json& sctp = j["sctp"];
  EXPECT_EQ(sctp["source_port"], 5000);
  EXPECT_EQ(sctp["destination_port"], 30102);
  EXPECT_EQ(sctp["verification_tag"], 0);
  EXPECT_EQ(sctp["checksum_verdict"], "good");
  EXPECT_EQ(sctp["checksum"], sctp["checksum_correct"]);
  ASSERT_EQ(sctp["chunks"].size(), 1u);
  const json& init = sctp["chunks"][0];
  EXPECT_EQ(init["name"], "INIT");
  EXPECT_EQ(init["initiate_tag"], 0x01020304);
  EXPECT_EQ(init["a_rwnd"], 65536);
  EXPECT_EQ(init["outbound_streams"], 10);
  EXPECT_EQ(init["inbound_streams"], 20);
  EXPECT_EQ(init["initial_tsn"], 1000);
  const json& p = init["parameters"];
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0]["name"], "IPv4 Address");
  EXPECT_EQ(p[0]["address"], "192.0.2.1");
  EXPECT_EQ(p[1]["address_types"], json({5, 6}));
  EXPECT_EQ(p[2]["chunk_types"][0]["name"], "ASCONF");
  EXPECT_EQ(p[2]["chunk_types"][1]["type"], 128);
  EXPECT_EQ(p[3]["name"], "unknown");
  EXPECT_EQ(p[3]["value"], "0909");
}

TEST(Json, DataSackAbortAndUnknownChunks) {
  Conversation c;
  const json j = round_trip(c.add(0, false, 7, {data(42, 0x03, 3), sack(41, {{2, 5}}, {40}),
                                                {6, 1, concat({tlv(12, {'b', 'y', 'e'}), tlv(1, {0, 9, 0, 0})})},
                                                {0x42, 0xA5, {1, 2, 3, 4}}}));
  const json& chunks = j["sctp"]["chunks"];
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_EQ(chunks[0]["tsn"], 42);
  EXPECT_EQ(chunks[0]["flags_decoded"]["B"], true);
  EXPECT_EQ(chunks[0]["flags_decoded"]["U"], false);
  EXPECT_EQ(chunks[0]["user_data_length"], 3);
  EXPECT_EQ(chunks[1]["cumulative_tsn_ack"], 41);
  EXPECT_EQ(chunks[1]["gap_ack_blocks"], json::parse(R"([{"start":2,"end":5}])"));
  EXPECT_EQ(chunks[1]["duplicate_tsns"], json({40}));
  EXPECT_EQ(chunks[2]["tag_reflected"], true);
  EXPECT_EQ(chunks[2]["causes"][0]["name"], "User-Initiated Abort");
  EXPECT_EQ(chunks[2]["causes"][0]["reason_text"], "bye");
  EXPECT_EQ(chunks[2]["causes"][1]["code"], 1);
  EXPECT_EQ(chunks[2]["causes"][1]["stream_id"], 9);
  EXPECT_EQ(chunks[3]["name"], "UNKNOWN");
  EXPECT_EQ(chunks[3]["flags"], 0xA5);
  EXPECT_EQ(chunks[3]["value"], "01020304");
  EXPECT_FALSE(j["sctp"].contains("checksum_verdict")) << "only with --check";
}

TEST(Json, TheEncapsulationPortRestartCauseIsNamedWithItsPorts) {
  // draft-tuexen-tsvwg-sctp-udp-encaps-cons 4.4: cause 14, current port then new port.
  Conversation c;
  const json j = round_trip(c.add(0, false, 7, {{6, 0, tlv(14, {0x9c, 0x41, 0x9c, 0x42})}}));
  const json& cause = j["sctp"]["chunks"][0]["causes"][0];
  EXPECT_EQ(cause["name"], "Restart of an Association with New Encapsulation Port");
  EXPECT_EQ(cause["current_port"], 40001);
  EXPECT_EQ(cause["new_port"], 40002);
}

TEST(Json, ErrorsAreValues) {
  Conversation c;
  // A DATA chunk too short for its fields, then an INIT whose parameter runs past the chunk.
  auto init_value = printer_testing::init_value(1, 2, 3, 4, 5);
  const std::vector<uint8_t> bad_param{0, 5, 0, 40, 1, 2, 3, 4};
  init_value.insert(init_value.end(), bad_param.begin(), bad_param.end());
  json j = round_trip(c.add(0, true, 1, {{0, 3, {1, 2, 3}}, {1, 0, init_value}}));
  EXPECT_EQ(j["sctp"]["chunks"][0]["error"], "too short for its fixed fields");
  EXPECT_EQ(j["sctp"]["chunks"][0]["hex"], "00030007010203");
  EXPECT_EQ(j["sctp"]["chunks"][1]["parameters"][0]["error"], "parameter length past the end of its chunk");
  // A chunk length that runs past the packet ends the list with an error entry.
  j = round_trip(c.add(1, true, 1, {{3, 0, {}, uint16_t{40}}}));
  EXPECT_EQ(j["sctp"]["chunks"].back()["error"], "chunk length past the end of the packet");
  // No common header.
  j = round_trip(c.add_bytes(2, true, {1, 2, 3}));
  EXPECT_EQ(j["sctp"]["error"], "packet shorter than the SCTP common header");
  EXPECT_EQ(j["sctp"]["hex"], "010203");
}

TEST(Json, BadAndUncheckableChecksums) {
  Conversation c;
  auto bytes = printer_testing::sctp_packet({data(1, 3)});
  bytes[8] ^= 0xFF;
  json j = round_trip(c.add_bytes(0, true, bytes), true);
  EXPECT_EQ(j["sctp"]["checksum_verdict"], "bad");
  EXPECT_NE(j["sctp"]["checksum"], j["sctp"]["checksum_correct"]);
  auto cut = printer_testing::sctp_packet({data(1, 3, 40)});
  const uint32_t length = static_cast<uint32_t>(cut.size());
  cut.resize(30);
  j = round_trip(c.add_bytes(1, true, cut, length), true);
  EXPECT_EQ(j["sctp"]["checksum_verdict"], "not captured");
  EXPECT_EQ(j["sctp"]["truncated"], true);
}

TEST(Json, HostNameThatIsNotUtf8DoesNotThrow) {
  Conversation c;
  auto value = printer_testing::init_value(1, 2, 3, 4, 5);
  const auto host = tlv(11, {0xFF, 0xFE, 'a', 0});
  value.insert(value.end(), host.begin(), host.end());
  const Frame& f = c.add(0, true, 0, {{1, 0, value}});
  std::string line;
  EXPECT_NO_THROW(line = dump_json_line(frame_to_json(f)));
  EXPECT_TRUE(json::accept(line));
}

TEST(Json, NestedEchoesStopAtADepth) {
  // An ERROR whose Unrecognized Chunk Type cause echoes an ERROR that echoes another, and so on.
  std::vector<uint8_t> chunk{9, 0, 0, 4};
  for (int i = 0; i < 20; ++i) {
    const auto cause = tlv(6, chunk, false);
    chunk = {9, 0, static_cast<uint8_t>((cause.size() + 4) >> 8), static_cast<uint8_t>(cause.size() + 4)};
    chunk.insert(chunk.end(), cause.begin(), cause.end());
  }
  Conversation c;
  std::vector<uint8_t> value(chunk.begin() + 4, chunk.end());
  const json j = round_trip(c.add(0, true, 1, {{9, 0, value}}));
  std::string text = j.dump();
  EXPECT_NE(text.find("\"hex\""), std::string::npos) << "deep levels are shown as hex";
}

}  // namespace
}  // namespace sctpkit::trace
