#include "tools/host_resolve.h"

#include <netdb.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include "wire/ip_address.h"

namespace sctpkit::tools {

std::optional<std::string> resolve_host(const std::string& host, bool v4, bool v6, std::string& error) {
  addrinfo hints{};
  hints.ai_family = v4 ? AF_INET : v6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* result = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &result); rc != 0) {
    error = fmt::format("cannot resolve {}: {}", host, ::gai_strerror(rc));
    return std::nullopt;
  }
  char text[NI_MAXHOST];
  const int rc = ::getnameinfo(result->ai_addr, result->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST);
  ::freeaddrinfo(result);
  if (rc != 0) {
    error = fmt::format("cannot resolve {}: {}", host, ::gai_strerror(rc));
    return std::nullopt;
  }
  return std::string(text);
}

std::optional<std::string> check_source_addresses(const std::vector<std::string>& addresses) {
  for (const auto& a : addresses)
    if (!wire::IpAddress::parse(a)) return fmt::format("-s/--source: {} is not a numeric IP address", a.empty() ? "\"\"" : a);
  return std::nullopt;
}

}  // namespace sctpkit::tools
