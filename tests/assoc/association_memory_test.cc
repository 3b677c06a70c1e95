// What an idle association costs its endpoint, counted in heap bytes (glibc's in-use total around
// each call into the server endpoint only) and in sizeof: a test that fails when someone grows it.
// Issue 5's budget is 2 KiB per idle association, measured as server RSS by `sctpkit perf --mode idle`.
#include <gtest/gtest.h>
#include <malloc.h>

#include "assoc/association.h"
#include "endpoint_pair.h"

#if defined(__SANITIZE_ADDRESS__)
#define SCTPKIT_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCTPKIT_UNDER_ASAN 1
#endif
#endif

namespace sctpkit::assoc::testing {
namespace {

constexpr int kAssociations = 500;

// Heap bytes the server endpoint keeps, summed over every call into it.
class ServerHeap {
 public:
  template <typename F>
  auto measure(F&& call) {
    const size_t before = ::mallinfo2().uordblks;
    auto result = call();
    retained_ += static_cast<int64_t>(::mallinfo2().uordblks) - static_cast<int64_t>(before);
    return result;
  }
  [[nodiscard]] int64_t retained() const { return retained_; }

 private:
  int64_t retained_ = 0;
};

// Runs client and server in lock step with no delay, measuring only the server's calls.
// `client_streams`: the OS the clients ask for (RFC 9260 5.1.1; the server accepts up to 65,535).
// `server_streams`: the server's OS (the clients' MIS is 65,535).
[[maybe_unused]] int64_t server_bytes_per_idle_association(int associations = kAssociations,
                                                           uint16_t client_streams = 10,
                                                           uint16_t server_streams = 10) {
  SeededRandom client_random(1), server_random(2);
  EndpointConfig client_config = EndpointPair::default_config(5000, false);
  client_config.outbound_streams = client_streams;
  EndpointConfig server_config = EndpointPair::default_config(7, true);
  server_config.outbound_streams = server_streams;
  server_config.max_associations_per_source = 0;  // every client association comes from one host
  const wire::IpAddress client_address = wire::IpAddress::v4(10, 0, 0, 1);
  const wire::IpAddress server_address = wire::IpAddress::v4(10, 0, 0, 2);
  TimePoint now{};
  Endpoint client(client_config, client_random, now);
  ServerHeap heap;
  std::optional<Endpoint> server;
  heap.measure([&] { return (server.emplace(server_config, server_random, now), 0); });
  const int64_t endpoint_bytes = heap.retained();

  std::vector<uint8_t> packet;
  size_t connected = 0;
  for (int i = 0; i < associations; ++i) {
    ConnectRequest r;
    r.remote_addresses = {server_address};
    r.remote_port = 7;
    r.local_port = static_cast<uint16_t>(10000 + i);
    EXPECT_TRUE(std::holds_alternative<AssociationId>(client.connect(r, now)));
    // INIT, INIT ACK, COOKIE ECHO, COOKIE ACK: until both sides are quiet.
    for (int round = 0; round < 8; ++round) {
      bool any = false;
      while (auto t = client.poll_transmit(now)) {
        packet.assign(t->packet.begin(), t->packet.end());
        heap.measure([&] { return server->handle_packet(packet, client_address, server_address, now); });
        any = true;
      }
      while (client.poll_event()) any = true;
      for (;;) {
        auto t = heap.measure([&] { return server->poll_transmit(now); });
        if (!t) break;
        packet.assign(t->packet.begin(), t->packet.end());
        client.handle_packet(packet, server_address, client_address, now);
        any = true;
      }
      for (;;) {
        auto e = heap.measure([&] { return server->poll_event(); });
        if (!e) break;
        connected += std::holds_alternative<ConnectedEvent>(*e);
        any = true;
      }
      if (!any) break;
    }
  }
  EXPECT_EQ(connected, static_cast<size_t>(associations));
  EXPECT_EQ(server->associations().size(), static_cast<size_t>(associations));
  return (heap.retained() - endpoint_bytes) / associations;
}

TEST(AssociationMemory, IdleAssociationHeapIsSmall) {
#ifdef SCTPKIT_UNDER_ASAN
  GTEST_SKIP() << "AddressSanitizer replaces malloc: glibc's in-use count does not see its allocations";
#else
  const int64_t per_association = server_bytes_per_idle_association();
  RecordProperty("server_heap_bytes_per_idle_association", static_cast<int>(per_association));
  std::printf("server heap per idle association: %lld bytes (sizeof(Association) %zu)\n",
              static_cast<long long>(per_association), sizeof(Association));
  // About 1.65 KB (1.21 KB of it the object itself; 1.73 KB before session 11 closed holes in it,
  // in Path and in the per-destination state, halved the congestion config and made 11 flags
  // bits; 2.15 KB while the send side's per-stream state was made at setup, 2.67 KB while every
  // negotiated inbound stream had its reassembly state from the start, 2.33 KB while raw IP's
  // associations kept a list of UDP ports of 0). It was 3.6 KB with the handshake's state, the
  // ConnectedEvent's ring slot and unused counters held for life; before lazy allocation an 8 KiB
  // TSN bitmap, 4 KiB of SACK scratch and a dozen eagerly allocated deques made it about 20 KiB.
  // This test's endpoints count more than the perf server's RSS shows (issue 5's 2 KiB target,
  // with the net layer's share): the bound catches growth.
  EXPECT_LT(per_association, 1840);
#endif
}

TEST(AssociationMemory, APeerOfferingEveryStreamCostsNoMoreWhileItUsesNone) {
#ifdef SCTPKIT_UNDER_ASAN
  GTEST_SKIP() << "AddressSanitizer replaces malloc: glibc's in-use count does not see its allocations";
#else
  // RFC 9260 14: per-stream state is made as the peer uses streams; with it made for every stream
  // negotiated, each of these associations held 2 MiB.
  const int64_t ten = server_bytes_per_idle_association(50, 10);
  const int64_t all = server_bytes_per_idle_association(50, 65535);
  EXPECT_LT(all, ten + 64) << "10 streams: " << ten << " B, 65,535 streams: " << all << " B per association";
#endif
}

TEST(AssociationMemory, AnAssociationThatNeverSentHoldsNoOutboundStreamState) {
#ifdef SCTPKIT_UNDER_ASAN
  GTEST_SKIP() << "AddressSanitizer replaces malloc: glibc's in-use count does not see its allocations";
#else
  // A server offering every outbound stream (RFC 9260 5.1.1: OS up to 65,535) to clients that
  // accept them all: the send side's per-stream state waits for the first message. Made at setup,
  // it was about 40 B per stream: 2.6 MB per association here, ~400 B with the default 10.
  const int64_t ten = server_bytes_per_idle_association(50, 10, 10);
  const int64_t all = server_bytes_per_idle_association(50, 10, 65535);
  EXPECT_LT(all, ten + 64) << "10 streams: " << ten << " B, 65,535 streams: " << all << " B per association";
#endif
}

TEST(AssociationMemory, AssociationObjectStaysSmall) {
  // Everything an idle association holds inline; grown on purpose, this bound moves with it.
  // 1,224 -> 1,256 in session 11 for hostile peers: the inbound stream table's block index, the
  // I-DATA partial index, the work counter the hostile tests read, the PeerErrorEvent count;
  // 1,256 -> 1,208 (mem17): holes closed, 32-bit path indices and congestion config, 1-bit flags.
  EXPECT_LE(sizeof(Association), 1208u);
}

}  // namespace
}  // namespace sctpkit::assoc::testing
