// CRC32c (RFC 9260 appendix A): the portable slicing-by-8 version and the run-time dispatch. The
// SSE4.2 version lives in crc32c_x86.cc.
#include "wire/crc32c.h"

#include <array>

namespace sctpkit::wire {
namespace {

// RFC 9260 appendix A: the Castagnoli polynomial 0x1EDC6F41, bit-reflected because SCTP feeds each
// byte least-significant bit first.
constexpr uint32_t kPolynomial = 0x82F63B78u;

using Table = std::array<uint32_t, 256>;

// kTables[0][b] is the CRC register after one byte b; kTables[k][b] is the register after byte b
// followed by k zero bytes. Slicing-by-8 looks up each of eight input bytes in the table that
// accounts for how many bytes follow it in the word, so one step consumes eight bytes.
constexpr std::array<Table, 8> make_tables() {
  std::array<Table, 8> tables{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kPolynomial : 0);
    tables[0][i] = crc;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (uint32_t i = 0; i < 256; ++i) {
      const uint32_t prev = tables[k - 1][i];
      tables[k][i] = (prev >> 8) ^ tables[0][prev & 0xFF];
    }
  }
  return tables;
}
constexpr auto kTables = make_tables();

// Little-endian whatever the host: the reflected CRC consumes the first byte in the low bits.
inline uint32_t load_le32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

using Implementation = uint32_t (*)(Bytes, uint32_t);

Implementation choose_implementation() {
  return crc32c_hardware_available() ? &crc32c_hardware : &crc32c_portable;
}

}  // namespace

uint32_t crc32c_portable(Bytes data, uint32_t crc) {
  // The register holds the complement (RFC 9260 appendix A: initial value all ones, result
  // inverted), so a caller's final value continues where it left off.
  uint32_t reg = ~crc;
  const uint8_t* p = data.data();
  size_t n = data.size();
  while (n >= 8) {
    const uint32_t lo = load_le32(p) ^ reg;
    const uint32_t hi = load_le32(p + 4);
    reg = kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^ kTables[5][(lo >> 16) & 0xFF] ^
          kTables[4][lo >> 24] ^ kTables[3][hi & 0xFF] ^ kTables[2][(hi >> 8) & 0xFF] ^
          kTables[1][(hi >> 16) & 0xFF] ^ kTables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  for (size_t i = 0; i < n; ++i) reg = (reg >> 8) ^ kTables[0][(reg ^ p[i]) & 0xFF];
  return ~reg;
}

#if !defined(__x86_64__)
// No hardware path off x86-64; crc32c() never calls this because it is reported unavailable.
uint32_t crc32c_hardware(Bytes data, uint32_t crc) { return crc32c_portable(data, crc); }
bool crc32c_hardware_available() { return false; }
#endif

uint32_t crc32c(Bytes data, uint32_t crc) {
  // Chosen once; a function-local static is safe even when called from another file's static
  // initialiser.
  static const Implementation implementation = choose_implementation();
  return implementation(data, crc);
}

}  // namespace sctpkit::wire
