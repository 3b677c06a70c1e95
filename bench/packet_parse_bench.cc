// Receive-path cost of a full packet of 12 chunks: validating the chunk chain, walking it, parsing
// each chunk into its typed view, and verifying the checksum, measured separately so each can be
// compared with the others. BM_ParseTyped and BM_ParseAndIterate run on the same packets (argument 0:
// 12 DATA chunks; 1: a SACK with gap blocks, a HEARTBEAT and 10 DATA chunks) and read side by side.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <vector>

#include "wire/chunk.h"
#include "wire/packet.h"

namespace sctpkit::wire {
namespace {

constexpr size_t kChunks = 12;
constexpr size_t kPayload = 100;  // 12 x (16 + 100) + 12 = 1404 bytes, a typical bundled packet

enum class Mix { Data = 0, Control = 1 };

// A packet of kChunks DATA chunks (RFC 9260 3.3.1) with consecutive TSNs, built once per run; with
// Mix::Control the first two are a SACK with 4 gap blocks (3.3.4) and a HEARTBEAT (3.3.5).
std::vector<uint8_t> make_packet(Mix mix = Mix::Data) {
  std::vector<uint8_t> buffer(1500);
  PacketBuilder builder(buffer, buffer.size(), {5000, 30102, VerificationTag(0x01020304), 0});
  size_t first_data = 0;
  if (mix == Mix::Control) {
    std::array<uint8_t, 4 + 12 + 4 * 4> sack{};
    Writer w(sack);
    w.u8(3);
    w.u8(0);
    w.u16(static_cast<uint16_t>(sack.size()));
    w.u32(999);    // cumulative TSN ack
    w.u32(65536);  // a_rwnd
    w.u16(4);      // gap blocks
    w.u16(0);      // duplicate TSNs
    for (uint16_t g = 0; g < 4; ++g) {
      w.u16(static_cast<uint16_t>(2 + 3 * g));
      w.u16(static_cast<uint16_t>(3 + 3 * g));
    }
    std::array<uint8_t, 4 + 4 + 16> heartbeat{};
    Writer h(heartbeat);
    h.u8(4);
    h.u8(0);
    h.u16(static_cast<uint16_t>(heartbeat.size()));
    h.u16(1);  // RFC 9260 3.3.5: Heartbeat Info parameter
    h.u16(4 + 16);
    h.zeros(16);
    if (!builder.add_raw(sack) || !builder.add_raw(heartbeat)) return {};
    first_data = 2;
  }
  std::array<uint8_t, 16 + kPayload> chunk{};
  for (size_t i = first_data; i < kChunks; ++i) {
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

// Parses every chunk into its typed form and sums one field of it, the typed counterpart of walk().
size_t walk_typed(const PacketView& view) {
  size_t sum = 0;
  for (const RawChunk& raw : view) {
    auto chunk = parse_chunk(raw);
    if (!chunk) return 0;
    sum += chunk_type(*chunk);
    if (const auto* data = std::get_if<DataChunk>(&*chunk)) sum += data->tsn.value() + data->user_data.size();
    if (const auto* sack = std::get_if<SackChunk>(&*chunk)) sum += sack->cumulative_tsn_ack.value();
  }
  return sum;
}

// Parses the packet of the benchmark's argument and walks it with `walk_chunks` each iteration; a
// walk that returns 0 means a chunk did not parse.
template <typename Walk>
void parse_and_walk(benchmark::State& state, Walk walk_chunks) {
  const auto packet = make_packet(static_cast<Mix>(state.range(0)));
  for (auto _ : state) {
    auto view = PacketView::parse(packet);
    if (!view) {
      state.SkipWithError("packet did not parse");
      return;
    }
    const size_t sum = walk_chunks(*view);
    if (sum == 0) {
      state.SkipWithError("a chunk did not parse");
      return;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * packet.size()));
}

void BM_ParseAndIterate(benchmark::State& state) { parse_and_walk(state, walk); }

void BM_ParseTyped(benchmark::State& state) { parse_and_walk(state, walk_typed); }

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

BENCHMARK(BM_ParseAndIterate)->Arg(0)->Arg(1);
BENCHMARK(BM_ParseTyped)->Arg(0)->Arg(1);
BENCHMARK(BM_VerifyChecksum);
BENCHMARK(BM_VerifyParseAndIterate);

}  // namespace
}  // namespace sctpkit::wire
