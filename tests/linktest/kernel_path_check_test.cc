// The kernel backend's per-path verdict (src/linktest/kernel_path_check.h): from the kernel's state
// of each peer address, since its sockets show no heartbeats.
#include "linktest/kernel_path_check.h"

#include <gtest/gtest.h>

#include "linktest/path_check.h"

namespace sctpkit::linktest {
namespace {

using namespace std::chrono_literals;

PathInfo path(const char* address, bool active, bool confirmed, bool primary, std::chrono::microseconds srtt) {
  PathInfo p;
  p.address = address;
  p.active = active;
  p.confirmed = confirmed;
  p.primary = primary;
  p.srtt = srtt;
  return p;
}

TEST(KernelPathCheck, ConfirmedAndActivePathsPassEachSayingWhy) {
  const auto rows = kernel_path_results({path("10.77.0.1", true, true, true, 2ms), path("10.77.0.4", true, true, false, 0ms)},
                                        5s);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(all_paths_pass(rows));
  EXPECT_EQ(rows[0].peer, "10.77.0.1");
  EXPECT_EQ(rows[0].local, "") << "the kernel's route picks the local address: not shown";
  EXPECT_EQ(rows[0].state, "active");
  EXPECT_EQ(rows[0].srtt_ms, 2.0);
  EXPECT_EQ(rows[0].basis, "primary, confirmed by the handshake; active");
  // RFC 9260 5.4: the kernel confirms a listed address only on a HEARTBEAT ACK. Its srtt in whole
  // milliseconds is 0 on a fast path: shown as measured, not as missing.
  EXPECT_EQ(rows[1].basis, "confirmed by a HEARTBEAT ACK; active");
  EXPECT_EQ(rows[1].srtt_ms, 0.0);
  EXPECT_EQ(rows[1].seen, "");
  EXPECT_EQ(rows[1].hint, "");
}

TEST(KernelPathCheck, AnUnconfirmedAddressFailsNamingThePathAndTheWait) {
  const auto rows = kernel_path_results({path("10.77.0.1", true, true, true, 1ms), path("10.77.0.4", false, false, false, 0ms)},
                                        5s);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].result, Outcome::Pass);
  EXPECT_EQ(rows[1].result, Outcome::Fail);
  EXPECT_EQ(rows[1].state, "unconfirmed");
  EXPECT_FALSE(rows[1].srtt_ms);
  EXPECT_EQ(rows[1].seen, "the kernel had no HEARTBEAT ACK from 10.77.0.4 in 5 s (the address is still unconfirmed)");
  EXPECT_EQ(rows[1].hint, "is that network routed and SCTP allowed on it?");
  EXPECT_FALSE(all_paths_pass(rows));
}

TEST(KernelPathCheck, AnAddressMarkedUnreachableFails) {
  // RFC 9260 8.2: confirmed once, then Path.Max.Retrans HEARTBEATs unanswered.
  const auto rows = kernel_path_results({path("fd00::4", false, true, false, 3ms)}, 1500ms);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].result, Outcome::Fail);
  EXPECT_EQ(rows[0].state, "inactive");
  EXPECT_EQ(rows[0].basis, "marked unreachable: HEARTBEATs unanswered (RFC 9260 8.2)");
  EXPECT_EQ(rows[0].seen, "the kernel marked fd00::4 unreachable: its HEARTBEATs there went unanswered");
  EXPECT_EQ(rows[0].hint, "is that network routed and SCTP allowed on it?");
}

}  // namespace
}  // namespace sctpkit::linktest
