// Where `sctpkit dump` sends the frames it captures. The command picks one sink from its flags; a new
// output form (--json, --summary, --ladder, --check) is a new FrameSink and one more branch in
// make_frame_sink, with no change to the capture loop.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "trace/frame.h"
#include "trace/tcpdump_printer.h"

namespace sctpkit::tools {

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // Called once per SCTP frame, in capture order.
  virtual void on_frame(const trace::Frame& frame) = 0;
  // Called once after the last frame (also after SIGINT); returns the exit code this sink asks for
  // (e.g. a checker that found problems), kExitOk otherwise.
  virtual int finish() = 0;
};

struct SinkOptions {
  trace::PrinterOptions printer;
  bool line_buffered = false;  // flush after every frame (live capture)
  bool discard = false;        // -w without output: frames only go to the file
};

// tcpdump -nn text, one frame at a time; the line buffer is reused, so steady state allocates nothing.
class TextSink final : public FrameSink {
 public:
  TextSink(std::FILE* out, const SinkOptions& options);
  void on_frame(const trace::Frame& frame) override;
  int finish() override;

 private:
  std::FILE* out_;
  trace::TcpdumpPrinter printer_;
  bool line_buffered_;
  std::string line_;
};

// Prints nothing: for -w, where tcpdump also prints no packets.
class NullSink final : public FrameSink {
 public:
  void on_frame(const trace::Frame&) override {}
  int finish() override;
};

std::unique_ptr<FrameSink> make_frame_sink(const SinkOptions& options, std::FILE* out);

}  // namespace sctpkit::tools
