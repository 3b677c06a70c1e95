// BatchIo's send path: packets between the same two addresses share one converted address, within
// a send and across sends, and a change of destination (address or port) still reaches the right
// socket.
#include "net/batch_io.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <vector>

#include "net/socket_util.h"

namespace sctpkit::net {
namespace batch_io_test {

const wire::IpAddress kLoopback = wire::IpAddress::v4(127, 0, 0, 1);

struct UdpSocket {
  UniqueFd fd;
  uint16_t port = 0;
};

UdpSocket bound_udp() {
  UdpSocket s{UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0))};
  sockaddr_storage sa;
  const socklen_t len = to_sockaddr(kLoopback, 0, sa);
  EXPECT_EQ(::bind(s.fd.get(), reinterpret_cast<sockaddr*>(&sa), len), 0);
  socklen_t got = sizeof sa;
  EXPECT_EQ(::getsockname(s.fd.get(), reinterpret_cast<sockaddr*>(&sa), &got), 0);
  s.port = ntohs(reinterpret_cast<sockaddr_in*>(&sa)->sin_port);
  return s;
}

// The first byte of each datagram waiting on `fd`, in order (waits up to 2 s for the first).
std::vector<uint8_t> tags_on(int fd, size_t expected) {
  std::vector<uint8_t> tags;
  pollfd p{fd, POLLIN, 0};
  uint8_t byte = 0;
  while (tags.size() < expected && ::poll(&p, 1, 2000) > 0) {
    if (::recv(fd, &byte, 1, MSG_DONTWAIT | MSG_TRUNC) <= 0) break;
    tags.push_back(byte);
  }
  return tags;
}

TEST(BatchIoSend, ConvertsTheAddressOncePerChangeOfPeer) {
  UdpSocket sender = bound_udp();
  UdpSocket a = bound_udp();
  UdpSocket b = bound_udp();
  const std::vector<uint8_t> tags{1, 2, 3, 4, 5, 6};
  // a, a, a, b, b, a: a is kept from the first packet on, so only the two to b convert again.
  const std::vector<uint16_t> ports{a.port, a.port, a.port, b.port, b.port, a.port};
  std::vector<std::array<uint8_t, 4>> payloads(tags.size());
  std::vector<OutgoingDatagram> out;
  for (size_t i = 0; i < tags.size(); ++i) {
    payloads[i] = {tags[i], 0, 0, 0};
    out.push_back(OutgoingDatagram{{}, kLoopback, ports[i], payloads[i], {}});
  }
  BatchIo io;
  EXPECT_EQ(io.send(sender.fd.get(), AF_INET, out), out.size());
  EXPECT_EQ(io.addresses_written(), 3u);
  EXPECT_EQ(tags_on(a.fd.get(), 4), (std::vector<uint8_t>{1, 2, 3, 6}));
  EXPECT_EQ(tags_on(b.fd.get(), 2), (std::vector<uint8_t>{4, 5}));

  // The next call to the same peer converts nothing; one to another peer converts once, then it
  // is the one kept.
  EXPECT_EQ(io.send(sender.fd.get(), AF_INET, std::span(out).first(2)), 2u);
  EXPECT_EQ(io.addresses_written(), 3u);
  EXPECT_EQ(tags_on(a.fd.get(), 2), (std::vector<uint8_t>{1, 2}));
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(io.send(sender.fd.get(), AF_INET, std::span(out).subspan(3, 1)), 1u);
    EXPECT_EQ(io.addresses_written(), 4u) << round;
    EXPECT_EQ(tags_on(b.fd.get(), 1), (std::vector<uint8_t>{4})) << round;
  }
}

}  // namespace batch_io_test
}  // namespace sctpkit::net
