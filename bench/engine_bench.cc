// Engine-only throughput (issue 3): two assoc::Endpoints connected in memory, no I/O, no simulator.
// Every packet one endpoint polls is handed straight to the other; virtual time advances only when
// nothing moves (so delayed SACKs and timers fire). Measures user messages per second and payload
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

#include "assoc/endpoint.h"

namespace {
std::atomic<uint64_t> g_allocations{0};

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

// Counting every allocation of the process: the benchmark reads the difference across its loop.
// GCC pairs the replaced new and delete below by their bodies (malloc vs ::operator new) once
// inlined and warns; they are a matched malloc/free pair.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace sctpkit::assoc {
namespace {

using namespace std::chrono_literals;

const auto kAddrA = wire::IpAddress::v4(10, 0, 0, 1);
const auto kAddrB = wire::IpAddress::v4(10, 0, 0, 2);

EndpointConfig config(uint16_t port, bool listen, size_t message_size) {
  EndpointConfig c;
  c.local_port = port;
  c.listen = listen;
  c.receive_buffer = 1 << 24;
  // Deep enough for a full window of packets; deeper only makes the queue fall out of the caches.
  c.send_buffer = std::max<size_t>(64 << 10, 16 * message_size);
  c.max_message_size = std::max<size_t>(c.max_message_size, message_size);
  c.heartbeat_enabled = false;
  return c;
}

// Two endpoints and the wire between them.
class Pair {
 public:
  explicit Pair(size_t message_size)
      : random_a_(1), random_b_(2), a_(config(4000, false, message_size), random_a_, now_),
        b_(config(5000, true, message_size), random_b_, now_) {}

  bool connect() {
    auto r = a_.connect(ConnectRequest{{kAddrB}, 5000}, now_);
    if (!std::holds_alternative<AssociationId>(r)) return false;
    id_ = std::get<AssociationId>(r);
    for (int i = 0; i < 100 && !connected_; ++i) {
      if (!pump()) advance();
    }
    return connected_;
  }

  // Sends one message, moving packets (and time, if nothing moves) until the send buffer takes it.
  bool send(wire::Bytes message, uint16_t stream) {
    for (int stalls = 0; stalls < 1000; ++stalls) {
      if (a_.send(id_, message, wire::StreamId(stream), wire::Ppid(0), false, now_) == SendResult::Ok) return true;
      if (!pump()) advance();
    }
    return false;
  }

  // Moves everything there is to move, both ways, until nothing moves. True if anything did.
  bool pump() {
    bool any = false;
    for (;;) {
      bool moved = false;
      while (auto t = a_.poll_transmit(now_)) {
        b_.handle_packet(t->packet, kAddrA, kAddrB, now_);
        ++packets_;
        moved = true;
      }
      drain_events();
      while (auto t = b_.poll_transmit(now_)) {
        a_.handle_packet(t->packet, kAddrB, kAddrA, now_);
        ++packets_;
        moved = true;
      }
      while (auto e = a_.poll_event()) {
        if (std::holds_alternative<ConnectedEvent>(*e)) connected_ = true;
      }
      if (!moved) return any;
      any = true;
    }
  }

  // Nothing moves: jump to the earliest timer (a delayed SACK, usually) and fire it.
  void advance() {
    ++advances_;
    auto next = a_.next_timeout();
    if (auto tb = b_.next_timeout(); tb && (!next || *tb < *next)) next = tb;
    now_ = next && *next > now_ ? *next : now_ + 1ms;
    a_.handle_timeout(now_);
    b_.handle_timeout(now_);
  }

  // Pushes until the receiver has everything that was sent.
  void flush(uint64_t expected_messages) {
    for (int i = 0; i < 100000 && messages_ < expected_messages; ++i) {
      if (!pump()) advance();
    }
  }

  [[nodiscard]] uint64_t messages() const { return messages_; }
  [[nodiscard]] uint64_t bytes() const { return bytes_; }
  [[nodiscard]] uint64_t packets() const { return packets_; }
  [[nodiscard]] uint64_t advances() const { return advances_; }

 private:
  void drain_events() {
    while (auto e = b_.poll_event()) {
      if (auto* m = std::get_if<MessageEvent>(&*e)) {
        ++messages_;
        bytes_ += m->data.size();
        // Done with it: its buffer carries a later message (no allocation per received message).
        b_.recycle(std::move(*m));
      }
    }
  }

  TimePoint now_{};
  SeededRandom random_a_;
  SeededRandom random_b_;
  Endpoint a_;
  Endpoint b_;
  AssociationId id_{};
  bool connected_ = false;
  uint64_t messages_ = 0;
  uint64_t bytes_ = 0;
  uint64_t packets_ = 0;
  uint64_t advances_ = 0;
};

void BM_EngineThroughput(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  Pair pair(size);
  if (!pair.connect()) {
    state.SkipWithError("handshake did not complete");
    return;
  }
  std::vector<uint8_t> message(size, 0xA5);
  // Warm up: the congestion window opens and every reused buffer reaches its steady size.
  for (int i = 0; i < 2000; ++i) pair.send(message, static_cast<uint16_t>(i % 4));
  pair.flush(2000);

  const uint64_t messages_before = pair.messages();
  const uint64_t bytes_before = pair.bytes();
  const uint64_t packets_before = pair.packets();
  const uint64_t advances_before = pair.advances();
  const uint64_t allocations_before = g_allocations.load(std::memory_order_relaxed);
  uint64_t sent = 2000;
  for (auto _ : state) {
    if (!pair.send(message, static_cast<uint16_t>(sent % 4))) {
      state.SkipWithError("send stalled");
      return;
    }
    ++sent;
  }
  pair.flush(sent);
  const uint64_t allocations = g_allocations.load(std::memory_order_relaxed) - allocations_before;
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
BENCHMARK(BM_EngineThroughput)->Arg(64)->Arg(1024)->Arg(64 << 10)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sctpkit::assoc
