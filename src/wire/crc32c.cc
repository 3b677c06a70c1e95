#include "wire/crc32c.h"

#include <array>

namespace sctpkit::wire {
namespace {

// Reflected Castagnoli polynomial.
constexpr uint32_t kPolynomial = 0x82F63B78u;

constexpr std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kPolynomial : 0);
    table[i] = crc;
  }
  return table;
}
constexpr auto kTable = make_table();

}  // namespace

// Byte-at-a-time placeholder until the slicing-by-8 and SSE4.2 versions land.
uint32_t crc32c_portable(Bytes data, uint32_t crc) {
  crc = ~crc;
  for (uint8_t byte : data) crc = (crc >> 8) ^ kTable[(crc ^ byte) & 0xFF];
  return ~crc;
}
uint32_t crc32c_hardware(Bytes data, uint32_t crc) { return crc32c_portable(data, crc); }
bool crc32c_hardware_available() { return false; }
uint32_t crc32c(Bytes data, uint32_t crc) { return crc32c_portable(data, crc); }

}  // namespace sctpkit::wire
