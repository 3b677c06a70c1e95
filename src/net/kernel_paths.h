// Every peer address of a kernel SCTP association with the kernel's view of it (RFC 6458 8.2.2
// SCTP_GET_PEER_ADDR_INFO for each address that Linux's SCTP_GET_PEER_ADDRS lists, the sockopt
// behind RFC 6458 9.3 sctp_getpaddrs()), for the kernel backend's status(). No libsctp.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sctpkit/association.h"

namespace sctpkit::detail {

// The addresses packed in an SCTP_GET_PEER_ADDRS answer after its header: `count` entries, each a
// sockaddr_in or a sockaddr_in6 as its family says. Stops at an entry that is cut short or of
// another family, so that a short or odd answer gives fewer addresses, never a read past `bytes`.
std::vector<sockaddr_storage> unpack_peer_addresses(std::span<const uint8_t> bytes, size_t count);

// RFC 6458 8.2.2 spinfo_state as PathInfo's active and confirmed: only SCTP_ACTIVE is active;
// SCTP_UNCONFIRMED (no HEARTBEAT answered yet, RFC 9260 5.4) is neither; SCTP_INACTIVE and Linux's
// SCTP_PF (potentially failed) are confirmed but not active.
void set_path_state(int32_t spinfo_state, PathInfo& path);

// Every peer address of the association on one-to-one socket `fd`, `primary` (from SCTP_STATUS)
// flagged; empty when the kernel cannot list them (the caller then reports the primary alone).
std::vector<PathInfo> kernel_peer_paths(int fd, const sockaddr_storage& primary);

}  // namespace sctpkit::detail
