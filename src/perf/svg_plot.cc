#include "perf/svg_plot.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace sctpkit::perf {

namespace {

constexpr double kWidth = 800;
constexpr double kPanelHeight = 200;
constexpr double kLeft = 80, kRight = 20, kTop = 40, kGap = 50;
constexpr int kTicks = 4;
constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c"};

// A tick label short enough for the margin: 1.2e+06 becomes "1.2M".
std::string tick_label(double v) {
  const double a = std::fabs(v);
  if (a >= 1e9) return fmt::format("{:.3g}G", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.3g}M", v / 1e6);
  if (a >= 1e3) return fmt::format("{:.3g}k", v / 1e3);
  return fmt::format("{:.3g}", v);
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_svg(const std::string& title, const std::vector<PlotSeries>& panels) {
  const double height = kTop + static_cast<double>(panels.size()) * (kPanelHeight + kGap);
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"22\" font-size=\"16\" text-anchor=\"middle\">{3}</text>\n",
      kWidth, height, kWidth / 2, xml_escape(title));

  // One time axis for all panels, so that they line up.
  double t_max = 0;
  for (const auto& p : panels)
    for (const auto& [t, v] : p.points) t_max = std::max(t_max, t);
  if (t_max <= 0) t_max = 1;
  const double plot_w = kWidth - kLeft - kRight;

  for (size_t i = 0; i < panels.size(); ++i) {
    const auto& panel = panels[i];
    const double y0 = kTop + static_cast<double>(i) * (kPanelHeight + kGap);
    double v_max = 0;
    for (const auto& [t, v] : panel.points) v_max = std::max(v_max, v);
    if (v_max <= 0) v_max = 1;
    v_max *= 1.1;  // headroom above the highest point
    auto x_of = [&](double t) { return kLeft + t / t_max * plot_w; };
    auto y_of = [&](double v) { return y0 + kPanelHeight - std::max(0.0, v) / v_max * kPanelHeight; };

    out += fmt::format("<g class=\"panel\" id=\"panel-{}\">\n", xml_escape(panel.id));
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text>\n", kLeft, y0 - 8,
                       xml_escape(panel.title));
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>\n", kLeft,
                       y0, plot_w, kPanelHeight);
    for (int k = 0; k <= kTicks; ++k) {
      const double v = v_max * k / kTicks;
      const double y = y_of(v);
      out += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n", kLeft, y,
                         kLeft + plot_w, y);
      out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLeft - 6, y + 4,
                         tick_label(v));
      const double t = t_max * k / kTicks;
      out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x_of(t),
                         y0 + kPanelHeight + 16, tick_label(t));
    }
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">time (s)</text>\n", kLeft + plot_w / 2,
                       y0 + kPanelHeight + 32);
    std::string points;
    for (const auto& [t, v] : panel.points) points += fmt::format("{:.1f},{:.1f} ", x_of(t), y_of(v));
    if (!points.empty()) points.pop_back();
    out += fmt::format("<polyline id=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n",
                       xml_escape(panel.id), kColours[i % 3], points);
    out += "</g>\n";
  }
  out += "</svg>\n";
  return out;
}

}  // namespace sctpkit::perf
