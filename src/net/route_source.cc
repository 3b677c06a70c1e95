#include "net/route_source.h"

#include <sys/socket.h>
#include <unistd.h>

#include "net/socket_util.h"

namespace sctpkit::net {
namespace {

std::optional<wire::IpAddress> ask_kernel(const wire::IpAddress& destination) {
  sockaddr_storage to{};
  // Any port: connect() on a datagram socket only chooses the route and source, and sends nothing.
  const socklen_t length = to_sockaddr(destination, 9, to);
  UniqueFd fd(::socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0 || ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), length) != 0) return std::nullopt;
  sockaddr_storage local{};
  socklen_t local_length = sizeof local;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &local_length) != 0) return std::nullopt;
  return from_sockaddr(local);
}

}  // namespace

std::optional<wire::IpAddress> RouteSources::lookup(const wire::IpAddress& destination) {
  for (size_t i = 0; i < used_; ++i)
    if (entries_[i].destination == destination) return entries_[i].source;
  Entry& entry = used_ < kEntries ? entries_[used_++] : entries_[next_++ % kEntries];
  entry = {destination, ask_kernel(destination)};
  return entry.source;
}

}  // namespace sctpkit::net
