// sctpkit's sans-IO engine driven by hand: no sockets, no threads, no wall clock. Two endpoints (a
// client and a server) exchange packets through a std::deque that stands for the network, and a
// virtual clock stands for time; a real embedder puts its own sockets (or a DPDK ring, or a
// simulator) where the deque is and its own clock where `now` is. The loop is the one the engine
// asks for (<assoc/endpoint.h>, installed under include/sctpkit/engine): feed packets and expired
// timers in, drain poll_transmit() and poll_event(), sleep until next_timeout().
//   sans_io            exits 0 once the message came back and the association shut down
#include <assoc/endpoint.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <string>
#include <variant>
#include <vector>

namespace assoc = sctpkit::assoc;
namespace wire = sctpkit::wire;
using namespace std::chrono_literals;

namespace {

struct Packet {
  std::vector<uint8_t> bytes;
  wire::IpAddress source, destination;
};

const auto kClientIp = wire::IpAddress::v4(192, 0, 2, 1);
const auto kServerIp = wire::IpAddress::v4(192, 0, 2, 2);

// Everything `from` wants to send, onto `link` (poll_transmit's bytes live until the next call).
// An unspecified source is the embedder's to choose, as the kernel does for a wildcard socket.
void drain_transmits(assoc::Endpoint& from, const wire::IpAddress& self, assoc::TimePoint now,
                     std::deque<Packet>& link) {
  while (auto t = from.poll_transmit(now))
    link.push_back({{t->packet.begin(), t->packet.end()}, t->source.is_unspecified() ? self : t->source,
                    t->destination});
}

}  // namespace

int main() {
  assoc::TimePoint now{};  // the embedder's clock: here virtual, starting at 0
  assoc::CryptoRandom random;

  assoc::EndpointConfig server_config;
  server_config.local_port = 5000;
  server_config.listen = true;
  assoc::EndpointConfig client_config;
  client_config.local_port = 49200;
  for (const auto* c : {&server_config, &client_config}) {
    if (auto problem = assoc::validate(*c)) {
      std::fprintf(stderr, "sans_io: %s\n", problem->c_str());
      return 1;
    }
  }
  assoc::Endpoint server(server_config, random, now);
  assoc::Endpoint client(client_config, random, now);

  assoc::ConnectRequest request;
  request.remote_addresses = {kServerIp};
  request.remote_port = 5000;
  auto connected = client.connect(request, now);
  if (!std::holds_alternative<assoc::AssociationId>(connected)) return 1;
  const auto id = std::get<assoc::AssociationId>(connected);

  std::deque<Packet> to_server, to_client;
  bool sent = false, echoed = false, closed = false;
  for (int round = 0; round < 1000 && !closed; ++round) {
    drain_transmits(client, kClientIp, now, to_server);
    drain_transmits(server, kServerIp, now, to_client);
    if (to_server.empty() && to_client.empty()) {
      // Nothing in flight: sleep (here: jump) until the earliest timer either endpoint wants (a
      // delayed SACK, RFC 9260 6.2; a retransmission, 6.3), then let both handle what expired.
      auto next = client.next_timeout();
      if (auto t = server.next_timeout(); t && (!next || *t < *next)) next = t;
      if (next && *next > now) now = *next;
      client.handle_timeout(now);
      server.handle_timeout(now);
    } else {
      now += 1ms;  // the network: every packet arrives 1 ms later, in order
      for (; !to_server.empty(); to_server.pop_front())
        server.handle_packet(to_server.front().bytes, to_server.front().source, kServerIp, now);
      for (; !to_client.empty(); to_client.pop_front())
        client.handle_packet(to_client.front().bytes, to_client.front().source, kClientIp, now);
    }

    // The server echoes each message on its stream with its PPID.
    while (auto event = server.poll_event()) {
      if (auto* m = std::get_if<assoc::MessageEvent>(&*event))
        server.send(m->id, m->data, m->stream, m->ppid, m->unordered, now);
    }
    while (auto event = client.poll_event()) {
      if (std::holds_alternative<assoc::ConnectedEvent>(*event) && !sent) {
        const std::string hello = "hello, sans-IO";
        sent = client.send(id, {reinterpret_cast<const uint8_t*>(hello.data()), hello.size()}, wire::StreamId(0),
                           wire::Ppid(46), false, now) == assoc::SendResult::Ok;
      } else if (auto* m = std::get_if<assoc::MessageEvent>(&*event)) {
        std::printf("echoed: %.*s\n", static_cast<int>(m->data.size()), reinterpret_cast<const char*>(m->data.data()));
        echoed = true;
        client.shutdown(id, now);  // RFC 9260 9.2
      } else if (auto* c = std::get_if<assoc::ClosedEvent>(&*event)) {
        closed = true;
        const bool graceful = c->reason == assoc::CloseReason::Graceful;
        std::printf("closed: %s\n", graceful ? "graceful shutdown" : c->detail.c_str());
      }
    }
  }
  return sent && echoed && closed ? 0 : 1;
}
