#include "linktest/kernel_path_check.h"

#include <fmt/format.h>

namespace sctpkit::linktest {

std::vector<PathResult> kernel_path_results(const std::vector<PathInfo>& paths, std::chrono::milliseconds waited) {
  std::vector<PathResult> rows;
  for (const auto& path : paths) {
    PathResult row;
    row.peer = path.address;
    // The kernel keeps srtt in whole units (ms where HZ is 1000): 0 is a fast path, shown as such.
    if (path.active) row.srtt_ms = static_cast<double>(path.srtt.count()) / 1000.0;
    if (!path.confirmed) {
      row.state = "unconfirmed";
      row.basis = "no HEARTBEAT ACK yet (unconfirmed, RFC 9260 5.4)";
      row.seen = fmt::format("the kernel had no HEARTBEAT ACK from {} in {:g} s (the address is still unconfirmed)",
                             path.address, static_cast<double>(waited.count()) / 1000.0);
    } else if (!path.active) {
      row.state = "inactive";
      row.basis = "marked unreachable: HEARTBEATs unanswered (RFC 9260 8.2)";
      row.seen = fmt::format("the kernel marked {} unreachable: its HEARTBEATs there went unanswered", path.address);
    } else {
      row.state = "active";
      row.basis = path.primary ? "primary, confirmed by the handshake; active" : "confirmed by a HEARTBEAT ACK; active";
    }
    if (row.seen.empty()) {
      row.result = Outcome::Pass;
    } else {
      row.result = Outcome::Fail;
      row.hint = "is that network routed and SCTP allowed on it?";
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace sctpkit::linktest
