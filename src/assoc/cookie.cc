#include "assoc/cookie.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

namespace sctpkit::assoc {
namespace {
constexpr uint8_t kVersion = 1;

int64_t to_us(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
}  // namespace

void CookieAuthority::MacContextFree::operator()(evp_mac_ctx_st* context) const { EVP_MAC_CTX_free(context); }

CookieAuthority::MacContext CookieAuthority::keyed(wire::Bytes secret) {
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  MacContext context(hmac ? EVP_MAC_CTX_new(hmac) : nullptr);
  EVP_MAC_free(hmac);  // the context holds its own reference
  char digest[] = OSSL_DIGEST_NAME_SHA2_256;
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  // Without a working MAC every cookie would be refused or, worse, trusted: fatal, as a failing
  // CSPRNG is (random.cc).
  if (!context || EVP_MAC_init(context.get(), secret.data(), secret.size(), params) != 1) std::abort();
  return context;
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

void CookieAuthority::mac(evp_mac_ctx_st* key, wire::Bytes data, uint8_t out[kMacSize]) const {
  // A null key restarts the MAC under the key it holds (the HMAC provider keeps the padded key).
  size_t length = 0;
  if (EVP_MAC_init(key, nullptr, 0, nullptr) != 1 || EVP_MAC_update(key, data.data(), data.size()) != 1 ||
      EVP_MAC_final(key, out, &length, kMacSize) != 1 || length != kMacSize) {
    std::abort();  // as in keyed(): a cookie must never go out, or in, unsigned
  }
}

size_t CookieAuthority::sign(const CookieContents& c, wire::MutableBytes out) const {
  const size_t total = size_for(c.peer_init.size());
  if (out.size() < total) return 0;
  wire::Writer w(out);
  w.u8(kVersion);
  w.u8(current_id_);
  w.u16(0);
  w.u64(static_cast<uint64_t>(to_us(c.created)));
  w.u32(static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(c.lifetime).count()));
  w.u32(c.local_tag.value());
  w.u32(c.peer_tag.value());
  w.u32(c.local_initial_tsn.value());
  w.u32(c.local_rwnd);
  w.u16(c.local_outbound_streams);
  w.u16(c.local_inbound_streams);
  w.u32(c.local_tie_tag.value());
  w.u32(c.peer_tie_tag.value());
  w.u16(c.local_port);
  w.u16(c.peer_port);
  w.u8(static_cast<uint8_t>(c.peer_address.family()));
  w.zeros(3);
  w.bytes(c.peer_address.bytes());
  w.bytes(c.peer_init);
  uint8_t digest[kMacSize];
  mac(current_.get(), w.written(), digest);
  w.bytes(wire::Bytes(digest, kMacSize));
  return w.overflowed() ? 0 : w.position();
}

CookieCheck CookieAuthority::verify(wire::Bytes cookie, TimePoint now) const {
  CookieCheck check;
  if (cookie.size() < kFixedSize + kMacSize || cookie[0] != kVersion) return check;
  const wire::Bytes signed_part = cookie.first(cookie.size() - kMacSize);

  evp_mac_ctx_st* secret = nullptr;
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
  mac(secret, signed_part, expected);
  // RFC 9260 5.1.5 step 2, compared in constant time so the MAC cannot be found byte by byte.
  if (CRYPTO_memcmp(expected, cookie.data() + signed_part.size(), kMacSize) != 0) {
    check.verdict = CookieVerdict::BadMac;
    return check;
  }

  CookieContents& c = check.contents;
  c.created = TimePoint(std::chrono::microseconds(static_cast<int64_t>(wire::load_u64(cookie, 4))));
  c.lifetime = std::chrono::milliseconds(wire::load_u32(cookie, 12));
  c.local_tag = wire::VerificationTag(wire::load_u32(cookie, 16));
  c.peer_tag = wire::VerificationTag(wire::load_u32(cookie, 20));
  c.local_initial_tsn = wire::Tsn(wire::load_u32(cookie, 24));
  c.local_rwnd = wire::load_u32(cookie, 28);
  c.local_outbound_streams = wire::load_u16(cookie, 32);
  c.local_inbound_streams = wire::load_u16(cookie, 34);
  c.local_tie_tag = wire::VerificationTag(wire::load_u32(cookie, 36));
  c.peer_tie_tag = wire::VerificationTag(wire::load_u32(cookie, 40));
  c.local_port = wire::load_u16(cookie, 44);
  c.peer_port = wire::load_u16(cookie, 46);
  const uint8_t family = cookie[48];
  if (family == 4) {
    c.peer_address = wire::IpAddress::v4(cookie.data() + 52);
  } else if (family == 6) {
    c.peer_address = wire::IpAddress::v6(cookie.data() + 52);
  } else {
    return check;  // Malformed: we never sign such a cookie, but the MAC only proves we signed it
  }
  c.peer_init = signed_part.subspan(kFixedSize);

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

}  // namespace sctpkit::assoc
