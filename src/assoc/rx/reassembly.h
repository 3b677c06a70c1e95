// DATA (RFC 9260 6.5, 6.6, 6.9) and I-DATA (RFC 8260) fragments into user messages, and per-stream
// ordered delivery.
//
// Each message is assembled in one buffer: a fragment's payload is copied once, out of the packet,
// into the buffer of the message it belongs to, at its place in fragment order. Messages made of a
// single chunk (B and E set) skip the bookkeeping entirely. Completed messages wait, per stream,
// for their turn (SSN or MID order) unless unordered, then sit in a ready queue until the upper
// layer takes them; every payload byte held anywhere counts against the receive buffer (RFC 9260
// 6.2: a_rwnd only opens when bytes are released to the ULP), each message at least
// kMinMessageCharge.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "assoc/rx/stream_table.h"
#include "assoc/tx/ring.h"
#include "wire/byte_io.h"
#include "wire/types.h"

namespace sctpkit::assoc {

// The fields of one DATA or I-DATA chunk that reassembly needs; the chunk codec fills them.
struct DataFragment {
  wire::Tsn tsn;
  wire::StreamId stream;
  wire::Ssn ssn;    // DATA only; ignored for unordered chunks (RFC 9260 6.6)
  wire::Mid mid;    // I-DATA only (RFC 8260 2.1)
  wire::Fsn fsn;    // I-DATA only: 0 on the first fragment (RFC 8260 2.1)
  wire::Ppid ppid;  // DATA: on every fragment; I-DATA: only on the first (B) fragment
  bool unordered = false;  // U flag
  bool beginning = false;  // B flag
  bool ending = false;     // E flag
  wire::Bytes payload;     // user data, without padding; only read during insert()
};

// A whole user message, ready for the upper layer.
struct ReceivedMessage {
  wire::StreamId stream;
  wire::Ppid ppid;
  bool unordered = false;
  wire::Ssn ssn;  // DATA ordered messages
  wire::Mid mid;  // I-DATA messages
  std::vector<uint8_t> payload;
};

struct ReassemblyConfig {
  uint16_t inbound_streams = 1;  // negotiated number of inbound streams (RFC 9260 5.1.1)
  bool interleaving = false;     // I-DATA (RFC 8260) instead of DATA
  // RFC 9260 6.2: the window covers what the upper layer has not consumed yet. true: a message
  // handed out by pop_message() keeps counting against the receive buffer until consume() says the
  // upper layer is done with its bytes (an embedder with its own inbox). false: handing it out is
  // consuming it.
  bool hold_until_consumed = false;
  // What the association advertises as a_rwnd in INIT / INIT ACK (RFC 9260 6.2 step 1). Keep it at
  // least max_message_size: without partial delivery (6.9) a bigger message could never complete.
  // Before max_message_size: beside the flags, not padded to 8 bytes (16 B config, not 24).
  uint32_t receive_buffer = 256 * 1024;
  size_t max_message_size = 256 * 1024;
};

// Why a fragment was not taken. Each maps to what the association answers.
enum class ReassemblyError {
  InvalidStream,      // RFC 9260 6.5: ack the TSN, send ERROR "Invalid Stream Identifier", discard
  NoUserData,         // RFC 9260 6.2: empty DATA; ABORT with "No User Data"
  MessageTooLarge,    // the message would exceed max_message_size; the partial message is dropped
  InconsistentFragment,  // flags or FSN contradict fragments already held; a protocol violation
  TooManyPartials,       // DATA: would start a partial message beyond kMaxPartials; drop, do not ack
};

// RFC 3758 3.2: one (stream, SSN) pair of a FORWARD TSN chunk.
struct ForwardTsnSkip {
  wire::StreamId stream;
  wire::Ssn ssn;
};
// RFC 8260 2.3.1: one (stream, U, MID) entry of an I-FORWARD-TSN chunk.
struct IForwardTsnSkip {
  wire::StreamId stream;
  bool unordered = false;
  wire::Mid mid;
};

class Reassembly {
 public:
  explicit Reassembly(const ReassemblyConfig& config);

  // DATA fragments that join no partial message start one of their own only while fewer than this
  // many are held. Finding a fragment's neighbours scans the partial messages, so without a bound
  // a peer sending B fragments at every other TSN of the window (32,767 partials) made each later
  // DATA chunk cost 32,767 steps. An honest peer's partials border the TSN gaps its losses make
  // (at most two per gap), so they reach this only with over 512 gaps open at once.
  static constexpr size_t kMaxPartials = 1024;
  // What a message held (ready, waiting, or partial) counts against the receive buffer at least,
  // as Linux charges an skb's truesize rather than its payload: counting payload bytes only, 2 MiB
  // of one-byte messages held some 150 MB. The real cost of a one-byte message: a ReceivedMessage
  // (40 B, up to 80 in the ready ring or waiting heap, which grow by doubling) plus its payload's
  // smallest heap block (32 B with glibc): 72-112 B; of a partial one, a Partial (64 B, up to
  // 128) plus two such blocks (bytes, pieces). Each fragment of a partial message counts at least
  // kMinFragmentCharge: its Piece (20 B, up to 40). Minimums rather than an overhead added to
  // every chunk: honest fragments (hundreds of bytes and more) count their payload only, so a
  // message of receive_buffer bytes still fits; with 128 B added per fragment the window closed
  // before its last fragment (RFC 9260 6.2 then drops it: a deadlock when max_message_size equals
  // receive_buffer). What the peer makes us hold in real bytes is then within about twice the
  // buffer.
  static constexpr size_t kMinMessageCharge = 128;
  static constexpr uint32_t kMinFragmentCharge = 32;

  // Takes one fragment whose TSN the TsnMap reported New. On an error nothing is held for it
  // (and for MessageTooLarge, nothing more for its message; TooManyPartials changes nothing, so
  // the caller may ask again). `next_tsn`: the fragment carries the TSN right after the cumulative
  // one, which kMaxPartials never refuses: the cumulative point can always move on, so an honest
  // peer is slowed down, never stuck.
  std::optional<ReassemblyError> insert(const DataFragment& fragment, bool next_tsn = false);
  // The common chunk, inline: a whole message (B and E set) that insert() would take straight to
  // the ready queue (deliverable at once, nothing partial held, RFC 9260 6.6 / 6.9), while the
  // window is open (RFC 9260 6.2: at 0 the caller drops a new TSN above the highest received).
  // Takes it and returns true, or changes nothing and returns false (the caller then asks the
  // checks of the window and insert()). One function instead of three with their checks repeated
  // and the payload copied through two out-of-line calls.
  bool take_whole_in_order(const DataFragment& f) {
    if (!(f.beginning && f.ending) || !partials_.empty() || f.stream.value() >= config_.inbound_streams ||
        f.payload.empty() || f.payload.size() > config_.max_message_size || full() ||
        (config_.interleaving && f.fsn != wire::Fsn(0))) {
      return false;
    }
    Stream* stream = nullptr;
    if (!f.unordered) {
      stream = &stream_state(f.stream);
      if (!stream->waiting.empty() || !is_next(*stream, f)) return false;
    }
    ReceivedMessage& message = ready_.emplace_back();
    message.stream = f.stream;
    message.ppid = f.ppid;
    message.unordered = f.unordered;
    message.mid = f.mid;
    if (!spare_buffers_.empty()) {
      message.payload = std::move(spare_buffers_.back());
      spare_buffers_.pop_back();
      spare_bytes_ -= static_cast<uint32_t>(message.payload.capacity());
    }
    // Appended to the (empty) buffer: one copy, where assign() made a second, empty one for the
    // elements the buffer already held.
    message.payload.insert(message.payload.end(), f.payload.begin(), f.payload.end());
    bytes_held_ += charge(f.payload.size());
    if (stream) {
      message.ssn = f.ssn;
      advance(*stream);
    }
    ++fast_deliveries_;
    return true;
  }

  // RFC 3758 3.6: the peer abandoned every TSN up to `new_cumulative_tsn`; drop the partial
  // messages that reach down to it, and on each listed stream make the ordered messages up to the
  // listed SSN deliverable and wait for the one after it.
  void forward_tsn(wire::Tsn new_cumulative_tsn, std::span<const ForwardTsnSkip> skips);
  // RFC 8260 2.3.1: the same for I-FORWARD-TSN; messages are named by (stream, U, MID).
  void i_forward_tsn(std::span<const IForwardTsnSkip> skips);

  // The next deliverable message, handing its bytes (and, unless hold_until_consumed, their share
  // of the buffer) to the caller.
  std::optional<ReceivedMessage> pop_message();
  // What pop_message() does for every deliverable message at once, calling `take(message)` on each
  // in order (it may move the payload out): no std::optional built, moved and destroyed around
  // each message (a 64 B message's whole hand-off was ~90 instructions of ~1,070). `take` must
  // not call back into this Reassembly. Returns how many were taken.
  template <typename Take>
  size_t drain(Take&& take) {
    const size_t n = ready_.size();
    for (size_t i = 0; i < n; ++i) {
      ReceivedMessage& message = ready_.front();
      const size_t size = message.payload.size();
      take(message);
      ready_.pop_front();
      release_popped(size);
    }
    return n;
  }
  // hold_until_consumed: the upper layer is done with `bytes` of the popped messages; they leave
  // the buffer. More than was popped and not consumed yet is ignored.
  void consume(size_t bytes) {
    const uint32_t n = static_cast<uint32_t>(std::min<size_t>(bytes, unconsumed_));
    unconsumed_ -= n;
    bytes_held_ -= n;
  }
  // Payload bytes popped and not consumed yet (0 without hold_until_consumed).
  [[nodiscard]] uint32_t unconsumed_bytes() const { return unconsumed_; }
  // Gives back the buffer of a message the caller is done with: the next message received is built
  // in it, so a steady flow of messages allocates nothing. Spare buffers are kept up to the receive
  // buffer's size in capacity (what the window lets the peer make us hold at once); anything beyond
  // is freed.
  void recycle(std::vector<uint8_t>&& buffer);
  [[nodiscard]] size_t spare_buffer_count() const { return spare_buffers_.size(); }
  [[nodiscard]] size_t ready_count() const { return ready_.size(); }

  // Bytes charged to the receive buffer (see kMinMessageCharge): partial messages, messages
  // waiting for their turn and ready messages not yet popped, each its payload or more; and
  // (hold_until_consumed) the payload of popped messages not yet consumed.
  [[nodiscard]] size_t bytes_held() const { return bytes_held_; }
  // RFC 9260 6.2: the a_rwnd to advertise: the receive buffer minus what is held, never below 0.
  // Inline: asked for each DATA chunk (full()) and each message read (a_rwnd()).
  [[nodiscard]] uint32_t receive_window() const {
    return bytes_held_ >= config_.receive_buffer ? 0
                                                 : static_cast<uint32_t>(config_.receive_buffer - bytes_held_);
  }
  [[nodiscard]] bool full() const { return receive_window() == 0; }
  [[nodiscard]] const ReassemblyConfig& config() const { return config_; }

  // Expected next SSN / MID of ordered messages on a stream; `stream` must be below
  // inbound_streams (asking about another is a caller bug).
  [[nodiscard]] wire::Ssn next_ssn(wire::StreamId stream) const {
    assert(stream.value() < config_.inbound_streams);
    const Stream* s = streams_.find(stream.value());
    return s ? s->next_ssn : wire::Ssn(0);
  }
  [[nodiscard]] wire::Mid next_mid(wire::StreamId stream) const {
    assert(stream.value() < config_.inbound_streams);
    const Stream* s = streams_.find(stream.value());
    return s ? s->next_mid : wire::Mid(0);
  }
  // Streams with state: below StreamTable::kDense up to the highest one the peer has used, above
  // it the blocks of StreamTable::kBlock streams it has used. Not per packet (walks the blocks).
  [[nodiscard]] size_t streams_with_state() const { return streams_.size(); }
  [[nodiscard]] size_t stream_state_bytes() const { return streams_.bytes_allocated(); }
  [[nodiscard]] size_t partial_count() const { return partials_.size(); }
  // Unfragmented messages that went straight to the ready queue (in order, nothing partial held).
  [[nodiscard]] uint64_t fast_deliveries() const { return fast_deliveries_; }
  // Work a peer can make us do per chunk: partial messages scanned for a fragment's neighbours,
  // plus comparisons ordering the waiting messages. Counted (one add per scan or comparison) so
  // that tests bound the mechanism (kMaxPartials, the heap) by a count, not by a clock.
  [[nodiscard]] uint64_t work_steps() const { return work_steps_; }

 private:
  struct Piece {
    uint32_t key = 0;  // DATA: TSN; I-DATA: FSN. Compared with serial distance.
    uint32_t offset = 0;
    uint32_t length = 0;
    wire::Tsn tsn;
    bool beginning = false;
    bool ending = false;
  };
  struct Partial {
    wire::StreamId stream;
    bool unordered = false;
    wire::Ssn ssn;
    wire::Mid mid;
    wire::Ppid ppid;
    std::vector<uint8_t> bytes;
    std::vector<Piece> pieces;  // sorted by key
    uint32_t charged = 0;       // its pieces' payload, each at least kMinFragmentCharge
  };
  struct Stream {
    wire::Ssn next_ssn;
    wire::Mid next_mid;
    // Complete ordered messages ahead of their turn: a min-heap by distance() (see WaitingOrder),
    // so each delivery costs O(log n) however many wait and in whatever order they came.
    std::vector<ReceivedMessage> waiting;
  };

  std::optional<ReassemblyError> find_data_neighbours(const DataFragment& fragment, std::optional<size_t>& left,
                                                      std::optional<size_t>& right) const;
  std::optional<ReassemblyError> insert_data(const DataFragment& fragment, bool next_tsn);
  std::optional<ReassemblyError> insert_idata(const DataFragment& fragment);
  [[nodiscard]] static size_t position_for(const Partial& partial, uint32_t key);
  static void place(Partial& partial, const Piece& piece, wire::Bytes payload);
  [[nodiscard]] static bool complete(const Partial& partial, bool interleaving);
  [[nodiscard]] static size_t charge(size_t payload) { return std::max(payload, kMinMessageCharge); }
  // A message of `size` payload bytes left the ready queue for the upper layer.
  void release_popped(size_t size) {
    if (config_.hold_until_consumed) {
      // The window opens when the upper layer consumes them (consume()), not when it is handed
      // them; the message's own footprint beyond its payload left with it.
      unconsumed_ += static_cast<uint32_t>(size);
      bytes_held_ -= charge(size) - size;
    } else {
      // RFC 9260 6.2 step 3: bytes handed to the ULP open the window again.
      bytes_held_ -= charge(size);
    }
  }
  [[nodiscard]] static size_t charge(const Partial& partial) { return charge(partial.charged); }
  void drop_partial(size_t index);    // forgets its bytes too
  void remove_partial(size_t index);  // bytes already moved elsewhere
  Partial fresh_partial();
  std::vector<uint8_t> take_buffer();
  void finish(size_t index);
  void on_complete(ReceivedMessage message);
  // How many SSNs (MIDs under I-DATA) `message` is ahead of the stream's next one. SSNs count
  // modulo 2^16 (RFC 9260 6.5), not by serial arithmetic: with a 65,535-TSN window an honest peer
  // can have more than 32,768 small messages of one stream in flight past a lost one, and serial
  // arithmetic would take the later ones as already delivered. Distances of the waiting messages
  // all drop by one when the stream advances, so their heap order holds as long as none is at 0.
  [[nodiscard]] uint32_t distance(const Stream& stream, const ReceivedMessage& message) const {
    return config_.interleaving ? message.mid.value() - stream.next_mid.value()
                                : static_cast<uint16_t>(message.ssn.value() - stream.next_ssn.value());
  }
  // Heap order of Stream::waiting: the message nearest its turn on top.
  struct WaitingOrder {
    const Reassembly* self;
    const Stream* stream;
    bool operator()(const ReceivedMessage& a, const ReceivedMessage& b) const {
      ++self->work_steps_;
      return self->distance(*stream, a) > self->distance(*stream, b);
    }
  };
  // Moves the waiting messages at most `through` ahead to the ready queue, nearest first; a
  // message repeating the distance of the one before it (the peer sent one SSN / MID twice) is
  // dropped, since no later turn is its own. The caller then moves the stream's next SSN / MID
  // past `through`.
  void release_waiting(Stream& stream, uint32_t through);
  void deliver_in_order(Stream& stream);
  // Whether `item`, a fragment or a whole message, is the stream's next in order: by MID under
  // I-DATA (RFC 8260 2.1), else by SSN (RFC 9260 6.5).
  template <typename FragmentOrMessage>
  [[nodiscard]] bool is_next(const Stream& stream, const FragmentOrMessage& item) const {
    return config_.interleaving ? item.mid == stream.next_mid : item.ssn == stream.next_ssn;
  }
  // The stream expects its next SSN / MID.
  void advance(Stream& stream) const {
    if (config_.interleaving) {
      stream.next_mid = stream.next_mid.next();
    } else {
      stream.next_ssn = stream.next_ssn.next();
    }
  }
  // Made on first use; `id` below inbound_streams. The lookup inlines (every message asks).
  Stream& stream_state(wire::StreamId id) { return streams_.get(id.value()); }

  // I-DATA: which partial message a fragment joins, by (stream, U, MID) (RFC 8260 2.1), in
  // O(log n). An honest sender may interleave the messages of thousands of streams, so unlike
  // DATA's kMaxPartials no bound on their number is right, and a scan per fragment made a peer
  // holding 30,000 partials cost 30,000 steps per chunk. Ordered by key, so I-FORWARD-TSN finds a
  // stream's messages up to a MID as a range; and a tree, not a hash table: the keys are the
  // peer's to choose, and an unseeded hash can be flooded with collisions.
  using MessageIndex = std::map<uint64_t, uint32_t>;  // message_key -> index in partials_
  struct IDataIndex {
    MessageIndex by_message;
    // Nodes for the next partial messages: no allocation per fragmented message in steady state.
    // At most kMaxSpareNodes.
    std::vector<MessageIndex::node_type> spare_nodes;
  };
  static constexpr size_t kMaxSpareNodes = 64;
  [[nodiscard]] static uint64_t message_key(wire::StreamId stream, bool unordered, wire::Mid mid) {
    return uint64_t{stream.value()} << 33 | uint64_t{unordered} << 32 | mid.value();
  }
  [[nodiscard]] static uint64_t message_key(const Partial& p) { return message_key(p.stream, p.unordered, p.mid); }
  void index_partial(size_t index);
  // I-FORWARD-TSN: drops the ordered partial messages of `stream` with MIDs up to `through`.
  void drop_ordered_partials(wire::StreamId stream, wire::Mid through);
  // The partial message of I-DATA's (stream, U, MID), if held.
  [[nodiscard]] std::optional<size_t> find_message(wire::StreamId stream, bool unordered, wire::Mid mid) const {
    const auto it = idata_->by_message.find(message_key(stream, unordered, mid));
    return it == idata_->by_message.end() ? std::nullopt : std::optional<size_t>(it->second);
  }

  ReassemblyConfig config_;
  StreamTable<Stream> streams_;
  std::vector<Partial> partials_;
  // I-DATA only, made with the Reassembly: a pointer inline (sizeof(Association) counts).
  std::unique_ptr<IDataIndex> idata_;
  // The piece list of the last finished message, kept for the next one: no reallocations per
  // fragmented message in steady state. Bounded by kMaxSparePieces.
  std::vector<Piece> spare_pieces_;
  static constexpr size_t kMaxSparePieces = 1024;
  // Message buffers given back by recycle(), for the next messages (LIFO: the warmest first).
  std::vector<std::vector<uint8_t>> spare_buffers_;
  Ring<ReceivedMessage> ready_;
  size_t bytes_held_ = 0;
  // The size of the last message completed from fragments (at most max_message_size): a fresh
  // partial message reserves that much, so its buffer does not regrow by doubling, copying and
  // faulting in pages, once per message. Only while no other partial is held: a peer that opens
  // many partial messages cannot make each reserve a whole message's worth.
  uint32_t size_hint_ = 0;
  // Within the receive buffer (plus a zero window probe's chunk): the window held these bytes.
  uint32_t unconsumed_ = 0;
  // Bytes of spare_buffers_, at most the receive buffer. This and work_steps_ are 32 bits beside
  // the other two: sizeof(Association) counts (an idle association's memory, issue 5's 2 KiB).
  uint32_t spare_bytes_ = 0;
  // See work_steps(); mutable: the scans and comparisons are const. Wraps after 4 G steps, which
  // only a test's broken code reaches.
  mutable uint32_t work_steps_ = 0;
  uint64_t fast_deliveries_ = 0;
};

}  // namespace sctpkit::assoc
