// Host names on the command line become numeric addresses before the stack sees them.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sctpkit::tools {

// The first address getaddrinfo gives for `host`, as numeric text; restricted to IPv4 or IPv6 by
// -4 / -6. On failure `error` says why, in words for the user.
std::optional<std::string> resolve_host(const std::string& host, bool v4, bool v6, std::string& error);

// -s/--source: the local addresses to bind are numeric (the stack binds each as given). The first
// that is not, in words for the user, or nullopt.
std::optional<std::string> check_source_addresses(const std::vector<std::string>& addresses);

}  // namespace sctpkit::tools
