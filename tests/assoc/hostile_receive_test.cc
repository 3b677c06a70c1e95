// A peer that lies or floods on the receive side: what it can make us hold, and what it can make
// us compute per packet. Honest-peer behaviour of the same code is in rx_data_receiver_test.cc and
// rx_reassembly_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <string>
#include <vector>

#include "assoc/rx/data_receiver.h"
#include "assoc/rx/reassembly.h"

namespace sctpkit::assoc {
namespace hostile_receive_test {

using ::testing::ElementsAre;
using wire::Mid;
using wire::Ppid;
using wire::Ssn;
using wire::StreamId;
using wire::Tsn;

const TimePoint kT0 = TimePoint{} + std::chrono::seconds(50);

class HostileReceive : public ::testing::Test {
 protected:
  // DATA: flags "BE", "B", "E" or "" (middle).
  DataFragment data(uint32_t tsn, uint16_t ssn, size_t size, const char* flags = "BE", uint16_t stream = 0) {
    payloads_.emplace_back(size, static_cast<char>('a' + ssn % 26));
    DataFragment f;
    f.tsn = Tsn(tsn);
    f.stream = StreamId(stream);
    f.ssn = Ssn(ssn);
    f.mid = Mid(ssn);
    f.ppid = Ppid(ssn);
    f.beginning = std::string(flags).find('B') != std::string::npos;
    f.ending = std::string(flags).find('E') != std::string::npos;
    const std::string& s = payloads_.back();
    f.payload = {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
    return f;
  }
  DataFragment idata(uint32_t tsn, uint32_t mid, size_t size) {
    DataFragment f = data(tsn, 0, size);
    f.mid = Mid(mid);
    f.ppid = Ppid(mid);
    return f;
  }

  static ReassemblyConfig reassembly_config(uint32_t buffer, bool interleaving = false) {
    ReassemblyConfig c;
    c.inbound_streams = 2;
    c.interleaving = interleaving;
    c.max_message_size = buffer;
    c.receive_buffer = buffer;
    return c;
  }

  // The PPIDs (the tests' message numbers) of the messages ready, in delivery order.
  static std::vector<uint32_t> drain(Reassembly& r) {
    std::vector<uint32_t> out;
    while (auto m = r.pop_message()) out.push_back(m->ppid.value());
    return out;
  }
  static std::vector<uint32_t> numbers(uint32_t first, uint32_t count) {
    std::vector<uint32_t> out(count);
    for (uint32_t i = 0; i < count; ++i) out[i] = first + i;
    return out;
  }

  std::deque<std::string> payloads_;
};

// --- Receive window: RFC 9260 6.2 ---

TEST_F(HostileReceive, GapFillersIntoAClosedWindowAreHeldOnlyUpToOneLargestChunkBeyondTheBuffer) {
  // RFC 9260 6.2 accepts a TSN below the highest received into a closed window (it may complete a
  // message and free the buffer), and asks to drop the highest TSN held in exchange, which we do
  // not do. Without a bound, a peer that first sends a TSN far up and then fills the gap below it
  // makes us hold up to a TSN window's worth of chunks (65,535 of them in an association) whatever
  // the buffer: here a thousand times the buffer.
  DataReceiverConfig config;
  config.reassembly = reassembly_config(10000);
  config.window_tsns = TsnMap::kMaxWindowTsns;
  DataReceiver rx(config, Tsn(1));
  ASSERT_EQ(rx.on_data(data(2001, 2001, 1000, "B")), DataVerdict::Accepted);  // never completes
  size_t dropped = 0;
  for (uint32_t tsn = 2; tsn <= 2000; ++tsn) {
    // Ordered messages behind SSN 0, which never comes: none can be delivered.
    const DataVerdict verdict = rx.on_data(data(tsn, static_cast<uint16_t>(tsn), 1000));
    if (verdict == DataVerdict::DroppedNoSpace) {
      ++dropped;
    } else {
      ASSERT_EQ(verdict, DataVerdict::Accepted) << "TSN " << tsn;
    }
  }
  rx.end_packet(kT0);
  EXPECT_EQ(rx.a_rwnd(), 0u);
  EXPECT_LE(rx.reassembly().bytes_held(), 10000u + DataReceiver::kClosedWindowAllowance);
  EXPECT_GE(dropped, 2000u - 1 - (10000 + DataReceiver::kClosedWindowAllowance) / 1000);
  // RFC 9260 6.2: a dropped chunk makes a SACK due at once, listing only what was accepted.
  EXPECT_EQ(rx.ack_decision().kind, AckDecision::Kind::Now);
  EXPECT_FALSE(rx.tsn_map().contains(Tsn(2000)));
  // The TSN that would let the held messages go is still taken: it is what the window waits for.
  ASSERT_EQ(rx.on_data(data(1, 0, 10)), DataVerdict::Accepted);
}

}  // namespace hostile_receive_test
}  // namespace sctpkit::assoc
