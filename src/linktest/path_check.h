// The heartbeat phase of a multi-homed association, path by path (RFC 9260 6.4, 8.3): which
// HEARTBEATs crossed each pair of addresses and whether each was answered, from the packets the
// client logged, and a verdict per path with what to check when one failed.
//
// A path is a pair (our address, the peer's address). Our heartbeats go to every peer address the
// association knows (from whichever of our addresses the packets left); the peer's go to every one
// of our addresses. A HEARTBEAT ACK is matched to its HEARTBEAT by the Heartbeat Information it
// echoes (8.3), not by its addresses: the peer may answer from another of its addresses.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "linktest/packet_log.h"
#include "linktest/report.h"
#include "sctpkit/association.h"
#include "wire/ip_address.h"

namespace sctpkit::linktest {

struct PathCheckInput {
  // The association's peer addresses (Association::status().paths): each must answer our heartbeat.
  std::vector<PathInfo> peer_paths;
  // Our addresses the peer must heartbeat: those we listed in the INIT, or, when we listed none,
  // the one its packets came to.
  std::vector<wire::IpAddress> local_addresses;
  // Our own server heartbeats every address it knows of ours; another's interval is its own.
  bool peer_heartbeats_required = false;
};

// Counts the heartbeats of `packets` (from index `from`, association 0) per path. A path's result
// is Pass when every heartbeat required on it was answered, Fail otherwise (seen and hint unset:
// judge_paths words them), in the order: our paths by peer address, then paths only the peer's
// heartbeats showed.
std::vector<PathResult> tally_paths(const std::vector<LoggedPacket>& packets, size_t from, const PathCheckInput& input);

// Whether every path of a tally passed (the phase may stop waiting).
bool all_paths_pass(const std::vector<PathResult>& paths);

// Words each failed path's seen and hint after `waited` ("no HEARTBEAT ACK from P in 5 s over path
// L -> P") and returns how many failed.
size_t judge_paths(std::vector<PathResult>& paths, std::chrono::milliseconds waited);

}  // namespace sctpkit::linktest
