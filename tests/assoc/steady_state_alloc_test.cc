// Issue 3, section 7: "no heap allocation per packet in steady state". Two endpoints joined in
// memory (assoc/in_memory_pair.h, as bench/engine_bench uses them) send a stream of messages; once
// the congestion window, the queues and the recycled buffers have reached their working size, a
// counting operator new (in this test binary) must see nothing while thousands of packets move.
#include <gtest/gtest.h>

#include <algorithm>
#include <variant>
#include <vector>

#include "assoc/counting_new.h"  // this binary counts every allocation
#include "assoc/in_memory_pair.h"
#include "assoc/tx/message_pool.h"

namespace sctpkit::assoc {
namespace {

struct Measured {
  uint64_t allocations = 0;
  uint64_t packets = 0;
};

// `owned`: each message is built in a buffer from Endpoint::take_send_buffer and handed over
// without a copy (send(&&)), instead of copied from the caller's.
Measured measure(size_t size, int warm_up, int measured, bool owned = false) {
  InMemoryPair pair(size);
  pair.expect_fill(0xA5);
  EXPECT_TRUE(pair.connect());
  const std::vector<uint8_t> message(size, 0xA5);
  uint64_t sent = 0;
  // Sends `count` messages round-robin over four streams and waits for all of them.
  const auto send_many = [&](int count) {
    for (int i = 0; i < count; ++i) {
      const auto stream = static_cast<uint16_t>(sent++ % 4);
      if (!(owned ? pair.send_owned(size, 0xA5, stream) : pair.send(message, stream))) return false;
    }
    pair.flush(sent);
    return pair.messages() == sent;
  };
  EXPECT_TRUE(send_many(warm_up));
  const uint64_t packets_before = pair.packets();
  const uint64_t before = allocations_so_far();
  EXPECT_TRUE(send_many(measured));
  Measured m;
  m.allocations = allocations_so_far() - before;
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

TEST(SteadyStateAllocations, MessagesBuiltInRecycledSendBuffersAllocateNothing) {
  // The buffers go round: sent, acknowledged, handed back by take_send_buffer, filled, sent.
  const Measured m = measure(16 << 10, 300, 300, /*owned=*/true);
  EXPECT_GT(m.packets, 3000u);
  EXPECT_EQ(m.allocations, 0u) << "over " << m.packets << " packets";
}

TEST(SteadyStateAllocations, CountingHookSeesAllocations) {
  // Guards the test itself: a hook that counted nothing would pass the tests above vacuously.
  const uint64_t before = allocations_so_far();
  auto* p = new std::vector<uint8_t>(10);
  delete p;
  EXPECT_GE(allocations_so_far() - before, 2u);
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
    const uint64_t before = allocations_so_far();
    MessageRef c = pool.copy_of(data);
    EXPECT_EQ(allocations_so_far() - before, 0u);
    EXPECT_EQ(c.bytes().data(), storage);
    EXPECT_EQ(pool.spare_count(), 0u);
    survivor = c;
  }
  // The pool is gone; the handle still reads its bytes and frees them last (ASan checks the rest).
  ASSERT_EQ(survivor.size(), 100u);
  EXPECT_EQ(survivor.bytes()[99], 7);
}

TEST(MessagePool, HandsOutSpareBuffersToFillAndAdopt) {
  MessagePool pool(1 << 20);
  EXPECT_EQ(pool.take_buffer().capacity(), 0u);  // nothing spare yet
  MessageRef a = pool.copy_of(std::vector<uint8_t>(300, 1));
  const uint8_t* storage = a.bytes().data();
  a = MessageRef();
  ASSERT_EQ(pool.spare_count(), 1u);
  std::vector<uint8_t> buffer = pool.take_buffer();
  EXPECT_TRUE(buffer.empty());
  EXPECT_GE(buffer.capacity(), 300u);
  EXPECT_EQ(pool.spare_count(), 0u);
  EXPECT_EQ(pool.spare_bytes(), 0u);
  // Filled and adopted again: the same storage, and the slot it left is reused (no allocation).
  const uint64_t before = allocations_so_far();
  buffer.assign(200, 9);
  MessageRef b = pool.adopt(std::move(buffer));
  EXPECT_EQ(allocations_so_far() - before, 0u);
  EXPECT_EQ(b.bytes().data(), storage);
  ASSERT_EQ(b.size(), 200u);
  EXPECT_EQ(b.bytes()[199], 9);
}

TEST(MessagePool, KeepsNoMoreSpareBytesThanItsLimit) {
  MessagePool pool(1000);
  MessageRef big = pool.copy_of(std::vector<uint8_t>(4000));
  MessageRef small = pool.copy_of(std::vector<uint8_t>(500));
  big = MessageRef();
  small = MessageRef();
  // The big buffer was freed (its slot is kept, empty, with the small one's).
  EXPECT_EQ(pool.spare_bytes(), 500u);
  EXPECT_LE(pool.spare_bytes(), 1000u);
}

TEST(MessagePool, MakesSlotsInBlocks) {
  MessagePool pool(1 << 20);
  const std::vector<uint8_t> small(64, 5);
  std::vector<MessageRef> held;
  held.reserve(1000);
  const uint64_t before = allocations_so_far();
  for (int i = 0; i < 1000; ++i) held.push_back(pool.copy_of(small));
  // Not one allocation per message: blocks of 1, 2, 4 ... 512 slots and the list of blocks.
  EXPECT_LT(allocations_so_far() - before, 40u);
  for (const MessageRef& m : held) {
    ASSERT_EQ(m.size(), 64u);
    EXPECT_EQ(m.bytes()[63], 5);
  }
}

TEST(MessagePool, DeepQueuesGetSlotsInHugePageBlocksAndReuseThem) {
  // A deep queue: tens of thousands of small messages at once. Past 16,383 slots the blocks are
  // 2 MiB each (one huge page): every message keeps its own bytes, and once released the slots
  // serve the next fill without a single allocation (a drained pool keeps up to 32,768 of them).
  MessagePool pool(1 << 20);
  constexpr int kCount = 32'000;
  std::vector<MessageRef> held;
  held.reserve(kCount);
  std::vector<uint8_t> bytes(64);
  const auto fill = [&] {
    for (int i = 0; i < kCount; ++i) {
      std::fill(bytes.begin(), bytes.end(), static_cast<uint8_t>(i % 251));
      held.push_back(pool.copy_of(bytes));
    }
  };
  fill();
  for (int i = 0; i < kCount; ++i) {
    ASSERT_EQ(held[i].size(), 64u);
    ASSERT_EQ(held[i].bytes()[0], i % 251);
    ASSERT_EQ(held[i].bytes()[63], i % 251);
  }
  held.clear();
  EXPECT_EQ(pool.spare_count(), static_cast<size_t>(kCount));
  const uint64_t before = allocations_so_far();
  fill();
  EXPECT_EQ(allocations_so_far() - before, 0u);
  EXPECT_EQ(held.back().bytes()[0], (kCount - 1) % 251);
}

TEST(MessagePool, ADrainedDeepQueueGivesBackAllButOneBlockOfSlots) {
  // A rate sender's queue (some 65,000 messages of 64 B): 8 MiB of slots while it is full. Once it
  // drains, one 2 MiB block stays for the next burst; the rest is freed.
  MessagePool pool(1 << 20);
  constexpr size_t kBlock = (size_t{2} << 20) / 128;  // slots in one huge page
  constexpr size_t kDeep = 65'000;
  std::vector<MessageRef> held;
  held.reserve(kDeep);
  const std::vector<uint8_t> small(64, 9);
  const std::vector<uint8_t> large(500, 8);
  for (size_t i = 0; i < kDeep; ++i) held.push_back(pool.copy_of(i % 1000 == 0 ? large : small));
  EXPECT_GE(pool.footprint_bytes(), kDeep * 128);
  held.resize(1);
  EXPECT_GE(pool.footprint_bytes(), kDeep * 128) << "freed while a message is still queued";
  // Its slot, in a block about to go, waits for adopt() (MessagePool::take_buffer).
  std::vector<uint8_t> taken = pool.take_buffer();
  held.clear();
  // One block of slots and its spare list (the deep queue's list is not kept either).
  EXPECT_LE(pool.footprint_bytes(), kBlock * 128 + kBlock * 8 + 64 * 8);
  EXPECT_EQ(pool.spare_count(), kBlock);
  EXPECT_LE(pool.spare_bytes(), kBlock / 1000 * 500 + 500);
  taken.assign(3, 7);
  held.push_back(pool.adopt(std::move(taken)));  // into a slot that still exists
  EXPECT_EQ(held.back().bytes()[2], 7);
  held.clear();
  // What is left serves a burst of a block's messages without an allocation, in order...
  const uint64_t before = allocations_so_far();
  for (size_t i = 0; i < kBlock; ++i) held.push_back(pool.copy_of(small));
  EXPECT_EQ(allocations_so_far() - before, 0u);
  EXPECT_EQ(held.back().bytes()[63], 9);
  // ...and a deeper one grows the pool again.
  held.push_back(pool.copy_of(small));
  EXPECT_GT(pool.footprint_bytes(), kBlock * 128 + kBlock * 8 + 64 * 8);
  EXPECT_EQ(held.back().bytes()[0], 9);
}

TEST(MessagePool, KeepsSmallMessagesInTheSlotItself) {
  MessagePool pool(1 << 20);
  const std::vector<uint8_t> small(MessagePool::kSmallMessage, 3);
  const std::vector<uint8_t> larger(MessagePool::kSmallMessage + 1, 4);
  // Two spare slots that never held a buffer.
  pool.copy_of(small) = MessageRef();
  {
    const MessageRef a = pool.copy_of(small);
    const MessageRef b = pool.copy_of(small);
  }
  ASSERT_EQ(pool.spare_count(), 2u);
  EXPECT_EQ(pool.spare_bytes(), 0u);
  // A small message goes into such a slot as it is; one byte more needs a buffer.
  uint64_t before = allocations_so_far();
  const MessageRef a = pool.copy_of(small);
  EXPECT_EQ(allocations_so_far() - before, 0u);
  before = allocations_so_far();
  const MessageRef b = pool.copy_of(larger);
  EXPECT_EQ(allocations_so_far() - before, 1u);
  ASSERT_EQ(a.size(), small.size());
  EXPECT_TRUE(std::equal(small.begin(), small.end(), a.bytes().begin()));
  ASSERT_EQ(b.size(), larger.size());
  EXPECT_TRUE(std::equal(larger.begin(), larger.end(), b.bytes().begin()));
}

TEST(MessagePool, ASlotServesSmallAndLargeMessagesInTurn) {
  MessagePool pool(1 << 20);
  const std::vector<uint8_t> large(500, 1);
  const std::vector<uint8_t> small(64, 2);
  MessageRef m = pool.copy_of(large);
  m = MessageRef();
  // The spare slot takes a small message into itself and keeps its buffer meanwhile...
  m = pool.copy_of(small);
  ASSERT_EQ(m.size(), 64u);
  EXPECT_EQ(m.bytes()[63], 2);
  m = MessageRef();
  EXPECT_GE(pool.spare_bytes(), 500u);
  // ...for the next large message (no allocation) or for take_buffer().
  const uint64_t before = allocations_so_far();
  m = pool.copy_of(large);
  EXPECT_EQ(allocations_so_far() - before, 0u);
  ASSERT_EQ(m.size(), 500u);
  EXPECT_EQ(m.bytes()[499], 1);
  m = MessageRef();
  std::vector<uint8_t> buffer = pool.take_buffer();
  EXPECT_GE(buffer.capacity(), 500u);
  // An adopted buffer is read from the buffer, even in a slot that held a small message before.
  buffer.assign(10, 7);
  m = pool.adopt(std::move(buffer));
  ASSERT_EQ(m.size(), 10u);
  EXPECT_EQ(m.bytes()[9], 7);
  m = MessageRef();
  m = pool.copy_of(small);
  ASSERT_EQ(m.size(), 64u);
  EXPECT_EQ(m.bytes()[0], 2);
}


// Allocations per setup+teardown on each end, as `sctpkit perf --mode setup` runs them: every
// association from a new client SCTP port, shut down by the client, both ends forgetting it.
struct SetupAllocations {
  double client = 0;
  double server = 0;
};

SetupAllocations allocations_per_setup(int warm_up, int measured) {
  EndpointConfig client_config = InMemoryPair::config(4000, false, 64);
  EndpointConfig server_config = InMemoryPair::config(5000, true, 64);
  SeededRandom client_random(1), server_random(2);
  TimePoint now{};
  Endpoint client(client_config, client_random, now);
  Endpoint server(server_config, server_random, now);
  const wire::IpAddress client_address = wire::IpAddress::v4(10, 0, 0, 1);
  const wire::IpAddress server_address = wire::IpAddress::v4(10, 0, 0, 2);
  uint64_t client_allocations = 0, server_allocations = 0;
  // Runs `call` on one end, charging that end with what it allocated.
  const auto on = [](uint64_t& charged, auto&& call) {
    const uint64_t before = allocations_so_far();
    auto result = call();
    charged += allocations_so_far() - before;
    return result;
  };
  // Moves packets and events both ways until nothing moves.
  const auto pump = [&] {
    for (bool moved = true; moved;) {
      moved = false;
      while (auto t = on(client_allocations, [&] { return client.poll_transmit(now); })) {
        // Encapsulated (RFC 6951), as over UDP: the server keeps the client's encapsulation port.
        on(server_allocations, [&] { return server.handle_packet(t->packet, client_address, server_address, now, 9899); });
        moved = true;
      }
      while (auto t = on(server_allocations, [&] { return server.poll_transmit(now); })) {
        on(client_allocations, [&] { return client.handle_packet(t->packet, server_address, client_address, now); });
        moved = true;
      }
      while (on(client_allocations, [&] { return client.poll_event(); })) moved = true;
      while (on(server_allocations, [&] { return server.poll_event(); })) moved = true;
    }
  };
  const auto setup_and_teardown = [&](int i) {
    ConnectRequest request{{server_address}, 5000, {}, static_cast<uint16_t>(10000 + i)};
    auto id = on(client_allocations, [&] { return client.connect(request, now); });
    ASSERT_TRUE(std::holds_alternative<AssociationId>(id));
    pump();
    on(client_allocations, [&] { return (client.shutdown(std::get<AssociationId>(id), now), 0); });
    pump();
    ASSERT_TRUE(client.associations().empty());
    ASSERT_TRUE(server.associations().empty());
  };
  for (int i = 0; i < warm_up; ++i) setup_and_teardown(i);
  client_allocations = server_allocations = 0;
  for (int i = 0; i < measured; ++i) setup_and_teardown(warm_up + i);
  return {static_cast<double>(client_allocations) / measured, static_cast<double>(server_allocations) / measured};
}

TEST(SetupAllocations, AnEndpointReusesTheNodesAndTheAssociationMemoryOfTheOneThatWent) {
  const SetupAllocations per_setup = allocations_per_setup(8, 64);
  std::printf("allocations per setup+teardown: client %.2f, server %.2f\n", per_setup.client, per_setup.server);
  // The association table and the peer index (on the server the per-source count and the list of
  // encapsulation ports too) made and freed a node per setup, and the Association object its
  // 1.2 KB, and the server copied the peer's address list into the association: client 13, server
  // 12 before mem19, and a graceful ClosedEvent's "shutdown complete" (past std::string's inline
  // 15 characters) one more each end before swarm20. What is left is what an association holds
  // inside (its paths, destinations, peer addresses, the handshake's state, the ClosedEvent).
  EXPECT_LE(per_setup.client, 9.5);
  EXPECT_LE(per_setup.server, 5.5);
}

}  // namespace
}  // namespace sctpkit::assoc
