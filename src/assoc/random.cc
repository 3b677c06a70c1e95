#include "assoc/random.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>

namespace sctpkit::assoc {

void CryptoRandom::fill(wire::MutableBytes out) {
  // Failure here means the OS cannot give entropy; continuing with predictable tags would make the
  // association hijackable (RFC 9260 11.2.1), so this is fatal.
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) std::abort();
}

namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

SeededRandom::SeededRandom(uint64_t seed) {
  for (auto& s : state_) s = splitmix64(seed);
}

uint64_t SeededRandom::next_u64() {
  const uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

void SeededRandom::fill(wire::MutableBytes out) {
  size_t i = 0;
  while (i < out.size()) {
    uint64_t v = next_u64();
    const size_t n = std::min<size_t>(8, out.size() - i);
    std::memcpy(out.data() + i, &v, n);
    i += n;
  }
}

}  // namespace sctpkit::assoc
