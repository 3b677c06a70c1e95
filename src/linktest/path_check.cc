#include "linktest/path_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "wire/chunk_types.h"
#include "wire/packet.h"

namespace sctpkit::linktest {
namespace {

using Ends = std::pair<wire::IpAddress, wire::IpAddress>;  // (ours, the peer's)
using Info = std::vector<uint8_t>;

// Rows keyed by their address pair, in the order first seen; an unknown end is the default address.
class Paths {
 public:
  PathResult& at(const std::optional<wire::IpAddress>& local, const std::optional<wire::IpAddress>& peer) {
    const Ends key{local.value_or(wire::IpAddress{}), peer.value_or(wire::IpAddress{})};
    for (size_t i = 0; i < keys_.size(); ++i)
      if (keys_[i] == key) return rows_[i];
    keys_.push_back(key);
    PathResult row;
    row.local = local ? local->to_string() : "";
    row.peer = peer ? peer->to_string() : "";
    rows_.push_back(std::move(row));
    return rows_.back();
  }
  [[nodiscard]] size_t size() const { return rows_.size(); }
  [[nodiscard]] const Ends& key(size_t i) const { return keys_[i]; }
  PathResult& row(size_t i) { return rows_[i]; }
  std::vector<PathResult> take() { return std::move(rows_); }

 private:
  std::vector<Ends> keys_;
  std::vector<PathResult> rows_;
};

bool is_heartbeat(uint8_t type) {
  return type == static_cast<uint8_t>(wire::ChunkType::Heartbeat) ||
         type == static_cast<uint8_t>(wire::ChunkType::HeartbeatAck);
}

// Fills `paths` with the heartbeats of `packets`: each HEARTBEAT on the pair it crossed, each
// HEARTBEAT ACK on the pair of the HEARTBEAT whose information it echoes (RFC 9260 8.3).
void count(const std::vector<LoggedPacket>& packets, size_t from, Paths& paths) {
  std::map<Info, Ends> ours;    // our HEARTBEATs: info -> (from us, to the peer)
  std::map<Info, Ends> theirs;  // the peer's: info -> (to us, from the peer)
  for (size_t i = from; i < packets.size(); ++i) {
    const auto& p = packets[i];
    // The types recorded with the packet spare parsing the bulk burst's thousands again each time.
    if (p.association != 0 || std::none_of(p.chunk_types.begin(), p.chunk_types.end(), is_heartbeat)) continue;
    auto view = wire::PacketView::parse(wire::Bytes(p.sctp.data(), p.sctp.size()));
    if (!view) continue;
    const Ends ends = p.sent ? Ends{p.source, p.destination} : Ends{p.destination, p.source};
    for (const auto& chunk : view.value()) {
      const bool request = chunk.type == static_cast<uint8_t>(wire::ChunkType::Heartbeat);
      const bool answer = chunk.type == static_cast<uint8_t>(wire::ChunkType::HeartbeatAck);
      if (!request && !answer) continue;
      Info info(chunk.value.begin(), chunk.value.end());
      if (request) {
        (p.sent ? ours : theirs)[std::move(info)] = ends;
        auto& row = paths.at(ends.first, ends.second);
        ++(p.sent ? row.hb_sent : row.hb_received);
        continue;
      }
      // An answer to one of ours arrives; one of ours to the peer's leaves.
      auto& asked = p.sent ? theirs : ours;
      auto found = asked.find(info);
      if (found == asked.end()) continue;
      auto& row = paths.at(found->second.first, found->second.second);
      ++(p.sent ? row.hb_ack_sent : row.hb_ack_received);
    }
  }
}

std::string seconds(std::chrono::milliseconds ms) { return fmt::format("{:g} s", static_cast<double>(ms.count()) / 1000.0); }

}  // namespace

std::vector<PathResult> tally_paths(const std::vector<LoggedPacket>& packets, size_t from, const PathCheckInput& input) {
  Paths paths;
  count(packets, from, paths);
  auto rows_of = [&](auto matches) {
    std::vector<size_t> found;
    for (size_t i = 0; i < paths.size(); ++i)
      if (matches(paths.key(i))) found.push_back(i);
    return found;
  };

  // RFC 9260 8.3: we heartbeat every peer address; each must answer. A peer address we sent no
  // heartbeat to gets a path of its own, from the address our other packets to it left from.
  for (const auto& info : input.peer_paths) {
    const auto peer = wire::IpAddress::parse(info.address);
    if (!peer) continue;
    bool heartbeated = false;
    for (size_t i : rows_of([&](const Ends& e) { return e.second == *peer; })) {
      heartbeated = heartbeated || paths.row(i).hb_sent > 0;
      paths.row(i).ours_required = paths.row(i).hb_sent > 0;
    }
    if (!heartbeated) {
      std::optional<wire::IpAddress> local;
      for (const auto& p : packets)
        if (p.association == 0 && p.sent && p.destination == *peer) local = p.source;
      paths.at(local, peer).ours_required = true;
    }
    for (size_t i = 0; i < paths.size(); ++i) {
      if (paths.key(i).second != *peer) continue;
      paths.row(i).state = info.active ? "active" : "inactive";
      if (info.srtt.count() > 0) paths.row(i).srtt_ms = static_cast<double>(info.srtt.count()) / 1000.0;
    }
  }
  // ... and the peer every one of ours. One that never came is charged to a path from that address
  // (the one our heartbeats took), or to a path of its own when none left from it.
  if (input.peer_heartbeats_required) {
    for (size_t i = 0; i < paths.size(); ++i)
      if (paths.row(i).hb_received > 0) paths.row(i).theirs_required = true;
    for (const auto& local : input.local_addresses) {
      const auto from_local = rows_of([&](const Ends& e) { return e.first == local; });
      if (std::any_of(from_local.begin(), from_local.end(), [&](size_t i) { return paths.row(i).hb_received > 0; }))
        continue;
      if (from_local.empty()) {
        paths.at(local, std::nullopt).theirs_required = true;
        continue;
      }
      size_t charged = from_local.front();
      for (size_t i : from_local)
        if (paths.row(i).hb_sent > 0) charged = i;
      paths.row(charged).theirs_required = true;
    }
  }

  // In the association's order of peer addresses, so that the table reads as status() does.
  std::vector<std::pair<size_t, size_t>> order;  // (rank, row)
  for (size_t i = 0; i < paths.size(); ++i) {
    size_t rank = input.peer_paths.size();
    for (size_t k = 0; k < input.peer_paths.size(); ++k)
      if (wire::IpAddress::parse(input.peer_paths[k].address) == paths.key(i).second) rank = k;
    order.emplace_back(rank, i);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  auto all = paths.take();
  std::vector<PathResult> rows;
  for (const auto& [rank, i] : order) {
    auto& row = all[i];
    const bool ours_ok = !row.ours_required || row.hb_ack_received > 0;
    const bool theirs_ok = !row.theirs_required || (row.hb_received > 0 && row.hb_ack_sent > 0);
    row.result = ours_ok && theirs_ok ? Outcome::Pass : Outcome::Fail;
    rows.push_back(std::move(row));
  }
  return rows;
}

bool all_paths_pass(const std::vector<PathResult>& paths) {
  return std::all_of(paths.begin(), paths.end(), [](const PathResult& p) { return p.result == Outcome::Pass; });
}

size_t judge_paths(std::vector<PathResult>& paths, std::chrono::milliseconds waited) {
  size_t failed = 0;
  for (auto& p : paths) {
    if (p.result != Outcome::Fail) continue;
    ++failed;
    std::vector<std::string> seen;
    std::string hint;
    if (p.ours_required && p.hb_ack_received == 0) {
      if (p.hb_sent == 0) {
        seen.push_back(fmt::format("we sent no HEARTBEAT to {} in {}", p.peer, seconds(waited)));
        hint = "raise --timeout above the heartbeat interval (--hb-interval)";
      } else {
        seen.push_back(fmt::format("no HEARTBEAT ACK from {} in {} over path {}", p.peer, seconds(waited), path_name(p)));
      }
    }
    if (p.theirs_required && p.hb_received == 0) {
      seen.push_back(fmt::format("no HEARTBEAT from the peer to {} in {}", p.local, seconds(waited)));
    } else if (p.theirs_required && p.hb_ack_sent == 0) {
      seen.push_back(fmt::format("the peer's HEARTBEAT to {} got no HEARTBEAT ACK from us", p.local));
      if (hint.empty()) hint = "report this as a bug: our end must answer every HEARTBEAT (RFC 9260 8.3)";
    }
    if (hint.empty()) hint = "is that network routed and SCTP allowed on it?";
    for (size_t i = 0; i < seen.size(); ++i) p.seen += (i ? ", and " : "") + seen[i];
    p.hint = std::move(hint);
  }
  return failed;
}

}  // namespace sctpkit::linktest
