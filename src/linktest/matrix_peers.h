// The peers of a link-test matrix: `NAME=HOST:PORT`, one per node (docs/openshift.md, "The matrix").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sctpkit::linktest {

struct Peer {
  std::string name;  // the node's name, as printed in the matrix
  std::string host;  // an address or host name; an IPv6 address without brackets
  uint16_t port = 0;

  // HOST:PORT, with an IPv6 address in brackets.
  [[nodiscard]] std::string address() const;
};

// A bad peer spec or list: a message that says what was wrong, for a person.
struct PeerError {
  std::string message;
};

// Parses `NAME=HOST:PORT` (IPv6 as `NAME=[ADDR]:PORT`).
std::variant<Peer, PeerError> parse_peer(std::string_view spec);

// Parses `HOST:PORT` (IPv6 as `[ADDR]:PORT`) into a peer without a name.
std::variant<Peer, PeerError> parse_address(std::string_view address);

// Parses a peers file: one spec per line; blank lines and lines starting with '#' are skipped.
// `source` names the file in messages ("FILE:LINE: ...").
std::variant<std::vector<Peer>, PeerError> parse_peers_text(std::string_view text, std::string_view source);

// A matrix needs two peers or more, with distinct names and distinct addresses (two names for one
// address would be a copy-paste mistake in the list, and its cells would measure nothing).
std::variant<std::vector<Peer>, PeerError> validate_peers(std::vector<Peer> peers);

}  // namespace sctpkit::linktest
