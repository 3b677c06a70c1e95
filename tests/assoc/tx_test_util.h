// Shared fixture for the retransmission queue tests: one send queue, one retransmission queue and an
// injected clock. Messages of 84 bytes make DATA chunks of exactly 100 bytes (16 header + 84).
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

#include "assoc/tx/retransmission_queue.h"
#include "assoc/tx/send_queue.h"

namespace sctpkit::assoc::testing {

constexpr size_t kPmdcs = 1000;   // initial cwnd = min(4000, max(2000, 4404)) = 4000
constexpr size_t kPayload = 84;   // chunk size 100
constexpr size_t kChunk = 100;
constexpr uint32_t kInitialTsn = 100;

inline RetransmissionQueueConfig test_config() {
  RetransmissionQueueConfig c;
  c.rto.min = std::chrono::milliseconds(10);
  return c;
}

class TxFixture : public ::testing::Test {
 protected:
  explicit TxFixture(uint32_t a_rwnd = 100'000)
      : rq(wire::Tsn(kInitialTsn), a_rwnd, test_config()), d0(rq.add_destination(kPmdcs)) {}

  void queue_messages(size_t n, size_t size = kPayload) {
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(sq.send(wire::StreamId(0), std::vector<uint8_t>(size, static_cast<uint8_t>(i))), SendStatus::kOk);
    }
  }

  // One packet to `dest` with the full PMDCS as room; returns the TSNs in it.
  std::vector<uint32_t> packet(DestinationId dest, size_t room = kPmdcs) {
    std::vector<uint32_t> tsns;
    for (const TxChunk& c : rq.next_packet(now, dest, room, kPmdcs - 16, sq)) tsns.push_back(c.tsn.value());
    return tsns;
  }
  std::vector<uint32_t> packet() { return packet(d0); }

  // Sends packets to d0 until the queue refuses; returns the number of chunks sent.
  size_t send_all() {
    size_t n = 0;
    for (auto p = packet(); !p.empty(); p = packet()) n += p.size();
    return n;
  }

  SackResult sack(uint32_t cum, std::initializer_list<SackGapBlock> gaps = {}, uint32_t a_rwnd = 100'000,
                  std::initializer_list<wire::Tsn> dups = {}) {
    gaps_.assign(gaps);
    dups_.assign(dups);
    return rq.handle_sack(now, SackInfo{wire::Tsn(cum), a_rwnd, gaps_, dups_});
  }

  static std::vector<uint32_t> range(uint32_t first, uint32_t last) {
    std::vector<uint32_t> v;
    for (uint32_t t = first; t <= last; ++t) v.push_back(t);
    return v;
  }

  TimePoint now{};
  SendQueue sq{4};
  RetransmissionQueue rq;
  DestinationId d0;

 private:
  std::vector<SackGapBlock> gaps_;
  std::vector<wire::Tsn> dups_;
};

}  // namespace sctpkit::assoc::testing
