#include "linktest/matrix_print.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>

namespace sctpkit::linktest {

namespace {

using Row = std::vector<std::string>;

// Left-aligned columns two spaces apart; the last column is not padded.
std::string columns(const std::vector<Row>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(width[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  return out;
}

std::string milliseconds(const std::optional<double>& ms) { return ms ? fmt::format("{:.2f} ms", *ms) : "-"; }

// Three significant digits at most: 941 Mbit/s, 94.1 Mbit/s, 9.41 Mbit/s.
std::string throughput(const std::optional<double>& mbps) {
  if (!mbps) return "-";
  if (*mbps >= 99.95) return fmt::format("{:.0f} Mbit/s", *mbps);
  if (*mbps >= 9.995) return fmt::format("{:.1f} Mbit/s", *mbps);
  return fmt::format("{:.2f} Mbit/s", *mbps);
}

}  // namespace

const char* result_label(PairOutcome outcome) {
  switch (outcome) {
    case PairOutcome::Pass: return "pass";
    case PairOutcome::Fail: return "FAIL";
    case PairOutcome::AgentUnreachable: return "NO-AGENT";
  }
  return "FAIL";
}

std::string format_table(const std::vector<PairResult>& results) {
  std::vector<Row> rows{{"FROM", "TO", "RESULT", "HANDSHAKE", "RTT", "THROUGHPUT", "DETAIL"}};
  for (const auto& r : results)
    rows.push_back({r.from, r.to, result_label(r.outcome), milliseconds(r.handshake_ms), milliseconds(r.rtt_ms),
                    throughput(r.throughput_mbps), r.detail});
  return columns(rows);
}

std::string format_grid(const std::vector<std::string>& nodes, const std::vector<PairResult>& results) {
  std::map<std::pair<std::string, std::string>, PairOutcome> cells;
  for (const auto& r : results) cells[{r.from, r.to}] = r.outcome;
  std::vector<Row> rows;
  Row header{"from \\ to"};
  header.insert(header.end(), nodes.begin(), nodes.end());
  rows.push_back(std::move(header));
  for (const auto& from : nodes) {
    Row row{from};
    for (const auto& to : nodes) {
      if (from == to) {
        row.emplace_back("-");
        continue;
      }
      auto it = cells.find({from, to});
      row.emplace_back(it == cells.end() ? "?" : result_label(it->second));
    }
    rows.push_back(std::move(row));
  }
  return columns(rows);
}

std::string format_summary(const std::vector<PairResult>& results) {
  const auto passed = std::count_if(results.begin(), results.end(),
                                    [](const auto& r) { return r.outcome == PairOutcome::Pass; });
  std::string out = fmt::format("{} of {} pairs pass\n", passed, results.size());
  std::vector<std::string> unreachable;
  for (const auto& r : results)
    if (r.outcome == PairOutcome::AgentUnreachable &&
        std::find(unreachable.begin(), unreachable.end(), r.from) == unreachable.end())
      unreachable.push_back(r.from);
  for (const auto& node : unreachable)
    out += fmt::format("agent on {} unreachable: its row is untested (is its agent pod running and Ready?)\n", node);
  return out;
}

std::string format_matrix(const std::vector<std::string>& nodes, const std::vector<PairResult>& results) {
  return format_table(results) + '\n' + format_grid(nodes, results) + '\n' + format_summary(results);
}

}  // namespace sctpkit::linktest
