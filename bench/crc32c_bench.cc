// CRC32c throughput at the sizes that matter: a small control packet (64 B), a full-MTU packet
// (1452 B: 1500 minus IPv4 and UDP-encapsulation headers and some options) and a large buffer.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "wire/crc32c.h"

namespace sctpkit::wire {
namespace {

using Crc = uint32_t (*)(Bytes, uint32_t);

void run(benchmark::State& state, Crc crc) {
  std::vector<uint8_t> data(static_cast<size_t>(state.range(0)));
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 131 + 7);
  uint32_t value = 0;
  for (auto _ : state) {
    value = crc(data, value);  // chained so no call can be skipped or hoisted
    benchmark::DoNotOptimize(value);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_Crc32cHardware(benchmark::State& state) {
  if (!crc32c_hardware_available()) {
    state.SkipWithError("CPU lacks SSE4.2 or PCLMUL");
    return;
  }
  run(state, &crc32c_hardware);
}
void BM_Crc32cPortable(benchmark::State& state) { run(state, &crc32c_portable); }
// What callers get: the run-time choice plus the indirect call.
void BM_Crc32cDispatch(benchmark::State& state) {
  run(state, [](Bytes d, uint32_t c) { return crc32c(d, c); });
}

BENCHMARK(BM_Crc32cHardware)->Arg(64)->Arg(1452)->Arg(64 * 1024);
BENCHMARK(BM_Crc32cPortable)->Arg(64)->Arg(1452)->Arg(64 * 1024);
BENCHMARK(BM_Crc32cDispatch)->Arg(64)->Arg(1452)->Arg(64 * 1024);

}  // namespace
}  // namespace sctpkit::wire
