// Stateful fuzzing of the engine (issue 3). Two real Endpoints, A (client) and B (listening), talk
// through two in-memory queues that the fuzz input controls. The first byte picks a starting state
// (CLOSED/listening, COOKIE-WAIT, COOKIE-ECHOED, ESTABLISHED with data in flight, SHUTDOWN-PENDING,
// SHUTDOWN-SENT, SHUTDOWN-RECEIVED, SHUTDOWN-ACK-SENT), reached by a fixed script; the rest becomes
// a sequence of operations: deliver, drop, duplicate or mutate a queued packet, inject a packet built
// from fuzz bytes (valid CRC and the right verification tag most of the time, with fields near TSNs
// and tags seen on the wire, so that it gets past the first checks), raw bytes, clock jumps (timer
// expiries) and user calls (connect, send, shutdown, abort). A takes its messages as MessageEvents
// (Endpoint::poll_event()), B through a MessageSink (poll_event(MessageSink&), the net layer's way).
//
// Invariants checked besides the sanitizers' (trap on violation):
//   - no event or message for an association after its ClosedEvent, and no event for an unknown
//     association; no MessageEvent where a sink takes the messages;
//   - a delivered message is never larger than max_message_size and never empty;
//   - the send queue never holds more than send_buffer (plus one message) bytes;
//   - an endpoint never holds more than max_associations associations;
//   - one drain of poll_transmit ends (no endless packet stream);
//   - after handle_timeout(now), next_timeout() is in the future (no busy wake-up loop).
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <variant>
#include <vector>

#include "assoc/endpoint.h"
#include "wire/byte_io.h"
#include "wire/packet.h"

namespace {

using namespace sctpkit;
using namespace std::chrono_literals;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

// RFC 9260 6.8: CRC32c over the packet, stored least significant byte first (as PacketBuilder does).
void fix_checksum(std::vector<uint8_t>& packet) {
  if (packet.size() < 12) return;
  std::fill(packet.begin() + 8, packet.begin() + 12, 0);
  const uint32_t crc = wire::compute_checksum(packet);
  for (int i = 0; i < 4; ++i) packet[8 + static_cast<size_t>(i)] = static_cast<uint8_t>(crc >> (8 * i));
}

const auto kAddrA = wire::IpAddress::v4(10, 0, 0, 1);
const auto kAddrB = wire::IpAddress::v4(10, 0, 0, 2);
constexpr uint16_t kPortA = 4000;
constexpr uint16_t kPortB = 5000;
constexpr size_t kMaxQueued = 64;          // packets held per direction by the harness
constexpr size_t kMaxDrain = 4096;         // packets one drain may produce
constexpr size_t kMaxOperations = 400;

assoc::EndpointConfig make_config(uint16_t port, bool listen) {
  assoc::EndpointConfig c;
  c.local_port = port;
  c.listen = listen;
  c.max_associations = 4;
  c.outbound_streams = 4;
  c.max_inbound_streams = 4;
  c.receive_buffer = 64 << 10;
  c.send_buffer = 64 << 10;
  c.max_message_size = 32 << 10;
  c.max_packet_size = 1200;
  c.heartbeat_interval = 5s;
  return c;
}

// One endpoint, its view of the events, and the packets it sent that the harness has not delivered.
struct Side {
  Side(const assoc::EndpointConfig& config, uint64_t seed, assoc::TimePoint now, wire::IpAddress self)
      : random(seed), endpoint(config, random, now), address(self) {}

  assoc::SeededRandom random;
  assoc::Endpoint endpoint;
  wire::IpAddress address;
  std::deque<std::vector<uint8_t>> outbox;  // sent, not yet delivered to the peer
  std::set<uint32_t> known;                 // associations that reported something
  std::set<uint32_t> closed;                // associations that reported ClosedEvent
  std::optional<assoc::AssociationId> current;
  uint64_t messages = 0;
  // Messages through Endpoint::poll_event(MessageSink&), as the net layer takes them, rather than
  // as MessageEvents: the fuzzer drives both delivery paths, one per side.
  bool sink_messages = false;
};

// The checks settle() makes of a MessageEvent, for a message handed to a sink.
class CheckingSink final : public assoc::MessageSink {
 public:
  explicit CheckingSink(Side& side) : side_(side) {}

 private:
  void on_message(assoc::AssociationId id, wire::StreamId, wire::Ppid, bool, std::vector<uint8_t>&& data) override {
    check(!side_.closed.count(id.value));  // nothing after ClosedEvent
    side_.known.insert(id.value);
    check(!data.empty() && data.size() <= side_.endpoint.config().max_message_size);
    ++side_.messages;
  }
  Side& side_;
};

class Harness {
 public:
  explicit Harness(FuzzedDataProvider& fdp)
      : fdp_(fdp), a_(make_config(kPortA, false), 1, now_, kAddrA), b_(make_config(kPortB, true), 2, now_, kAddrB) {
    b_.sink_messages = true;
  }

  void reach(uint8_t start) {
    switch (start % 8) {
      case 0:  // CLOSED: A has no association, B listens
        return;
      case 1:  // COOKIE-WAIT: INIT queued
        connect();
        return;
      case 2:  // COOKIE-ECHOED: COOKIE ECHO queued
        connect();
        deliver(a_, b_);
        deliver(b_, a_);
        return;
      default:
        break;
    }
    connect();
    for (int i = 0; i < 6; ++i) {
      deliver_all();
    }
    if (!a_.current || !b_.current) return;
    switch (start % 8) {
      case 3:  // ESTABLISHED with data in flight both ways
        send_some(a_, 6);
        send_some(b_, 3);
        return;
      case 4:  // SHUTDOWN-PENDING: A has data outstanding and the user asked to shut down
        send_some(a_, 6);
        user_shutdown(a_);
        return;
      case 5:  // SHUTDOWN-SENT: A idle, SHUTDOWN queued
        user_shutdown(a_);
        return;
      case 6:  // SHUTDOWN-RECEIVED: B has data outstanding when A's SHUTDOWN arrives
        send_some(b_, 6);
        user_shutdown(a_);
        drop_all(b_);
        deliver(a_, b_);
        return;
      case 7:  // SHUTDOWN-ACK-SENT: B idle receives SHUTDOWN, SHUTDOWN ACK queued
        user_shutdown(a_);
        deliver(a_, b_);
        return;
    }
  }

  void run() {
    for (size_t n = 0; n < kMaxOperations && fdp_.remaining_bytes() > 0; ++n) {
      const bool to_b = fdp_.ConsumeBool();
      Side& from = to_b ? a_ : b_;
      Side& to = to_b ? b_ : a_;
      switch (fdp_.ConsumeIntegralInRange<int>(0, 11)) {
        case 0:
        case 1:
        case 2:
          deliver(from, to);
          break;
        case 3:
          if (!from.outbox.empty()) from.outbox.pop_front();  // loss
          break;
        case 4:
          if (!from.outbox.empty() && from.outbox.size() < kMaxQueued) from.outbox.push_back(from.outbox.front());
          break;
        case 5:
          if (from.outbox.size() > 1) std::swap(from.outbox[0], from.outbox[1]);  // reordering
          break;
        case 6:
          mutate_and_deliver(from, to);
          break;
        case 7:
        case 8:
          inject(from, to);
          break;
        case 9:
          advance();
          break;
        case 10:
          user_call(from);
          break;
        case 11:
          deliver_all();
          break;
      }
    }
    // Whatever state the input left: let time run out, so that every timer path executes.
    for (int i = 0; i < 8; ++i) {
      deliver_all();
      advance_by(std::chrono::seconds(int64_t{1} << i));
    }
  }

 private:
  // ---- moving packets
  void deliver(Side& from, Side& to) {
    if (from.outbox.empty()) return;
    std::vector<uint8_t> packet = std::move(from.outbox.front());
    from.outbox.pop_front();
    hand(to, from.address, packet);
  }
  void deliver_all() {
    for (int i = 0; i < 64 && (!a_.outbox.empty() || !b_.outbox.empty()); ++i) {
      deliver(a_, b_);
      deliver(b_, a_);
    }
  }
  void drop_all(Side& side) { side.outbox.clear(); }

  void hand(Side& to, const wire::IpAddress& source, wire::Bytes packet) {
    harvest(packet);
    to.endpoint.handle_packet(packet, source, to.address, now_);
    settle(to);
  }

  // A queued packet with fuzz-chosen bytes overwritten; the checksum is usually fixed up so that the
  // change reaches the chunk parsers.
  void mutate_and_deliver(Side& from, Side& to) {
    if (from.outbox.empty()) return;
    std::vector<uint8_t> packet = std::move(from.outbox.front());
    from.outbox.pop_front();
    const int edits = fdp_.ConsumeIntegralInRange<int>(1, 4);
    for (int i = 0; i < edits && !packet.empty(); ++i) {
      const size_t at = fdp_.ConsumeIntegralInRange<size_t>(12, std::max<size_t>(12, packet.size() - 1));
      if (at < packet.size()) packet[at] = fdp_.ConsumeIntegral<uint8_t>();
    }
    if (fdp_.ConsumeProbability<float>() < 0.9f) fix_checksum(packet);
    hand(to, from.address, packet);
  }

  // A packet built from fuzz bytes: common header with the right ports and (usually) the tag the
  // receiver expects, then chunks whose first 32-bit field is near a value seen on the wire.
  void inject(Side& from, Side& to) {
    std::array<uint8_t, 1500> buffer{};
    wire::Writer w(buffer);
    const bool raw = fdp_.ConsumeProbability<float>() < 0.1f;
    w.u16(from.address == kAddrA ? kPortA : kPortB);
    w.u16(to.address == kAddrA ? kPortA : kPortB);
    uint32_t tag = fdp_.ConsumeIntegral<uint32_t>();
    if (fdp_.ConsumeProbability<float>() < 0.85f && to.current) {
      if (auto st = to.endpoint.status(*to.current)) tag = st->local_tag.value();
    }
    w.u32(tag);
    w.u32(0);
    const int chunks = fdp_.ConsumeIntegralInRange<int>(1, 4);
    for (int c = 0; c < chunks; ++c) {
      static constexpr std::array<uint8_t, 18> kTypes = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 64, 192, 0x87};
      const uint8_t type = kTypes[fdp_.ConsumeIntegralInRange<size_t>(0, kTypes.size() - 1)];
      const uint8_t flags = fdp_.ConsumeIntegral<uint8_t>();
      std::vector<uint8_t> body = fdp_.ConsumeBytes<uint8_t>(fdp_.ConsumeIntegralInRange<size_t>(0, 40));
      if (body.size() >= 4 && fdp_.ConsumeBool() && !seen_.empty()) {
        const uint32_t base = seen_[fdp_.ConsumeIntegralInRange<size_t>(0, seen_.size() - 1)];
        wire::store_u32(body, 0, base + static_cast<uint32_t>(fdp_.ConsumeIntegralInRange<int>(-4, 4)));
      }
      const size_t length = 4 + body.size();
      if (buffer.size() - w.position() < wire::padded4(length)) break;
      w.u8(type);
      w.u8(flags);
      w.u16(static_cast<uint16_t>(raw ? fdp_.ConsumeIntegral<uint16_t>() : length));
      w.bytes(body);
      w.zeros(wire::padded4(length) - length);
    }
    std::vector<uint8_t> packet(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(w.position()));
    if (!raw) fix_checksum(packet);
    hand(to, from.address, packet);
  }

  // Remembers 32-bit fields after chunk headers (TSNs, cumulative acks, initiate tags): injected
  // chunks start near them.
  void harvest(wire::Bytes packet) {
    auto view = wire::PacketView::parse(packet);
    if (!view) return;
    for (const wire::RawChunk& chunk : *view) {
      if (chunk.value.size() < 4) continue;
      if (seen_.size() == 8) seen_.erase(seen_.begin());
      seen_.push_back(wire::load_u32(chunk.value, 0));
    }
  }

  // ---- time and user calls
  void advance() {
    const int kind = fdp_.ConsumeIntegralInRange<int>(0, 3);
    if (kind == 0) {
      // Exactly to the next timer, the common case in a real event loop.
      auto next = a_.endpoint.next_timeout();
      if (auto t = b_.endpoint.next_timeout(); t && (!next || *t < *next)) next = t;
      advance_by(next && *next > now_ ? *next - now_ : assoc::Duration(1ms));
    } else {
      advance_by(std::chrono::milliseconds(fdp_.ConsumeIntegralInRange<int64_t>(1, kind == 3 ? 200'000 : 3'000)));
    }
  }
  void advance_by(assoc::Duration d) {
    now_ += d;
    for (Side* side : {&a_, &b_}) {
      side->endpoint.handle_timeout(now_);
      settle(*side);
      if (auto t = side->endpoint.next_timeout()) check(*t > now_);
    }
  }

  void user_call(Side& side) {
    switch (fdp_.ConsumeIntegralInRange<int>(0, 5)) {
      case 0:
        connect_from(side);
        break;
      case 1:
      case 2: {
        const size_t size = fdp_.ConsumeIntegralInRange<size_t>(0, 40 << 10);
        send(side, size, fdp_.ConsumeIntegralInRange<uint16_t>(0, 5), fdp_.ConsumeBool());
        break;
      }
      case 3:
        user_shutdown(side);
        break;
      case 4:
        if (side.current) {
          side.endpoint.abort(*side.current, "fuzz", now_);
          settle(side);
        }
        break;
      case 5:
        if (side.current) {
          side.endpoint.set_heartbeat(*side.current, fdp_.ConsumeBool(), std::chrono::milliseconds(fdp_.ConsumeIntegralInRange<int>(0, 10'000)));
          settle(side);
        }
        break;
    }
  }

  void connect() { connect_from(a_); }
  void connect_from(Side& side) {
    const wire::IpAddress peer = &side == &a_ ? kAddrB : kAddrA;
    auto r = side.endpoint.connect(assoc::ConnectRequest{{peer}, &side == &a_ ? kPortB : kPortA}, now_);
    if (auto* id = std::get_if<assoc::AssociationId>(&r)) side.current = *id;
    settle(side);
  }
  void send(Side& side, size_t size, uint16_t stream, bool unordered) {
    if (!side.current) return;
    std::vector<uint8_t> message(size, static_cast<uint8_t>(size));
    side.endpoint.send(*side.current, message, wire::StreamId(stream), wire::Ppid(7), unordered, now_);
    settle(side);
  }
  void send_some(Side& side, int n) {
    for (int i = 0; i < n; ++i) send(side, 1000 + 700 * static_cast<size_t>(i), static_cast<uint16_t>(i % 4), i % 3 == 0);
  }
  void user_shutdown(Side& side) {
    if (!side.current) return;
    side.endpoint.shutdown(*side.current, now_);
    settle(side);
  }

  // ---- after every input: drain packets and events, check the invariants
  void settle(Side& side) {
    size_t n = 0;
    while (auto t = side.endpoint.poll_transmit(now_)) {
      check(++n <= kMaxDrain);
      check(t->packet.size() <= side.endpoint.config().max_packet_size);
      if (side.outbox.size() >= kMaxQueued) side.outbox.pop_front();
      side.outbox.emplace_back(t->packet.begin(), t->packet.end());
    }
    CheckingSink sink(side);
    while (auto e = side.sink_messages ? side.endpoint.poll_event(sink) : side.endpoint.poll_event()) {
      check(!side.sink_messages || !std::holds_alternative<assoc::MessageEvent>(*e));
      const uint32_t id = std::visit([](const auto& ev) { return ev.id.value; }, *e);
      check(!side.closed.count(id));  // nothing after ClosedEvent
      side.known.insert(id);
      if (const auto* c = std::get_if<assoc::ConnectedEvent>(&*e)) {
        side.current = c->id;
      } else if (const auto* m = std::get_if<assoc::MessageEvent>(&*e)) {
        check(!m->data.empty() && m->data.size() <= side.endpoint.config().max_message_size);
        ++side.messages;
      } else if (std::holds_alternative<assoc::ClosedEvent>(*e)) {
        side.closed.insert(id);
        if (side.current && side.current->value == id) side.current.reset();
      }
    }
    const auto ids = side.endpoint.associations();
    check(ids.size() <= side.endpoint.config().max_associations);
    for (const auto id : ids) {
      if (auto st = side.endpoint.status(id)) {
        check(st->queued_bytes <= side.endpoint.config().send_buffer + side.endpoint.config().max_message_size);
      }
    }
  }

  FuzzedDataProvider& fdp_;
  assoc::TimePoint now_{};
  Side a_;
  Side b_;
  std::vector<uint32_t> seen_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  FuzzedDataProvider fdp(data, size);
  Harness harness(fdp);
  harness.reach(fdp.ConsumeIntegral<uint8_t>());
  harness.run();
  return 0;
}
