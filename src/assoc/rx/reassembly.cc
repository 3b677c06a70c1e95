#include "assoc/rx/reassembly.h"

#include <algorithm>

namespace sctpkit::assoc {

using wire::Mid;
using wire::Ssn;
using wire::Tsn;

namespace {

// Serial order of piece keys (TSNs for DATA, FSNs for I-DATA).
bool key_before(uint32_t a, uint32_t b) { return static_cast<int32_t>(b - a) > 0; }

}  // namespace

Reassembly::Reassembly(const ReassemblyConfig& config)
    : config_(config), idata_(config.interleaving ? std::make_unique<IDataIndex>() : nullptr) {}

std::optional<ReassemblyError> Reassembly::insert(const DataFragment& fragment, bool next_tsn) {
  // RFC 9260 6.5: a stream the association did not negotiate.
  if (fragment.stream.value() >= config_.inbound_streams) return ReassemblyError::InvalidStream;
  // RFC 9260 6.2: a DATA chunk with no user data.
  if (fragment.payload.empty()) return ReassemblyError::NoUserData;
  // RFC 8260 2.1: the first fragment of an I-DATA message carries FSN 0.
  if (config_.interleaving && fragment.beginning && fragment.fsn != wire::Fsn(0)) {
    return ReassemblyError::InconsistentFragment;
  }
  if (!(fragment.beginning && fragment.ending)) {
    return config_.interleaving ? insert_idata(fragment) : insert_data(fragment, next_tsn);
  }
  // An unfragmented message: straight into its own buffer, no reassembly bookkeeping.
  if (fragment.payload.size() > config_.max_message_size) return ReassemblyError::MessageTooLarge;
  Stream& stream = stream_state(fragment.stream);
  if (partials_.empty() && (fragment.unordered || (stream.waiting.empty() && is_next(stream, fragment)))) {
    // The common case, one chunk per message arriving in order, goes straight to the ready queue:
    // with no partial message held no fragment can contradict it (RFC 9260 6.9, RFC 8260 2.1),
    // and it is deliverable at once (RFC 9260 6.6: unordered, or the next SSN / MID of a stream
    // with nothing waiting), so on_complete's ordering has nothing to do.
    ReceivedMessage& message = ready_.emplace_back();
    message.stream = fragment.stream;
    message.ppid = fragment.ppid;
    message.unordered = fragment.unordered;
    message.mid = fragment.mid;
    message.payload = take_buffer();
    message.payload.assign(fragment.payload.begin(), fragment.payload.end());
    bytes_held_ += charge(fragment.payload.size());
    if (!fragment.unordered) {
      message.ssn = fragment.ssn;
      advance(stream);
    }
    ++fast_deliveries_;
    return std::nullopt;
  }
  if (!config_.interleaving) {
    std::optional<size_t> left;
    std::optional<size_t> right;
    if (auto error = find_data_neighbours(fragment, left, right)) return error;
  } else if (find_message(fragment.stream, fragment.unordered, fragment.mid)) {
    return ReassemblyError::InconsistentFragment;
  }
  std::vector<uint8_t> bytes = take_buffer();
  bytes.assign(fragment.payload.begin(), fragment.payload.end());
  ReceivedMessage message{fragment.stream, fragment.ppid, fragment.unordered, fragment.unordered ? Ssn() : fragment.ssn,
                          fragment.mid, std::move(bytes)};
  bytes_held_ += charge(message.payload.size());
  on_complete(std::move(message));
  return std::nullopt;
}

size_t Reassembly::position_for(const Partial& partial, uint32_t key) {
  // Searched from the back: fragments usually arrive in order, and then this is O(1) however many
  // fragments the message has.
  size_t position = partial.pieces.size();
  while (position > 0 && key_before(key, partial.pieces[position - 1].key)) --position;
  return position;
}

void Reassembly::place(Partial& partial, const Piece& piece, wire::Bytes payload) {
  const size_t position = position_for(partial, piece.key);
  const uint32_t offset =
      position < partial.pieces.size() ? partial.pieces[position].offset : static_cast<uint32_t>(partial.bytes.size());
  // In-order arrival appends; only a fragment that overtook a later one moves bytes already held.
  partial.bytes.insert(partial.bytes.begin() + offset, payload.begin(), payload.end());
  for (size_t i = position; i < partial.pieces.size(); ++i) partial.pieces[i].offset += piece.length;
  partial.charged += std::max(piece.length, kMinFragmentCharge);
  Piece placed = piece;
  placed.offset = offset;
  partial.pieces.insert(partial.pieces.begin() + static_cast<std::ptrdiff_t>(position), placed);
}

std::optional<ReassemblyError> Reassembly::find_data_neighbours(const DataFragment& f, std::optional<size_t>& left,
                                                                 std::optional<size_t>& right) const {
  // RFC 9260 6.9: the fragments of one message carry consecutive TSNs, B on the first and E on the
  // last. So a fragment joins the partial message ending at TSN - 1 and the one starting at TSN + 1,
  // and each neighbour must agree with it on stream, U flag and (ordered) SSN. And on the PPID:
  // 3.3.1 has every fragment carry the message's, so a different one means the peer spliced two
  // messages, and we would deliver one of them under the other's PPID.
  const auto same_message = [&](const Partial& p) {
    return p.stream == f.stream && p.unordered == f.unordered && (f.unordered || p.ssn == f.ssn) && p.ppid == f.ppid;
  };
  work_steps_ += static_cast<uint32_t>(partials_.size());
  for (size_t i = 0; i < partials_.size(); ++i) {
    const Partial& p = partials_[i];
    const Piece& first = p.pieces.front();
    const Piece& last = p.pieces.back();
    if (last.tsn == f.tsn.prev()) {
      if (last.ending != f.beginning || (!f.beginning && !same_message(p))) {
        return ReassemblyError::InconsistentFragment;
      }
      if (!f.beginning) left = i;
    }
    if (first.tsn == f.tsn.next()) {
      if (first.beginning != f.ending || (!f.ending && !same_message(p))) {
        return ReassemblyError::InconsistentFragment;
      }
      if (!f.ending) right = i;
    }
  }
  return std::nullopt;
}

std::optional<ReassemblyError> Reassembly::insert_data(const DataFragment& f, bool next_tsn) {
  std::optional<size_t> left;
  std::optional<size_t> right;
  if (auto error = find_data_neighbours(f, left, right)) return error;
  // RFC 9260 14 (resource exhaustion): see kMaxPartials.
  if (!left && !right && partials_.size() >= kMaxPartials && !next_tsn) return ReassemblyError::TooManyPartials;
  size_t total = f.payload.size();
  if (left) total += partials_[*left].bytes.size();
  if (right) total += partials_[*right].bytes.size();
  if (total > config_.max_message_size) {
    // Drop the higher index first so the lower one stays valid.
    if (left && right) {
      drop_partial(std::max(*left, *right));
      drop_partial(std::min(*left, *right));
    } else if (left || right) {
      drop_partial(left ? *left : *right);
    }
    return ReassemblyError::MessageTooLarge;
  }

  const Piece piece{f.tsn.value(), 0, static_cast<uint32_t>(f.payload.size()), f.tsn, f.beginning, f.ending};
  const size_t charged_before = (left ? charge(partials_[*left]) : 0) + (right ? charge(partials_[*right]) : 0);
  size_t target;
  if (left) {
    target = *left;
    place(partials_[target], piece, f.payload);
    if (right) {
      // The fragment bridged two runs: move the upper run's bytes behind it.
      Partial& into = partials_[target];
      Partial& from = partials_[*right];
      const auto base = static_cast<uint32_t>(into.bytes.size());
      into.bytes.insert(into.bytes.end(), from.bytes.begin(), from.bytes.end());
      for (Piece p : from.pieces) {
        p.offset += base;
        into.pieces.push_back(p);
      }
      into.charged += from.charged;
      remove_partial(*right);  // its bytes stay held, now inside `into`
      if (target == partials_.size()) target = *right;  // remove_partial moved the last one into *right
    }
  } else if (right) {
    target = *right;
    place(partials_[target], piece, f.payload);
  } else {
    Partial fresh = fresh_partial();
    fresh.stream = f.stream;
    fresh.unordered = f.unordered;
    fresh.ssn = f.unordered ? Ssn() : f.ssn;
    fresh.ppid = f.ppid;
    place(fresh, piece, f.payload);
    partials_.push_back(std::move(fresh));
    target = partials_.size() - 1;
  }
  if (f.beginning) partials_[target].ppid = f.ppid;
  bytes_held_ += charge(partials_[target]) - charged_before;
  if (complete(partials_[target], false)) finish(target);
  return std::nullopt;
}

std::optional<ReassemblyError> Reassembly::insert_idata(const DataFragment& f) {
  // RFC 8260 2.1: fragments of one message share (stream, U, MID) and are ordered by FSN; their
  // TSNs need not be consecutive, since messages of different streams interleave.
  const std::optional<size_t> held = find_message(f.stream, f.unordered, f.mid);
  auto it = held ? partials_.begin() + static_cast<std::ptrdiff_t>(*held) : partials_.end();
  size_t charged_before = 0;
  if (it != partials_.end()) {
    charged_before = charge(*it);
    for (const Piece& p : it->pieces) {
      // Two fragments at one FSN, or a fragment beyond the one marked last, or one claiming to be
      // last below a fragment already held: the peer contradicts itself.
      if (p.key == f.fsn.value()) return ReassemblyError::InconsistentFragment;
      if (p.ending && key_before(p.key, f.fsn.value())) return ReassemblyError::InconsistentFragment;
      if (f.ending && key_before(f.fsn.value(), p.key)) return ReassemblyError::InconsistentFragment;
    }
    // The sender numbers fragments (FSN) and assigns TSNs in the same order, so a fragment whose
    // TSN is out of FSN order is forged. Refusing it also means fragments can only arrive out of
    // FSN order while the cumulative TSN is held back, i.e. within the TSN window, which bounds
    // the bytes moved by inserting them in the middle of the buffer.
    const size_t position = position_for(*it, f.fsn.value());
    if ((position > 0 && !it->pieces[position - 1].tsn.before(f.tsn)) ||
        (position < it->pieces.size() && !f.tsn.before(it->pieces[position].tsn))) {
      return ReassemblyError::InconsistentFragment;
    }
    if (it->bytes.size() + f.payload.size() > config_.max_message_size) {
      drop_partial(static_cast<size_t>(it - partials_.begin()));
      return ReassemblyError::MessageTooLarge;
    }
  } else {
    if (f.payload.size() > config_.max_message_size) return ReassemblyError::MessageTooLarge;
    Partial fresh = fresh_partial();
    fresh.stream = f.stream;
    fresh.unordered = f.unordered;
    fresh.mid = f.mid;
    partials_.push_back(std::move(fresh));
    index_partial(partials_.size() - 1);
    it = partials_.end() - 1;
  }
  const Piece piece{f.fsn.value(), 0, static_cast<uint32_t>(f.payload.size()), f.tsn, f.beginning, f.ending};
  place(*it, piece, f.payload);
  // RFC 8260 2.1: only the first fragment carries the PPID; the others carry the FSN there.
  if (f.beginning) it->ppid = f.ppid;
  bytes_held_ += charge(*it) - charged_before;
  const auto index = static_cast<size_t>(it - partials_.begin());
  if (complete(*it, true)) finish(index);
  return std::nullopt;
}

bool Reassembly::complete(const Partial& partial, bool interleaving) {
  const Piece& first = partial.pieces.front();
  const Piece& last = partial.pieces.back();
  if (!first.beginning || !last.ending) return false;
  // DATA runs are contiguous by construction; I-DATA needs FSNs 0..n without holes.
  return !interleaving || (first.key == 0 && last.key == partial.pieces.size() - 1);
}

void Reassembly::drop_partial(size_t index) {
  bytes_held_ -= charge(partials_[index]);
  remove_partial(index);
}

void Reassembly::index_partial(size_t index) {
  const uint64_t key = message_key(partials_[index]);
  if (idata_->spare_nodes.empty()) {
    idata_->by_message.emplace(key, static_cast<uint32_t>(index));
    return;
  }
  MessageIndex::node_type node = std::move(idata_->spare_nodes.back());
  idata_->spare_nodes.pop_back();
  node.key() = key;
  node.mapped() = static_cast<uint32_t>(index);
  idata_->by_message.insert(std::move(node));
}

void Reassembly::remove_partial(size_t index) {
  if (idata_) {
    MessageIndex& by_message = idata_->by_message;
    MessageIndex::node_type node = by_message.extract(message_key(partials_[index]));
    if (idata_->spare_nodes.size() < kMaxSpareNodes) idata_->spare_nodes.push_back(std::move(node));
    // The last partial moves into the freed place.
    if (index + 1 != partials_.size()) by_message.find(message_key(partials_.back()))->second = static_cast<uint32_t>(index);
  }
  std::vector<Piece> pieces = std::move(partials_[index].pieces);
  if (index + 1 != partials_.size()) partials_[index] = std::move(partials_.back());
  partials_.pop_back();
  if (pieces.capacity() > spare_pieces_.capacity() && pieces.capacity() <= kMaxSparePieces) {
    pieces.clear();
    spare_pieces_ = std::move(pieces);
  }
}

Reassembly::Partial Reassembly::fresh_partial() {
  Partial p;
  p.pieces = std::move(spare_pieces_);
  spare_pieces_ = {};
  p.bytes = take_buffer();
  if (partials_.empty() && p.bytes.capacity() < size_hint_) p.bytes.reserve(size_hint_);
  return p;
}

std::vector<uint8_t> Reassembly::take_buffer() {
  if (spare_buffers_.empty()) return {};
  std::vector<uint8_t> buffer = std::move(spare_buffers_.back());
  spare_buffers_.pop_back();
  spare_bytes_ -= static_cast<uint32_t>(buffer.capacity());
  return buffer;
}

void Reassembly::recycle(std::vector<uint8_t>&& buffer) {
  const size_t capacity = buffer.capacity();
  if (capacity == 0 || spare_bytes_ + capacity > config_.receive_buffer) return;
  buffer.clear();
  spare_bytes_ += static_cast<uint32_t>(capacity);  // within receive_buffer (above)
  spare_buffers_.push_back(std::move(buffer));
}

void Reassembly::finish(size_t index) {
  Partial& p = partials_[index];
  size_hint_ = static_cast<uint32_t>(p.bytes.size());
  // Charged as a partial message until now; now as a message (never more: charged >= payload).
  bytes_held_ = bytes_held_ - charge(p) + charge(p.bytes.size());
  ReceivedMessage message{p.stream, p.ppid, p.unordered, p.ssn, p.mid, std::move(p.bytes)};
  remove_partial(index);
  on_complete(std::move(message));
}

void Reassembly::on_complete(ReceivedMessage message) {
  // RFC 9260 6.6: unordered messages bypass the ordering mechanism once reassembled.
  if (message.unordered) {
    ready_.push_back(std::move(message));
    return;
  }
  Stream& stream = stream_state(message.stream);
  const uint32_t ahead = distance(stream, message);
  if (ahead == 0) {
    ready_.push_back(std::move(message));
    advance(stream);
    deliver_in_order(stream);
    return;
  }
  // RFC 8260 2.1: a 32-bit MID behind the next one (RFC 1982) was delivered or skipped already
  // (e.g. by an I-FORWARD-TSN): nothing waits for it. No honest peer gets 2^31 messages ahead.
  if (config_.interleaving && !message.mid.after(stream.next_mid)) {
    bytes_held_ -= charge(message.payload.size());
    return;
  }
  // RFC 9260 6.6: held until the messages before it in SSN order arrive.
  stream.waiting.push_back(std::move(message));
  std::push_heap(stream.waiting.begin(), stream.waiting.end(), WaitingOrder{this, &stream});
}

void Reassembly::release_waiting(Stream& stream, uint32_t through) {
  const WaitingOrder order{this, &stream};
  std::optional<uint32_t> released;
  while (!stream.waiting.empty()) {
    const uint32_t ahead = distance(stream, stream.waiting.front());
    if (ahead > through) return;
    std::pop_heap(stream.waiting.begin(), stream.waiting.end(), order);
    if (ahead == released) {
      bytes_held_ -= charge(stream.waiting.back().payload.size());
    } else {
      ready_.push_back(std::move(stream.waiting.back()));
      released = ahead;
    }
    stream.waiting.pop_back();
  }
}

void Reassembly::deliver_in_order(Stream& stream) {
  while (!stream.waiting.empty() && distance(stream, stream.waiting.front()) == 0) {
    release_waiting(stream, 0);
    advance(stream);
  }
}

void Reassembly::forward_tsn(Tsn new_cumulative_tsn, std::span<const ForwardTsnSkip> skips) {
  // RFC 3758 3.6: a partial message that holds an abandoned TSN, or whose missing predecessor
  // fragment is abandoned, can never complete.
  for (size_t i = partials_.size(); i-- > 0;) {
    const Piece& first = partials_[i].pieces.front();
    const bool covered = first.tsn.before_or_equal(new_cumulative_tsn) ||
                         (!first.beginning && first.tsn.prev().before_or_equal(new_cumulative_tsn));
    if (covered) drop_partial(i);
  }
  for (const ForwardTsnSkip& skip : skips) {
    if (skip.stream.value() >= config_.inbound_streams) continue;
    Stream& stream = stream_state(skip.stream);
    if (skip.ssn.before(stream.next_ssn)) continue;  // already past it
    // RFC 3758 3.6: ordered messages up to the listed SSN that are held become deliverable, in
    // SSN order; the stream then expects the SSN after it.
    release_waiting(stream, static_cast<uint16_t>(skip.ssn.value() - stream.next_ssn.value()));
    stream.next_ssn = skip.ssn.next();
    deliver_in_order(stream);
  }
}

void Reassembly::drop_ordered_partials(wire::StreamId stream, Mid through) {
  // The MIDs at or before `through` (RFC 1982: up to 2^31 - 1 behind it) as at most two ranges of
  // keys, where the 32-bit MID wraps. Each step drops one partial, so a skip costs O(log n) plus
  // O(log n) per partial dropped, however many other partials are held.
  const auto drop_range = [&](uint32_t low, uint32_t high) {
    const MessageIndex& by_message = idata_->by_message;
    const uint64_t first = message_key(stream, false, Mid(low)), last = message_key(stream, false, Mid(high));
    for (auto it = by_message.lower_bound(first); it != by_message.end() && it->first <= last;
         it = by_message.lower_bound(first)) {
      drop_partial(it->second);
    }
  };
  const uint32_t low = through.value() - 0x7FFF'FFFFu;
  if (low <= through.value()) {
    drop_range(low, through.value());
  } else {
    drop_range(low, 0xFFFF'FFFFu);
    drop_range(0, through.value());
  }
}

void Reassembly::i_forward_tsn(std::span<const IForwardTsnSkip> skips) {
  // RFC 8260 2.3: I-FORWARD-TSN goes with I-DATA. Under DATA no message is named by MID, and the
  // (stream, U, MID) index does not exist.
  if (!idata_) return;
  for (const IForwardTsnSkip& skip : skips) {
    if (skip.stream.value() >= config_.inbound_streams) continue;
    Stream& stream = stream_state(skip.stream);
    if (skip.unordered) {
      // RFC 8260 2.3.1: an unordered entry names the one message abandoned.
      if (auto held = find_message(skip.stream, true, skip.mid)) drop_partial(*held);
      continue;
    }
    if (skip.mid.before(stream.next_mid)) continue;
    // RFC 8260 2.3.1: ordered messages up to the MID are skipped: their fragments are dropped, the
    // complete ones held are delivered in MID order, and the stream expects MID + 1.
    drop_ordered_partials(skip.stream, skip.mid);
    release_waiting(stream, skip.mid.value() - stream.next_mid.value());
    stream.next_mid = skip.mid.next();
    deliver_in_order(stream);
  }
}

std::optional<ReceivedMessage> Reassembly::pop_message() {
  std::optional<ReceivedMessage> message;
  if (ready_.empty()) return message;
  // Moved straight into the optional returned (no second move through a local).
  message.emplace(std::move(ready_.front()));
  ready_.pop_front();
  release_popped(message->payload.size());
  return message;
}


}  // namespace sctpkit::assoc
