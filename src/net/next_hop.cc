#include "net/next_hop.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sctpkit::net {

NextHopResolver::NextHopResolver()
    : netlink_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)),
      ioctl_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
  // Answers come within the call (the kernel answers RTM_GETROUTE synchronously); a timeout keeps a
  // lost one from hanging the event loop.
  const timeval wait{0, 100'000};
  if (netlink_.get() >= 0) ::setsockopt(netlink_.get(), SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
}

std::optional<NextHopResolver::Route> NextHopResolver::route(const wire::IpAddress& destination) {
  struct {
    nlmsghdr header;
    rtmsg route;
    alignas(NLMSG_ALIGNTO) std::array<uint8_t, RTA_SPACE(4)> attribute;
  } request{};
  request.header.nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg) + RTA_SPACE(4));
  request.header.nlmsg_type = RTM_GETROUTE;
  request.header.nlmsg_flags = NLM_F_REQUEST;
  request.header.nlmsg_seq = ++sequence_;
  request.route.rtm_family = AF_INET;
  request.route.rtm_dst_len = 32;
  auto* dst = reinterpret_cast<rtattr*>(request.attribute.data());
  dst->rta_type = RTA_DST;
  dst->rta_len = RTA_LENGTH(4);
  std::memcpy(RTA_DATA(dst), destination.bytes().data(), 4);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(netlink_.get(), &request, request.header.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0)
    return std::nullopt;
  for (;;) {
    const ssize_t n = ::recv(netlink_.get(), buffer_.data(), buffer_.size(), 0);
    if (n <= 0) return std::nullopt;
    auto left = static_cast<unsigned>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buffer_.data()); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_seq != sequence_) continue;  // a late answer to an earlier, timed-out query
      if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type != RTM_NEWROUTE) return std::nullopt;
      const auto* r = static_cast<const rtmsg*>(NLMSG_DATA(h));
      Route out;
      out.type = r->rtm_type;
      auto attributes = RTM_PAYLOAD(h);
      for (auto* a = RTM_RTA(r); RTA_OK(a, attributes); a = RTA_NEXT(a, attributes)) {
        const auto* data = static_cast<const uint8_t*>(RTA_DATA(a));
        const bool four = RTA_PAYLOAD(a) >= 4;
        if (a->rta_type == RTA_OIF && four) std::memcpy(&out.ifindex, data, 4);
        if (a->rta_type == RTA_GATEWAY && four) out.gateway = wire::IpAddress::v4(data);
        if (a->rta_type == RTA_PREFSRC && four) out.preferred_source = wire::IpAddress::v4(data);
      }
      return out;
    }
  }
}

NextHopResolver::Result NextHopResolver::resolve(const wire::IpAddress& destination) {
  if (!ok() || !destination.is_v4()) return {std::nullopt, NoNextHop::NoRoute};
  auto r = route(destination);
  if (!r || r->ifindex <= 0) return {std::nullopt, NoNextHop::NoRoute};
  // Local and broadcast routes go through the loopback device or need the kernel's handling.
  if (r->type != RTN_UNICAST) return {std::nullopt, NoNextHop::NotEthernet};
  ifreq request{};
  // The name through our own socket (if_indextoname opens one in the calling thread's namespace,
  // which need not be the one this resolver was made in).
  request.ifr_ifindex = r->ifindex;
  if (::ioctl(ioctl_.get(), SIOCGIFNAME, &request) != 0) return {std::nullopt, NoNextHop::NoRoute};
  NextHop hop;
  hop.ifindex = r->ifindex;
  hop.preferred_source = r->preferred_source;
  if (::ioctl(ioctl_.get(), SIOCGIFHWADDR, &request) != 0 || request.ifr_hwaddr.sa_family != ARPHRD_ETHER)
    return {std::nullopt, NoNextHop::NotEthernet};
  std::memcpy(hop.local_mac.data(), request.ifr_hwaddr.sa_data, 6);
  if (::ioctl(ioctl_.get(), SIOCGIFMTU, &request) != 0 || request.ifr_mtu <= 0) return {std::nullopt, NoNextHop::NoRoute};
  hop.mtu = static_cast<size_t>(request.ifr_mtu);

  // RFC 826 via the kernel: the gateway's entry for an indirect route, else the destination's.
  arpreq neighbour{};
  auto* address = reinterpret_cast<sockaddr_in*>(&neighbour.arp_pa);
  address->sin_family = AF_INET;
  const wire::IpAddress& next = r->gateway.is_unspecified() ? destination : r->gateway;
  std::memcpy(&address->sin_addr, next.bytes().data(), 4);
  std::memcpy(neighbour.arp_dev, request.ifr_name, sizeof neighbour.arp_dev);
  if (::ioctl(ioctl_.get(), SIOCGARP, &neighbour) != 0 || !(neighbour.arp_flags & ATF_COM))
    return {std::nullopt, NoNextHop::NoNeighbour};
  std::memcpy(hop.next_hop_mac.data(), neighbour.arp_ha.sa_data, 6);
  return {hop, NoNextHop::NoRoute};
}

}  // namespace sctpkit::net
