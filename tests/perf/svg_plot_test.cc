#include "perf/svg_plot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace sctpkit::perf {
namespace {

std::vector<PlotSeries> three_panels() {
  PlotSeries throughput{"Throughput (Mbit/s)", "throughput", {{1, 900}, {2, 950}, {3, 925}}};
  PlotSeries cwnd{"Congestion window (KiB)", "cwnd", {{1, 64}, {2, 1024}, {3, 2048}}};
  PlotSeries rtt{"Smoothed RTT (ms) <&>", "rtt", {{1, 0.2}, {2, 0.3}, {3, 0.25}}};
  return {throughput, cwnd, rtt};
}

TEST(SvgPlot, EscapesXmlSpecials) { EXPECT_EQ(xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;"); }

TEST(SvgPlot, HasOnePolylinePerSeriesWithAllItsPoints) {
  const auto svg = render_svg("title", three_panels());
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  for (const char* id : {"id=\"throughput\"", "id=\"cwnd\"", "id=\"rtt\""}) EXPECT_NE(svg.find(id), std::string::npos) << id;
  EXPECT_NE(svg.find("Smoothed RTT (ms) &lt;&amp;&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("<&>"), std::string::npos);
}

TEST(SvgPlot, PointsStayInsideTheirPanel) {
  // The highest value sits below the panel's top edge (headroom), the time axis ends at the right.
  const auto svg = render_svg("t", {{"one", "one", {{0, 0}, {10, 100}}}});
  const auto at = svg.find("points=\"");
  ASSERT_NE(at, std::string::npos);
  const auto points = svg.substr(at + 8, svg.find('"', at + 8) - at - 8);
  double x0, y0, x1, y1;
  ASSERT_EQ(std::sscanf(points.c_str(), "%lf,%lf %lf,%lf", &x0, &y0, &x1, &y1), 4) << points;
  EXPECT_LT(x0, x1);
  EXPECT_GT(y0, y1);  // SVG's y grows downwards
  EXPECT_GT(y1, 40);  // below the top of the first panel
  EXPECT_LT(y0, 40 + 200 + 0.01);
}

TEST(SvgPlot, IsWellFormedXmlWithThreePanelsForAnXmlParser) {
  // Debian's python3 directly: a pyenv shim first on PATH takes seconds to start on a busy machine.
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "/usr/bin/python3 is not installed";
  char path[] = "/tmp/sctpkit_svg_XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << render_svg("sctpkit perf bulk", three_panels());
  const std::string check =
      std::string("/usr/bin/python3 -S -c \"import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); "
                  "ns = '{http://www.w3.org/2000/svg}'; "
                  "ids = sorted(p.get('id') for p in r.iter(ns + 'polyline')); "
                  "n = [len(p.get('points').split()) for p in r.iter(ns + 'polyline')]; "
                  "sys.exit(0 if ids == ['cwnd', 'rtt', 'throughput'] and n == [3, 3, 3] else 1)\" ") + path;
  const int rc = std::system(check.c_str());
  std::remove(path);
  EXPECT_EQ(rc, 0);
}

}  // namespace
}  // namespace sctpkit::perf
