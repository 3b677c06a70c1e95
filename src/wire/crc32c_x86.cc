// CRC32c with the SSE4.2 crc32 instruction, which computes exactly the SCTP checksum's polynomial
// (RFC 9260 appendix A). The library is built for baseline x86-64, so each function here carries
// its own target attribute and crc32c() calls it only after checking the CPU at run time.
//
// The crc32 instruction has a latency of 3 cycles, so a single dependency chain leaves most of its
// throughput unused. Large buffers are therefore cut into kStreams equal parts whose CRCs are
// computed side by side and then joined. CRC is linear over GF(2): the register after A||B equals
// shift(reg_A, |B|) xor crc_from_zero(B), where shift(r, n) = r * x^(8n) mod P. The shift is a
// carry-less multiply (PCLMULQDQ) by a precomputed constant followed by one crc32 to reduce the
// 64-bit product.
//
// Why six streams and not the classic three: three cover latency 3 at one crc32 per cycle (Intel),
// but the AMD Zen 5 machines we run on issue two per cycle, so they need six. Measured there with
// bench/crc32c_bench (median of 3): 19.7 GB/s with three streams, 27 with four, 37 with six at
// 1452 bytes; 22, 30 and 46 GB/s at 64 KiB; eight streams gained nothing more. Where one crc32 per
// cycle is the limit, six streams run as fast as three and only pay a longer join.
#include "wire/crc32c.h"

#if defined(__x86_64__)

#include <immintrin.h>

#include <array>
#include <cstring>

#define SCTPKIT_CRC_TARGET __attribute__((target("sse4.2,pclmul")))

namespace sctpkit::wire {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78u;  // Castagnoli, bit-reflected

// Two crc32 issued per cycle, latency 3 (see the top of the file).
constexpr size_t kStreams = 6;
// Words (8 bytes) per stream in one full block: 6 x 2 KiB. Long enough that the join (about a
// dozen cycles) costs little, short enough that the constant table stays at 5 KiB.
constexpr size_t kMaxBlockWords = 256;
// Below this many words per stream a single chain is as fast as all of them plus the join.
constexpr size_t kMinBlockWords = 3;

// Multiplies a bit-reflected polynomial (bit 31 holds x^0) by x^bits modulo P.
constexpr uint32_t times_x(uint32_t poly, unsigned bits) {
  for (unsigned i = 0; i < bits; ++i) poly = (poly >> 1) ^ ((poly & 1) ? kPolynomial : 0);
  return poly;
}

// kShift[m] = x^(64m - 33) mod P. Carry-less multiplying reflected values yields their product
// times x, and crc32 of a 64-bit word from a zero register multiplies by x^32 and reduces; so
// crc32(0, clmul(r, kShift[m])) = r * x^(64m), the register r advanced over m zero words.
constexpr std::array<uint32_t, (kStreams - 1) * kMaxBlockWords + 1> make_shift_table() {
  std::array<uint32_t, (kStreams - 1) * kMaxBlockWords + 1> table{};
  table[1] = times_x(0x80000000u, 31);  // x^31
  for (size_t m = 2; m < table.size(); ++m) table[m] = times_x(table[m - 1], 64);
  return table;
}
constexpr auto kShift = make_shift_table();

inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline uint16_t load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The 64-bit carry-less product of two 32-bit values.
SCTPKIT_CRC_TARGET inline uint64_t clmul32(uint32_t a, uint32_t b) {
  const __m128i product = _mm_clmulepi64_si128(_mm_cvtsi32_si128(static_cast<int>(a)),
                                               _mm_cvtsi32_si128(static_cast<int>(b)), 0x00);
  return static_cast<uint64_t>(_mm_cvtsi128_si64(product));
}

// Advances `reg` over kStreams * words * 8 bytes at p, as interleaved chains joined at the end.
SCTPKIT_CRC_TARGET inline uint32_t multi_way(const uint8_t* p, size_t words, uint32_t reg) {
  const size_t stride = 8 * words;
  uint64_t c[kStreams] = {reg};
  for (size_t i = 0; i < stride; i += 8) {
#pragma GCC unroll 8
    for (size_t s = 0; s < kStreams; ++s) c[s] = _mm_crc32_u64(c[s], load64(p + s * stride + i));
  }
  // Chain s must be advanced over the kStreams - 1 - s parts after it; all the shifts share one
  // reducing crc32 because it is linear.
  uint64_t shifted = 0;
#pragma GCC unroll 8
  for (size_t s = 0; s + 1 < kStreams; ++s) {
    shifted ^= clmul32(static_cast<uint32_t>(c[s]), kShift[(kStreams - 1 - s) * words]);
  }
  return static_cast<uint32_t>(c[kStreams - 1] ^ _mm_crc32_u64(0, shifted));
}

}  // namespace

SCTPKIT_CRC_TARGET uint32_t crc32c_hardware(Bytes data, uint32_t crc) {
  uint32_t reg = ~crc;  // RFC 9260 appendix A: the register holds the complement
  const uint8_t* p = data.data();
  size_t n = data.size();

  // Unaligned head: 1, 2 and 4 bytes in that order bring p to a multiple of 8.
  size_t head = (0 - reinterpret_cast<uintptr_t>(p)) & 7;
  if (head > n) head = n;
  n -= head;
  if (head & 1) reg = _mm_crc32_u8(reg, *p++);
  if (head & 2) {
    reg = _mm_crc32_u16(reg, load16(p));
    p += 2;
  }
  if (head & 4) {
    reg = _mm_crc32_u32(reg, load32(p));
    p += 4;
  }

  constexpr size_t kMaxBlockBytes = kStreams * 8 * kMaxBlockWords;
  while (n >= kMaxBlockBytes) {
    reg = multi_way(p, kMaxBlockWords, reg);
    p += kMaxBlockBytes;
    n -= kMaxBlockBytes;
  }
  if (n >= kStreams * 8 * kMinBlockWords) {
    const size_t words = n / (kStreams * 8);
    reg = multi_way(p, words, reg);
    p += kStreams * 8 * words;
    n -= kStreams * 8 * words;
  }

  // Short tail: less than one word per stream after a block, or a buffer too short to split.
  uint64_t reg64 = reg;
  for (; n >= 8; n -= 8, p += 8) reg64 = _mm_crc32_u64(reg64, load64(p));
  reg = static_cast<uint32_t>(reg64);
  if (n & 4) {
    reg = _mm_crc32_u32(reg, load32(p));
    p += 4;
  }
  if (n & 2) {
    reg = _mm_crc32_u16(reg, load16(p));
    p += 2;
  }
  if (n & 1) reg = _mm_crc32_u8(reg, *p);
  return ~reg;
}

bool crc32c_hardware_available() {
  __builtin_cpu_init();  // needed when called from a static initialiser before libgcc's own
  return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("pclmul");
}

}  // namespace sctpkit::wire

#endif  // __x86_64__
