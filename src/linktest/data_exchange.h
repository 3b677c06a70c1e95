// The data phase's traffic: test messages of several sizes (one large enough to be fragmented),
// ordered and unordered, over several streams, each echo compared byte for byte; then a short
// bulk burst whose echoes give the goodput.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sctpkit/sctpkit.h"

namespace sctpkit::linktest {

using Clock = std::chrono::steady_clock;

// RFC 9260 6.9: 70000 bytes exceed any path MTU, so the message travels as several DATA chunks.
inline constexpr size_t kMessageSizes[] = {1, 100, 1400, 16384, 70000};
inline constexpr size_t kBulkMessageSize = 16384;
inline constexpr uint32_t kTestPpid = 0x4c4b5401;  // "LKT" + 1: not the control PPID

struct TestMessage {
  uint16_t stream = 0;
  bool unordered = false;
  std::vector<uint8_t> data;
};

// Deterministic bytes, distinct for distinct seeds (also at size 1).
std::vector<uint8_t> pattern(uint32_t seed, size_t size);
// Every size once ordered and once unordered, spread round-robin over `streams` streams.
std::vector<TestMessage> test_messages(uint16_t streams);

struct DataOutcome {
  bool ok = false;
  std::string seen;  // what happened, one line
  size_t messages = 0;
  size_t bytes = 0;
  std::optional<double> throughput_mbps;
};

// Sends `messages`, then waits until each came back byte for byte (in order per stream for the
// ordered ones) or `deadline` passed.
DataOutcome exchange(Association& association, const std::vector<TestMessage>& messages, Clock::time_point deadline);
// Sends up to `bytes` (for at most `time_limit`) of ordered messages and waits for their echoes;
// the goodput counts echoed bytes over the time from the first send to the last echo.
DataOutcome bulk(Association& association, uint16_t streams, size_t bytes, std::chrono::milliseconds time_limit,
                 Clock::time_point deadline);

}  // namespace sctpkit::linktest
