// The control messages between `sctpkit perf -c` and `-s`: small JSON objects on stream 0 with
// their own PPID, so that the server tells them from test data (PPID 0).
//   client -> server  {"type":"hello", mode, message_size, streams, unordered, seconds, count}
//   server -> client  {"type":"ready"}   the server counts from here (and took its RSS for idle)
//   client -> server  {"type":"end"}     once all test data was acknowledged (or the idle hold is over)
//   server -> client  {"type":"report", bytes, messages, associations, rss_kib_before, rss_kib_after}
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "perf/report.h"

namespace sctpkit::perf {

// "SPRF": not a registered PPID (IANA's list stops far below), so test data (PPID 0) is never taken for it.
inline constexpr uint32_t kControlPpid = 0x53505246;

struct Hello {
  Mode mode = Mode::Bulk;
  size_t message_size = 0;
  int streams = 1;
  bool unordered = false;
  double seconds = 0;
  uint64_t count = 0;
};

struct ServerReport {
  uint64_t bytes = 0;
  uint64_t messages = 0;
  uint64_t associations = 0;  // accepted while the test ran (setup, idle)
  int64_t rss_kib_before = 0;
  int64_t rss_kib_after = 0;
  // Associations the server accepted before this test's control association: what it keeps of
  // them for reuse (tables, spare memory) is already in rss_kib_before, so an idle figure reads low.
  uint64_t associations_before = 0;
};

enum class ControlType : uint8_t { Hello, Ready, End, Report };

struct ControlMessage {
  ControlType type = ControlType::End;
  Hello hello;
  ServerReport report;
};

[[nodiscard]] std::string encode(const Hello& hello);
[[nodiscard]] std::string encode_ready();
[[nodiscard]] std::string encode_end();
[[nodiscard]] std::string encode(const ServerReport& report);
// nullopt for anything that is not a well-formed control message (never throws).
[[nodiscard]] std::optional<ControlMessage> decode_control(std::span<const uint8_t> bytes);

// This process's resident set size in KiB (/proc/self/status VmRSS); -1 if unknown.
[[nodiscard]] int64_t resident_kib();

// glibc's heap keeps what is freed instead of giving it back to the kernel (trim threshold, mmap
// threshold). For the data modes over TransportKind::Kernel only: there every received message is
// a fresh buffer (recycle() has nothing to reuse it for), and with glibc's defaults the 64 KiB ones
// were trimmed and faulted in again, three quarters of a bulk receiver's CPU time. Our own stack's
// ends recycle received messages (perf's server and ping-pong client) and the engine reuses sent
// ones: with or without this, UDP bulk 64 KiB, 1 KiB, rate and ping-pong all fault the same
// (0.03-0.05 faults per 64 KiB message, start-up's), so it stays off there, as an embedder sees it.
// Returns false if glibc refused.
bool keep_freed_memory();

}  // namespace sctpkit::perf
