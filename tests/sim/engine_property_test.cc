// Property test of the engine over many seeds (issue 3): two Endpoints exchange random messages
// (1 B to 1 MiB, random streams, ordered and unordered, random PPIDs) both ways over a link with
// random impairments (up to 30% loss, reordering, duplication, corruption, delay and jitter, MTU,
// bandwidth with a drop-tail queue), then one side shuts down. For every seed:
//   - every message delivered is one that was sent, byte-identical, delivered at most once;
//   - on each stream, ordered messages arrive in the order they were sent, without gaps;
//   - either every accepted message arrives and both sides close gracefully, or the association
//     fails and both sides report why (ClosedEvent);
//   - nothing hangs: simulated time and simulation steps are both bounded, and nothing is reported
//     for an association after its ClosedEvent.
//
// The release suite runs 1,000 seeds (kShards cases of 100); sanitizer builds run 100 (10 per case)
// to keep CI in budget. Environment:
//   SCTPKIT_PROPERTY_SEEDS=N   seeds in all (split over the cases)
//   SCTPKIT_PROPERTY_SEED=N    only seed N (one-line repro printed on failure)
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "sim/endpoint_node.h"
#include "sim/simulation.h"

namespace sctpkit::sim {
namespace {

using namespace std::chrono_literals;

#if defined(__SANITIZE_ADDRESS__)
constexpr uint64_t kDefaultSeeds = 100;
#else
constexpr uint64_t kDefaultSeeds = 1000;
#endif
constexpr uint64_t kShards = 10;
constexpr size_t kMaxMessage = size_t{1} << 20;
constexpr size_t kMaxTotalBytesPerDirection = 3 * (size_t{1} << 19);  // 1.5 MiB
// Enough for the slowest legitimate run: a 1 MiB message at 30% loss with backed-off T3-rtx, or a
// peer that learns of a failure only by Association.Max.Retrans heartbeats (RTO.Max 60 s each).
constexpr Duration kTimeLimit = 4h;
constexpr uint64_t kStepBudget = 3'000'000;

const auto kAddrA = wire::IpAddress::v4(10, 9, 0, 1);
const auto kAddrB = wire::IpAddress::v4(10, 9, 1, 1);
constexpr uint16_t kPortA = 4000;
constexpr uint16_t kPortB = 5000;

std::optional<uint64_t> env_u64(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(v, &end, 10);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return n;
}

struct Message {
  uint16_t stream = 0;
  uint32_t ppid = 0;  // unique within a direction: identifies the message on arrival
  bool unordered = false;
  std::vector<uint8_t> data;
  bool accepted = false;   // send() returned Ok
  bool delivered = false;
};

// What one seed decides: the link, both endpoints' configurations, and both directions' messages.
struct Scenario {
  LinkConfig link;
  assoc::EndpointConfig a;
  assoc::EndpointConfig b;
  std::vector<Message> a_to_b;
  std::vector<Message> b_to_a;
  bool shutdown_by_a = true;
  bool shutdown_early = false;  // right after the last send, with data still queued (RFC 9260 9.2)

  [[nodiscard]] std::string describe() const {
    size_t bytes_ab = 0;
    size_t bytes_ba = 0;
    for (const auto& m : a_to_b) bytes_ab += m.data.size();
    for (const auto& m : b_to_a) bytes_ba += m.data.size();
    std::ostringstream o;
    o << "loss=" << link.loss << " reorder=" << link.reorder << " dup=" << link.duplicate
      << " corrupt=" << link.corrupt << " delay=" << std::chrono::duration_cast<std::chrono::milliseconds>(link.delay).count()
      << "ms jitter=" << std::chrono::duration_cast<std::chrono::milliseconds>(link.jitter).count()
      << "ms bw=" << link.bandwidth_bps << " queue=" << link.queue_packets << " mtu=" << link.mtu
      << " rwnd=" << a.receive_buffer << "/" << b.receive_buffer << " msgs=" << a_to_b.size() << "/" << b_to_a.size()
      << " bytes=" << bytes_ab << "/" << bytes_ba << " shutdown_by=" << (shutdown_by_a ? "A" : "B")
      << (shutdown_early ? " early" : "");
    return o.str();
  }
};

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed * 0x9E3779B97F4A7C15ull + 1) {}

  Scenario scenario() {
    Scenario s;
    s.link.delay = std::chrono::microseconds(uniform(100, 80'000));
    if (chance(0.5)) s.link.jitter = std::chrono::microseconds(uniform(0, 20'000));
    // Loss up to 30%, weighted towards the common, milder cases.
    const double l = real();
    s.link.loss = chance(0.15) ? 0.0 : (l * l) * 0.30;
    if (chance(0.3)) s.link.loss = 0.20 + real() * 0.10;
    if (chance(0.4)) s.link.reorder = real() * 0.2;
    s.link.reorder_delay = std::chrono::milliseconds(uniform(1, 50));
    if (chance(0.3)) s.link.duplicate = real() * 0.1;
    if (chance(0.2)) s.link.corrupt = real() * 0.05;
    if (chance(0.4)) {
      s.link.bandwidth_bps = uniform(1'000'000, 200'000'000);
      s.link.queue_packets = chance(0.5) ? 0 : uniform(10, 200);
    }
    s.a = config(kPortA, false);
    s.b = config(kPortB, true);
    // The link's MTU fits the larger of the two packet sizes (no PMTU discovery in the engine).
    s.link.mtu = std::max(s.a.max_packet_size, s.b.max_packet_size) + kIpv4HeaderSize;
    s.a_to_b = messages(s.a.outbound_streams);
    s.b_to_a = chance(0.7) ? messages(s.b.outbound_streams) : std::vector<Message>{};
    // Messages must fit the receiver's buffer whole: the engine has no partial delivery.
    fit_buffers(s.a, s.b, s.a_to_b);
    fit_buffers(s.b, s.a, s.b_to_a);
    s.shutdown_by_a = chance(0.7);
    s.shutdown_early = chance(0.3);
    return s;
  }

 private:
  assoc::EndpointConfig config(uint16_t port, bool listen) {
    assoc::EndpointConfig c;
    c.local_port = port;
    c.listen = listen;
    c.outbound_streams = static_cast<uint16_t>(uniform(1, 16));
    c.max_inbound_streams = static_cast<uint16_t>(uniform(1, 16));
    c.max_packet_size = uniform(556, 1452);
    c.receive_buffer = static_cast<uint32_t>(pick({size_t{32} << 10, size_t{256} << 10, size_t{2} << 20}));
    c.send_buffer = pick({size_t{64} << 10, size_t{1} << 20, size_t{4} << 20});
    c.max_message_size = kMaxMessage;
    c.sack_delay = std::chrono::milliseconds(uniform(10, 200));
    c.max_burst = static_cast<int>(uniform(1, 8));
    if (chance(0.5)) c.heartbeat_interval = std::chrono::seconds(uniform(1, 30));
    return c;
  }

  // Mostly small messages, some medium, a few large: total bytes per seed stay modest.
  std::vector<Message> messages(uint16_t max_streams) {
    std::vector<Message> out(uniform(1, 60));
    const uint32_t salt = static_cast<uint32_t>(rng_());
    size_t total = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      Message& m = out[i];
      m.stream = static_cast<uint16_t>(uniform(0, max_streams - 1u));
      m.unordered = chance(0.3);
      m.ppid = salt + static_cast<uint32_t>(i) * 2654435761u;  // odd multiplier: distinct per i
      size_t size;
      const double r = real();
      if (r < 0.05) {
        size = 1;
      } else if (r < 0.85) {
        size = uniform(1, 1500);
      } else if (r < 0.97) {
        size = uniform(1501, 64 << 10);
      } else {
        size = chance(0.3) ? kMaxMessage : uniform((64 << 10) + 1, kMaxMessage);
      }
      if (total + size > kMaxTotalBytesPerDirection) size = uniform(1, 1500);
      total += size;
      m.data.resize(size);
      for (auto& byte : m.data) byte = static_cast<uint8_t>(rng_());
    }
    return out;
  }

  // A message must fit the sender's buffer (send() refuses it otherwise) and the receiver's whole.
  void fit_buffers(assoc::EndpointConfig& sender, assoc::EndpointConfig& receiver, const std::vector<Message>& messages) {
    size_t largest = 0;
    for (const auto& m : messages) largest = std::max(largest, m.data.size());
    while (receiver.receive_buffer < 2 * largest) receiver.receive_buffer *= 2;
    sender.send_buffer = std::max(sender.send_buffer, largest);
  }

  size_t uniform(size_t lo, size_t hi) { return std::uniform_int_distribution<size_t>(lo, hi)(rng_); }
  double real() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
  bool chance(double p) { return real() < p; }
  size_t pick(std::initializer_list<size_t> values) { return *(values.begin() + uniform(0, values.size() - 1)); }

  std::mt19937_64 rng_;
};

// One direction's expectations, checked as events arrive.
class Receiver {
 public:
  explicit Receiver(std::vector<Message>& sent) : sent_(sent) {
    for (size_t i = 0; i < sent_.size(); ++i) by_ppid_.emplace(sent_[i].ppid, i);
  }

  // Returns an error, or nothing if the message is one we expect.
  std::optional<std::string> on_message(const assoc::MessageEvent& e) {
    auto it = by_ppid_.find(e.ppid.value());
    if (it == by_ppid_.end()) return "a message with unknown ppid " + std::to_string(e.ppid.value());
    const size_t index = it->second;
    Message& m = sent_[index];
    const std::string what = "message #" + std::to_string(index);
    if (!m.accepted) return what + " delivered but never accepted by send()";
    if (m.delivered) return what + " delivered twice";
    if (e.stream.value() != m.stream) return what + " on the wrong stream";
    if (e.unordered != m.unordered) return what + " with the wrong U flag";
    if (e.data != m.data) return what + " corrupted (" + std::to_string(e.data.size()) + " of " +
                                 std::to_string(m.data.size()) + " bytes)";
    if (!m.unordered) {
      // RFC 9260 6.6: ordered messages in send order per stream, none skipped.
      auto& next = next_ordered_[m.stream];
      while (next < sent_.size() && (sent_[next].stream != m.stream || sent_[next].unordered)) ++next;
      if (next != index) return what + " out of order on stream " + std::to_string(m.stream);
      ++next;
    }
    m.delivered = true;
    ++delivered_;
    return std::nullopt;
  }
  [[nodiscard]] size_t delivered() const { return delivered_; }

 private:
  std::vector<Message>& sent_;
  std::map<uint32_t, size_t> by_ppid_;
  std::map<uint16_t, size_t> next_ordered_;
  size_t delivered_ = 0;
};

// One side: its node, what it sends, and what it has seen.
struct Side {
  std::unique_ptr<EndpointNode> node;
  std::vector<Message>* outgoing = nullptr;
  std::optional<Receiver> incoming;
  std::optional<assoc::AssociationId> id;
  uint16_t outbound_streams = 0;
  size_t next_send = 0;
  size_t events_seen = 0;
  std::optional<assoc::ClosedEvent> closed;
  bool shutdown_called = false;

  [[nodiscard]] bool all_accepted() const { return next_send == outgoing->size(); }
};

class PropertyRun {
 public:
  PropertyRun(uint64_t seed, Scenario scenario) : seed_(seed), s_(std::move(scenario)), sim_(seed) {
    sim_.set_step_budget(kStepBudget);
    a_.node = std::make_unique<EndpointNode>(sim_, "A", std::vector{kAddrA}, s_.a, sim_.random());
    b_.node = std::make_unique<EndpointNode>(sim_, "B", std::vector{kAddrB}, s_.b, sim_.random());
    sim_.network().connect(kAddrA, kAddrB, s_.link);
    a_.outgoing = &s_.a_to_b;
    b_.outgoing = &s_.b_to_a;
    a_.incoming.emplace(s_.b_to_a);
    b_.incoming.emplace(s_.a_to_b);
  }

  // Returns the first violated property, or nothing.
  std::optional<std::string> run() {
    auto r = a_.node->connect(kAddrB, kPortB);
    if (!std::holds_alternative<assoc::AssociationId>(r)) return "connect() refused";
    a_.id = std::get<assoc::AssociationId>(r);
    const TimePoint start = sim_.now();
    const auto result = sim_.run_until([this] { return step(); }, kTimeLimit);
    if (error_) return error_;
    if (!result.satisfied()) {
      return "hang: stopped by " + std::string(to_string(result.reason)) + " after " +
             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(sim_.now() - start).count()) +
             " s simulated, " + std::to_string(result.steps) + " steps; " + progress();
    }
    if (sim_.runaway_drains() != 0) return "an endpoint never stopped transmitting";
    return final_check();
  }

  [[nodiscard]] std::string progress() const {
    std::ostringstream o;
    o << "A sent " << a_.next_send << "/" << s_.a_to_b.size() << " B got " << b_.incoming->delivered()
      << "; B sent " << b_.next_send << "/" << s_.b_to_a.size() << " A got " << a_.incoming->delivered()
      << "; closed A=" << (a_.closed ? a_.closed->detail : "no") << " B=" << (b_.closed ? b_.closed->detail : "no");
    for (const Side* side : {&a_, &b_}) {
      if (auto t = side->node->endpoint().next_timeout()) {
        o << "; " << (side == &a_ ? "A" : "B") << " timer in "
          << std::chrono::duration_cast<std::chrono::microseconds>(*t - sim_.now()).count() << " us";
      }
      if (!side->id) continue;
      if (auto st = side->node->endpoint().status(*side->id)) {
        o << "; " << (side == &a_ ? "A " : "B ") << to_string(st->state) << " inflight=" << st->bytes_in_flight
          << " queued=" << st->queued_bytes << " peer_rwnd=" << st->peer_rwnd;
      }
    }
    return o.str();
  }

 private:
  // Called after every simulation step: absorb events, feed sends, decide shutdown. True when done.
  bool step() {
    absorb(a_);
    absorb(b_);
    if (error_) return true;
    feed(a_);
    feed(b_);
    maybe_shutdown();
    absorb(a_);
    absorb(b_);
    if (error_ || (a_.closed && b_.closed)) return true;
    // A's handshake failed and B never created an association: nothing is left to close.
    return a_.closed && !b_.id && b_.node->endpoint().associations().empty();
  }

  void absorb(Side& side) {
    const auto& events = side.node->events();
    for (; side.events_seen < events.size() && !error_; ++side.events_seen) {
      const auto& e = events[side.events_seen].event;
      const char* name = &side == &a_ ? "A" : "B";
      const auto id = std::visit([](const auto& ev) { return ev.id; }, e);
      if (side.closed) {
        fail(std::string(name) + ": an event after ClosedEvent");
        return;
      }
      if (side.id && id != *side.id) {
        fail(std::string(name) + ": an event for an unknown association");
        return;
      }
      if (const auto* c = std::get_if<assoc::ConnectedEvent>(&e)) {
        if (side.outbound_streams != 0) fail(std::string(name) + ": connected twice");
        side.id = c->id;
        side.outbound_streams = c->outbound_streams;
      } else if (const auto* m = std::get_if<assoc::MessageEvent>(&e)) {
        if (auto err = side.incoming->on_message(*m)) fail(std::string(name) + " received " + *err);
      } else if (const auto* c = std::get_if<assoc::ClosedEvent>(&e)) {
        side.closed = *c;
      } else if (std::holds_alternative<assoc::RestartEvent>(e)) {
        fail(std::string(name) + ": unexpected restart");
      }
    }
  }

  void feed(Side& side) {
    if (side.outbound_streams == 0 || side.closed || side.shutdown_called) return;
    while (!side.all_accepted()) {
      Message& m = (*side.outgoing)[side.next_send];
      const uint16_t stream = static_cast<uint16_t>(m.stream % side.outbound_streams);
      m.stream = stream;  // the generator did not know the negotiated count
      const auto r = side.node->send(*side.id, m.data, stream, m.ppid, m.unordered);
      if (r == assoc::SendResult::WouldBlock) return;
      if (r == assoc::SendResult::NotConnected) return;  // the peer shut down, or it is closing
      if (r != assoc::SendResult::Ok) {
        fail("send() refused message #" + std::to_string(side.next_send) + " with result " +
             std::to_string(static_cast<int>(r)));
        return;
      }
      m.accepted = true;
      ++side.next_send;
    }
  }

  void maybe_shutdown() {
    Side& closer = s_.shutdown_by_a ? a_ : b_;
    Side& other = s_.shutdown_by_a ? b_ : a_;
    if (closer.shutdown_called || closer.closed || !closer.id || closer.outbound_streams == 0) return;
    // Early: as soon as both sides handed over all their messages (the peer's SHUTDOWN then stops
    // nothing it still had to send). Late: once everything has arrived.
    const bool ready = s_.shutdown_early ? closer.all_accepted() && other.all_accepted()
                                         : b_.incoming->delivered() == s_.a_to_b.size() &&
                                               a_.incoming->delivered() == s_.b_to_a.size();
    if (!ready) return;
    closer.shutdown_called = true;
    closer.node->shutdown(*closer.id);
  }

  std::optional<std::string> final_check() {
    const bool graceful = a_.closed && b_.closed && a_.closed->reason == assoc::CloseReason::Graceful &&
                          b_.closed->reason == assoc::CloseReason::Graceful;
    if (graceful) {
      // RFC 9260 9.2: a graceful close delivers everything that was accepted.
      for (const auto* dir : {&s_.a_to_b, &s_.b_to_a}) {
        for (size_t i = 0; i < dir->size(); ++i) {
          if (!(*dir)[i].delivered) {
            return std::string(dir == &s_.a_to_b ? "A->B" : "B->A") + " message #" + std::to_string(i) +
                   " lost although both sides closed gracefully";
          }
        }
      }
      return std::nullopt;
    }
    // A failure is fine under heavy loss, as long as it says why.
    for (const Side* side : {&a_, &b_}) {
      if (side->closed && side->closed->reason != assoc::CloseReason::Graceful && side->closed->detail.empty()) {
        return std::string(side == &a_ ? "A" : "B") + " closed without a reason";
      }
    }
    ++failures_;
    return std::nullopt;
  }

  void fail(std::string message) {
    if (!error_) error_ = std::move(message);
  }

 public:
  uint64_t failures_ = 0;

 private:
  uint64_t seed_;
  Scenario s_;
  Simulation sim_;
  Side a_;
  Side b_;
  std::optional<std::string> error_;
};

struct SeedOutcome {
  std::optional<std::string> error;
  bool association_failed = false;
  std::string scenario;
};

SeedOutcome run_seed(uint64_t seed) {
  Generator gen(seed);
  Scenario scenario = gen.scenario();
  SeedOutcome out;
  out.scenario = scenario.describe();
  PropertyRun run(seed, std::move(scenario));
  out.error = run.run();
  if (out.error) *out.error += " [" + run.progress() + "]";
  out.association_failed = run.failures_ != 0;
  return out;
}

// Most seeds of a shard must complete: a run where every association fails would prove nothing.
// The ratio is a property of a sample: a single seed replayed with SCTPKIT_PROPERTY_SEED is
// judged by its own properties only (seed 813, an association that legitimately fails under 30%
// loss, used to fail its repro on the ratio alone), and so is a sample too small to have a ratio.
constexpr size_t kMinSeedsForRatio = 8;
std::optional<std::string> failure_ratio_error(size_t failed_associations, size_t seeds, bool single_seed) {
  if (single_seed || seeds < kMinSeedsForRatio) return std::nullopt;
  if (failed_associations * 4 <= seeds) return std::nullopt;
  return std::to_string(failed_associations) + " of " + std::to_string(seeds) +
         " associations failed (at most a quarter may)";
}

TEST(EnginePropertyRatio, AppliesToSamplesNotToOneReplayedSeed) {
  EXPECT_FALSE(failure_ratio_error(1, 1, /*single_seed=*/true));
  EXPECT_FALSE(failure_ratio_error(1, 2, false));  // too few to judge
  EXPECT_FALSE(failure_ratio_error(25, 100, false));
  EXPECT_TRUE(failure_ratio_error(26, 100, false));
  EXPECT_TRUE(failure_ratio_error(3, 10, false));
}

class EnginePropertyTest : public ::testing::TestWithParam<uint64_t> {};

// RFC 9260 6 (reliable, ordered per stream, unordered, fragmented delivery: 6.2, 6.5, 6.6, 6.9),
// 8.1 (a failure is reported, ClosedEvent) and 9.2 (a graceful close delivers everything).

TEST_P(EnginePropertyTest, EveryMessageOnceIntactInOrderOrAReportedFailure) {
  const uint64_t shard = GetParam();
  std::vector<uint64_t> seeds;
  const auto only = env_u64("SCTPKIT_PROPERTY_SEED");
  if (only) {
    if (shard != 0) GTEST_SKIP() << "SCTPKIT_PROPERTY_SEED runs in shard 0";
    seeds.push_back(*only);
  } else {
    const uint64_t total = env_u64("SCTPKIT_PROPERTY_SEEDS").value_or(kDefaultSeeds);
    for (uint64_t s = shard; s < total; s += kShards) seeds.push_back(s);
  }
  size_t failed_associations = 0;
  for (const uint64_t seed : seeds) {
    const SeedOutcome out = run_seed(seed);
    failed_associations += out.association_failed ? 1 : 0;
    if (out.error) {
      ADD_FAILURE() << "seed " << seed << ": " << *out.error << "\n  scenario: " << out.scenario
                    << "\n  repro: SCTPKIT_PROPERTY_SEED=" << seed
                    << " sim_tests --gtest_filter='EngineProperty/EnginePropertyTest.*/0'";
    }
  }
  if (only && failed_associations > 0) {
    std::cout << "seed " << *only << ": the association failed with a reported reason (allowed)\n";
  }
  if (auto error = failure_ratio_error(failed_associations, seeds.size(), only.has_value())) ADD_FAILURE() << *error;
  RecordProperty("seeds", static_cast<int>(seeds.size()));
  RecordProperty("failed_associations", static_cast<int>(failed_associations));
}

INSTANTIATE_TEST_SUITE_P(EngineProperty, EnginePropertyTest, ::testing::Range<uint64_t>(0, kShards));

}  // namespace
}  // namespace sctpkit::sim
