// Engine-only throughput (issue 3): two assoc::Endpoints connected in memory (assoc/in_memory_pair.h),
// no I/O, no simulator. Measures user messages per second and payload
// bytes per second delivered to the receiving application, and heap allocations per message and per
// packet (a global operator new hook in this binary counts them). Targets (one core): >= 3 M msg/s
// at 64 B, >= 3 GB/s at 64 KiB, no heap allocation per packet in steady state.
//   build/release/bench/engine_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <variant>
#include <vector>

#include "assoc/counting_new.h"  // this binary counts every allocation
#include "assoc/in_memory_pair.h"
#include "assoc/rx/reassembly.h"

namespace {

// glibc gives freed memory at the top of the heap back to the kernel (brk) and maps large blocks
// afresh (mmap), so a 64 KiB message freed and allocated again costs page faults whose count
// depends on which benchmark ran before. A long-running process settles where this does not
// happen; fixing the thresholds measures the engine, not the kernel's page zeroing.
const bool g_malloc_tuned = [] {
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  return true;
}();
}  // namespace


namespace sctpkit::assoc {
namespace {

// Sends by copying each message (Endpoint::send with bytes) or, `owned`, by building it in a
// buffer the engine hands back and giving that buffer over (take_send_buffer + send(&&)).
// `recycle`: the receiver hands every message buffer back (Endpoint::recycle); without, each
// message is reassembled into a new buffer.
void run_throughput(benchmark::State& state, bool owned, bool recycle = true) {
  const size_t size = static_cast<size_t>(state.range(0));
  InMemoryPair pair(size);
  pair.set_recycle(recycle);
  if (!pair.connect()) {
    state.SkipWithError("handshake did not complete");
    return;
  }
  std::vector<uint8_t> message(size, 0xA5);
  const auto send_one = [&](uint64_t n) {
    const auto stream = static_cast<uint16_t>(n % 4);
    return owned ? pair.send_owned(size, 0xA5, stream) : pair.send(message, stream);
  };
  // Warm up: the congestion window opens and every reused buffer reaches its steady size.
  for (uint64_t i = 0; i < 2000; ++i) send_one(i);
  pair.flush(2000);

  const uint64_t messages_before = pair.messages();
  const uint64_t bytes_before = pair.bytes();
  const uint64_t packets_before = pair.packets();
  const uint64_t advances_before = pair.advances();
  const uint64_t allocations_before = allocations_so_far();
  uint64_t sent = 2000;
  for (auto _ : state) {
    if (!send_one(sent)) {
      state.SkipWithError("send stalled");
      return;
    }
    ++sent;
  }
  pair.flush(sent);
  const uint64_t allocations = allocations_so_far() - allocations_before;
  const uint64_t messages = pair.messages() - messages_before;
  const uint64_t packets = pair.packets() - packets_before;
  if (pair.messages() != sent) state.SkipWithError("not every message arrived");
  state.SetItemsProcessed(static_cast<int64_t>(messages));
  state.SetBytesProcessed(static_cast<int64_t>(pair.bytes() - bytes_before));
  state.counters["allocs_per_msg"] = messages ? static_cast<double>(allocations) / static_cast<double>(messages) : 0;
  state.counters["allocs_per_pkt"] = packets ? static_cast<double>(allocations) / static_cast<double>(packets) : 0;
  // Timer wake-ups per message: how often the pair stalled until a delayed SACK or a timer.
  state.counters["timer_jumps_per_msg"] =
      messages ? static_cast<double>(pair.advances() - advances_before) / static_cast<double>(messages) : 0;
  state.counters["pkts_per_msg"] = messages ? static_cast<double>(packets) / static_cast<double>(messages) : 0;
}

void BM_EngineThroughput(benchmark::State& state) { run_throughput(state, false); }
BENCHMARK(BM_EngineThroughput)->Arg(64)->Arg(1024)->Arg(64 << 10)->Unit(benchmark::kMicrosecond);

// One copy less per message: the engine keeps the caller's buffer.
void BM_EngineThroughputOwned(benchmark::State& state) { run_throughput(state, true); }
BENCHMARK(BM_EngineThroughputOwned)->Arg(1024)->Arg(64 << 10)->Unit(benchmark::kMicrosecond);

// A receiver that keeps (frees) every message instead of recycling it: the reassembly buffer is
// new for each message (what the receive side of `sctpkit perf` did).
void BM_EngineThroughputNoRecycle(benchmark::State& state) { run_throughput(state, false, false); }
BENCHMARK(BM_EngineThroughputNoRecycle)->Arg(64 << 10)->Unit(benchmark::kMicrosecond);

// I-DATA reassembly (RFC 8260) with state.range(0) other messages held half received, as when a
// sender interleaves many streams over a lossy path, or a hostile one opens partial messages: one
// two-fragment unordered message per iteration, found by (stream, U, MID) for each fragment.
void BM_IDataMessageAmongPartials(benchmark::State& state) {
  const auto held = static_cast<uint32_t>(state.range(0));
  ReassemblyConfig config;
  config.inbound_streams = 2;
  config.interleaving = true;
  config.receive_buffer = 64 << 20;
  Reassembly reassembly(config);
  const uint8_t byte = 0xA5;
  DataFragment f;
  f.payload = wire::Bytes(&byte, 1);
  f.beginning = true;
  uint32_t tsn = 1;
  // Stream 1 waits for MID 0 for ever: its messages 1..held keep their first fragment only.
  f.stream = wire::StreamId(1);
  for (uint32_t mid = 1; mid <= held; ++mid) {
    f.tsn = wire::Tsn(tsn++);
    f.mid = wire::Mid(mid);
    if (reassembly.insert(f)) state.SkipWithError("a held partial was refused");
  }
  f.stream = wire::StreamId(0);
  f.unordered = true;
  uint32_t mid = 0;
  for (auto _ : state) {
    f.mid = wire::Mid(mid++);
    f.tsn = wire::Tsn(tsn++);
    f.beginning = true;
    f.ending = false;
    f.fsn = wire::Fsn(0);
    const bool first = !reassembly.insert(f);
    f.tsn = wire::Tsn(tsn++);
    f.beginning = false;
    f.ending = true;
    f.fsn = wire::Fsn(1);
    const bool last = !reassembly.insert(f);
    auto message = reassembly.pop_message();
    if (!first || !last || !message) {
      state.SkipWithError("the message did not complete");
      return;
    }
    reassembly.recycle(std::move(message->payload));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IDataMessageAmongPartials)->Arg(0)->Arg(1000)->Arg(30000);

}  // namespace
}  // namespace sctpkit::assoc
