#include "wire/crc32c.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <ostream>
#include <string_view>
#include <vector>

#include "wire/packet.h"

namespace sctpkit::wire {
namespace {

using Crc = uint32_t (*)(Bytes, uint32_t);

struct Implementation {
  const char* name;
  Crc crc;
  bool available;
};
void PrintTo(const Implementation& impl, std::ostream* os) { *os << impl.name; }

std::vector<Implementation> implementations() {
  return {{"dispatch", [](Bytes d, uint32_t c) { return crc32c(d, c); }, true},
          {"portable", &crc32c_portable, true},
          {"hardware", &crc32c_hardware, crc32c_hardware_available()}};
}

class Crc32cTest : public ::testing::TestWithParam<Implementation> {
 protected:
  void SetUp() override {
    if (!GetParam().available) GTEST_SKIP() << "CPU lacks SSE4.2 or PCLMUL";
  }
  uint32_t crc(Bytes data, uint32_t init = 0) const { return GetParam().crc(data, init); }
};

Bytes as_bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// Bit at a time, straight from the definition: an independent reference for the table versions.
uint32_t reference_crc32c(Bytes data) {
  uint32_t reg = 0xFFFFFFFFu;
  for (uint8_t byte : data) {
    reg ^= byte;
    for (int bit = 0; bit < 8; ++bit) reg = (reg >> 1) ^ ((reg & 1) ? 0x82F63B78u : 0);
  }
  return ~reg;
}

std::vector<uint8_t> random_bytes(size_t n, uint64_t seed) {
  std::vector<uint8_t> out(n);
  uint64_t x = seed;
  for (auto& b : out) {
    x ^= x << 13;  // xorshift64: deterministic, so a failure reproduces
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<uint8_t>(x >> 32);
  }
  return out;
}

TEST_P(Crc32cTest, StandardCheckValue) { EXPECT_EQ(crc(as_bytes("123456789")), 0xE3069283u); }

TEST_P(Crc32cTest, EmptyInputLeavesTheRunningValue) {
  EXPECT_EQ(crc({}), 0u);
  EXPECT_EQ(crc({}, 0xDEADBEEFu), 0xDEADBEEFu);
}

// RFC 3720 appendix B.4: the iSCSI test vectors for the same polynomial.
TEST_P(Crc32cTest, Rfc3720Vectors) {
  std::array<uint8_t, 32> buffer{};
  EXPECT_EQ(crc(buffer), 0x8A9136AAu);  // 32 bytes of zeros
  buffer.fill(0xFF);
  EXPECT_EQ(crc(buffer), 0x62A8AB43u);  // 32 bytes of ones
  for (size_t i = 0; i < 32; ++i) buffer[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(crc(buffer), 0x46DD794Eu);  // ascending
  for (size_t i = 0; i < 32; ++i) buffer[i] = static_cast<uint8_t>(31 - i);
  EXPECT_EQ(crc(buffer), 0x113FDB5Cu);  // descending
  const std::array<uint8_t, 48> read_pdu = {
      0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
      0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  EXPECT_EQ(crc(read_pdu), 0xD9963A56u);
}

TEST_P(Crc32cTest, MatchesBitwiseReferenceAtEveryLength) {
  const auto data = random_bytes(13000, 1);
  for (size_t n = 0; n <= 1024; ++n) {
    ASSERT_EQ(crc(Bytes(data).first(n)), reference_crc32c(Bytes(data).first(n))) << "length " << n;
  }
  // Around one full block of the hardware version (6 streams x 2 KiB), and a short block after it.
  for (size_t n : {12287u, 12288u, 12289u, 12288u + 143u, 12288u + 144u, 13000u}) {
    ASSERT_EQ(crc(Bytes(data).first(n)), reference_crc32c(Bytes(data).first(n))) << "length " << n;
  }
}

// Continuing from the value of a first call gives the value of one call on the concatenation,
// wherever the split falls (inside the head, a multi-stream block or the tail).
TEST_P(Crc32cTest, ContinuationAtEverySplitPoint) {
  const auto data = random_bytes(1500, 2);
  const Bytes all(data);
  const uint32_t whole = crc(all);
  for (size_t split = 0; split <= all.size(); ++split) {
    ASSERT_EQ(crc(all.subspan(split), crc(all.first(split))), whole) << "split at " << split;
  }
}

INSTANTIATE_TEST_SUITE_P(All, Crc32cTest, ::testing::ValuesIn(implementations()),
                         [](const auto& info) { return std::string(info.param.name); });

// The hardware version treats unaligned heads, multi-stream blocks and short tails separately; each
// combination of start alignment and length must agree with the portable version.
TEST(Crc32cHardware, AgreesWithPortableAtEveryLengthAndAlignment) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "CPU lacks SSE4.2 or PCLMUL";
  // 64-byte aligned storage so that offset k really starts k bytes past an 8-byte boundary.
  alignas(64) static std::array<uint8_t, 1024 + 16> storage;
  const auto data = random_bytes(storage.size(), 3);
  std::memcpy(storage.data(), data.data(), storage.size());
  for (size_t align = 0; align < 16; ++align) {
    for (size_t n = 0; n <= 1024; ++n) {
      const Bytes span(storage.data() + align, n);
      ASSERT_EQ(crc32c_hardware(span), crc32c_portable(span)) << "align " << align << " length " << n;
      ASSERT_EQ(crc32c_hardware(span, 0x12345678u), crc32c_portable(span, 0x12345678u))
          << "align " << align << " length " << n << " continued";
    }
  }
}

TEST(Crc32cHardware, AgreesWithPortableOnLargeBuffers) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "CPU lacks SSE4.2 or PCLMUL";
  const auto data = random_bytes(3 * 65536 + 11, 4);
  for (size_t n : {65536u, 65536u + 1u, 2u * 12288u + 23u, 3u * 65536u + 11u}) {
    for (size_t align : {0u, 3u}) {
      const Bytes span = Bytes(data).subspan(align, n - align);
      ASSERT_EQ(crc32c_hardware(span), crc32c_portable(span)) << "length " << n << " align " << align;
    }
  }
}

// An SCTP INIT (60002 > 30102, init tag 1008070933, init TSN 2431437204, supported address types
// IPv4, ECN capable, forward TSN supported) as captured in a pcap that
// `tshark -o sctp.checksum:CRC-32C -V` reports as "Checksum (CRC32C): 0xb45766b2 [correct]" and
// tcpdump -vv decodes without complaint.
constexpr std::array<uint8_t, 48> kCapturedInit = {
    0xEA, 0x62, 0x75, 0x96, 0x00, 0x00, 0x00, 0x00, 0xB4, 0x57, 0x66, 0xB2, 0x01, 0x00, 0x00, 0x24,
    0x3C, 0x15, 0xF1, 0x15, 0x00, 0x01, 0xA0, 0x00, 0x00, 0x0A, 0xFF, 0xFF, 0x90, 0xEC, 0xC9, 0x94,
    0x00, 0x0C, 0x00, 0x06, 0x00, 0x05, 0x00, 0x00, 0x80, 0x00, 0x00, 0x04, 0xC0, 0x00, 0x00, 0x04};

TEST(Crc32cSctp, ChecksumOfACapturedPacket) {
  // RFC 9260 appendix A: the CRC over the packet with a zero checksum field, stored LSB first.
  std::array<uint8_t, 48> zeroed = kCapturedInit;
  std::memset(zeroed.data() + kChecksumOffset, 0, 4);
  EXPECT_EQ(crc32c(zeroed), 0xB26657B4u);
  EXPECT_EQ(crc32c_portable(zeroed), 0xB26657B4u);
  EXPECT_EQ(compute_checksum(kCapturedInit), 0xB26657B4u);
  EXPECT_TRUE(verify_checksum(kCapturedInit));
}

TEST(Crc32cSctp, EverySingleBitFlipIsDetected) {
  std::array<uint8_t, 48> packet = kCapturedInit;
  for (size_t bit = 0; bit < packet.size() * 8; ++bit) {
    packet[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(verify_checksum(packet)) << "bit " << bit;
    packet[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  }
  EXPECT_TRUE(verify_checksum(packet));
}

}  // namespace
}  // namespace sctpkit::wire
