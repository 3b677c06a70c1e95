// What a hostile peer's input costs in CPU: the wall clock of the floods that tests/assoc/hostile_*
// bound by counting work (unit tests assert no speed). Each case builds the state the attack needs
// outside the timed region and times the one input that used to be quadratic.
//   build/release/bench/hostile_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "assoc/data_sender.h"
#include "assoc/path_manager.h"
#include "assoc/random.h"
#include "assoc/rx/data_receiver.h"
#include "assoc/rx/reassembly.h"
#include "wire/packet.h"
#include "wire/sack_chunks.h"

namespace sctpkit::assoc {
namespace {

using wire::Ssn;
using wire::Tsn;

const uint8_t kByte = 0x5A;

// A one-byte DATA fragment on stream 0; flags "BE", "B" or "E".
DataFragment fragment(uint32_t tsn, uint16_t ssn, bool beginning, bool ending) {
  DataFragment f;
  f.tsn = Tsn(tsn);
  f.stream = wire::StreamId(0);
  f.ssn = Ssn(ssn);
  f.ppid = wire::Ppid(ssn);
  f.beginning = beginning;
  f.ending = ending;
  f.payload = {&kByte, 1};
  return f;
}

ReassemblyConfig reassembly_config(uint32_t buffer) {
  ReassemblyConfig c;
  c.inbound_streams = 2;
  c.max_message_size = buffer;
  c.receive_buffer = buffer;
  return c;
}

// One SACK of 16,379 Gap Ack Blocks (the most a SACK chunk holds) alternating [3, 5000] / [2, 5000]
// over 8,000 tiny messages in flight. Before 306f61e (marking each block's chunks one by one):
// about 43 ms per SACK (attack14: 100 SACKs in 4.34 s, test binary, library -O2).
void BM_OverlappingGapBlocksSack(benchmark::State& state) {
  EndpointConfig config;
  config.max_packet_size = 65000;
  config.send_buffer = 1 << 20;
  SeededRandom random{1};
  const TimePoint now{};
  const std::vector<wire::IpAddress> addresses{wire::IpAddress::v4(10, 0, 0, 1)};
  PathManager paths(config, addresses, addresses.front(), addresses, random, now);
  constexpr uint32_t kInitialTsn = 1000;
  DataSender sender(config, Tsn(kInitialTsn), 1, 100'000'000, paths);
  const std::vector<uint8_t> message(4, 0xAB);
  for (size_t i = 0; i < 8000; ++i) (void)sender.send(message, wire::StreamId(0), wire::Ppid(0), false);
  std::vector<uint8_t> buffer(65000);
  for (;;) {
    wire::PacketBuilder builder(buffer, config.max_packet_size, {1, 2, wire::VerificationTag(9), 0});
    sender.begin_burst();
    sender.write_data(builder, paths.primary(), now);
    if (builder.finish().size() <= 12) break;
  }
  std::vector<wire::GapAckBlock> blocks;
  for (size_t i = 0; i < 16379; ++i) blocks.push_back(i % 2 ? wire::GapAckBlock{2, 5000} : wire::GapAckBlock{3, 5000});
  const wire::SackChunk sack{Tsn(kInitialTsn - 1), 100'000'000, wire::WireList<wire::GapAckBlock>::of(blocks), {}};
  for (auto _ : state) benchmark::DoNotOptimize(sender.on_sack(sack, paths, now).accepted);
  state.counters["chunks_in_flight"] = static_cast<double>(sender.retransmissions().unacked_chunks());
}
BENCHMARK(BM_OverlappingGapBlocksSack)->Unit(benchmark::kMillisecond);

// SSN 0 held back, 400,000 one-byte messages repeating SSN 32,000, then SSNs 32,000 down to 1: the
// time of the one chunk carrying SSN 0, which releases them all. Before 6c3230c (a scan of the
// waiting list per SSN delivered): 7.5 s (attack14, test binary, library -O2).
void BM_ManyWaitingOrderedMessages(benchmark::State& state) {
  const auto repeats = static_cast<uint32_t>(state.range(0));
  constexpr uint16_t kDistinct = 32000;
  for (auto _ : state) {
    state.PauseTiming();
    std::optional<Reassembly> r(std::in_place, reassembly_config(1 << 21));
    uint32_t tsn = 2;
    for (uint32_t i = 0; i < repeats; ++i) (void)r->insert(fragment(tsn++, kDistinct, true, true));
    for (uint16_t ssn = kDistinct; ssn >= 1; --ssn) (void)r->insert(fragment(tsn++, ssn, true, true));
    state.ResumeTiming();
    (void)r->insert(fragment(1, 0, true, true));
    while (auto m = r->pop_message()) benchmark::DoNotOptimize(m->payload.data());
    state.PauseTiming();
    r.reset();  // freeing 432,000 messages is not the attack's cost
    state.ResumeTiming();
  }
  state.counters["messages"] = static_cast<double>(repeats + kDistinct + 1);
}
BENCHMARK(BM_ManyWaitingOrderedMessages)->Arg(400000)->Iterations(5)->Unit(benchmark::kMillisecond);

// B fragments at every other TSN of the 65,535-TSN window, then 10,000 E fragments: the time of
// those 10,000 chunks. Before 7c334e5 (no kMaxPartials, 32,767 partials scanned per chunk):
// 430-550 ms (attack14, test binary, library -O2).
void BM_ManyPartials(benchmark::State& state) {
  constexpr uint32_t kChunks = 10000;
  for (auto _ : state) {
    state.PauseTiming();
    DataReceiverConfig config;
    config.reassembly = reassembly_config(1 << 21);
    config.window_tsns = TsnMap::kMaxWindowTsns;
    std::optional<DataReceiver> rx(std::in_place, config, Tsn(1));
    for (uint32_t tsn = 2; tsn < TsnMap::kMaxWindowTsns; tsn += 2) (void)rx->on_data(fragment(tsn, 0, true, false));
    rx->end_packet(TimePoint{} + std::chrono::seconds(1));
    state.ResumeTiming();
    for (uint32_t tsn = 3; tsn < 3 + 2 * kChunks; tsn += 2) benchmark::DoNotOptimize(rx->on_data(fragment(tsn, 0, false, true)));
    state.PauseTiming();
    rx.reset();
    state.ResumeTiming();
  }
  state.counters["chunks"] = kChunks;
}
BENCHMARK(BM_ManyPartials)->Iterations(5)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sctpkit::assoc
