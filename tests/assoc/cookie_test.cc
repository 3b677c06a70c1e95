#include "assoc/cookie.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <vector>

namespace sctpkit::assoc {
namespace {

using namespace std::chrono_literals;

class CookieTest : public ::testing::Test {
 protected:
  SeededRandom random{42};
  CookieAuthority authority{random};
  std::vector<uint8_t> init{0, 1, 0, 0, 0, 10, 0, 10, 0xAA, 0xBB, 0xCC, 0xDD};  // a_rwnd onwards
  TimePoint t0 = TimePoint(100s);

  CookieContents contents() {
    CookieContents c;
    c.created = t0;
    c.lifetime = 60s;
    c.local_tag = wire::VerificationTag(0x11111111);
    c.peer_tag = wire::VerificationTag(0x22222222);
    c.local_initial_tsn = wire::Tsn(0x33333333);
    c.local_rwnd = 106496;
    c.local_outbound_streams = 10;
    c.local_inbound_streams = 65535;
    c.local_port = 30102;
    c.peer_port = 60002;
    c.peer_address = wire::IpAddress::v4(10, 128, 0, 81);
    c.peer_init = init;
    return c;
  }

  std::vector<uint8_t> signed_cookie(const CookieContents& c) {
    std::vector<uint8_t> out(CookieAuthority::size_of(c));
    EXPECT_EQ(authority.sign(c, out), out.size());
    return out;
  }
};

TEST_F(CookieTest, RoundTripsEveryField) {
  // RFC 9260 5.1.3: the cookie carries "all the information necessary ... to establish the association".
  const auto cookie = signed_cookie(contents());
  const CookieCheck check = authority.verify(cookie, t0 + 1s);
  ASSERT_EQ(check.verdict, CookieVerdict::Ok);
  const CookieContents& c = check.contents;
  EXPECT_EQ(c.created, t0);
  EXPECT_EQ(c.lifetime, 60s);
  EXPECT_EQ(c.local_tag.value(), 0x11111111u);
  EXPECT_EQ(c.peer_tag.value(), 0x22222222u);
  EXPECT_EQ(c.local_initial_tsn.value(), 0x33333333u);
  EXPECT_EQ(c.local_rwnd, 106496u);
  EXPECT_EQ(c.local_outbound_streams, 10);
  EXPECT_EQ(c.local_inbound_streams, 65535);
  EXPECT_EQ(c.local_port, 30102);
  EXPECT_EQ(c.peer_port, 60002);
  EXPECT_EQ(c.peer_address, wire::IpAddress::v4(10, 128, 0, 81));
  EXPECT_EQ(std::vector<uint8_t>(c.peer_init.begin(), c.peer_init.end()), init);
}

TEST_F(CookieTest, AnyFlippedBitFailsTheMac) {
  // RFC 9260 5.1.5 step 2: a cookie we did not generate is discarded.
  const auto cookie = signed_cookie(contents());
  for (size_t i = 2; i < cookie.size(); ++i) {
    auto forged = cookie;
    forged[i] ^= 0x01;
    EXPECT_EQ(authority.verify(forged, t0).verdict, CookieVerdict::BadMac) << "byte " << i;
  }
}

TEST_F(CookieTest, ExpiredCookieIsStaleWithItsStaleness) {
  // RFC 9260 5.1.5 step 4 and 3.3.10.3: staleness in microseconds past the lifetime.
  const auto cookie = signed_cookie(contents());
  EXPECT_EQ(authority.verify(cookie, t0 + 60s).verdict, CookieVerdict::Ok);
  const CookieCheck check = authority.verify(cookie, t0 + 60s + 1500us);
  EXPECT_EQ(check.verdict, CookieVerdict::Stale);
  EXPECT_EQ(check.staleness_us, 1500u);
}

TEST_F(CookieTest, PreviousSecretStillVerifiesButNotTheOneBefore) {
  // RFC 9260 5.1.5 step 1: cookies from a secret no longer kept are discarded.
  const auto old_cookie = signed_cookie(contents());
  authority.rotate(random);
  EXPECT_EQ(authority.verify(old_cookie, t0).verdict, CookieVerdict::Ok);
  const auto newer_cookie = signed_cookie(contents());
  EXPECT_EQ(authority.verify(newer_cookie, t0).verdict, CookieVerdict::Ok);
  authority.rotate(random);
  EXPECT_EQ(authority.verify(old_cookie, t0).verdict, CookieVerdict::UnknownKey);
  EXPECT_EQ(authority.verify(newer_cookie, t0).verdict, CookieVerdict::Ok);
}

// The MAC of `cookie`'s signed part under `secret`, computed afresh by OpenSSL's one-shot HMAC.
std::vector<uint8_t> reference_hmac_sha256(const std::array<uint8_t, 32>& secret, const std::vector<uint8_t>& cookie) {
  std::vector<uint8_t> out(CookieAuthority::kMacSize);
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), cookie.data(),
       cookie.size() - CookieAuthority::kMacSize, out.data(), &length);
  EXPECT_EQ(length, CookieAuthority::kMacSize);
  return out;
}

TEST_F(CookieTest, MacIsHmacSha256UnderTheCurrentSecretAcrossRotations) {
  // RFC 9260 5.1.3: the MAC keeps its strength with the keyed context reused per cookie. The
  // secrets are the random source's next 32 bytes at construction and at each rotation.
  SeededRandom replay{42};
  std::array<uint8_t, 32> secret;
  for (int rotation = 0; rotation < 3; ++rotation) {
    replay.fill(secret);
    auto c = contents();
    for (int i = 0; i < 3; ++i) {  // each MAC restarts from the key, not from the last cookie
      c.local_tag = wire::VerificationTag(0x1000 + static_cast<uint32_t>(i));
      const auto cookie = signed_cookie(c);
      const std::vector<uint8_t> mac(cookie.end() - CookieAuthority::kMacSize, cookie.end());
      EXPECT_EQ(mac, reference_hmac_sha256(secret, cookie)) << "rotation " << rotation << " cookie " << i;
      EXPECT_EQ(authority.verify(cookie, t0).verdict, CookieVerdict::Ok);
    }
    authority.rotate(random);
  }
}

TEST_F(CookieTest, MacIsHmacSha256ForEveryLengthAcrossShaBlockBoundaries) {
  // The MAC resumes SHA-256 from the key's padded states: every signed length, including those
  // where SHA-256's length padding spills into another block (55/56 bytes into a block), must
  // still give RFC 2104's HMAC.
  SeededRandom replay{42};
  std::array<uint8_t, 32> secret;
  replay.fill(secret);
  for (size_t extra = 0; extra <= 140; ++extra) {
    std::vector<uint8_t> longer_init(4 + extra, static_cast<uint8_t>(extra));
    auto c = contents();
    c.peer_init = longer_init;
    const auto cookie = signed_cookie(c);
    const std::vector<uint8_t> mac(cookie.end() - CookieAuthority::kMacSize, cookie.end());
    EXPECT_EQ(mac, reference_hmac_sha256(secret, cookie)) << "INIT of " << longer_init.size() << " bytes";
  }
}

TEST_F(CookieTest, VerifyingAForgeryLeavesTheNextMacIntact) {
  // A failed verification (an attacker's cookie) must not disturb the MAC of the next real one.
  const auto cookie = signed_cookie(contents());
  auto forged = cookie;
  forged.back() ^= 0x80;
  EXPECT_EQ(authority.verify(forged, t0).verdict, CookieVerdict::BadMac);
  EXPECT_EQ(signed_cookie(contents()), cookie);
  EXPECT_EQ(authority.verify(cookie, t0).verdict, CookieVerdict::Ok);
}

TEST_F(CookieTest, AnotherEndpointsCookieDoesNotVerify) {
  SeededRandom other_random{7};
  CookieAuthority other{other_random};
  std::vector<uint8_t> foreign(CookieAuthority::size_of(contents()));
  ASSERT_GT(other.sign(contents(), foreign), 0u);
  EXPECT_EQ(authority.verify(foreign, t0).verdict, CookieVerdict::BadMac);
}

TEST_F(CookieTest, ShortOrTruncatedCookiesAreMalformedNotRead) {
  const auto cookie = signed_cookie(contents());
  for (size_t n = 0; n < CookieAuthority::kMinFixedSize + CookieAuthority::kMacSize; ++n) {
    EXPECT_EQ(authority.verify(wire::Bytes(cookie.data(), n), t0).verdict, CookieVerdict::Malformed) << n;
  }
  std::vector<uint8_t> small(10);
  EXPECT_EQ(authority.sign(contents(), small), 0u);
}

TEST_F(CookieTest, CarriesIpv6PeerAddressesAndTieTags) {
  auto c = contents();
  c.peer_address = *wire::IpAddress::parse("fd00::81");
  c.local_tie_tag = wire::VerificationTag(0x44444444);
  c.peer_tie_tag = wire::VerificationTag(0x55555555);
  const auto cookie = signed_cookie(c);
  EXPECT_EQ(cookie.size(), CookieAuthority::kMaxFixedSize + init.size() + CookieAuthority::kMacSize);
  const CookieCheck check = authority.verify(cookie, t0);
  ASSERT_EQ(check.verdict, CookieVerdict::Ok);
  EXPECT_EQ(check.contents.peer_address.to_string(), "fd00::81");
  EXPECT_EQ(check.contents.local_tie_tag.value(), 0x44444444u);
  EXPECT_EQ(check.contents.peer_tie_tag.value(), 0x55555555u);
  EXPECT_EQ(std::vector<uint8_t>(check.contents.peer_init.begin(), check.contents.peer_init.end()), init);
}

TEST_F(CookieTest, AnIpv4PeersInitWithoutParametersIsSignedInOneShaBlock) {
  // HMAC's inner hash resumes after the key's block: a signed part of 55 bytes or less (with
  // SHA-256's 9 bytes of padding, one 64-byte block) costs one block, not two, signing and verifying.
  const auto cookie = signed_cookie(contents());
  EXPECT_EQ(cookie.size() - CookieAuthority::kMacSize, 55u);
  const CookieCheck check = authority.verify(cookie, t0);
  ASSERT_EQ(check.verdict, CookieVerdict::Ok);
  EXPECT_EQ(check.contents.local_tie_tag.value(), 0u);
  EXPECT_EQ(check.contents.peer_tie_tag.value(), 0u);
  const auto peer_init = peer_init_chunk(check.contents);
  ASSERT_TRUE(peer_init.has_value());
  EXPECT_EQ(peer_init->initiate_tag.value(), 0x22222222u);  // the peer tag: not carried twice
  EXPECT_EQ(peer_init->a_rwnd, 65536u);
  EXPECT_EQ(peer_init->outbound_streams, 10);
  EXPECT_EQ(peer_init->inbound_streams, 10);
  EXPECT_EQ(peer_init->initial_tsn.value(), 0xAABBCCDDu);
  EXPECT_TRUE(peer_init->parameters.empty());
}

}  // namespace
}  // namespace sctpkit::assoc
