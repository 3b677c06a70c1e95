// Randomised end-to-end checks of the receive side: a model sender fragments messages on several
// streams (RFC 9260 6.9, RFC 8260), the "network" reorders, duplicates and loses chunks, the sender
// retransmits whatever the receiver has not recorded, and every message must come out exactly once,
// intact, in SSN / MID order per stream for ordered messages (RFC 9260 6.6).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "assoc/rx/data_receiver.h"

namespace sctpkit::assoc {
namespace {

using wire::Tsn;

struct SentMessage {
  uint16_t stream = 0;
  bool unordered = false;
  uint32_t seq = 0;  // SSN or MID
  std::string payload;
};

struct SentChunk {
  DataFragment fragment;  // payload points into `messages`
  size_t message = 0;
};

struct Scenario {
  std::vector<SentMessage> messages;
  std::vector<SentChunk> chunks;  // in TSN order
};

Scenario make_scenario(std::mt19937& rng, bool interleaving, uint32_t initial_tsn, size_t count) {
  constexpr uint16_t kStreams = 4;
  constexpr size_t kFragment = 50;
  Scenario s;
  s.messages.reserve(count);
  uint32_t ordered_seq[kStreams] = {};
  uint32_t unordered_seq[kStreams] = {};
  for (size_t i = 0; i < count; ++i) {
    SentMessage m;
    m.stream = static_cast<uint16_t>(rng() % kStreams);
    m.unordered = rng() % 5 == 0;
    m.seq = m.unordered ? unordered_seq[m.stream]++ : ordered_seq[m.stream]++;
    m.payload.resize(1 + rng() % 300);
    for (char& c : m.payload) c = static_cast<char>('a' + rng() % 26);
    s.messages.push_back(std::move(m));
  }
  // Fragments per message; DATA sends them back to back, I-DATA interleaves messages of
  // different streams (RFC 8260 1), keeping each stream's messages in order.
  std::vector<std::vector<DataFragment>> pieces(count);
  for (size_t i = 0; i < count; ++i) {
    const SentMessage& m = s.messages[i];
    for (size_t off = 0; off < m.payload.size(); off += kFragment) {
      DataFragment f;
      f.stream = wire::StreamId(m.stream);
      f.unordered = m.unordered;
      f.ssn = wire::Ssn(static_cast<uint16_t>(m.seq));
      f.mid = wire::Mid(m.seq);
      f.fsn = wire::Fsn(static_cast<uint32_t>(off / kFragment));
      f.ppid = wire::Ppid(static_cast<uint32_t>(i));
      f.beginning = off == 0;
      f.ending = off + kFragment >= m.payload.size();
      f.payload = {reinterpret_cast<const uint8_t*>(m.payload.data()) + off,
                   std::min(kFragment, m.payload.size() - off)};
      pieces[i].push_back(f);
    }
  }
  uint32_t tsn = initial_tsn;
  const auto emit = [&](size_t message, DataFragment f) {
    f.tsn = Tsn(tsn++);
    s.chunks.push_back({f, message});
  };
  if (!interleaving) {
    for (size_t i = 0; i < count; ++i) {
      for (const DataFragment& f : pieces[i]) emit(i, f);
    }
    return s;
  }
  std::vector<std::vector<size_t>> per_stream(kStreams);
  for (size_t i = 0; i < count; ++i) per_stream[s.messages[i].stream].push_back(i);
  std::vector<size_t> next_message(kStreams, 0);
  std::vector<size_t> next_piece(kStreams, 0);
  for (;;) {
    std::vector<uint16_t> busy;
    for (uint16_t st = 0; st < kStreams; ++st) {
      if (next_message[st] < per_stream[st].size()) busy.push_back(st);
    }
    if (busy.empty()) break;
    const uint16_t st = busy[rng() % busy.size()];
    const size_t i = per_stream[st][next_message[st]];
    emit(i, pieces[i][next_piece[st]++]);
    if (next_piece[st] == pieces[i].size()) {
      next_piece[st] = 0;
      ++next_message[st];
    }
  }
  return s;
}

// Returns how many chunks were dropped for lack of space.
size_t run(uint32_t seed, bool interleaving, uint32_t receive_buffer, int loss_percent) {
  std::mt19937 rng(seed);
  const uint32_t initial_tsn = 0xFFFFFFFFu - 300;  // crosses 2^32 on the way
  const Scenario s = make_scenario(rng, interleaving, initial_tsn, 400);

  DataReceiverConfig config;
  config.reassembly.inbound_streams = 4;
  config.reassembly.interleaving = interleaving;
  config.reassembly.max_message_size = 300;
  config.reassembly.receive_buffer = receive_buffer;
  config.window_tsns = 256;
  DataReceiver rx(config, Tsn(initial_tsn));

  std::vector<int> delivered(s.messages.size(), 0);
  std::map<std::pair<uint16_t, bool>, int64_t> last_ordered;  // per stream: last ordered seq seen
  std::array<GapAckBlock, 64> gaps{};
  std::array<Tsn, 64> dups{};
  TimePoint now{};
  size_t dropped = 0;

  for (int round = 0; round < 2000; ++round) {
    // The sender (re)sends what the receiver has not recorded, within the window above its
    // cumulative TSN, as its SACKs would tell it.
    const Tsn cum = rx.tsn_map().cumulative_tsn();
    std::vector<const SentChunk*> flight;
    for (const SentChunk& c : s.chunks) {
      const int32_t d = cum.distance_to(c.fragment.tsn);
      if (d > 0 && d <= 200 && !rx.tsn_map().contains(c.fragment.tsn)) flight.push_back(&c);
    }
    if (flight.empty()) break;
    // Reordering within a short distance, duplication, loss.
    for (size_t i = 0; i + 1 < flight.size(); ++i) {
      std::swap(flight[i], flight[i + rng() % std::min<size_t>(8, flight.size() - i)]);
    }
    for (size_t i = 0; i < flight.size(); i += 1 + rng() % 3) {
      if (rng() % 10 == 0) flight.push_back(flight[i]);
    }
    size_t i = 0;
    while (i < flight.size()) {
      const size_t n = 1 + rng() % 4;
      for (size_t k = 0; k < n && i < flight.size(); ++k, ++i) {
        if (static_cast<int>(rng() % 100) < loss_percent) continue;
        const DataVerdict v = rx.on_data(flight[i]->fragment);
        dropped += v == DataVerdict::DroppedNoSpace;
        EXPECT_TRUE(v == DataVerdict::Accepted || v == DataVerdict::Duplicate || v == DataVerdict::DroppedNoSpace)
            << static_cast<int>(v);
      }
      now += std::chrono::milliseconds(1);
      rx.end_packet(now);
      if (rx.sack_due(now)) rx.on_sack_sent(rx.make_sack(1400, gaps, dups));
      // The application reads at its own pace.
      if (rng() % 3 == 0) {
        while (auto m = rx.pop_message()) {
          const size_t index = m->ppid.value();
          if (index >= s.messages.size()) {
            ADD_FAILURE() << "unknown message " << index;
            return dropped;
          }
          const SentMessage& sent = s.messages[index];
          ++delivered[index];
          EXPECT_EQ(std::string(m->payload.begin(), m->payload.end()), sent.payload);
          EXPECT_EQ(m->stream.value(), sent.stream);
          EXPECT_EQ(m->unordered, sent.unordered);
          if (!sent.unordered) {
            auto& last = last_ordered.try_emplace({sent.stream, false}, -1).first->second;
            EXPECT_EQ(last + 1, static_cast<int64_t>(sent.seq)) << "stream " << sent.stream;
            last = sent.seq;
          }
        }
      }
    }
  }
  while (auto m = rx.pop_message()) ++delivered[m->ppid.value()];
  for (size_t k = 0; k < delivered.size(); ++k) EXPECT_EQ(delivered[k], 1) << "message " << k;
  EXPECT_EQ(rx.tsn_map().cumulative_tsn(), s.chunks.back().fragment.tsn);
  EXPECT_FALSE(rx.tsn_map().has_gaps());
  EXPECT_EQ(rx.reassembly().partial_count(), 0u);
  EXPECT_EQ(rx.reassembly().bytes_held(), 0u);
  EXPECT_EQ(rx.a_rwnd(), receive_buffer);
  return dropped;
}

TEST(RxRandom, DataReorderDuplicateLossAllDeliveredOnceInOrder) {
  for (uint32_t seed = 1; seed <= 5; ++seed) EXPECT_EQ(run(seed, false, 1 << 20, 10), 0u);
}

TEST(RxRandom, IDataInterleavedReorderDuplicateLoss) {
  for (uint32_t seed = 1; seed <= 5; ++seed) EXPECT_EQ(run(seed, true, 1 << 20, 10), 0u);
}

TEST(RxRandom, DataSmallReceiveBufferDropsAboveHighestAndStillCompletes) {
  // RFC 9260 6.2: with the window closed, only gap-filling TSNs get in; retransmission and the
  // application reading keep things moving.
  for (uint32_t seed = 1; seed <= 5; ++seed) EXPECT_GT(run(seed, false, 600, 5), 0u);
}

}  // namespace
}  // namespace sctpkit::assoc
