// The OS CSPRNG (OpenSSL's RAND_bytes) fetched a pool at a time. The engine draws a few random bytes
// per packet sent (RFC 9260 8.3: heartbeat jitter is rescheduled on every DATA), and one RAND_bytes
// call per draw cost several percent of the bulk path (locking, getpid for fork detection).
#pragma once

#include <openssl/rand.h>

#include <array>
#include <cstdlib>
#include <cstring>

#include "assoc/random.h"

namespace sctpkit::net {

class PooledRandom final : public assoc::RandomSource {
 public:
  void fill(wire::MutableBytes out) override {
    size_t done = 0;
    while (done < out.size()) {
      if (used_ == pool_.size()) refill();
      const size_t n = std::min(out.size() - done, pool_.size() - used_);
      std::memcpy(out.data() + done, pool_.data() + used_, n);
      // Served bytes are wiped so that they cannot be read again from this object's memory.
      std::memset(pool_.data() + used_, 0, n);
      used_ += n;
      done += n;
    }
  }

 private:
  void refill() {
    // As CryptoRandom: without entropy, predictable tags would make associations hijackable
    // (RFC 9260 11.2.1), so this is fatal.
    if (RAND_bytes(pool_.data(), static_cast<int>(pool_.size())) != 1) std::abort();
    used_ = 0;
  }
  std::array<uint8_t, 4096> pool_{};
  size_t used_ = pool_.size();
};

}  // namespace sctpkit::net
