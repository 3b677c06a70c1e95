#include "assoc/tx/send_queue.h"

#include <algorithm>

namespace sctpkit::assoc {

SendQueue::SendQueue(uint16_t outbound_streams, SendQueueConfig config)
    // The pool keeps at most a full send buffer's worth of spare buffers (plus what is outstanding).
    : config_(config), pool_(config.buffer_limit), outbound_streams_(outbound_streams) {
  // Queued sizes, fragment offsets and lengths are 32-bit.
  config_.max_message_size = std::min({config_.max_message_size, config_.buffer_limit, size_t{UINT32_MAX}});
  config_.low_watermark = std::min(config_.low_watermark, config_.buffer_limit);
}

// check() and enqueue() inline into both send()s: one call per message sent, not three.
[[gnu::always_inline]] inline SendStatus SendQueue::check(wire::StreamId stream, size_t size) {
  if (size == 0) return SendStatus::kEmptyMessage;
  if (stream.value() >= outbound_streams_) return SendStatus::kInvalidStream;
  if (size > config_.max_message_size) return SendStatus::kMessageTooLarge;
  if (buffered_bytes_ + size > config_.buffer_limit) {
    space_wanted_ = true;
    space_available_ = false;
    return SendStatus::kBufferFull;
  }
  return SendStatus::kOk;
}

[[gnu::always_inline]] inline void SendQueue::enqueue(wire::StreamId stream, MessageRef data, MessageOptions options) {
  // Per-stream state is made on the first send, not at setup: an association that only listens
  // (most of a server's) holds none, whatever the stream count negotiated (up to 65,535 x 40 B).
  if (streams_.empty()) [[unlikely]] streams_.resize(outbound_streams_);
  Stream& s = streams_[stream.value()];
  const auto size = static_cast<uint32_t>(data.size());  // check() held it to max_message_size
  buffered_bytes_ += size;
  ++queued_messages_;
  if (s.messages.empty()) active_.push_back(stream.value());
  Message& m = s.messages.emplace_back();
  m.in_slot = data.in_slot();
  m.data = std::move(data);
  m.size = size;
  m.options = options;
  last_stream_ = stream.value();
}

SendStatus SendQueue::send(wire::StreamId stream, wire::Bytes message, MessageOptions options) {
  const SendStatus status = check(stream, message.size());
  if (status == SendStatus::kOk) {
    enqueue(stream, pool_.copy_of(message), options);
  }
  return status;
}

SendStatus SendQueue::send(wire::StreamId stream, std::vector<uint8_t>&& message, MessageOptions options) {
  const SendStatus status = check(stream, message.size());
  if (status == SendStatus::kOk) {
    enqueue(stream, pool_.adopt(std::move(message)), options);
  }
  return status;
}

bool SendQueue::mark_last_sack_immediately() {
  // Messages leave a stream from the front, so the last one queued is at the back of its stream's
  // ring for as long as the ring holds anything.
  if (last_stream_ >= streams_.size() || streams_[last_stream_].messages.empty()) return false;
  streams_[last_stream_].messages.back().options.sack_immediately = true;
  return true;
}

void SendQueue::prefetch_next(size_t count) const {
  if (active_.empty()) return;
  const Stream& s = streams_[active_.front()];
  const size_t n = std::min(count, s.messages.size());
  for (size_t i = 0; i < n; ++i) {
    const Message& m = s.messages[i];
    if (m.in_slot) m.data.prefetch_slot_bytes();
  }
}

std::optional<QueuedFragment> SendQueue::next_fragment(size_t max_payload) {
  QueuedFragment f;
  if (!next_fragment(max_payload, f)) return std::nullopt;
  return f;
}

size_t SendQueue::set_outbound_streams(uint16_t count) {
  size_t dropped = 0;
  for (size_t id = count; id < streams_.size(); ++id) {
    Stream& s = streams_[id];
    for (const Message& m : s.messages) buffered_bytes_ -= m.size;
    // A message cut off mid-fragmentation only has its unsent tail still counted.
    if (!s.messages.empty()) buffered_bytes_ += s.head_offset;
    dropped += s.messages.size();
  }
  queued_messages_ -= dropped;
  Ring<uint16_t> kept;
  for (const uint16_t id : active_) {
    if (id < count) kept.push_back(id);
  }
  active_ = std::move(kept);
  if (!streams_.empty()) streams_.resize(count);
  outbound_streams_ = count;
  return dropped;
}

size_t SendQueue::set_outbound_streams(uint16_t count, std::vector<Discarded>& discarded) {
  for (size_t id = count; id < streams_.size(); ++id) {
    const Stream& s = streams_[id];
    for (size_t i = 0; i < s.messages.size(); ++i) {
      const Message& m = s.messages[i];
      discarded.push_back(Discarded{wire::StreamId(static_cast<uint16_t>(id)), m.options, m.data,
                                    i == 0 && s.head_offset > 0});
    }
  }
  return set_outbound_streams(count);
}

wire::Ssn SendQueue::next_ssn(wire::StreamId stream) const {
  return stream.value() < streams_.size() ? streams_[stream.value()].next_ssn : wire::Ssn(0);
}

bool SendQueue::take_space_available() {
  const bool available = space_available_;
  space_available_ = false;
  return available;
}

}  // namespace sctpkit::assoc
