// The State Cookie (RFC 9260 5.1.3 - 5.1.5): everything needed to build an association, carried by
// the peer so that a listening endpoint keeps no state before a valid COOKIE ECHO arrives.
//
// Layout (network byte order), then the peer's INIT chunk, then a 32-byte HMAC-SHA256 over all of it:
//   0 version      1 key id       2..3 reserved
//   4 creation time, microseconds of the engine clock (u64)
//  12 lifetime, milliseconds (u32)
//  16 local tag   20 peer tag    24 local initial TSN   28 local a_rwnd
//  32 local OS (u16)   34 local MIS (u16)
//  36 local tie-tag    40 peer tie-tag
//  44 local port (u16) 46 peer port (u16)
//  48 peer address family (u8: 4 or 6), 49..51 reserved, 52..67 peer address (16 bytes)
//  68 peer INIT chunk, whole and unpadded (its own length field says how long)
// The INIT is kept whole so that its addresses and extension parameters are read once, when the
// association is built, by the same code that reads an INIT ACK.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "assoc/clock.h"
#include "assoc/random.h"
#include "wire/byte_io.h"
#include "wire/ip_address.h"
#include "wire/types.h"

namespace sctpkit::assoc {

struct CookieContents {
  TimePoint created{};
  Duration lifetime{};
  wire::VerificationTag local_tag;
  wire::VerificationTag peer_tag;
  wire::Tsn local_initial_tsn;
  uint32_t local_rwnd = 0;
  uint16_t local_outbound_streams = 0;
  uint16_t local_inbound_streams = 0;
  wire::VerificationTag local_tie_tag;  // RFC 9260 5.2.2: zero unless an association exists
  wire::VerificationTag peer_tie_tag;
  uint16_t local_port = 0;
  uint16_t peer_port = 0;
  wire::IpAddress peer_address;  // where the INIT came from
  wire::Bytes peer_init;         // the INIT chunk as received; a view into the cookie when verified
};

enum class CookieVerdict : uint8_t {
  Ok,
  Malformed,   // too short, wrong version, or an embedded INIT whose length does not fit
  UnknownKey,  // signed with a secret that has been rotated out: RFC 9260 5.1.5 step 1, discard
  BadMac,      // RFC 9260 5.1.5 step 2: discard silently
  Stale,       // RFC 9260 5.1.5 step 4: answer with a Stale Cookie error
};

struct CookieCheck {
  CookieVerdict verdict = CookieVerdict::Malformed;
  CookieContents contents;
  uint32_t staleness_us = 0;  // for the Stale Cookie cause's Measure of Staleness
};

class CookieAuthority {
 public:
  static constexpr size_t kFixedSize = 68;
  static constexpr size_t kMacSize = 32;
  static constexpr size_t kSecretSize = 32;

  // Aborts if OpenSSL cannot give HMAC-SHA256: without it no cookie could be trusted (RFC 9260 5.1.3).
  explicit CookieAuthority(RandomSource& random);
  ~CookieAuthority();
  CookieAuthority(const CookieAuthority&) = delete;
  CookieAuthority& operator=(const CookieAuthority&) = delete;

  // RFC 9260 5.1.3: "The secret key SHOULD be changed reasonably frequently". Cookies signed with the
  // secret just replaced still verify; older ones do not.
  void rotate(RandomSource& random);

  static constexpr size_t size_for(size_t init_chunk_size) { return kFixedSize + init_chunk_size + kMacSize; }

  // Writes the signed cookie into `out` (at least size_for(contents.peer_init.size()) bytes) and
  // returns the bytes written, or 0 if `out` is too small.
  size_t sign(const CookieContents& contents, wire::MutableBytes out) const;

  // The returned contents' peer_init views into `cookie`.
  [[nodiscard]] CookieCheck verify(wire::Bytes cookie, TimePoint now) const;

 private:
  // HMAC-SHA256 (RFC 2104) keyed once per secret: the SHA-256 states after the key's inner and
  // outer pads, copied for each MAC. Same key, same MAC as OpenSSL's HMAC. Through EVP_MAC each
  // MAC also duplicated and freed two provider digest contexts: ~3,300 instructions a MAC of
  // wrapping around three SHA-256 blocks, two MACs per setup. The key's pads are kept in a heap
  // object of their own, wiped when freed.
  struct MacKey;
  struct MacKeyFree {
    void operator()(MacKey* key) const;
  };
  using MacContext = std::unique_ptr<MacKey, MacKeyFree>;
  static MacContext keyed(wire::Bytes secret);
  static void mac(const MacKey& key, wire::Bytes data, uint8_t out[kMacSize]);

  MacContext current_;
  MacContext previous_;  // null until the first rotation
  uint8_t current_id_ = 0;
};

}  // namespace sctpkit::assoc
