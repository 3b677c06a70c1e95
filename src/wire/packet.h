// An SCTP packet: the common header (RFC 9260 3.1) and its chain of chunks (3.2).
//
// Parsing yields views into the caller's buffer; nothing is copied. Building writes into a caller's
// buffer and stops adding chunks at a size limit (the path MTU minus IP and UDP headers).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>

#include "wire/byte_io.h"
#include "wire/result.h"
#include "wire/types.h"

namespace sctpkit::wire {

constexpr size_t kCommonHeaderSize = 12;
constexpr size_t kChunkHeaderSize = 4;
constexpr size_t kChecksumOffset = 8;

struct CommonHeader {
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  VerificationTag verification_tag;
  uint32_t checksum = 0;
};

Result<CommonHeader> parse_common_header(Bytes packet);

struct RawChunk {
  uint8_t type = 0;
  uint8_t flags = 0;
  uint16_t length = 0;  // as on the wire: header plus value, no padding
  Bytes value;          // the value alone, without header or padding
  Bytes whole;          // header plus value, without padding
};

// Walks the chunks of a packet (or of any chunk list, e.g. inside an AUTH-covered region). After
// an error it yields nothing more.
class ChunkReader {
 public:
  explicit ChunkReader(Bytes chunks) : rest_(chunks) {}
  std::optional<Result<RawChunk>> next();
  [[nodiscard]] Bytes rest() const { return rest_; }

 private:
  Bytes rest_;
  bool failed_ = false;
};

// A packet whose header and whole chunk chain have been checked once, so that iterating it again
// cannot fail. Checksum verification is separate (verify_checksum) because some callers, like a
// capture decoder, want to show packets with bad checksums.
class PacketView {
 public:
  static Result<PacketView> parse(Bytes packet);

  [[nodiscard]] const CommonHeader& header() const { return header_; }
  [[nodiscard]] Bytes bytes() const { return packet_; }
  [[nodiscard]] size_t chunk_count() const { return chunk_count_; }

  class Iterator {
   public:
    using value_type = RawChunk;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    // By value (a few words): `const RawChunk& c = *view.begin();` must not dangle when the
    // temporary iterator goes away.
    RawChunk operator*() const { return current_; }
    const RawChunk* operator->() const { return &current_; }
    // Inline, as load(): a few loads per chunk on the receive path.
    Iterator& operator++() {
      const size_t padded = padded4(current_.length);
      rest_ = padded >= rest_.size() ? Bytes{} : rest_.subspan(padded);
      load();
      return *this;
    }
    Iterator operator++(int) {
      Iterator copy = *this;
      ++*this;
      return copy;
    }
    bool operator==(const Iterator& other) const { return done_ == other.done_ && (done_ || rest_.data() == other.rest_.data()); }

   private:
    friend class PacketView;
    // Only over a chain PacketView::parse validated: the iterator does not re-check lengths.
    explicit Iterator(Bytes rest) : rest_(rest), done_(false) { load(); }
    void load() {
      // PacketView::parse validated the whole chain, so only the end needs checking here.
      if (rest_.size() < kChunkHeaderSize) {
        done_ = true;
        rest_ = {};
        return;
      }
      const uint16_t length = load_u16(rest_, 2);
      current_ = RawChunk{load_u8(rest_, 0), load_u8(rest_, 1), length,
                          rest_.subspan(kChunkHeaderSize, length - kChunkHeaderSize), rest_.first(length)};
    }
    Bytes rest_;
    RawChunk current_;
    bool done_ = true;
  };
  [[nodiscard]] Iterator begin() const { return Iterator(packet_.subspan(kCommonHeaderSize)); }
  [[nodiscard]] Iterator end() const { return Iterator(); }

 private:
  Bytes packet_;
  CommonHeader header_;
  size_t chunk_count_ = 0;
};

// RFC 9260 6.8: the checksum is computed over the whole packet with the checksum field as zero.
uint32_t compute_checksum(Bytes packet);
bool verify_checksum(Bytes packet);

// Builds a packet in a caller's buffer. Chunk types provide:
//   static constexpr uint8_t kType;
//   uint8_t flags() const;
//   size_t value_size() const;          // bytes of value, without header or padding
//   void write_value(Writer&) const;    // exactly value_size() bytes
class PacketBuilder {
 public:
  // `limit` caps the packet size (e.g. PMTU minus IP/UDP headers); the buffer may be larger.
  PacketBuilder(MutableBytes buffer, size_t limit, const CommonHeader& header);

  // Whether a chunk with this many value bytes still fits (with its header and padding).
  [[nodiscard]] bool fits(size_t value_size) const {
    return padded4(kChunkHeaderSize + value_size) <= limit_ - writer_.position();
  }

  // Appends the chunk if it fits; returns false (and appends nothing) if it does not.
  template <typename Chunk>
  bool add(const Chunk& chunk) {
    const size_t value_size = chunk.value_size();
    if (!fits(value_size)) return false;
    const size_t start = writer_.position();
    writer_.u8(Chunk::kType);
    writer_.u8(chunk.flags());
    writer_.u16(static_cast<uint16_t>(kChunkHeaderSize + value_size));
    chunk.write_value(writer_);
    writer_.pad4_from(start);
    ++chunk_count_;
    return true;
  }

  // Appends a chunk whose value the caller writes: one bounds check for the whole chunk (header,
  // `value_size` value bytes, padding), the header written and the padding zeroed here. Returns the
  // value's bytes, exactly `value_size` of them, to be filled before the next call; nullopt (and
  // nothing appended) if the chunk does not fit. A hot path's fixed fields then cost one check, not
  // one per field (a 64 B message's DATA chunk: five).
  std::optional<MutableBytes> reserve_chunk(uint8_t type, uint8_t flags, size_t value_size) {
    if (!fits(value_size)) return std::nullopt;
    const size_t length = kChunkHeaderSize + value_size;
    const MutableBytes chunk = writer_.take(padded4(length));
    if (chunk.empty()) return std::nullopt;  // the buffer is smaller than the limit: a caller bug
    chunk[0] = type;
    chunk[1] = flags;
    store_u16(chunk, 2, static_cast<uint16_t>(length));
    // RFC 9260 3.2: padding bytes are zero.
    if (chunk.size() != length) std::memset(chunk.data() + length, 0, chunk.size() - length);
    ++chunk_count_;
    return chunk.subspan(kChunkHeaderSize, value_size);
  }

  // Appends an already-encoded chunk (header and value, padding optional).
  bool add_raw(Bytes whole_chunk);

  // Appends a chunk whose type is known only at run time (an unrecognized chunk being re-sent).
  bool add_value(uint8_t type, uint8_t flags, Bytes value);

  [[nodiscard]] size_t size() const { return writer_.position(); }
  [[nodiscard]] size_t remaining() const { return limit_ - writer_.position(); }
  [[nodiscard]] size_t chunk_count() const { return chunk_count_; }
  [[nodiscard]] bool empty() const { return chunk_count_ == 0; }

  // Fills in the checksum and returns the finished packet.
  MutableBytes finish();
  // For building deliberately bad packets in tests, and for RFC 9653 zero-checksum peers.
  MutableBytes finish_with_checksum(uint32_t checksum);

 private:
  Writer writer_;
  size_t limit_;
  size_t chunk_count_ = 0;
};

}  // namespace sctpkit::wire
