// A peer played by the test: hand-built packets into a real Endpoint, and what the Endpoint sends
// back read as chunks. For the RFC 9260 rules a well-behaved peer never exercises (collisions,
// restarts, forged tags, hostile SACKs) on a virtual clock.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "assoc/endpoint.h"
#include "assoc/random.h"
#include "event_recorder.h"
#include "wire/control_chunks.h"
#include "wire/data_chunks.h"
#include "wire/handshake_chunks.h"
#include "wire/packet.h"
#include "wire/parameter_list.h"
#include "wire/parameters.h"
#include "wire/sack_chunks.h"
#include "wire/tlv.h"

namespace sctpkit::assoc::testing {

using namespace std::chrono_literals;

// A packet the endpoint sent, owning its bytes.
struct SentPacket {
  wire::IpAddress source;
  wire::IpAddress destination;
  std::vector<uint8_t> bytes;

  [[nodiscard]] uint32_t tag() const { return wire::load_u32(bytes, 4); }
  // The chunks' types and flags in order.
  [[nodiscard]] std::vector<uint8_t> types() const {
    std::vector<uint8_t> out;
    for (const wire::RawChunk& c : view()) out.push_back(c.type);
    return out;
  }
  [[nodiscard]] bool has(uint8_t type) const { return chunk(type).has_value(); }
  [[nodiscard]] std::optional<wire::RawChunk> chunk(uint8_t type) const {
    for (const wire::RawChunk& c : view()) {
      if (c.type == type) return c;
    }
    return std::nullopt;
  }
  template <typename Chunk>
  [[nodiscard]] Chunk parse() const {
    auto raw = chunk(Chunk::kType);
    EXPECT_TRUE(raw.has_value()) << "no chunk of type " << int{Chunk::kType};
    if (!raw) return Chunk{};
    auto parsed = Chunk::parse(*raw);
    EXPECT_TRUE(static_cast<bool>(parsed));
    return parsed ? *parsed : Chunk{};
  }
  [[nodiscard]] wire::PacketView view() const { return *wire::PacketView::parse(bytes); }
};

// The first error cause code of an ABORT or ERROR chunk's value (0 when there is none).
inline uint16_t first_cause(const wire::RawChunk& chunk) {
  return chunk.value.size() >= 2 ? wire::load_u16(chunk.value, 0) : 0;
}

inline wire::Bytes text(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

class ScriptedPeer {
 public:
  static EndpointConfig server_config() {
    EndpointConfig c;
    c.local_port = kEndpointPort;
    c.listen = true;
    return c;
  }
  static constexpr uint16_t kEndpointPort = 7;
  static constexpr uint16_t kPeerPort = 5000;

  explicit ScriptedPeer(EndpointConfig config = server_config()) : endpoint_(config, random_, now) {}

  Endpoint& endpoint() { return endpoint_; }
  wire::IpAddress us = wire::IpAddress::v4(10, 0, 0, 1);    // the endpoint's address
  wire::IpAddress peer = wire::IpAddress::v4(10, 0, 0, 2);  // the scripted peer's
  TimePoint now{};

  // One packet from the peer with the given tag and chunks (objects with the PacketBuilder concept).
  template <typename... Chunks>
  PacketDisposition send(uint32_t tag, const Chunks&... chunks) {
    return send_from(peer, tag, chunks...);
  }
  template <typename... Chunks>
  PacketDisposition send_from(const wire::IpAddress& from, uint32_t tag, const Chunks&... chunks) {
    std::vector<uint8_t> buffer(kMaxTransmitSize);  // an INIT may list thousands of addresses
    wire::PacketBuilder builder(buffer, buffer.size(), {kPeerPort, kEndpointPort, wire::VerificationTag(tag), 0});
    const bool added = (builder.add(chunks) && ...);
    EXPECT_TRUE(added) << "chunks do not fit one packet";
    const auto packet = builder.finish();
    return endpoint_.handle_packet(packet, from, us, now);
  }
  // One packet from the peer on the established association (local_tag), packed full for a flood:
  // `add(builder, i)` adds the i-th chunk and says whether it fitted. How many did.
  template <typename AddChunk>
  size_t send_packed(AddChunk add) {
    std::vector<uint8_t> buffer(4096);
    wire::PacketBuilder builder(buffer, buffer.size(), {kPeerPort, kEndpointPort, wire::VerificationTag(local_tag), 0});
    size_t added = 0;
    while (add(builder, added)) ++added;
    endpoint_.handle_packet(builder.finish(), peer, us, now);
    return added;
  }
  // Everything the endpoint has to send now, and the events it reports (appended to events).
  std::vector<SentPacket> take() {
    std::vector<SentPacket> out;
    while (auto t = endpoint_.poll_transmit(now)) {
      out.push_back(SentPacket{t->source, t->destination, {t->packet.begin(), t->packet.end()}});
    }
    if (message_sink) {
      EventRecorder recorder(events);
      while (auto e = endpoint_.poll_event(recorder)) events.push_back(std::move(*e));
    } else {
      while (auto e = endpoint_.poll_event()) events.push_back(std::move(*e));
    }
    return out;
  }
  // take() drains the events with Endpoint::poll_event(MessageSink&), the messages the sink gets
  // recorded in `events` as MessageEvents: what a run without a sink records, or should.
  bool message_sink = false;
  // Moves the clock by `step` at a time up to `duration`, firing timers; returns what was sent.
  std::vector<SentPacket> advance(Duration duration, Duration step = 10ms) {
    std::vector<SentPacket> out;
    const TimePoint end = now + duration;
    while (now < end) {
      now = std::min(end, now + step);
      if (auto t = endpoint_.next_timeout(); t && *t <= now) endpoint_.handle_timeout(now);
      for (auto& p : take()) out.push_back(std::move(p));
    }
    return out;
  }

  template <typename E>
  [[nodiscard]] std::vector<E> events_of() const {
    std::vector<E> out;
    for (const Event& e : events) {
      if (auto* x = std::get_if<E>(&e)) out.push_back(*x);
    }
    return out;
  }
  std::vector<Event> events;

  // ---- the peer's side of an association it opens to a listening endpoint (RFC 9260 5.1)
  uint32_t peer_tag = 0x1111'2222;
  uint32_t peer_tsn = 1000;  // the peer's Initial TSN
  uint32_t local_tag = 0;    // the endpoint's, from its INIT ACK
  uint32_t local_tsn = 0;    // the endpoint's Initial TSN

  static wire::InitChunk init_chunk(uint32_t tag, uint32_t tsn, wire::Bytes parameters = {}, uint16_t streams = 10) {
    wire::InitChunk init;
    init.initiate_tag = wire::VerificationTag(tag);
    init.a_rwnd = 65536;
    init.outbound_streams = streams;
    init.inbound_streams = streams;
    init.initial_tsn = wire::Tsn(tsn);
    init.parameters = parameters;
    return init;
  }
  // INIT -> INIT ACK; returns the endpoint's State Cookie (empty on failure).
  std::vector<uint8_t> cookie_for(uint32_t tag, uint32_t tsn, wire::Bytes parameters = {}) {
    send(0, init_chunk(tag, tsn, parameters));
    auto sent = take();
    if (sent.size() != 1 || !sent[0].has(wire::InitAckChunk::kType)) return {};
    const auto ack = sent[0].parse<wire::InitAckChunk>();
    local_tag = ack.initiate_tag.value();
    local_tsn = ack.initial_tsn.value();
    return state_cookie(ack);
  }
  static std::vector<uint8_t> state_cookie(const wire::InitAckChunk& ack) {
    wire::TlvReader reader(ack.parameters);
    while (auto item = reader.next()) {
      if (*item && (**item).type == wire::StateCookie::kType) return {(**item).value.begin(), (**item).value.end()};
    }
    return {};
  }
  // Fields of our State Cookie, at the offsets src/assoc/cookie.h lays out (it is signed, not
  // encrypted): what the endpoint put in it, read as the RFC's tables describe.
  static uint32_t cookie_field(const std::vector<uint8_t>& cookie, size_t offset) {
    return cookie.size() >= offset + 4 ? wire::load_u32(cookie, offset) : 0;
  }
  static constexpr size_t kCookieLifetime = 11, kCookieLocalTag = 15;
  // The tie-tags follow the peer address, and only when flag bit 1 says so (else they are zero).
  static uint32_t cookie_tie_tag(const std::vector<uint8_t>& cookie, bool local) {
    if (cookie.size() < 3 || (cookie[2] & 0x02) == 0) return 0;
    return cookie_field(cookie, 39 + ((cookie[2] & 0x01) ? 16 : 4) + (local ? 0 : 4));
  }
  // The whole handshake; true when the endpoint answered the COOKIE ECHO with a COOKIE ACK.
  bool establish() {
    const auto cookie = cookie_for(peer_tag, peer_tsn);
    send(local_tag, wire::CookieEchoChunk{cookie});
    auto sent = take();
    return sent.size() == 1 && sent[0].has(wire::CookieAckChunk::kType) && sent[0].tag() == peer_tag;
  }
  // establish(), then `messages` one-chunk messages sent (TSNs local_tsn onwards), none acknowledged.
  AssociationId establish_with_data(int messages) {
    EXPECT_TRUE(establish());
    const AssociationId id = only_association();
    for (int i = 0; i < messages; ++i) {
      EXPECT_EQ(endpoint_.send(id, text("ping"), wire::StreamId(0), wire::Ppid(0), false, now), SendResult::Ok);
    }
    size_t chunks = 0;
    for (const auto& sent : take()) {
      for (const wire::RawChunk& c : sent.view()) chunks += c.type == wire::DataChunk::kType;
    }
    EXPECT_EQ(chunks, static_cast<size_t>(messages));
    return id;
  }
  [[nodiscard]] AssociationId only_association() {
    auto ids = endpoint_.associations();
    EXPECT_EQ(ids.size(), 1u);
    return ids.empty() ? AssociationId{0} : ids.front();
  }
  [[nodiscard]] AssociationState state() {
    auto ids = endpoint_.associations();
    if (ids.empty()) return AssociationState::Closed;
    auto s = endpoint_.status(ids.front());
    return s ? s->state : AssociationState::Closed;
  }

  static wire::DataChunk data(uint32_t tsn, wire::Bytes payload, uint16_t stream = 0, uint16_t ssn = 0) {
    wire::DataChunk d;
    d.tsn = wire::Tsn(tsn);
    d.stream_id = wire::StreamId(stream);
    d.ssn = wire::Ssn(ssn);
    d.data_flags = {.beginning = true, .ending = true};
    d.user_data = payload;
    return d;
  }
  static wire::SackChunk sack(uint32_t cum, std::span<const wire::GapAckBlock> gaps = {}, uint32_t a_rwnd = 65536) {
    return wire::SackChunk{wire::Tsn(cum), a_rwnd, wire::WireList<wire::GapAckBlock>::of(gaps),
                           wire::WireList<wire::Tsn>::of(std::span<const wire::Tsn>{})};
  }

 private:
  SeededRandom random_{7};
  Endpoint endpoint_;
};

// ---- the endpoint opening to the scripted peer (RFC 9260 5.1, the endpoint's side)

// An endpoint that does not listen.
inline ScriptedPeer client_endpoint() {
  EndpointConfig c = ScriptedPeer::server_config();
  c.listen = false;
  return ScriptedPeer(c);
}

// The endpoint opens to the scripted peer: returns its INIT (`sent`: what it sent).
inline wire::InitChunk connect_to_peer(ScriptedPeer& p, std::vector<SentPacket>& sent) {
  ConnectRequest r;
  r.remote_addresses = {p.peer};
  r.remote_port = ScriptedPeer::kPeerPort;
  EXPECT_TRUE(std::holds_alternative<AssociationId>(p.endpoint().connect(r, p.now)));
  sent = p.take();
  EXPECT_EQ(sent.size(), 1u);
  if (sent.empty()) return {};
  EXPECT_EQ(sent[0].tag(), 0u);
  return sent[0].parse<wire::InitChunk>();
}

// The endpoint in COOKIE-ECHOED, the peer having answered its INIT with tag `peer_tag`.
inline wire::InitChunk cookie_echoed(ScriptedPeer& p, uint32_t peer_tag, uint32_t peer_tsn) {
  std::vector<SentPacket> sent;
  const auto init = connect_to_peer(p, sent);
  static const std::vector<uint8_t> cookie_param = {0, 7, 0, 8, 'c', 'o', 'o', 'k'};
  auto ack = ScriptedPeer::init_chunk(peer_tag, peer_tsn, cookie_param);
  p.send(init.initiate_tag.value(), static_cast<const wire::InitAckChunk&>(static_cast<const wire::InitFields&>(ack)));
  sent = p.take();
  EXPECT_EQ(sent.size(), 1u);
  if (!sent.empty()) {
    EXPECT_TRUE(sent[0].has(wire::CookieEchoChunk::kType));
    EXPECT_EQ(sent[0].tag(), peer_tag);  // 8.5.1 D: "the Initiate Tag received in the INIT ACK"
  }
  EXPECT_EQ(p.state(), AssociationState::CookieEchoed);
  return init;
}

// An IPv4 Address parameter (RFC 9260 3.3.2.1) for 10.0.0.`last`.
inline std::vector<uint8_t> ipv4_parameter(uint8_t last) {
  return {0, 5, 0, 8, 10, 0, 0, last};
}

}  // namespace sctpkit::assoc::testing
