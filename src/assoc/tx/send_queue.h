// User messages waiting to be sent, per outgoing stream, and their fragmentation into DATA chunk
// payloads (RFC 9260 6.5, 6.9, 3.3.1).
//
// Each message is stored once, in one buffer from a MessagePool; the fragments handed out share that
// buffer (a reference count, no copy and no allocation per fragment), and the buffer goes back to
// the pool for the next message once the last fragment is acknowledged. Streams are served round-robin, one
// whole message at a time: with DATA chunks (not I-DATA) the fragments of a message must occupy
// consecutive TSNs (RFC 9260 6.9), so a message is never interleaved with another.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "assoc/tx/message_pool.h"
#include "assoc/tx/ring.h"
#include "wire/byte_io.h"
#include "wire/types.h"

namespace sctpkit::assoc {

struct SendQueueConfig {
  // Bytes of user data that may wait in the queue (not yet handed out as fragments).
  size_t buffer_limit = 1024 * 1024;
  // After a send was refused for lack of space, "space available" is signalled once the queue has
  // drained to this many bytes or fewer.
  size_t low_watermark = 512 * 1024;
  // Largest user message accepted; clamped to buffer_limit, which it could never fit otherwise.
  size_t max_message_size = 256 * 1024;
};

enum class SendStatus {
  kOk,
  kEmptyMessage,     // RFC 9260 6.2: a DATA chunk SHOULD NOT carry no user data
  kInvalidStream,    // stream id not below the negotiated number of outbound streams
  kMessageTooLarge,  // above max_message_size
  kBufferFull,       // accepted later, once space_available() fires
};

struct MessageOptions {
  wire::Ppid ppid{0};
  bool unordered = false;  // RFC 9260 3.3.1 U bit: no SSN is consumed (6.5)
  // RFC 9260 6.1 / 11.1 (sack-immediately): the I bit on the message's last DATA chunk.
  bool sack_immediately = false;
};

// One DATA chunk's worth of a user message (RFC 9260 3.3.1 fields, less the TSN).
struct QueuedFragment {
  wire::StreamId stream;
  wire::Ssn ssn;  // 0 for unordered messages (RFC 9260 6.6: the receiver ignores it)
  wire::Ppid ppid;
  bool unordered = false;
  bool beginning = false;  // B bit
  bool end = false;        // E bit
  bool sack_immediately = false;  // I bit: the last fragment of a message sent with it
  bool in_slot = false;           // the message is kept in its pool slot (MessageRef::in_slot)
  MessageRef message;
  uint32_t offset = 0;
  uint32_t length = 0;

  [[nodiscard]] wire::Bytes payload() const {
    return in_slot ? message.slot_bytes(offset, length) : message.bytes().subspan(offset, length);
  }
};

class SendQueue {
 public:
  SendQueue(uint16_t outbound_streams, SendQueueConfig config = {});

  // Queues one user message. The bytes are copied once into the message's buffer (a recycled one in
  // steady state: no allocation).
  SendStatus send(wire::StreamId stream, wire::Bytes message, MessageOptions options = {});
  // Same, taking ownership of a buffer the caller already filled (no copy).
  SendStatus send(wire::StreamId stream, std::vector<uint8_t>&& message, MessageOptions options = {});
  // Asks for the I bit (RFC 9260 6.1) on the last fragment of the message queued last, as if it had
  // been sent with MessageOptions::sack_immediately; false if that message has left the queue.
  bool mark_last_sack_immediately();
  // An emptied buffer of an acknowledged message, to build the next message in (see
  // MessagePool::take_buffer); no capacity when none is spare.
  std::vector<uint8_t> take_buffer() { return pool_.take_buffer(); }

  // The next fragment for a DATA chunk whose payload may hold up to max_payload bytes, or nothing
  // if no message is waiting. Ordered messages get their SSN when their first fragment is made.
  std::optional<QueuedFragment> next_fragment(size_t max_payload);
  // The same, written into `out` (the chunk that will carry it): false, `out` untouched, when none.
  // Inline (below): taken once per chunk sent, one call frame per 64 B message less.
  bool next_fragment(size_t max_payload, QueuedFragment& out);
  // The small-message path of next_fragment(): a run of whole messages for one packet, taken while
  // the message next in line is whole (none of it sent yet) and fits one chunk of at most
  // `max_payload` bytes, and the run's chunks (`chunk_overhead` bytes each plus the payload padded
  // to 4) fit `room`. Each goes into the fragment `slot()` returns (a default-constructed one), as
  // next_fragment() would fill it: the same SSNs, flags and round-robin order. One pass over the
  // queue's state per run rather than per chunk. Returns the chunk bytes taken (0: none).
  template <typename Slot>
  size_t take_whole_messages(size_t max_payload, size_t room, size_t chunk_overhead, Slot&& slot);
  // Prefetches the bytes of up to `count` messages next in line on the stream served next, where
  // they are kept in their slots (small messages): the caller is about to put them in a packet.
  void prefetch_next(size_t count) const;
  // Payload size the next next_fragment(max_payload) would produce (0 when empty). Inline: asked
  // before each chunk a packet takes.
  [[nodiscard]] size_t peek_fragment_size(size_t max_payload) const {
    if (active_.empty()) return 0;
    const Stream& s = streams_[active_.front()];
    return std::min<size_t>(s.messages.front().size - s.head_offset, max_payload);
  }

  // RFC 9260 5.1.1 / 5.2: the outbound stream count after negotiation, min(our OS, peer MIS).
  // Messages queued on streams at or above the new count are discarded; returns how many.
  size_t set_outbound_streams(uint16_t count);
  [[nodiscard]] uint16_t outbound_streams() const { return outbound_streams_; }
  // A message set_outbound_streams() discarded, handed back so that the user learns of it.
  struct Discarded {
    wire::StreamId stream;
    MessageOptions options;
    MessageRef data;
    bool partly_sent = false;  // some fragments had left the queue already (as DATA chunks)
  };
  // The same, appending each discarded message to `discarded` (RFC 9260 5.2.6: a Stale Cookie
  // retry's INIT ACK may grant fewer streams than the first one did). More streams keep everything.
  size_t set_outbound_streams(uint16_t count, std::vector<Discarded>& discarded);

  // The SSN the next ordered message on `stream` will carry.
  [[nodiscard]] wire::Ssn next_ssn(wire::StreamId stream) const;

  [[nodiscard]] bool empty() const { return active_.empty(); }
  [[nodiscard]] size_t buffered_bytes() const { return buffered_bytes_; }
  [[nodiscard]] size_t queued_messages() const { return queued_messages_; }
  [[nodiscard]] const SendQueueConfig& config() const { return config_; }
  // Message buffers outlive the queue while their fragments are outstanding: up to the peer's
  // window (RFC 9260 6.1 B) beyond the queue's own limit. Recycled buffers are kept up to the two
  // together, so a full window of messages in flight allocates nothing once warm.
  void set_outstanding_limit(size_t bytes) { pool_.set_keep_bytes(config_.buffer_limit + bytes); }

  // True once (then false until the next refusal) when a send refused with kBufferFull can be
  // retried: the queue has drained to the low watermark.
  bool take_space_available();

 private:
  // The size and kind are copied out of the message's slot while it is warm (just written):
  // fragmenting reads them here, and the slot only when the chunk's bytes are copied.
  struct Message {
    MessageRef data;
    uint32_t size = 0;
    MessageOptions options;
    bool in_slot = false;
  };
  struct Stream {
    Ring<Message> messages;
    wire::Ssn next_ssn{0};
    uint32_t head_offset = 0;  // bytes of messages.front() already fragmented
    wire::Ssn head_ssn{0};
  };

  SendStatus check(wire::StreamId stream, size_t size);
  void enqueue(wire::StreamId stream, MessageRef data, MessageOptions options);
  // The head message of stream `id` (the front of the round) has left whole. RFC 9260 6.9: a
  // message's fragments take consecutive TSNs, so the scheduler moves to the next stream only
  // between messages: the stream goes to the back of the round (a sole stream stays in place).
  void pop_sent_message(Stream& s, uint16_t id) {
    s.messages.pop_front();
    s.head_offset = 0;
    --queued_messages_;
    if (s.messages.empty()) {
      active_.pop_front();
    } else if (active_.size() > 1) {
      active_.pop_front();
      active_.push_back(id);
    }
  }

  SendQueueConfig config_;
  MessagePool pool_;
  std::vector<Stream> streams_;  // empty until the first message is queued (enqueue)
  Ring<uint16_t> active_;  // round-robin order of streams holding messages
  size_t buffered_bytes_ = 0;
  size_t queued_messages_ = 0;
  bool space_wanted_ = false;
  bool space_available_ = false;
  uint16_t last_stream_ = 0;  // the stream the last message was queued on
  uint16_t outbound_streams_ = 0;
};

[[gnu::always_inline]] inline bool SendQueue::next_fragment(size_t max_payload, QueuedFragment& f) {
  if (active_.empty() || max_payload == 0) return false;
  const uint16_t id = active_.front();
  Stream& s = streams_[id];
  Message& m = s.messages.front();
  const bool beginning = s.head_offset == 0;
  if (beginning && !m.options.unordered) {
    // RFC 9260 6.5: SSNs start at 0 and go up by one per ordered message, 65535 wrapping to 0;
    // unordered messages leave the stream's SSN unchanged.
    s.head_ssn = s.next_ssn;
    s.next_ssn = s.next_ssn.next();
  }
  const size_t remaining = m.size - s.head_offset;
  const auto length = static_cast<uint32_t>(std::min(remaining, max_payload));

  f.stream = wire::StreamId(id);
  f.ssn = m.options.unordered ? wire::Ssn(0) : s.head_ssn;
  f.ppid = m.options.ppid;
  f.unordered = m.options.unordered;
  f.beginning = beginning;
  f.end = length == remaining;
  f.sack_immediately = f.end && m.options.sack_immediately;
  f.in_slot = m.in_slot;
  // The last fragment takes the queue's reference along (the message leaves the queue with it).
  f.message = f.end ? std::move(m.data) : m.data;
  f.offset = s.head_offset;
  f.length = length;

  buffered_bytes_ -= length;
  if (f.end) {
    pop_sent_message(s, id);
  } else {
    s.head_offset += length;
  }
  if (space_wanted_ && buffered_bytes_ <= config_.low_watermark) {
    space_wanted_ = false;
    space_available_ = true;
  }
  return true;
}

template <typename Slot>
size_t SendQueue::take_whole_messages(size_t max_payload, size_t room, size_t chunk_overhead, Slot&& slot) {
  size_t used = 0;
  size_t bytes = 0;
  while (!active_.empty()) {
    const uint16_t id = active_.front();
    Stream& s = streams_[id];
    Message& m = s.messages.front();
    if (s.head_offset != 0 || m.size > max_payload) break;  // a fragment: next_fragment()'s work
    const size_t size = chunk_overhead + wire::padded4(m.size);
    if (used + size > room) break;
    used += size;
    bytes += m.size;
    QueuedFragment& f = slot();
    f.stream = wire::StreamId(id);
    if (!m.options.unordered) {
      // RFC 9260 6.5: as in next_fragment(); unordered messages leave the stream's SSN unchanged.
      s.head_ssn = s.next_ssn;
      s.next_ssn = s.next_ssn.next();
      f.ssn = s.head_ssn;
    }
    f.ppid = m.options.ppid;
    f.unordered = m.options.unordered;
    f.beginning = true;
    f.end = true;
    f.sack_immediately = m.options.sack_immediately;
    f.in_slot = m.in_slot;
    f.message = std::move(m.data);
    f.length = m.size;
    pop_sent_message(s, id);
  }
  buffered_bytes_ -= bytes;
  if (space_wanted_ && buffered_bytes_ <= config_.low_watermark) {
    space_wanted_ = false;
    space_available_ = true;
  }
  return used;
}

}  // namespace sctpkit::assoc
