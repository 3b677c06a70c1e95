// A peer that lies about which message a fragment belongs to, or holds very many messages half
// sent: DATA (RFC 9260 6.9) and I-DATA (RFC 8260 2.1) reassembly never stitches two messages into
// one and costs O(log n) per fragment. Plain reassembly rules are in rx_reassembly_test.cc, bounds
// on what a peer can make us hold in hostile_receive_test.cc.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "assoc/rx/reassembly.h"
#include "fragment_builders.h"

namespace sctpkit::assoc {
namespace hostile_fragment_test {

using wire::Fsn;
using wire::Mid;
using wire::Ppid;
using wire::Ssn;
using wire::StreamId;
using wire::Tsn;

using testing::drain;

// Payloads outlive the fragment only during insert(); each test keeps its own.
struct Fragments {
  testing::PayloadPool pool;
  DataFragment data(uint32_t tsn, uint16_t stream, uint16_t ssn, const std::string& flags, const std::string& payload,
                    uint32_t ppid = 7, bool unordered = false) {
    return testing::data_fragment(tsn, stream, ssn, flags, pool.keep(payload), ppid, unordered);
  }
  // RFC 8260 2.1: I-DATA carries the PPID on the first fragment only, the FSN on the others.
  DataFragment idata(uint32_t tsn, uint16_t stream, uint32_t mid, uint32_t fsn, const std::string& flags,
                     const std::string& payload, bool unordered = false) {
    return testing::idata_fragment(tsn, stream, mid, fsn, flags, pool.keep(payload), fsn == 0 ? 7 : fsn, unordered);
  }
};

ReassemblyConfig config(uint16_t streams, bool interleaving) {
  return testing::reassembly_config(streams, interleaving, 1 << 20);
}

// RFC 9260 3.3.1: every fragment carries the message's PPID, so a neighbour with another PPID is
// another message spliced in: a protocol violation (the association ABORTs, as for another SSN),
// wherever it lands: after the first fragment, before the last, or bridging two runs.
TEST(HostileFragment, DataFragmentWithAnotherPpidIsRejectedNotStitched) {
  Fragments f;
  Reassembly r(config(4, false));
  ASSERT_FALSE(r.insert(f.data(1, 0, 0, "B", "ab", 7)));
  EXPECT_EQ(r.insert(f.data(2, 0, 0, "E", "cd", 8)), ReassemblyError::InconsistentFragment);
  ASSERT_FALSE(r.insert(f.data(5, 0, 1, "E", "yz", 9)));
  EXPECT_EQ(r.insert(f.data(4, 0, 1, "B", "wx", 10)), ReassemblyError::InconsistentFragment);
  ASSERT_FALSE(r.insert(f.data(10, 1, 0, "B", "p", 7)));
  ASSERT_FALSE(r.insert(f.data(12, 1, 0, "E", "r", 7)));
  EXPECT_EQ(r.insert(f.data(11, 1, 0, "", "q", 3)), ReassemblyError::InconsistentFragment);
  // The refused ones hold nothing: four partial messages, each charged the minimum.
  EXPECT_EQ(r.bytes_held(), 4 * Reassembly::kMinMessageCharge);
  EXPECT_EQ(r.ready_count(), 0u);
  // The same PPID completes each message, delivered under it.
  ASSERT_FALSE(r.insert(f.data(2, 0, 0, "E", "cd", 7)));
  ASSERT_FALSE(r.insert(f.data(11, 1, 0, "", "q", 7)));
  auto m = r.pop_message();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->ppid, Ppid(7));
  EXPECT_EQ(std::string(m->payload.begin(), m->payload.end()), "abcd");
  EXPECT_EQ(drain(r), std::vector<std::string>{"pqr"});
}

// Unordered DATA has no SSN to compare: stream, U and PPID still must agree (RFC 9260 6.9 step 2:
// every fragment of an unordered message has U set).
TEST(HostileFragment, DataFragmentSwitchingTheUBitOrStreamIsRejected) {
  Fragments f;
  Reassembly r(config(4, false));
  ASSERT_FALSE(r.insert(f.data(1, 0, 0, "B", "ab", 7, /*unordered=*/true)));
  EXPECT_EQ(r.insert(f.data(2, 0, 0, "E", "cd", 7, false)), ReassemblyError::InconsistentFragment);
  EXPECT_EQ(r.insert(f.data(2, 1, 0, "E", "cd", 7, true)), ReassemblyError::InconsistentFragment);
  ASSERT_FALSE(r.insert(f.data(2, 0, 5, "E", "cd", 7, true)));  // the SSN of unordered DATA is ignored
  EXPECT_EQ(drain(r), std::vector<std::string>{"abcd"});
}

// RFC 8260 2.1: a fragment's message is named by (stream, U, MID), so one with another stream or U
// bit joins another message, which never completes without its own first fragment: nothing is
// delivered stitched from two. The PPID is on the first fragment only and is what is delivered.
TEST(HostileFragment, IDataFragmentOfAnotherStreamOrUBitJoinsAnotherMessage) {
  Fragments f;
  Reassembly r(config(4, true));
  ASSERT_FALSE(r.insert(f.idata(1, 0, 0, 0, "B", "ab")));
  ASSERT_FALSE(r.insert(f.idata(2, 0, 0, 1, "", "XX", /*unordered=*/true)));
  ASSERT_FALSE(r.insert(f.idata(3, 1, 0, 1, "", "YY")));
  ASSERT_FALSE(r.insert(f.idata(4, 0, 0, 2, "E", "ef", /*unordered=*/true)));
  ASSERT_FALSE(r.insert(f.idata(5, 1, 0, 2, "E", "gh")));
  EXPECT_EQ(r.ready_count(), 0u);
  EXPECT_EQ(r.partial_count(), 3u);
  ASSERT_FALSE(r.insert(f.idata(6, 0, 0, 1, "", "cd")));
  ASSERT_FALSE(r.insert(f.idata(7, 0, 0, 2, "E", "ef")));
  auto m = r.pop_message();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->ppid, Ppid(7));
  EXPECT_FALSE(m->unordered);
  EXPECT_EQ(std::string(m->payload.begin(), m->payload.end()), "abcdef");
  EXPECT_FALSE(r.pop_message());
  EXPECT_EQ(r.partial_count(), 2u);
}

// 30,000 messages of 3,000 streams held half sent at once (an honest sender interleaving streams
// over a lossy path could; RFC 8260 2.1 puts no bound on it), completed in another order: each is
// found by (stream, U, MID), none is refused, and each comes out whole and under its own name.
TEST(HostileFragment, ThirtyThousandInterleavedIDataPartialsAllComplete) {
  constexpr uint32_t kStreams = 3000, kPerStream = 10, kMessages = kStreams * kPerStream;
  Fragments f;
  ReassemblyConfig c = config(kStreams, true);
  c.receive_buffer = 8 << 20;
  Reassembly r(c);
  uint32_t tsn = 1;
  // Message m of a stream: every other one unordered; ordered and unordered messages count their
  // MIDs apart (RFC 8260 2.1), so its MID is m / 2.
  // Fragment 0 of every message, streams interleaved.
  for (uint32_t m = 0; m < kPerStream; ++m) {
    for (uint32_t s = 0; s < kStreams; ++s) {
      ASSERT_FALSE(r.insert(f.idata(tsn++, static_cast<uint16_t>(s), m / 2, 0, "B", "b", m % 2 == 1)));
    }
  }
  EXPECT_EQ(r.partial_count(), kMessages);
  // Then fragment 1 of every message, streams in reverse.
  for (uint32_t m = 0; m < kPerStream; ++m) {
    for (uint32_t s = kStreams; s-- > 0;) {
      ASSERT_FALSE(r.insert(f.idata(tsn++, static_cast<uint16_t>(s), m / 2, 1, "", "m", m % 2 == 1)));
    }
  }
  EXPECT_EQ(r.partial_count(), kMessages);
  EXPECT_EQ(r.ready_count(), 0u);
  // A new message claiming a (stream, U, MID) in use is still caught.
  EXPECT_EQ(r.insert(f.idata(tsn++, 1234, 4, 0, "BE", "x")), ReassemblyError::InconsistentFragment);
  EXPECT_EQ(r.insert(f.idata(tsn++, 1234, 4, 0, "BE", "x", true)), ReassemblyError::InconsistentFragment);
  // Last fragments, messages in reverse: the ordered ones wait for MID 0 of their stream.
  for (uint32_t m = kPerStream; m-- > 0;) {
    for (uint32_t s = 0; s < kStreams; ++s) {
      const std::string tail = std::to_string(s) + "/" + std::to_string(m);
      ASSERT_FALSE(r.insert(f.idata(tsn++, static_cast<uint16_t>(s), m / 2, 2, "E", tail, m % 2 == 1)));
    }
  }
  EXPECT_EQ(r.partial_count(), 0u);
  size_t delivered = 0;
  std::vector<uint32_t> next_ordered(kStreams, 0);
  while (auto m = r.pop_message()) {
    ++delivered;
    const uint32_t s = m->stream.value(), mid = m->mid.value();
    EXPECT_EQ(std::string(m->payload.begin(), m->payload.end()),
              "bm" + std::to_string(s) + "/" + std::to_string(2 * mid + (m->unordered ? 1 : 0)));
    if (!m->unordered) {
      EXPECT_EQ(mid, next_ordered[s]);  // RFC 8260 2.1: ordered by MID
      next_ordered[s] = mid + 1;
    }
  }
  EXPECT_EQ(delivered, kMessages);
  EXPECT_EQ(r.bytes_held(), 0u);
}

// RFC 8260 2.3.1 with many partials held: an unordered entry drops exactly its message, an ordered
// one its stream's ordered messages up to the MID (also across the MID's wrap), and no other.
TEST(HostileFragment, IForwardTsnDropsExactlyTheNamedPartialsAmongMany) {
  Fragments f;
  Reassembly r(config(8, true));
  uint32_t tsn = 1;
  for (uint16_t s = 0; s < 8; ++s) {
    for (uint32_t mid : {0xFFFF'FFFEu, 0xFFFF'FFFFu, 0u, 1u, 2u}) {
      ASSERT_FALSE(r.insert(f.idata(tsn++, s, mid, 0, "B", "o")));
      ASSERT_FALSE(r.insert(f.idata(tsn++, s, mid, 0, "B", "u", /*unordered=*/true)));
    }
  }
  ASSERT_EQ(r.partial_count(), 80u);
  // Stream 3 expects MID 0; the skip names MID 1: its ordered partials at or before 1 in serial
  // order (RFC 1982) go: 0xFFFFFFFE, 0xFFFFFFFF, 0 and 1. Stream 5 loses its unordered 0xFFFFFFFF.
  const IForwardTsnSkip skips[] = {{StreamId(3), false, Mid(1)}, {StreamId(5), true, Mid(0xFFFF'FFFF)}};
  r.i_forward_tsn(skips);
  EXPECT_EQ(r.partial_count(), 80u - 4u - 1u);
  EXPECT_EQ(r.next_mid(StreamId(3)), Mid(2));
  // Stream 3's ordered MID 2 and its unordered ones are still held: their fragments still join.
  ASSERT_FALSE(r.insert(f.idata(tsn++, 3, 2, 1, "E", "2")));
  ASSERT_FALSE(r.insert(f.idata(tsn++, 3, 0, 1, "E", "U", true)));
  ASSERT_FALSE(r.insert(f.idata(tsn++, 5, 0xFFFF'FFFE, 1, "E", "U", true)));
  EXPECT_EQ(drain(r), (std::vector<std::string>{"o2", "uU", "uU"}));
  // The dropped ones are gone: their next fragment starts a new partial message.
  ASSERT_FALSE(r.insert(f.idata(tsn++, 5, 0xFFFF'FFFF, 1, "E", "U", true)));
  EXPECT_EQ(r.ready_count(), 0u);
}


// RFC 8260 2.3: an I-FORWARD-TSN on an association using DATA names no message: nothing held moves.
TEST(HostileFragment, IForwardTsnUnderDataChangesNothing) {
  Fragments f;
  Reassembly r(config(4, false));
  ASSERT_FALSE(r.insert(f.data(1, 0, 0, "B", "ab")));
  ASSERT_FALSE(r.insert(f.data(3, 0, 1, "BE", "cd")));
  const IForwardTsnSkip skips[] = {{StreamId(0), false, Mid(5)}, {StreamId(0), true, Mid(0)}};
  r.i_forward_tsn(skips);
  EXPECT_EQ(r.partial_count(), 1u);
  EXPECT_EQ(r.next_ssn(StreamId(0)), Ssn(0));
  EXPECT_EQ(r.bytes_held(), 2 * Reassembly::kMinMessageCharge);  // a partial, a message waiting for SSN 0
  ASSERT_FALSE(r.insert(f.data(2, 0, 0, "E", "x")));
  EXPECT_EQ(drain(r), (std::vector<std::string>{"abx", "cd"}));
}

}  // namespace hostile_fragment_test
}  // namespace sctpkit::assoc
