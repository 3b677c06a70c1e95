// Issue 3, section 7: "no heap allocation per packet in steady state". Two endpoints joined in
// memory (every packet one polls is handed straight to the other, as bench/engine_bench does) send
// a stream of messages; once the congestion window, the queues and the recycled buffers have
// reached their working size, a counting operator new (in this test binary) must see nothing
// while thousands of packets move.
#include <gtest/gtest.h>

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <variant>
#include <vector>

#include "assoc/endpoint.h"
#include "assoc/tx/message_pool.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// GCC pairs the replaced new and delete below by their bodies once inlined and warns; they are a
// matched malloc/free pair.
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
  c.receive_buffer = 1 << 22;
  c.send_buffer = std::max<size_t>(64 << 10, 16 * message_size);
  c.max_message_size = std::max<size_t>(c.max_message_size, message_size);
  c.heartbeat_enabled = false;
  return c;
}

class InMemoryPair {
 public:
  explicit InMemoryPair(size_t message_size)
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

  bool send(wire::Bytes message, uint16_t stream) {
    for (int stalls = 0; stalls < 1000; ++stalls) {
      if (a_.send(id_, message, wire::StreamId(stream), wire::Ppid(0), false, now_) == SendResult::Ok) return true;
      if (!pump()) advance();
    }
    return false;
  }

  bool pump() {
    bool any = false;
    for (;;) {
      bool moved = false;
      while (auto t = a_.poll_transmit(now_)) {
        b_.handle_packet(t->packet, kAddrA, kAddrB, now_);
        ++packets_;
        moved = true;
      }
      while (auto e = b_.poll_event()) {
        if (auto* m = std::get_if<MessageEvent>(&*e)) {
          ++messages_;
          intact_ = intact_ && m->data.size() == size_ && m->data.front() == 0xA5 && m->data.back() == 0xA5;
          b_.recycle(std::move(*m));
        }
      }
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

  void advance() {
    auto next = a_.next_timeout();
    if (auto tb = b_.next_timeout(); tb && (!next || *tb < *next)) next = tb;
    now_ = next && *next > now_ ? *next : now_ + 1ms;
    a_.handle_timeout(now_);
    b_.handle_timeout(now_);
  }

  void flush(uint64_t expected) {
    for (int i = 0; i < 100000 && messages_ < expected; ++i) {
      if (!pump()) advance();
    }
  }

  // Sends `count` messages of the pair's size round-robin over four streams.
  bool send_many(const std::vector<uint8_t>& message, int count) {
    for (int i = 0; i < count; ++i) {
      if (!send(message, static_cast<uint16_t>(sent_++ % 4))) return false;
    }
    flush(sent_);
    return messages_ == sent_;
  }

  size_t size_ = 0;
  uint64_t packets_ = 0;
  uint64_t messages_ = 0;
  uint64_t sent_ = 0;
  bool intact_ = true;

 private:
  TimePoint now_{};
  SeededRandom random_a_;
  SeededRandom random_b_;
  Endpoint a_;
  Endpoint b_;
  AssociationId id_{};
  bool connected_ = false;
};

struct Measured {
  uint64_t allocations = 0;
  uint64_t packets = 0;
};

Measured measure(size_t size, int warm_up, int measured) {
  // glibc's trimming and mmap thresholds do not matter here: only operator new is counted.
  InMemoryPair pair(size);
  pair.size_ = size;
  EXPECT_TRUE(pair.connect());
  const std::vector<uint8_t> message(size, 0xA5);
  EXPECT_TRUE(pair.send_many(message, warm_up));
  const uint64_t packets_before = pair.packets_;
  const uint64_t before = g_allocations.load(std::memory_order_relaxed);
  EXPECT_TRUE(pair.send_many(message, measured));
  Measured m;
  m.allocations = g_allocations.load(std::memory_order_relaxed) - before;
  m.packets = pair.packets_ - packets_before;
  EXPECT_TRUE(pair.intact_);
  return m;
}

TEST(SteadyStateAllocations, SmallMessagesAllocateNothingPerPacket) {
  // ~15 messages a packet: the window takes longer to reach its working size in messages.
  const Measured m = measure(64, 9000, 9000);
  EXPECT_GT(m.packets, 500u);
  EXPECT_EQ(m.allocations, 0u) << "over " << m.packets << " packets";
}

TEST(SteadyStateAllocations, KilobyteMessagesAllocateNothingPerPacket) {
  const Measured m = measure(1024, 2000, 2000);
  EXPECT_GT(m.packets, 1000u);
  EXPECT_EQ(m.allocations, 0u) << "over " << m.packets << " packets";
}

TEST(SteadyStateAllocations, FragmentedMessagesAllocateNothingPerPacket) {  // RFC 9260 6.9
  const Measured m = measure(16 << 10, 300, 300);
  EXPECT_GT(m.packets, 3000u);
  EXPECT_EQ(m.allocations, 0u) << "over " << m.packets << " packets";
}

TEST(SteadyStateAllocations, CountingHookSeesAllocations) {
  // Guards the test itself: a hook that counted nothing would pass the tests above vacuously.
  const uint64_t before = g_allocations.load(std::memory_order_relaxed);
  auto* p = new std::vector<uint8_t>(10);
  delete p;
  EXPECT_GE(g_allocations.load(std::memory_order_relaxed) - before, 2u);
}

TEST(MessagePool, ReusesReleasedBuffersAndOutlivesItsHandles) {
  std::vector<uint8_t> data(100, 7);
  MessageRef survivor;
  {
    MessagePool pool(1 << 20);
    MessageRef a = pool.copy_of(data);
    MessageRef b = a;
    EXPECT_EQ(a.use_count(), 2u);
    const uint8_t* storage = a.bytes().data();
    a = MessageRef();
    b = MessageRef();
    EXPECT_EQ(pool.spare_count(), 1u);
    const uint64_t before = g_allocations.load(std::memory_order_relaxed);
    MessageRef c = pool.copy_of(data);
    EXPECT_EQ(g_allocations.load(std::memory_order_relaxed) - before, 0u);
    EXPECT_EQ(c.bytes().data(), storage);
    EXPECT_EQ(pool.spare_count(), 0u);
    survivor = c;
  }
  // The pool is gone; the handle still reads its bytes and frees them last (ASan checks the rest).
  ASSERT_EQ(survivor.size(), 100u);
  EXPECT_EQ(survivor.bytes()[99], 7);
}

TEST(MessagePool, KeepsNoMoreSpareBytesThanItsLimit) {
  MessagePool pool(1000);
  MessageRef big = pool.copy_of(std::vector<uint8_t>(4000));
  MessageRef small = pool.copy_of(std::vector<uint8_t>(500));
  big = MessageRef();
  small = MessageRef();
  EXPECT_EQ(pool.spare_count(), 1u);
  EXPECT_LE(pool.spare_bytes(), 1000u);
}

}  // namespace
}  // namespace sctpkit::assoc
