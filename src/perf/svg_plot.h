// `sctpkit perf --plot FILE.svg`: a self-contained SVG with one panel per series (throughput, cwnd,
// RTT over time), stacked, each with axes, tick labels and a title. Our own small writer: no
// scripts, no external references, so any browser or image viewer shows it.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sctpkit::perf {

struct PlotSeries {
  std::string title;  // "Throughput (Mbit/s)"
  std::string id;     // the polyline's id attribute: "throughput"
  std::vector<std::pair<double, double>> points;  // (seconds, value)
};

[[nodiscard]] std::string render_svg(const std::string& title, const std::vector<PlotSeries>& panels);

// Escapes &, <, >, " and ' for XML text and attributes.
[[nodiscard]] std::string xml_escape(const std::string& text);

}  // namespace sctpkit::perf
