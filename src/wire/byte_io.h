// Big-endian loads and stores, and a Writer that never writes past its buffer.
//
// Parsers check a span's size once against the fixed part of a structure, then read fields at
// compile-time offsets with load_be<N>(); the check and the offsets live next to each other in each
// parser so a reviewer can see they agree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace sctpkit::wire {

using Bytes = std::span<const uint8_t>;
using MutableBytes = std::span<uint8_t>;

inline uint8_t load_u8(Bytes b, size_t offset) { return b[offset]; }
inline uint16_t load_u16(Bytes b, size_t offset) {
  return static_cast<uint16_t>((uint16_t{b[offset]} << 8) | b[offset + 1]);
}
inline uint32_t load_u32(Bytes b, size_t offset) {
  return (uint32_t{b[offset]} << 24) | (uint32_t{b[offset + 1]} << 16) | (uint32_t{b[offset + 2]} << 8) |
         uint32_t{b[offset + 3]};
}
inline uint64_t load_u64(Bytes b, size_t offset) {
  return (uint64_t{load_u32(b, offset)} << 32) | load_u32(b, offset + 4);
}

inline void store_u16(MutableBytes b, size_t offset, uint16_t v) {
  b[offset] = static_cast<uint8_t>(v >> 8);
  b[offset + 1] = static_cast<uint8_t>(v);
}
inline void store_u32(MutableBytes b, size_t offset, uint32_t v) {
  b[offset] = static_cast<uint8_t>(v >> 24);
  b[offset + 1] = static_cast<uint8_t>(v >> 16);
  b[offset + 2] = static_cast<uint8_t>(v >> 8);
  b[offset + 3] = static_cast<uint8_t>(v);
}

constexpr size_t padded4(size_t n) { return (n + 3) & ~size_t{3}; }

// Appends to a caller's buffer. A write that does not fit sets overflowed() and writes nothing more;
// builders size their output first, so overflow means a caller bug, which tests catch.
class Writer {
 public:
  explicit Writer(MutableBytes buffer) : buffer_(buffer) {}

  void u8(uint8_t v) {
    if (reserve(1)) buffer_[pos_++] = v;
  }
  void u16(uint16_t v) {
    if (reserve(2)) {
      store_u16(buffer_, pos_, v);
      pos_ += 2;
    }
  }
  void u32(uint32_t v) {
    if (reserve(4)) {
      store_u32(buffer_, pos_, v);
      pos_ += 4;
    }
  }
  void u64(uint64_t v) {
    u32(static_cast<uint32_t>(v >> 32));
    u32(static_cast<uint32_t>(v));
  }
  void bytes(Bytes data) {
    if (data.empty()) return;
    if (reserve(data.size())) {
      std::memcpy(buffer_.data() + pos_, data.data(), data.size());
      pos_ += data.size();
    }
  }
  void zeros(size_t n) {
    if (reserve(n)) {
      std::memset(buffer_.data() + pos_, 0, n);
      pos_ += n;
    }
  }
  // Zero-pads to a multiple of 4 counted from `start` (the beginning of the chunk or parameter).
  // Most chunks end aligned already (a 64 B message's DATA chunk): then no memset call at all.
  void pad4_from(size_t start) {
    const size_t n = padded4(pos_ - start) - (pos_ - start);
    if (n != 0) zeros(n);
  }

  // Hands out the next `n` bytes for the caller to fill, after one bounds check, so that a
  // structure of several fields costs one check rather than one per field. Empty (and overflowed())
  // if they do not fit.
  [[nodiscard]] MutableBytes take(size_t n) {
    if (!reserve(n)) return {};
    const MutableBytes out = buffer_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  // For length fields written once the body is known.
  void patch_u16(size_t offset, uint16_t v) {
    if (offset + 2 <= pos_) store_u16(buffer_, offset, v);
  }

  [[nodiscard]] size_t position() const { return pos_; }
  [[nodiscard]] bool overflowed() const { return overflowed_; }
  [[nodiscard]] MutableBytes written() const { return buffer_.first(pos_); }

 private:
  bool reserve(size_t n) {
    if (overflowed_ || buffer_.size() - pos_ < n) {
      overflowed_ = true;
      return false;
    }
    return true;
  }

  MutableBytes buffer_;
  size_t pos_ = 0;
  bool overflowed_ = false;
};

}  // namespace sctpkit::wire
