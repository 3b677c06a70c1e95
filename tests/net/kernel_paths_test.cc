// The pure parts of the kernel backend's path listing (src/net/kernel_paths.h): unpacking the
// SCTP_GET_PEER_ADDRS answer and reading spinfo_state. The sockopts themselves run in the guest
// (tests/kernel/linktest_kernel_test.cc), this host's kernel having no SCTP.
#include "net/kernel_paths.h"

#include <gtest/gtest.h>

#include <netinet/in.h>

#include <linux/sctp.h>

#include <cstring>

#include "net/socket_util.h"

namespace sctpkit::detail {
namespace {

// Appends `address` packed as the kernel does: a sockaddr_in or sockaddr_in6, nothing between.
void pack(std::vector<uint8_t>& out, const char* text, uint16_t port) {
  sockaddr_storage ss{};
  const socklen_t length = net::to_sockaddr(*wire::IpAddress::parse(text), port, ss);
  const auto* bytes = reinterpret_cast<const uint8_t*>(&ss);
  out.insert(out.end(), bytes, bytes + length);
}

std::vector<std::string> texts(const std::vector<sockaddr_storage>& addresses) {
  std::vector<std::string> out;
  for (const auto& a : addresses) out.push_back(net::from_sockaddr(a)->to_string());
  return out;
}

TEST(KernelPaths, UnpacksMixedFamiliesBackToBack) {
  std::vector<uint8_t> packed;
  pack(packed, "10.77.0.1", 6445);
  pack(packed, "fd00::4", 6445);
  pack(packed, "10.77.0.4", 6445);
  EXPECT_EQ(texts(unpack_peer_addresses(packed, 3)), (std::vector<std::string>{"10.77.0.1", "fd00::4", "10.77.0.4"}));
  // addr_num bounds the walk as much as the bytes do.
  EXPECT_EQ(texts(unpack_peer_addresses(packed, 2)), (std::vector<std::string>{"10.77.0.1", "fd00::4"}));
}

TEST(KernelPaths, AShortOrOddAnswerGivesFewerAddressesNotAnOverread) {
  std::vector<uint8_t> packed;
  pack(packed, "10.77.0.1", 6445);
  pack(packed, "fd00::4", 6445);
  // The second entry cut short: only the first counts, though addr_num says 2.
  const std::vector<uint8_t> cut(packed.begin(), packed.end() - 1);
  EXPECT_EQ(texts(unpack_peer_addresses(cut, 2)), (std::vector<std::string>{"10.77.0.1"}));
  // A family the kernel never packs there stops the walk.
  std::vector<uint8_t> odd;
  pack(odd, "10.77.0.1", 6445);
  odd.resize(odd.size() + sizeof(sockaddr_in6), 0);
  const sa_family_t unix_family = AF_UNIX;
  std::memcpy(odd.data() + sizeof(sockaddr_in), &unix_family, sizeof unix_family);
  EXPECT_EQ(unpack_peer_addresses(odd, 2).size(), 1u);
  EXPECT_TRUE(unpack_peer_addresses({}, 4).empty());
  const uint8_t one_byte = AF_INET;
  EXPECT_TRUE(unpack_peer_addresses(std::span(&one_byte, 1), 1).empty());
}

TEST(KernelPaths, OnlyActiveIsActiveAndOnlyUnconfirmedIsUnconfirmed) {
  const struct {
    int32_t state;
    bool active;
    bool confirmed;
  } cases[] = {{SCTP_ACTIVE, true, true},
               {SCTP_INACTIVE, false, true},
               {SCTP_PF, false, true},
               {SCTP_UNCONFIRMED, false, false}};
  for (const auto& c : cases) {
    PathInfo path;
    path.confirmed = !c.confirmed;  // each must be set, not left as it was
    path.active = !c.active;
    set_path_state(c.state, path);
    EXPECT_EQ(path.active, c.active) << c.state;
    EXPECT_EQ(path.confirmed, c.confirmed) << c.state;
  }
}

}  // namespace
}  // namespace sctpkit::detail
