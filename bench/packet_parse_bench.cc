// Receive-path cost of a full packet of 12 chunks: validating the chunk chain, walking it, and
// verifying the checksum, measured separately so each can be compared with the others.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <vector>

#include "wire/packet.h"

namespace sctpkit::wire {
namespace {

constexpr size_t kChunks = 12;
constexpr size_t kPayload = 100;  // 12 x (16 + 100) + 12 = 1404 bytes, a typical bundled packet

// A packet of kChunks DATA chunks (RFC 9260 3.3.1) with consecutive TSNs, built once per run.
std::vector<uint8_t> make_packet() {
  std::vector<uint8_t> buffer(1500);
  PacketBuilder builder(buffer, buffer.size(), {5000, 30102, VerificationTag(0x01020304), 0});
  std::array<uint8_t, 16 + kPayload> chunk{};
  for (size_t i = 0; i < kChunks; ++i) {
    Writer w(chunk);
    w.u8(0);     // DATA
    w.u8(0x03);  // B and E: one unfragmented message
    w.u16(static_cast<uint16_t>(chunk.size()));
    w.u32(static_cast<uint32_t>(1000 + i));  // TSN
    w.u16(0);                                // stream
    w.u16(static_cast<uint16_t>(i));         // SSN
    w.u32(0);                                // PPID
    w.zeros(kPayload);
    if (!builder.add_raw(chunk)) return {};
  }
  const auto packet = builder.finish();
  return {packet.begin(), packet.end()};
}

// Sums a field of every chunk so iteration cannot be optimised away.
size_t walk(const PacketView& view) {
  size_t sum = 0;
  for (const RawChunk& chunk : view) sum += chunk.type + chunk.value.size();
  return sum;
}

void BM_ParseAndIterate(benchmark::State& state) {
  const auto packet = make_packet();
  for (auto _ : state) {
    auto view = PacketView::parse(packet);
    if (!view) {
      state.SkipWithError("packet did not parse");
      return;
    }
    benchmark::DoNotOptimize(walk(*view));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * packet.size()));
}

void BM_VerifyChecksum(benchmark::State& state) {
  const auto packet = make_packet();
  for (auto _ : state) benchmark::DoNotOptimize(verify_checksum(packet));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * packet.size()));
}

// What a receiver does before handing chunks to the engine.
void BM_VerifyParseAndIterate(benchmark::State& state) {
  const auto packet = make_packet();
  for (auto _ : state) {
    if (!verify_checksum(packet)) {
      state.SkipWithError("bad checksum");
      return;
    }
    auto view = PacketView::parse(packet);
    if (!view) {
      state.SkipWithError("packet did not parse");
      return;
    }
    benchmark::DoNotOptimize(walk(*view));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * packet.size()));
}

BENCHMARK(BM_ParseAndIterate);
BENCHMARK(BM_VerifyChecksum);
BENCHMARK(BM_VerifyParseAndIterate);

// Typed chunk parsing (DATA, SACK, ... into their structs) belongs here once the chunk codecs
// land: a BM_ParseTyped case that parses each RawChunk of the same packet into its type, so its
// cost reads directly against BM_ParseAndIterate.

}  // namespace
}  // namespace sctpkit::wire
