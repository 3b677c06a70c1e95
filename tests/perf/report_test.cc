#include "perf/report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "perf/control.h"

namespace sctpkit::perf {
namespace {

TestResult bulk_result() {
  TestResult r;
  r.mode = Mode::Bulk;
  r.transport = "udp";
  r.message_size = 65536;
  r.streams = 2;
  r.unordered = true;
  r.seconds = 2;
  r.bytes = 250'000'000;
  r.messages = 3815;
  r.server_bytes = 250'000'000;
  r.server_messages = 3815;
  r.intervals.push_back({0, 1, 125'000'000, 1907, 1000, 1 << 20, 0.25});
  return r;
}

TEST(Report, JsonHasTheKeysTheBenchScriptReads) {
  const auto j = to_json(bulk_result());
  for (const char* key : {"mode", "transport", "message_size", "streams", "unordered", "seconds", "bytes", "messages",
                          "throughput_mbps", "messages_per_s", "latency_us", "setups_per_s", "intervals", "server",
                          "idle"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["mode"], "bulk");
  EXPECT_EQ(j["unordered"], true);
  EXPECT_DOUBLE_EQ(j["throughput_mbps"].get<double>(), 1000);  // server bytes * 8 / seconds
  EXPECT_DOUBLE_EQ(j["messages_per_s"].get<double>(), 3815.0 / 2);
  EXPECT_TRUE(j["latency_us"].is_null());
  EXPECT_TRUE(j["setups_per_s"].is_null());
  EXPECT_TRUE(j["idle"].is_null());
  EXPECT_EQ(j["server"]["bytes"], 250'000'000u);
  ASSERT_EQ(j["intervals"].size(), 1u);
  const auto& i = j["intervals"][0];
  for (const char* key : {"start", "end", "bytes", "throughput_mbps", "cwnd", "srtt_ms"})
    EXPECT_TRUE(i.contains(key)) << key;
  EXPECT_EQ(i["cwnd"], 1u << 20);
}

TEST(Report, JsonCarriesLatencySetupAndIdleWhenMeasured) {
  TestResult r;
  r.mode = Mode::Pingpong;
  r.seconds = 1;
  r.messages = 1000;
  r.latency = LatencySummary{40, 60, 90, 400};
  auto j = to_json(r);
  EXPECT_DOUBLE_EQ(j["latency_us"]["p99"].get<double>(), 90);
  EXPECT_DOUBLE_EQ(j["messages_per_s"].get<double>(), 1000);  // round trips, the client's count
  r.mode = Mode::Idle;
  r.idle = IdleSummary{10000, 5000, 25000};
  r.setups_per_s = 1234.5;
  j = to_json(r);
  EXPECT_EQ(j["idle"]["count"], 10000u);
  EXPECT_EQ(j["idle"]["server_rss_kib_after"], 25000);
  EXPECT_DOUBLE_EQ(j["setups_per_s"].get<double>(), 1234.5);
}

TEST(Report, UnitsFollowIperf3) {
  EXPECT_EQ(format_bytes(512), "512 Bytes");
  EXPECT_EQ(format_bytes(1536), "1.50 KBytes");
  EXPECT_EQ(format_bytes(uint64_t{1181116006}), "1.10 GBytes");
  EXPECT_EQ(format_bits_per_second(9.42e9), "9.42 Gbits/sec");
  EXPECT_EQ(format_bits_per_second(250e6), "250.00 Mbits/sec");
  EXPECT_EQ(format_size(1258291), "1.2 MiB");
  EXPECT_EQ(format_size(2048), "2.0 KiB");
}

TEST(Report, IntervalLineShowsRangeAmountRateCwndAndRtt) {
  const auto line = format_interval({0, 1, 1181116006, 10, 9420, 1258291, 0.05}, Mode::Bulk);
  EXPECT_EQ(line.substr(0, 22), "[  1]  0.00- 1.00 sec ");
  EXPECT_NE(line.find("1.10 GBytes"), std::string::npos) << line;
  EXPECT_NE(line.find("9.42 Gbits/sec"), std::string::npos) << line;
  EXPECT_NE(line.find("cwnd 1.2 MiB"), std::string::npos) << line;
  EXPECT_NE(line.find("srtt 0.05 ms"), std::string::npos) << line;
  const auto setup = format_interval({1, 2, 0, 1500, 0, 0, 0}, Mode::Setup);
  EXPECT_NE(setup.find("1500 assocs/sec"), std::string::npos) << setup;
}

TEST(Report, SummaryShowsSenderReceiverAndModeFigures) {
  auto summary = format_summary(bulk_result());
  EXPECT_NE(summary.find("sender"), std::string::npos);
  EXPECT_NE(summary.find("receiver"), std::string::npos);
  EXPECT_NE(summary.find("1.00 Gbits/sec"), std::string::npos) << summary;
  TestResult r;
  r.mode = Mode::Pingpong;
  r.latency = LatencySummary{40, 60, 90, 400};
  EXPECT_NE(format_summary(r).find("p50 40.0  p90 60.0  p99 90.0  max 400.0"), std::string::npos);
  r.mode = Mode::Idle;
  r.idle = IdleSummary{1000, 5000, 7000};
  EXPECT_NE(format_summary(r).find("2.00 KiB each"), std::string::npos) << format_summary(r);
  EXPECT_EQ(format_summary(r).find("caution"), std::string::npos) << format_summary(r);
  r.idle = IdleSummary{1000, 5000, 5000, 1001};
  EXPECT_NE(format_summary(r).find("caution: the server had accepted 1001 associations before this test"),
            std::string::npos)
      << format_summary(r);
  EXPECT_EQ(to_json(r)["idle"]["server_associations_before"], 1001u);
}

TEST(Report, ModesParseBothWays) {
  for (Mode m : {Mode::Bulk, Mode::Rate, Mode::Pingpong, Mode::Setup, Mode::Idle}) EXPECT_EQ(parse_mode(to_string(m)), m);
  EXPECT_FALSE(parse_mode("stream").has_value());
}

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(Control, HelloRoundTrips) {
  Hello h{Mode::Pingpong, 64, 3, true, 2.5, 7};
  auto text = encode(h);
  auto m = decode_control(bytes_of(text));
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->type, ControlType::Hello);
  EXPECT_EQ(m->hello.mode, Mode::Pingpong);
  EXPECT_EQ(m->hello.message_size, 64u);
  EXPECT_EQ(m->hello.streams, 3);
  EXPECT_TRUE(m->hello.unordered);
  EXPECT_DOUBLE_EQ(m->hello.seconds, 2.5);
  EXPECT_EQ(m->hello.count, 7u);
}

TEST(Control, ReportReadyAndEndRoundTrip) {
  ServerReport r{123, 4, 5, 1000, -1};
  const std::string report_text = encode(r);
  auto m = decode_control(bytes_of(report_text));
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->type, ControlType::Report);
  EXPECT_EQ(m->report.bytes, 123u);
  EXPECT_EQ(m->report.associations, 5u);
  EXPECT_EQ(m->report.rss_kib_after, -1);
  EXPECT_EQ(m->report.associations_before, 0u);
  r.associations_before = 77;
  const std::string with_before = encode(r);
  EXPECT_EQ(decode_control(bytes_of(with_before))->report.associations_before, 77u);
  // A server from before the field: none before.
  const auto old_server = decode_control(bytes_of(
      R"({"type":"report","bytes":1,"messages":1,"associations":1,"rss_kib_before":1,"rss_kib_after":1})"));
  ASSERT_TRUE(old_server.has_value());
  EXPECT_EQ(old_server->report.associations_before, 0u);
  const std::string end = encode_end(), ready = encode_ready();
  EXPECT_EQ(decode_control(bytes_of(end))->type, ControlType::End);
  EXPECT_EQ(decode_control(bytes_of(ready))->type, ControlType::Ready);
}

TEST(Control, MalformedMessagesAreRejectedWithoutThrowing) {
  for (std::string bad : {"", "{", "[]", "42", R"({"type":1})", R"({"type":"nope"})", R"({"type":"hello"})",
                          R"({"type":"hello","mode":"warp","message_size":1,"streams":1,"unordered":false,"seconds":1,"count":0})",
                          R"({"type":"hello","mode":"bulk","message_size":-1,"streams":1,"unordered":false,"seconds":1,"count":0})",
                          R"({"type":"hello","mode":"bulk","message_size":1,"streams":0,"unordered":false,"seconds":1,"count":0})",
                          R"({"type":"hello","mode":"bulk","message_size":1,"streams":1,"unordered":"no","seconds":1,"count":0})",
                          R"({"type":"report","bytes":"1"})"})
    EXPECT_FALSE(decode_control(bytes_of(bad)).has_value()) << bad;
}

TEST(Control, ResidentSizeIsReadFromProc) { EXPECT_GT(resident_kib(), 0); }

}  // namespace
}  // namespace sctpkit::perf
