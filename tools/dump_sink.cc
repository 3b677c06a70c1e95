#include "tools/dump_sink.h"

#include "tools/commands.h"

namespace sctpkit::tools {

TextSink::TextSink(std::FILE* out, const SinkOptions& options)
    : out_(out), printer_(options.printer), line_buffered_(options.line_buffered) {
  line_.reserve(4096);
}

void TextSink::on_frame(const trace::Frame& frame) {
  line_.clear();
  printer_.append(frame, line_);
  std::fwrite(line_.data(), 1, line_.size(), out_);
  if (line_buffered_) std::fflush(out_);
}

int TextSink::finish() {
  std::fflush(out_);
  return kExitOk;
}

int NullSink::finish() { return kExitOk; }

std::unique_ptr<FrameSink> make_frame_sink(const SinkOptions& options, std::FILE* out) {
  if (options.discard) return std::make_unique<NullSink>();
  return std::make_unique<TextSink>(out, options);
}

}  // namespace sctpkit::tools
