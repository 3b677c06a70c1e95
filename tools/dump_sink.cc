#include "tools/dump_sink.h"

#include <fmt/core.h>

#include "tools/commands.h"
#include "trace/packet_json.h"

namespace sctpkit::tools {

trace::ChecksumCheck ChecksumTally::check(const trace::Frame& frame) {
  const trace::ChecksumCheck result = trace::check_checksum(frame);
  switch (result.verdict) {
    case trace::ChecksumVerdict::Good: ++good_; break;
    case trace::ChecksumVerdict::Bad: ++bad_; break;
    case trace::ChecksumVerdict::NotCaptured: ++unchecked_; break;
  }
  return result;
}

int ChecksumTally::finish(std::FILE* err) const {
  fmt::print(err, "checksums: {} good, {} bad, {} not checked (packet not captured whole)\n", good_, bad_, unchecked_);
  return bad_ == 0 ? kExitOk : kExitFailure;
}

TextSink::TextSink(std::FILE* out, const SinkOptions& options)
    : out_(out), printer_(options.printer), line_buffered_(options.line_buffered), check_(options.check) {
  line_.reserve(4096);
}

void TextSink::on_frame(const trace::Frame& frame) {
  line_.clear();
  printer_.append(frame, line_);
  if (check_) {
    const trace::ChecksumCheck result = tally_.check(frame);
    // At the end of the packet's first line (the one with the time stamp), so that -v output and
    // SACK continuation lines keep their shape; lines of good packets stay tcpdump's.
    if (result.verdict == trace::ChecksumVerdict::Bad) {
      const size_t end = line_.find('\n');
      // tcpdump ends most lines with a space already; the -v IP header line does not.
      std::string marker = end > 0 && line_[end - 1] == ' ' ? "" : " ";
      trace::append_bad_checksum_marker(result, marker);
      line_.insert(end, marker);
    }
  }
  std::fwrite(line_.data(), 1, line_.size(), out_);
  if (line_buffered_) std::fflush(out_);
}

int TextSink::finish() {
  std::fflush(out_);
  return check_ ? tally_.finish(stderr) : kExitOk;
}

JsonSink::JsonSink(std::FILE* out, const SinkOptions& options)
    : out_(out), line_buffered_(options.line_buffered), check_(options.check) {}

void JsonSink::on_frame(const trace::Frame& frame) {
  if (check_) tally_.check(frame);
  const std::string line = trace::dump_json_line(trace::frame_to_json(frame, {.check = check_})) + "\n";
  std::fwrite(line.data(), 1, line.size(), out_);
  if (line_buffered_) std::fflush(out_);
}

int JsonSink::finish() {
  std::fflush(out_);
  return check_ ? tally_.finish(stderr) : kExitOk;
}

AssociationSink::AssociationSink(std::FILE* out, const SinkOptions& options) : out_(out), options_(options) {}

void AssociationSink::on_frame(const trace::Frame& frame) {
  bool bad = false;
  if (options_.check) bad = tally_.check(frame).verdict == trace::ChecksumVerdict::Bad;
  ladder_.on_frame(frame, bad);
}

int AssociationSink::finish() {
  std::string text;
  if (options_.ladder) {
    text = ladder_.format();
  } else if (options_.json) {
    text = trace::dump_json_line(trace::summary_to_json(ladder_.tracker())) + "\n";
  } else {
    text = trace::format_summary(ladder_.tracker());
  }
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
  return options_.check ? tally_.finish(stderr) : kExitOk;
}

int NullSink::finish() { return kExitOk; }

std::unique_ptr<FrameSink> make_frame_sink(const SinkOptions& options, std::FILE* out) {
  if (options.discard) return std::make_unique<NullSink>();
  if (options.summary || options.ladder) return std::make_unique<AssociationSink>(out, options);
  if (options.json) return std::make_unique<JsonSink>(out, options);
  return std::make_unique<TextSink>(out, options);
}

}  // namespace sctpkit::tools
