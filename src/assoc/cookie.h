// The State Cookie (RFC 9260 5.1.3 - 5.1.5): everything needed to build an association, carried by
// the peer so that a listening endpoint keeps no state before a valid COOKIE ECHO arrives.
//
// Layout (network byte order), then the peer's INIT from its a_rwnd on, then a 32-byte HMAC-SHA256
// over all of it:
//   0 version      1 key id       2 flags (bit 0: IPv6 peer address; bit 1: tie-tags follow)
//   3 creation time, microseconds of the engine clock (u64)
//  11 lifetime, milliseconds (u32)
//  15 local tag   19 peer tag    23 local initial TSN   27 local a_rwnd
//  31 local OS (u16)   33 local MIS (u16)   35 local port (u16)   37 peer port (u16)
//  39 peer address (4 bytes, or 16 with flag bit 0)
//     local tie-tag, peer tie-tag (u32 each), only with flag bit 1 (RFC 9260 5.2.2: else zero)
//  then the peer's INIT without its chunk header and Initiate Tag (the peer tag): a_rwnd, OS, MIS,
//     initial TSN and its parameters, which are read once, when the association is built.
// Packed so that the signed part of an IPv4 peer's INIT without parameters is 55 bytes: HMAC's
// inner hash then takes one SHA-256 block after the key's, not two (the whole INIT behind 68 fixed
// bytes was 88: two blocks less per setup, signing and verifying; ~4,000 instructions).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "assoc/clock.h"
#include "assoc/random.h"
#include "wire/byte_io.h"
#include "wire/handshake_chunks.h"
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
  // The INIT chunk as received from its a_rwnd on (kInitSkipped bytes in); a view into the cookie
  // when verified. peer_init_chunk() reads it back.
  wire::Bytes peer_init;
};

// The INIT chunk's header and Initiate Tag (RFC 9260 3.3.2), which the cookie leaves out.
inline constexpr size_t kInitSkipped = 8;

enum class CookieVerdict : uint8_t {
  Ok,
  Malformed,   // too short for its flags, wrong version, or flags we never set
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
  static constexpr size_t kMinFixedSize = 43;  // an IPv4 peer, no tie-tags
  static constexpr size_t kMaxFixedSize = 63;  // an IPv6 peer, tie-tags
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

  // At most, for `peer_init_size` bytes of peer_init.
  static constexpr size_t size_for(size_t peer_init_size) { return kMaxFixedSize + peer_init_size + kMacSize; }
  // Exactly, for these contents.
  static size_t size_of(const CookieContents& c) {
    return kMinFixedSize + (c.peer_address.is_v4() ? 0 : 12) + (has_tie_tags(c) ? 8 : 0) + c.peer_init.size() +
           kMacSize;
  }

  // Writes the signed cookie into `out` (at least size_of(contents) bytes) and returns the bytes
  // written, or 0 if `out` is too small.
  size_t sign(const CookieContents& contents, wire::MutableBytes out) const;

  // The returned contents' peer_init views into `cookie`.
  [[nodiscard]] CookieCheck verify(wire::Bytes cookie, TimePoint now) const;

 private:
  static bool has_tie_tags(const CookieContents& c) {
    return c.local_tie_tag.value() != 0 || c.peer_tie_tag.value() != 0;
  }
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

// The peer's INIT of a verified cookie, its Initiate Tag the cookie's peer tag; nullopt if its
// part is too short to be one (we never sign such a cookie).
std::optional<wire::InitChunk> peer_init_chunk(const CookieContents& c);

}  // namespace sctpkit::assoc
