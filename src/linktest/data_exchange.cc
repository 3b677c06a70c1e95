#include "linktest/data_exchange.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <map>
#include <set>

namespace sctpkit::linktest {
namespace {

using std::chrono::milliseconds;

milliseconds left_until(Clock::time_point deadline) {
  return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

std::string first_difference(const std::vector<uint8_t>& expected, const std::vector<uint8_t>& got) {
  const size_t n = std::min(expected.size(), got.size());
  const size_t at = static_cast<size_t>(std::mismatch(expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(n),
                                                      got.begin()).first - expected.begin());
  if (at < n) return fmt::format("byte {} is 0x{:02x}, expected 0x{:02x}", at, got[at], expected[at]);
  return fmt::format("{} bytes, expected {}", got.size(), expected.size());
}

}  // namespace

std::vector<uint8_t> pattern(uint32_t seed, size_t size) {
  std::vector<uint8_t> out(size);
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<uint8_t>(x);
  }
  if (size > 0) out[0] = static_cast<uint8_t>(seed);  // distinct first bytes for the small messages
  return out;
}

std::vector<TestMessage> test_messages(uint16_t streams) {
  std::vector<TestMessage> out;
  uint32_t seed = 1;
  for (bool unordered : {false, true})
    for (size_t size : kMessageSizes) {
      const auto stream = static_cast<uint16_t>(out.size() % std::max<uint16_t>(streams, 1));
      out.push_back({stream, unordered, pattern(seed, size)});
      ++seed;
    }
  return out;
}

DataOutcome exchange(Association& a, const std::vector<TestMessage>& messages, Clock::time_point deadline) {
  DataOutcome outcome;
  for (const auto& m : messages) {
    // RFC 9260 6.1: the last message asks for its SACK at once (the I bit): without bulk it is the
    // last DATA before the SHUTDOWN, which would otherwise wait out the server's delayed SACK (6.2).
    SendOptions how{m.stream, kTestPpid, m.unordered};
    how.sack_immediately = &m == &messages.back();
    if (auto status = a.send(m.data, how); !status) {
      outcome.seen = fmt::format("send of {} bytes on stream {} failed: {}", m.data.size(), m.stream,
                                 status.error().message);
      return outcome;
    }
  }
  // How much of each message has come back: an echo server that receives a large message in
  // pieces (partial delivery, as usrsctp's echo_server does) echoes it in pieces, in order.
  std::vector<size_t> echoed(messages.size(), 0);
  auto done = [&](size_t i) { return echoed[i] == messages[i].data.size(); };
  auto continues = [&](size_t i, const std::vector<uint8_t>& piece) {
    const auto& d = messages[i].data;
    return !done(i) && piece.size() <= d.size() - echoed[i] &&
           std::equal(piece.begin(), piece.end(), d.begin() + static_cast<std::ptrdiff_t>(echoed[i]));
  };
  std::map<uint16_t, size_t> last_ordered;  // per stream: index of the last ordered echo
  size_t remaining = messages.size();
  bool pieces = false;
  size_t tails = 0;
  std::string note;
  while (remaining > 0) {
    auto got = a.receive(left_until(deadline));
    if (!got) {
      if (got.error().code == Error::Code::Timeout)
        outcome.seen = fmt::format("{} of {} echoes back before the timeout", messages.size() - remaining,
                                   messages.size());
      else
        outcome.seen = got.error().message;
      return outcome;
    }
    // Match by content: unordered echoes may overtake, and a plain echo server may not keep the
    // stream or PPID (noted, not failed). A piece continuing a message goes first, then a whole
    // message, then the first piece of one.
    const size_t none = messages.size();
    size_t match = none;
    for (size_t i = 0; i < messages.size() && match == none; ++i)
      if (echoed[i] > 0 && continues(i, got->data)) match = i;
    for (size_t i = 0; i < messages.size() && match == none; ++i)
      if (echoed[i] == 0 && messages[i].data == got->data) match = i;
    for (size_t i = 0; i < messages.size() && match == none; ++i)
      if (echoed[i] == 0 && continues(i, got->data)) match = i;
    // usrsctp's echo_server echoes only the piece of a partially delivered message that ends it
    // (MSG_EOR): the tail, compared byte for byte; the rest was acknowledged by its SACKs.
    for (size_t i = 0; i < messages.size() && match == none; ++i) {
      const auto& d = messages[i].data;
      if (echoed[i] == 0 && !got->data.empty() && got->data.size() < d.size() &&
          std::equal(got->data.begin(), got->data.end(), d.end() - static_cast<std::ptrdiff_t>(got->data.size()))) {
        match = i;
        echoed[i] = d.size() - got->data.size();
        ++tails;
      }
    }
    if (match == none) {
      std::string why = "no message of that size was sent";
      for (size_t i = 0; i < messages.size(); ++i)
        if (echoed[i] == 0 && messages[i].data.size() == got->data.size()) {
          why = first_difference(messages[i].data, got->data);
          break;
        }
      outcome.seen = fmt::format("echo of {} bytes on stream {} matches nothing sent: {}", got->data.size(),
                                 got->stream, why);
      return outcome;
    }
    const auto& sent = messages[match];
    if (got->stream != sent.stream || got->ppid != kTestPpid) note = "; the server echoes on other streams/PPIDs";
    echoed[match] += got->data.size();
    if (!done(match)) {
      pieces = true;
      continue;
    }
    if (!sent.unordered && got->stream == sent.stream) {
      auto previous = last_ordered.find(sent.stream);
      if (previous != last_ordered.end() && previous->second > match) {
        outcome.seen = fmt::format("ordered messages on stream {} came back out of order", sent.stream);
        return outcome;
      }
      last_ordered[sent.stream] = match;
    }
    --remaining;
    outcome.bytes += sent.data.size();
  }
  if (pieces) note += "; large messages were echoed in pieces (partial delivery)";
  if (tails > 0)
    note += fmt::format("; {} large messages were echoed only in their last piece (the server drops partial "
                        "deliveries)", tails);
  std::set<uint16_t> streams;
  for (const auto& m : messages) streams.insert(m.stream);
  outcome.ok = true;
  outcome.messages = messages.size();
  outcome.seen = fmt::format("{} messages ({} B) on {} streams echoed intact{}", messages.size(),
                             outcome.bytes, streams.size(), note);
  return outcome;
}

DataOutcome bulk(Association& a, uint16_t streams, size_t bytes, milliseconds time_limit, Clock::time_point deadline) {
  DataOutcome outcome;
  streams = std::max<uint16_t>(streams, 1);
  // Messages in flight: 64 KiB, below the receive window and send buffer of small stacks (usrsctp's
  // echo_server drops an echo its send buffer cannot take).
  constexpr size_t kWindow = 8;
  struct Pending {
    uint32_t seed;
    size_t echoed;
  };
  std::map<uint16_t, std::deque<Pending>> expected;  // per stream: sent, in order
  size_t in_flight = 0, sent_bytes = 0, echoed_bytes = 0;
  uint32_t seed = 1000;
  const auto start = Clock::now();
  const auto stop_sending = start + time_limit;
  auto last_echo = start;
  for (;;) {
    const bool may_send = sent_bytes < bytes && Clock::now() < stop_sending;
    if (may_send && in_flight < kWindow) {
      const auto stream = static_cast<uint16_t>(seed % streams);
      const auto data = pattern(seed, kBulkMessageSize);
      SendOptions how{stream, kTestPpid, false};
      how.sack_immediately = sent_bytes + data.size() >= bytes;  // the burst's last (RFC 9260 6.1)
      if (auto status = a.send(data, how); !status) {
        outcome.seen = fmt::format("bulk send failed: {}", status.error().message);
        return outcome;
      }
      expected[stream].push_back({seed++, 0});
      ++in_flight;
      sent_bytes += data.size();
      continue;
    }
    if (in_flight == 0) break;
    // The window is full (or sending is over): wait for echoes, which also runs the protocol.
    auto got = a.receive(may_send ? milliseconds(50) : left_until(deadline));
    if (!got) {
      if (may_send && got.error().code == Error::Code::Timeout) continue;
      outcome.seen = got.error().code == Error::Code::Timeout
                         ? fmt::format("bulk: {} of {} bytes echoed before the timeout", echoed_bytes, sent_bytes)
                         : got.error().message;
      return outcome;
    }
    // Bulk messages are ordered, so each stream's echoes (whole or in pieces) come back in order.
    auto& queue = expected[got->stream];
    bool same = false;
    if (!queue.empty()) {
      const auto want = pattern(queue.front().seed, kBulkMessageSize);
      const size_t at = queue.front().echoed;
      same = got->data.size() <= want.size() - at &&
             std::equal(got->data.begin(), got->data.end(), want.begin() + static_cast<std::ptrdiff_t>(at));
    }
    if (!same) {
      outcome.seen = fmt::format("bulk echo of {} bytes on stream {} differs from what was sent", got->data.size(),
                                 got->stream);
      return outcome;
    }
    echoed_bytes += got->data.size();
    queue.front().echoed += got->data.size();
    if (queue.front().echoed < kBulkMessageSize) continue;
    queue.pop_front();
    --in_flight;
    last_echo = Clock::now();
  }
  const double seconds = std::chrono::duration<double>(last_echo - start).count();
  outcome.ok = true;
  outcome.bytes = echoed_bytes;
  if (seconds > 0) outcome.throughput_mbps = static_cast<double>(echoed_bytes) * 8.0 / seconds / 1e6;
  outcome.seen = fmt::format("bulk {} KiB echoed in {:.0f} ms", echoed_bytes / 1024, seconds * 1000);
  return outcome;
}

}  // namespace sctpkit::linktest
