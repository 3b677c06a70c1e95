// SHA-256's one-call interface (SHA256_Init/Update/Final) is deprecated in OpenSSL 3 in favour of
// EVP, whose per-call context handling is what this file avoids; it is still OpenSSL's SHA-256
// (with its SHA-NI / AVX code). This must come before the first OpenSSL header.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "assoc/cookie.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace sctpkit::assoc {
namespace {
constexpr uint8_t kVersion = 2;
constexpr uint8_t kFlagV6 = 0x01, kFlagTieTags = 0x02;

int64_t to_us(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
}  // namespace

struct CookieAuthority::MacKey {
  SHA256_CTX inner;  // after the block of key XOR ipad
  SHA256_CTX outer;  // after the block of key XOR opad
};

void CookieAuthority::MacKeyFree::operator()(MacKey* key) const {
  OPENSSL_cleanse(key, sizeof(*key));  // the states stand for the key: whoever has them can sign
  delete key;
}

CookieAuthority::MacContext CookieAuthority::keyed(wire::Bytes secret) {
  // RFC 2104 2: a key no longer than the block is zero-padded to it (ours is 32 bytes of 64).
  static_assert(kSecretSize <= SHA256_CBLOCK);
  if (secret.size() > SHA256_CBLOCK) std::abort();
  uint8_t inner_pad[SHA256_CBLOCK], outer_pad[SHA256_CBLOCK];
  for (size_t i = 0; i < SHA256_CBLOCK; ++i) {
    const uint8_t k = i < secret.size() ? secret[i] : 0;
    inner_pad[i] = static_cast<uint8_t>(k ^ 0x36);
    outer_pad[i] = static_cast<uint8_t>(k ^ 0x5c);
  }
  MacContext key(new MacKey);
  // Without a working MAC every cookie would be refused or, worse, trusted: fatal, as a failing
  // CSPRNG is (random.cc).
  if (SHA256_Init(&key->inner) != 1 || SHA256_Update(&key->inner, inner_pad, sizeof inner_pad) != 1 ||
      SHA256_Init(&key->outer) != 1 || SHA256_Update(&key->outer, outer_pad, sizeof outer_pad) != 1) {
    std::abort();
  }
  OPENSSL_cleanse(inner_pad, sizeof inner_pad);
  OPENSSL_cleanse(outer_pad, sizeof outer_pad);
  return key;
}

CookieAuthority::CookieAuthority(RandomSource& random) {
  std::array<uint8_t, kSecretSize> secret;
  random.fill(secret);
  current_ = keyed(secret);
  // The context holds its own copy of the key; ours goes.
  OPENSSL_cleanse(secret.data(), secret.size());
}

CookieAuthority::~CookieAuthority() = default;

void CookieAuthority::rotate(RandomSource& random) {
  std::array<uint8_t, kSecretSize> secret;
  random.fill(secret);
  previous_ = std::move(current_);
  current_ = keyed(secret);
  OPENSSL_cleanse(secret.data(), secret.size());
  ++current_id_;
}

void CookieAuthority::mac(const MacKey& key, wire::Bytes data, uint8_t out[kMacSize]) {
  // RFC 2104 2: H(K XOR opad, H(K XOR ipad, text)), each half resumed from its keyed state.
  SHA256_CTX context = key.inner;
  uint8_t inner_hash[SHA256_DIGEST_LENGTH];
  if (SHA256_Update(&context, data.data(), data.size()) != 1 || SHA256_Final(inner_hash, &context) != 1) std::abort();
  context = key.outer;
  if (SHA256_Update(&context, inner_hash, sizeof inner_hash) != 1 || SHA256_Final(out, &context) != 1) std::abort();
}

size_t CookieAuthority::sign(const CookieContents& c, wire::MutableBytes out) const {
  const size_t total = size_of(c);
  if (out.size() < total) return 0;
  const bool tie_tags = has_tie_tags(c);
  wire::Writer w(out);
  w.u8(kVersion);
  w.u8(current_id_);
  w.u8(static_cast<uint8_t>((c.peer_address.is_v4() ? 0 : kFlagV6) | (tie_tags ? kFlagTieTags : 0)));
  w.u64(static_cast<uint64_t>(to_us(c.created)));
  w.u32(static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(c.lifetime).count()));
  w.u32(c.local_tag.value());
  w.u32(c.peer_tag.value());
  w.u32(c.local_initial_tsn.value());
  w.u32(c.local_rwnd);
  w.u16(c.local_outbound_streams);
  w.u16(c.local_inbound_streams);
  w.u16(c.local_port);
  w.u16(c.peer_port);
  w.bytes(wire::Bytes(c.peer_address.bytes().data(), c.peer_address.size()));
  if (tie_tags) {
    w.u32(c.local_tie_tag.value());
    w.u32(c.peer_tie_tag.value());
  }
  w.bytes(c.peer_init);
  uint8_t digest[kMacSize];
  mac(*current_, w.written(), digest);
  w.bytes(wire::Bytes(digest, kMacSize));
  return w.overflowed() ? 0 : w.position();
}

CookieCheck CookieAuthority::verify(wire::Bytes cookie, TimePoint now) const {
  CookieCheck check;
  if (cookie.size() < kMinFixedSize + kMacSize || cookie[0] != kVersion) return check;
  const uint8_t flags = cookie[2];
  const size_t fixed = kMinFixedSize + ((flags & kFlagV6) ? 12 : 0) + ((flags & kFlagTieTags) ? 8 : 0);
  if (cookie.size() < fixed + kMacSize) return check;
  const wire::Bytes signed_part = cookie.first(cookie.size() - kMacSize);

  const MacKey* secret = nullptr;
  if (cookie[1] == current_id_) {
    secret = current_.get();
  } else if (previous_ && cookie[1] == static_cast<uint8_t>(current_id_ - 1)) {
    secret = previous_.get();
  }
  if (secret == nullptr) {
    check.verdict = CookieVerdict::UnknownKey;
    return check;
  }
  uint8_t expected[kMacSize];
  mac(*secret, signed_part, expected);
  // RFC 9260 5.1.5 step 2, compared in constant time so the MAC cannot be found byte by byte.
  if (CRYPTO_memcmp(expected, cookie.data() + signed_part.size(), kMacSize) != 0) {
    check.verdict = CookieVerdict::BadMac;
    return check;
  }
  // Malformed: we never sign such a cookie, but the MAC only proves we signed it.
  if ((flags & ~(kFlagV6 | kFlagTieTags)) != 0) return check;

  CookieContents& c = check.contents;
  c.created = TimePoint(std::chrono::microseconds(static_cast<int64_t>(wire::load_u64(cookie, 3))));
  c.lifetime = std::chrono::milliseconds(wire::load_u32(cookie, 11));
  c.local_tag = wire::VerificationTag(wire::load_u32(cookie, 15));
  c.peer_tag = wire::VerificationTag(wire::load_u32(cookie, 19));
  c.local_initial_tsn = wire::Tsn(wire::load_u32(cookie, 23));
  c.local_rwnd = wire::load_u32(cookie, 27);
  c.local_outbound_streams = wire::load_u16(cookie, 31);
  c.local_inbound_streams = wire::load_u16(cookie, 33);
  c.local_port = wire::load_u16(cookie, 35);
  c.peer_port = wire::load_u16(cookie, 37);
  size_t at = 39;
  if (flags & kFlagV6) {
    c.peer_address = wire::IpAddress::v6(cookie.data() + at);
    at += 16;
  } else {
    c.peer_address = wire::IpAddress::v4(cookie.data() + at);
    at += 4;
  }
  if (flags & kFlagTieTags) {
    c.local_tie_tag = wire::VerificationTag(wire::load_u32(cookie, at));
    c.peer_tie_tag = wire::VerificationTag(wire::load_u32(cookie, at + 4));
    at += 8;
  }
  c.peer_init = signed_part.subspan(at);

  // RFC 9260 5.1.5 step 4: "If the State Cookie is expired ... send back an ERROR chunk with a
  // Stale Cookie error cause".
  const TimePoint expiry = c.created + c.lifetime;
  if (now > expiry) {
    const auto late = std::chrono::duration_cast<std::chrono::microseconds>(now - expiry).count();
    check.staleness_us = static_cast<uint32_t>(std::min<int64_t>(late, UINT32_MAX));
    check.verdict = CookieVerdict::Stale;
    return check;
  }
  check.verdict = CookieVerdict::Ok;
  return check;
}

std::optional<wire::InitChunk> peer_init_chunk(const CookieContents& c) {
  // RFC 9260 3.3.2: a_rwnd (u32), OS (u16), MIS (u16), Initial TSN (u32), then parameters.
  constexpr size_t kFields = wire::InitFields::kFixedSize - 4;
  if (c.peer_init.size() < kFields) return std::nullopt;
  wire::InitChunk init;
  init.initiate_tag = c.peer_tag;
  init.a_rwnd = wire::load_u32(c.peer_init, 0);
  init.outbound_streams = wire::load_u16(c.peer_init, 4);
  init.inbound_streams = wire::load_u16(c.peer_init, 6);
  init.initial_tsn = wire::Tsn(wire::load_u32(c.peer_init, 8));
  init.parameters = c.peer_init.subspan(kFields);
  return init;
}

}  // namespace sctpkit::assoc
