// What recvmmsg/sendmmsg, and UDP GSO/GRO on top of them, buy over one system call per packet:
// UDP-encapsulated SCTP packets over loopback, a batch sent by one transport and received by
// another per iteration (32 packets; 64, a full GSO train, for the offload variants).
//   build/release/bench/net_udp_batch_bench
#include <benchmark/benchmark.h>
#include <poll.h>

#include <array>
#include <vector>

#include "net/udp_encap_transport.h"
#include "wire/byte_io.h"

namespace {

using namespace sctpkit;

std::unique_ptr<net::UdpEncapTransport> open(uint16_t remote, bool offload) {
  net::UdpEncapOptions o;
  o.offload = offload;
  o.local_port = 0;
  o.remote_port = remote;
  o.local_addresses = {wire::IpAddress::v4(127, 0, 0, 1)};
  return std::move(std::get<0>(net::UdpEncapTransport::open(o)));
}

void round_trip(benchmark::State& state, bool batching, bool offload) {
  const size_t size = static_cast<size_t>(state.range(0));
  auto receiver = open(net::kSctpUdpPort, offload);
  auto sender = open(receiver->local_port(), offload);
  if (offload && !sender->gso()) {
    state.SkipWithError("no UDP GSO on this kernel");
    return;
  }
  receiver->bind_port(5000);
  sender->set_batching(batching);
  receiver->set_batching(batching);
  std::vector<uint8_t> packet(size, 0x5a);
  wire::store_u16(packet, 0, 6000);
  wire::store_u16(packet, 2, 5000);
  const auto loopback = wire::IpAddress::v4(127, 0, 0, 1);
  const size_t batch = offload ? net::BatchIo::kMaxSegments : net::BatchIo::kBatch;
  std::vector<net::OutgoingPacket> out(batch, net::OutgoingPacket{{}, loopback, packet});
  std::array<net::ReceivedPacket, net::BatchIo::kBatch> in;
  pollfd p{receiver->fds()[0], POLLIN, 0};
  for (auto _ : state) {
    sender->send(out);
    size_t got = 0;
    while (got < out.size()) {
      const size_t n = receiver->receive(in);
      if (n == 0 && ::poll(&p, 1, 1000) <= 0) break;  // a lost datagram must not hang the run
      got += n;
    }
    benchmark::DoNotOptimize(got);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * out.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size() * size));
}

void BM_UdpGsoGro(benchmark::State& state) { round_trip(state, true, true); }
void BM_UdpBatched(benchmark::State& state) { round_trip(state, true, false); }
void BM_UdpPerPacket(benchmark::State& state) { round_trip(state, false, false); }

BENCHMARK(BM_UdpGsoGro)->Arg(100)->Arg(1200);
BENCHMARK(BM_UdpBatched)->Arg(100)->Arg(1200);
BENCHMARK(BM_UdpPerPacket)->Arg(100)->Arg(1200);

}  // namespace
