#include "linktest/matrix_peers.h"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace sctpkit::linktest {

namespace {

// Node names are DNS subdomains (RFC 1123) in Kubernetes; we also take '_' and upper case, which
// hand-written lists use, but nothing that would break the table or the JSON.
bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 253 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
  });
}

bool valid_host(std::string_view host, bool bracketed) {
  if (host.empty() || host.size() > 253 || host.front() == '-') return false;
  return std::all_of(host.begin(), host.end(), [bracketed](char c) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    return alnum || c == '-' || c == '.' || (bracketed && (c == ':' || c == '%'));
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string Peer::address() const {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

namespace {

// The HOST:PORT part; a reason for a person when it is not one.
std::variant<Peer, std::string> split_address(std::string_view rest) {
  std::string_view host, port;
  bool bracketed = false;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return std::string("'[' without ']'");
    host = rest.substr(1, close - 1);
    if (rest.substr(close + 1).empty() || rest[close + 1] != ':') return std::string("no ':PORT' after ']'");
    port = rest.substr(close + 2);
    bracketed = true;
  } else {
    const size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return std::string("no ':PORT'");
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::string("an IPv6 address needs brackets");
  }
  if (!valid_host(host, bracketed)) return std::string("HOST is not an address or host name");
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535)
    return std::string("PORT must be 1..65535");
  Peer peer;
  peer.host = std::string(host);
  peer.port = static_cast<uint16_t>(value);
  return peer;
}

}  // namespace

std::variant<Peer, PeerError> parse_address(std::string_view address) {
  auto peer = split_address(address);
  if (auto* why = std::get_if<std::string>(&peer))
    return PeerError{fmt::format("bad address '{}': {} (expected HOST:PORT, IPv6 as [ADDR]:PORT)", address, *why)};
  return std::get<Peer>(std::move(peer));
}

std::variant<Peer, PeerError> parse_peer(std::string_view spec) {
  auto bad = [spec](std::string_view why) {
    return PeerError{fmt::format("bad peer '{}': {} (expected NAME=HOST:PORT, IPv6 as NAME=[ADDR]:PORT)", spec, why)};
  };
  const size_t eq = spec.find('=');
  if (eq == std::string_view::npos) return bad("no '='");
  const std::string_view name = spec.substr(0, eq);
  if (!valid_name(name)) return bad("NAME must be letters, digits, '-', '.' or '_'");
  auto peer = split_address(spec.substr(eq + 1));
  if (auto* why = std::get_if<std::string>(&peer)) return bad(*why);
  auto& result = std::get<Peer>(peer);
  result.name = std::string(name);
  return std::move(result);
}

std::variant<std::vector<Peer>, PeerError> parse_peers_text(std::string_view text, std::string_view source) {
  std::vector<Peer> peers;
  size_t line_number = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    auto peer = parse_peer(line);
    if (auto* error = std::get_if<PeerError>(&peer))
      return PeerError{fmt::format("{}:{}: {}", source, line_number, error->message)};
    peers.push_back(std::move(std::get<Peer>(peer)));
  }
  return peers;
}

std::variant<std::vector<Peer>, PeerError> validate_peers(std::vector<Peer> peers) {
  if (peers.size() < 2)
    return PeerError{fmt::format("a matrix needs at least 2 peers, got {}", peers.size())};
  std::set<std::string> names, addresses;
  for (const auto& peer : peers) {
    if (!names.insert(peer.name).second) return PeerError{fmt::format("peer name '{}' is given twice", peer.name)};
    if (!addresses.insert(peer.address()).second)
      return PeerError{fmt::format("address {} is given twice (peer '{}')", peer.address(), peer.name)};
  }
  return peers;
}

}  // namespace sctpkit::linktest
