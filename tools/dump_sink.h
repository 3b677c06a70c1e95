// Where `sctpkit dump` sends the frames it captures. The command picks one sink from its flags; a new
// output form (--json, --summary, --ladder, --check) is a new FrameSink and one more branch in
// make_frame_sink, with no change to the capture loop.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "trace/association_tracker.h"
#include "trace/checksum_check.h"
#include "trace/frame.h"
#include "trace/ladder.h"
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
  bool check = false;          // --check: verify every CRC32c, mark bad ones, count them on stderr
  bool json = false;           // --json: one object per packet (or the summary as JSON)
  bool summary = false;        // --summary: a table per association at the end
  bool ladder = false;         // --ladder: a sequence chart per association at the end
};

// --check's counts, written to stderr at the end: "checksums: N good, M bad, K not checked ...".
class ChecksumTally {
 public:
  trace::ChecksumCheck check(const trace::Frame& frame);
  // Prints the counts; kExitFailure if any checksum was bad.
  int finish(std::FILE* err) const;

 private:
  uint64_t good_ = 0;
  uint64_t bad_ = 0;
  uint64_t unchecked_ = 0;
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
  bool check_;
  ChecksumTally tally_;
  std::string line_;
};

// --json: one JSON object per line per packet (trace/packet_json.h).
class JsonSink final : public FrameSink {
 public:
  JsonSink(std::FILE* out, const SinkOptions& options);
  void on_frame(const trace::Frame& frame) override;
  int finish() override;

 private:
  std::FILE* out_;
  bool line_buffered_;
  bool check_;
  ChecksumTally tally_;
};

// --summary and --ladder: they see the whole capture, then print once at the end.
class AssociationSink final : public FrameSink {
 public:
  AssociationSink(std::FILE* out, const SinkOptions& options);
  void on_frame(const trace::Frame& frame) override;
  int finish() override;

 private:
  std::FILE* out_;
  SinkOptions options_;
  ChecksumTally tally_;
  trace::CaptureLadder ladder_;  // its tracker serves --summary too
};

// Prints nothing: for -w, where tcpdump also prints no packets.
class NullSink final : public FrameSink {
 public:
  void on_frame(const trace::Frame&) override {}
  int finish() override;
};

std::unique_ptr<FrameSink> make_frame_sink(const SinkOptions& options, std::FILE* out);

}  // namespace sctpkit::tools
