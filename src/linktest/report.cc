#include "linktest/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <nlohmann/json.hpp>

namespace sctpkit::linktest {

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::Pass: return "pass";
    case Outcome::Fail: return "fail";
    case Outcome::Skip: return "skip";
  }
  return "?";
}

bool Report::passed() const {
  return !phases.empty() &&
         std::none_of(phases.begin(), phases.end(), [](const PhaseResult& p) { return p.result == Outcome::Fail; });
}

std::string Report::detail() const {
  for (const auto& p : phases)
    if (p.result == Outcome::Fail) return fmt::format("{}: {}", p.name, p.seen);
  return "";
}

std::string server_address(const std::string& host, uint16_t port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

std::string path_name(const PathResult& path) {
  return fmt::format("{} -> {}", path.local.empty() ? "?" : path.local, path.peer.empty() ? "?" : path.peer);
}

namespace {

// Rows under a head, columns aligned (the third right-aligned: times), each row followed by a
// `check:` line when `check(i)` has one.
template <typename Check>
void aligned(std::string& out, const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows,
             Check check) {
  std::vector<size_t> width(head.size());
  for (size_t c = 0; c < head.size(); ++c) {
    width[c] = head[c].size();
    for (const auto& r : rows) width[c] = std::max(width[c], r[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c + 1 == cells.size()) {
        text += cells[c];
      } else if (c == 2) {
        text += fmt::format("{:>{}}  ", cells[c], width[c]);
      } else {
        text += fmt::format("{:<{}}  ", cells[c], width[c]);
      }
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  line(head);
  for (size_t i = 0; i < rows.size(); ++i) {
    line(rows[i]);
    if (const std::string text = check(i); !text.empty())
      fmt::format_to(std::back_inserter(out), "{:{}}check: {}\n", "", width[0] + 2, text);
  }
}

// The heartbeat phase's paths of a multi-homed run: one line each, a failed one's reason under it.
std::string format_paths(const std::vector<PathResult>& paths) {
  if (paths.empty()) return "";
  // Kernel sockets: no heartbeat counts, the kernel's view instead (and no local address: the
  // kernel's route picks it).
  const bool kernel = std::any_of(paths.begin(), paths.end(), [](const PathResult& p) { return !p.basis.empty(); });
  if (kernel) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& p : paths)
      rows.push_back({p.peer, p.state, p.srtt_ms ? fmt::format("{:.1f} ms", *p.srtt_ms) : "-",
                      p.basis, std::string(to_string(p.result))});
    std::string out = "\n";
    aligned(out, {"peer address", "state", "srtt", "the kernel's view (SCTP_GET_PEER_ADDR_INFO)", "result"}, rows,
            [&](size_t i) { return paths[i].hint.empty() ? "" : paths[i].seen + ": " + paths[i].hint; });
    return out;
  }
  const std::vector<std::string> head{"path", "state", "srtt", "our HB REQ / HB ACK", "peer's HB REQ / HB ACK",
                                      "result"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : paths)
    rows.push_back({path_name(p), p.state.empty() ? "unknown" : p.state,
                    p.srtt_ms ? fmt::format("{:.1f} ms", *p.srtt_ms) : "-",
                    fmt::format("{} sent / {} answered", p.hb_sent, p.hb_ack_received),
                    fmt::format("{} received / {} answered", p.hb_received, p.hb_ack_sent),
                    std::string(to_string(p.result))});
  std::string out = "\n";
  aligned(out, head, rows, [&](size_t i) { return paths[i].hint.empty() ? "" : paths[i].seen + ": " + paths[i].hint; });
  return out;
}

}  // namespace

std::string format_table(const Report& report) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : report.phases)
    rows.push_back({p.name, std::string(to_string(p.result)), fmt::format("{} ms", p.ms), p.expected, p.seen});
  std::string out;
  aligned(out, {"phase", "result", "time", "expected", "seen"}, rows, [&](size_t i) { return report.phases[i].hint; });
  out += format_paths(report.paths);
  const size_t failed = static_cast<size_t>(std::count_if(
      report.phases.begin(), report.phases.end(), [](const PhaseResult& p) { return p.result == Outcome::Fail; }));
  fmt::format_to(std::back_inserter(out), "\nverdict: {} ({} of {} phases failed; server {}, {} transport)\n",
                 report.passed() ? "PASS" : "FAIL", failed, report.phases.size(), report.server,
                 report.transport == "raw"      ? "raw IP"
                 : report.transport == "kernel" ? "kernel"
                                                : "UDP");
  return out;
}

namespace {

nlohmann::json optional_number(const std::optional<double>& v) {
  if (!v) return nullptr;
  return std::round(*v * 1000.0) / 1000.0;  // microsecond / kbit precision is enough
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 forbids most control characters even escaped.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += ' ';
        else out += c;
    }
  }
  return out;
}

}  // namespace

std::string to_json(const Report& report) {
  nlohmann::ordered_json j;  // keys in the documented order
  j["verdict"] = report.passed() ? "pass" : "fail";
  j["server"] = report.server;
  j["transport"] = report.transport;
  j["handshake_ms"] = optional_number(report.handshake_ms);
  j["rtt_ms"] = optional_number(report.rtt_ms);
  j["throughput_mbps"] = optional_number(report.throughput_mbps);
  j["detail"] = report.detail();
  j["phases"] = nlohmann::ordered_json::array();
  for (const auto& p : report.phases)
    j["phases"].push_back(nlohmann::ordered_json{{"name", p.name}, {"result", to_string(p.result)}, {"ms", p.ms},
                                                 {"expected", p.expected}, {"seen", p.seen}, {"hint", p.hint}});
  // Multi-homed runs only, so that a single-homed report reads as it always did.
  if (!report.paths.empty()) {
    j["paths"] = nlohmann::ordered_json::array();
    for (const auto& p : report.paths)
      j["paths"].push_back(nlohmann::ordered_json{{"local", p.local},
                                                  {"peer", p.peer},
                                                  {"state", p.state},
                                                  {"srtt_ms", optional_number(p.srtt_ms)},
                                                  {"hb_sent", p.hb_sent},
                                                  {"hb_ack_received", p.hb_ack_received},
                                                  {"hb_received", p.hb_received},
                                                  {"hb_ack_sent", p.hb_ack_sent},
                                                  {"result", to_string(p.result)},
                                                  {"seen", p.seen},
                                                  {"hint", p.hint}});
    // Kernel sockets only: what the path's verdict rests on (its heartbeat counts are all 0 there).
    for (size_t i = 0; i < report.paths.size(); ++i)
      if (!report.paths[i].basis.empty()) j["paths"][i]["basis"] = report.paths[i].basis;
  }
  if (report.association) {
    const auto& a = *report.association;
    j["association"] = nlohmann::ordered_json{{"local_tag", a.local_tag}, {"peer_tag", a.peer_tag}, {"os", a.os},
                                              {"mis", a.mis}, {"peer_rwnd", a.peer_rwnd}};
  } else {
    j["association"] = nullptr;
  }
  // Invalid UTF-8 from a peer's error cause must not throw: replace it.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string to_junit(const Report& report) {
  int64_t total_ms = 0;
  size_t failures = 0, skipped = 0;
  for (const auto& p : report.phases) {
    total_ms += p.ms;
    failures += p.result == Outcome::Fail;
    skipped += p.result == Outcome::Skip;
  }
  for (const auto& p : report.paths) failures += p.result == Outcome::Fail;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  auto it = std::back_inserter(out);
  fmt::format_to(it, "<testsuites>\n<testsuite name=\"linktest\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" "
                     "time=\"{:.3f}\">\n",
                 report.phases.size() + report.paths.size(), failures, skipped, static_cast<double>(total_ms) / 1000.0);
  fmt::format_to(it, "  <properties><property name=\"server\" value=\"{}\"/><property name=\"transport\" "
                     "value=\"{}\"/></properties>\n",
                 xml_escape(report.server), xml_escape(report.transport));
  for (const auto& p : report.phases) {
    fmt::format_to(it, "  <testcase classname=\"linktest\" name=\"{}\" time=\"{:.3f}\"", xml_escape(p.name),
                   static_cast<double>(p.ms) / 1000.0);
    if (p.result == Outcome::Pass) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    if (p.result == Outcome::Skip) {
      fmt::format_to(it, "    <skipped message=\"{}\"/>\n", xml_escape(p.seen));
    } else {
      fmt::format_to(it, "    <failure message=\"{}\">expected: {}\nseen: {}\ncheck: {}</failure>\n",
                     xml_escape(p.seen), xml_escape(p.expected), xml_escape(p.seen), xml_escape(p.hint));
    }
    out += "  </testcase>\n";
  }
  // A test case per path of a multi-homed run, so that CI names the network that failed.
  for (const auto& p : report.paths) {
    // On kernel sockets the local end of a path is the kernel's routing choice, not known.
    fmt::format_to(it, "  <testcase classname=\"linktest.paths\" name=\"{}\" time=\"0.000\"",
                   xml_escape(p.basis.empty() ? "heartbeat " + path_name(p) : "path to " + p.peer));
    if (p.result != Outcome::Fail) {
      out += "/>\n";
      continue;
    }
    // As a phase's failure: expected, seen, check.
    if (!p.basis.empty()) {
      fmt::format_to(it, ">\n    <failure message=\"{}\">expected: the kernel keeps the address confirmed and active\n"
                         "seen: {}; the kernel's view: {}\ncheck: {}</failure>\n  </testcase>\n",
                     xml_escape(p.seen), xml_escape(p.seen), xml_escape(p.basis), xml_escape(p.hint));
      continue;
    }
    fmt::format_to(it, ">\n    <failure message=\"{}\">expected: {}\nseen: {}; path {}, our HB REQ {} sent / {} answered, "
                       "the peer's {} received / {} answered\ncheck: {}</failure>\n  </testcase>\n",
                   xml_escape(p.seen),
                   p.theirs_required ? "HB REQ and HB ACK both ways on this path" : "our HB REQ answered by HB ACK",
                   xml_escape(p.seen), xml_escape(p.state.empty() ? "unknown" : p.state), p.hb_sent,
                   p.hb_ack_received, p.hb_received, p.hb_ack_sent, xml_escape(p.hint));
  }
  out += "</testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace sctpkit::linktest
