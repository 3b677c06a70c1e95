// Host names on the command line become numeric addresses before the stack sees them.
#pragma once

#include <optional>
#include <string>

namespace sctpkit::tools {

// The first address getaddrinfo gives for `host`, as numeric text; restricted to IPv4 or IPv6 by
// -4 / -6. On failure `error` says why, in words for the user.
std::optional<std::string> resolve_host(const std::string& host, bool v4, bool v6, std::string& error);

}  // namespace sctpkit::tools
