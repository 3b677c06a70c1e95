// Feeds arbitrary bytes through capture decoding and every printer of `sctpkit dump`: tcpdump text
// (plain and -v), --check, --json, --summary (text and JSON) and --ladder. The first byte picks the
// link type, the rest is the captured frame. Besides the sanitizers' checks it traps when the JSON
// output does not parse back or a printer line is not newline-terminated.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "trace/association_tracker.h"
#include "trace/capture_source.h"
#include "trace/checksum_check.h"
#include "trace/frame_decoder.h"
#include "trace/ladder.h"
#include "trace/packet_json.h"
#include "trace/tcpdump_printer.h"

namespace {

using namespace sctpkit;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

constexpr int kLinkTypes[] = {trace::dlt::kNull,     trace::dlt::kEthernet, trace::dlt::kRaw,
                              trace::dlt::kLoop,     trace::dlt::kLinuxSll, trace::dlt::kIpv4,
                              trace::dlt::kIpv6,     trace::dlt::kLinuxSll2};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int link_type = kLinkTypes[data[0] % (sizeof kLinkTypes / sizeof kLinkTypes[0])];
  const wire::Bytes bytes(data + 1, size - 1);
  static const uint16_t kPorts[] = {trace::kDefaultUdpEncapsulationPort};
  // The same bytes as two frames, so the tracker and ladder also see a "conversation".
  trace::AssociationTracker tracker;
  trace::CaptureLadder ladder;
  trace::TcpdumpPrinter text({trace::TimestampMode::Epoch, 0});
  // -v or -vv (chunk lines, payload dumps, ForCES flags), chosen by a bit of the first byte.
  trace::TcpdumpPrinter verbose({trace::TimestampMode::DeltaPrevious, data[0] & 0x40 ? 2 : 1});
  for (uint64_t number = 1; number <= 2; ++number) {
    const trace::RawPacket packet{number, {1700000000, static_cast<int32_t>(number)}, bytes,
                                  static_cast<uint32_t>(bytes.size() + (data[0] & 0x80 ? 100 : 0))};
    auto decoded = trace::decode_frame(link_type, packet, kPorts);
    auto* frame = std::get_if<trace::Frame>(&decoded);
    if (frame == nullptr) return 0;
    std::string out;
    text.append(*frame, out);
    check(!out.empty() && out.back() == '\n');
    out.clear();
    verbose.append(*frame, out);
    check(!out.empty() && out.back() == '\n');
    const trace::ChecksumCheck verdict = trace::check_checksum(*frame);
    const std::string line = trace::dump_json_line(trace::frame_to_json(*frame, {.check = true}));
    check(nlohmann::json::accept(line));
    tracker.on_frame(*frame);
    ladder.on_frame(*frame, verdict.verdict == trace::ChecksumVerdict::Bad);
  }
  check(!trace::format_summary(tracker).empty());
  check(nlohmann::json::accept(trace::dump_json_line(trace::summary_to_json(tracker))));
  check(!ladder.format().empty());
  return 0;
}
