// The heartbeat phase of a multi-homed association on the kernel's sockets, path by path. The
// kernel shows no packets, so "each path answered our HEARTBEAT" cannot come from a trace; what
// it does show is its state of every peer address (RFC 6458 8.2.2 SCTP_GET_PEER_ADDR_INFO,
// through Association::status()):
//   - confirmed: an address the INIT (ACK) listed starts unconfirmed, and the kernel confirms it
//     only when a HEARTBEAT sent to it is answered (RFC 9260 5.4); the address connected to is
//     confirmed by the handshake itself;
//   - active: not marked unreachable, which the kernel does after Path.Max.Retrans unanswered
//     HEARTBEATs or retransmissions (RFC 9260 8.2).
// A path passes when it is both. The local address a path leaves from is the kernel's routing
// choice and is not shown (PathResult::local stays empty).
#pragma once

#include <chrono>
#include <vector>

#include "linktest/report.h"
#include "sctpkit/association.h"

namespace sctpkit::linktest {

// One row per peer address, in the order given (the caller puts the primary first), each with its
// result, state, srtt and basis; a failed one's seen ("... in 5 s") and hint after `waited`.
std::vector<PathResult> kernel_path_results(const std::vector<PathInfo>& paths, std::chrono::milliseconds waited);

}  // namespace sctpkit::linktest
