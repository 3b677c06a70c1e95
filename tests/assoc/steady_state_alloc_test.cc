// Issue 3, section 7: "no heap allocation per packet in steady state". Two endpoints joined in
// memory (assoc/in_memory_pair.h, as bench/engine_bench uses them) send a stream of messages; once
// the congestion window, the queues and the recycled buffers have reached their working size, a
// counting operator new (in this test binary) must see nothing while thousands of packets move.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <variant>
#include <vector>

#include "assoc/in_memory_pair.h"
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
// The nothrow forms too (std::stable_sort's temporary buffer uses them): all of them pair with the
// free()-based deletes below, which sanitizers check.
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace sctpkit::assoc {
namespace {

struct Measured {
  uint64_t allocations = 0;
  uint64_t packets = 0;
};

Measured measure(size_t size, int warm_up, int measured) {
  InMemoryPair pair(size);
  pair.expect_fill(0xA5);
  EXPECT_TRUE(pair.connect());
  const std::vector<uint8_t> message(size, 0xA5);
  uint64_t sent = 0;
  // Sends `count` messages round-robin over four streams and waits for all of them.
  const auto send_many = [&](int count) {
    for (int i = 0; i < count; ++i) {
      if (!pair.send(message, static_cast<uint16_t>(sent++ % 4))) return false;
    }
    pair.flush(sent);
    return pair.messages() == sent;
  };
  EXPECT_TRUE(send_many(warm_up));
  const uint64_t packets_before = pair.packets();
  const uint64_t before = g_allocations.load(std::memory_order_relaxed);
  EXPECT_TRUE(send_many(measured));
  Measured m;
  m.allocations = g_allocations.load(std::memory_order_relaxed) - before;
  m.packets = pair.packets() - packets_before;
  EXPECT_TRUE(pair.intact());
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
