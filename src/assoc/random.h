// Randomness is an input of the engine, like time: production uses the OS's CSPRNG, the simulator a
// seeded generator so that every run of a scenario is the same.
#pragma once

#include <cstdint>

#include "wire/byte_io.h"

namespace sctpkit::assoc {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(wire::MutableBytes out) = 0;
  uint32_t next_u32() {
    uint8_t b[4];
    fill(b);
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  }
  // RFC 9260 3.3.2: the Initiate Tag "MUST NOT take the value 0".
  uint32_t next_nonzero_u32() {
    uint32_t v = 0;
    while (v == 0) v = next_u32();
    return v;
  }
};

// OpenSSL's RAND_bytes: for verification tags, initial TSNs, cookie secrets and heartbeat nonces,
// which RFC 9260 5.1.3 and 8.3 want unpredictable.
class CryptoRandom final : public RandomSource {
 public:
  void fill(wire::MutableBytes out) override;
};

// xoshiro256** seeded through splitmix64: fast, reproducible, not for production secrets.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(uint64_t seed);
  void fill(wire::MutableBytes out) override;
  uint64_t next_u64();

 private:
  uint64_t state_[4];
};

}  // namespace sctpkit::assoc
