// Error causes: round trips, malformed lengths, and bytes worked out by hand from the figures.
#include "wire/error_causes.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "parameter_test_util.h"

namespace sctpkit::wire {
namespace {

using testing::bytes;
using testing::cause_error;
using testing::round_trip_cause;
using testing::same;

TEST(ErrorCauses, StaleCookieMatchesTheRfcFigure) {
  // RFC 9260 3.3.10.3: Cause Code = 3, Cause Length = 8, Measure of Staleness in microseconds.
  std::vector<uint8_t> buffer(8);
  TlvListBuilder builder(buffer);
  ASSERT_TRUE(builder.add(StaleCookie{1000}));
  EXPECT_TRUE(same(builder.bytes(), bytes({0x00, 0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0xE8})));

  std::vector<uint8_t> storage;
  auto parsed = parse_error_cause(testing::raw_tlv(3, bytes({0x00, 0x01, 0x86, 0xA0}), storage));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(std::get<StaleCookie>(*parsed).staleness_us, 100000u);
}

TEST(ErrorCauses, InvalidStreamIdentifierWritesZeroReserved) {
  std::vector<uint8_t> buffer(8, 0xEE);
  TlvListBuilder builder(buffer);
  ASSERT_TRUE(builder.add(InvalidStreamIdentifier{StreamId(0x0102)}));
  EXPECT_TRUE(same(builder.bytes(), bytes({0x00, 0x01, 0x00, 0x08, 0x01, 0x02, 0x00, 0x00})));
  // The reserved bits are ignored on receipt.
  std::vector<uint8_t> storage;
  auto parsed = parse_error_cause(testing::raw_tlv(1, bytes({0x00, 0x07, 0xFF, 0xFF}), storage));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(std::get<InvalidStreamIdentifier>(*parsed).stream_id, StreamId(7));
}

TEST(ErrorCauses, MissingMandatoryParameterCountsItsTypes) {
  // RFC 9260 3.3.10.2: Cause Length = 8 + N * 2, with N first as a 32-bit number.
  const std::array<uint16_t, 3> missing = {7, 0x8002, 12};
  std::vector<uint8_t> buffer(16, 0xEE);
  TlvListBuilder builder(buffer);
  ASSERT_TRUE(builder.add(MissingMandatoryParameter{WireList<uint16_t>::of(missing)}));
  EXPECT_TRUE(same(builder.bytes(),
                   bytes({0x00, 0x02, 0x00, 0x0E, 0, 0, 0, 3, 0x00, 0x07, 0x80, 0x02, 0x00, 0x0C})));

  std::vector<uint8_t> round;
  const auto parsed = round_trip_cause(MissingMandatoryParameter{WireList<uint16_t>::of(missing)}, round);
  EXPECT_EQ(parsed.missing_types, WireList<uint16_t>::of(missing));
  std::vector<uint16_t> seen;
  for (uint16_t t : parsed.missing_types) seen.push_back(t);
  EXPECT_EQ(seen, (std::vector<uint16_t>{7, 0x8002, 12}));
}

TEST(ErrorCauses, RoundTripsEveryRfc9260Cause) {
  std::vector<uint8_t> buffer;
  EXPECT_EQ(round_trip_cause(InvalidStreamIdentifier{StreamId(65535)}, buffer).stream_id, StreamId(65535));
  EXPECT_EQ(round_trip_cause(StaleCookie{0xFFFFFFFF}, buffer).staleness_us, 0xFFFFFFFFu);
  EXPECT_EQ(round_trip_cause(OutOfResource{}, buffer), OutOfResource{});

  const auto v4 = bytes({0x00, 0x05, 0x00, 0x08, 192, 0, 2, 7});
  const UnresolvableAddress unresolvable = round_trip_cause(UnresolvableAddress{v4}, buffer);
  EXPECT_TRUE(same(unresolvable.address, v4));
  EXPECT_EQ(unresolvable.address_type(), 5);
  auto address = unresolvable.address_tlv();
  ASSERT_TRUE(address.ok());
  auto typed = Ipv4Address::parse(*address);
  ASSERT_TRUE(typed.ok());
  EXPECT_EQ(typed->address, (std::array<uint8_t, 4>{192, 0, 2, 7}));

  const auto chunk = bytes({0x7F, 0x01, 0x00, 0x07, 0xAA, 0xBB, 0xCC});
  const UnrecognizedChunkType unrecognized_chunk = round_trip_cause(UnrecognizedChunkType{chunk}, buffer);
  EXPECT_TRUE(same(unrecognized_chunk.chunk, chunk));
  EXPECT_EQ(unrecognized_chunk.chunk_type(), 0x7F);
  auto echoed = unrecognized_chunk.echoed_chunk();
  ASSERT_TRUE(echoed.ok());
  EXPECT_EQ(echoed->flags, 0x01);
  EXPECT_TRUE(same(echoed->value, bytes({0xAA, 0xBB, 0xCC})));

  EXPECT_EQ(round_trip_cause(InvalidMandatoryParameter{}, buffer), InvalidMandatoryParameter{});

  // Two unknown parameters echoed back to back, the first one padded.
  const auto params = bytes({0x80, 0x99, 0x00, 0x05, 0x01, 0, 0, 0, 0xC0, 0x98, 0x00, 0x04});
  const UnrecognizedParameters unrecognized = round_trip_cause(UnrecognizedParameters{params}, buffer);
  EXPECT_TRUE(same(unrecognized.parameters, params));
  TlvReader walk(unrecognized.parameters);
  EXPECT_EQ((*walk.next())->type, 0x8099);
  EXPECT_EQ((*walk.next())->type, 0xC098);
  EXPECT_FALSE(walk.next().has_value());

  EXPECT_EQ(round_trip_cause(NoUserData{Tsn(0x89ABCDEF)}, buffer).tsn, Tsn(0x89ABCDEF));
  EXPECT_EQ(round_trip_cause(CookieReceivedWhileShuttingDown{}, buffer), CookieReceivedWhileShuttingDown{});

  const auto addresses = bytes({0x00, 0x05, 0x00, 0x08, 10, 0, 0, 2, 0x00, 0x05, 0x00, 0x08, 10, 0, 0, 3});
  EXPECT_TRUE(same(round_trip_cause(RestartWithNewAddresses{addresses}, buffer).new_addresses, addresses));

  const auto reason = bytes({'b', 'y', 'e'});
  EXPECT_TRUE(same(round_trip_cause(UserInitiatedAbort{reason}, buffer).reason, reason));
  EXPECT_TRUE(round_trip_cause(UserInitiatedAbort{}, buffer).reason.empty());

  const auto info = bytes({'b', 'a', 'd', ' ', 't', 's', 'n'});
  EXPECT_TRUE(same(round_trip_cause(ProtocolViolation{info}, buffer).additional_information, info));
}

TEST(ErrorCauses, RoundTripsTheExtensionCauses) {
  std::vector<uint8_t> buffer;
  const auto encaps = round_trip_cause(RestartWithNewEncapsulationPort{9899, 40000}, buffer);
  EXPECT_EQ(encaps.current_port, 9899);
  EXPECT_EQ(encaps.new_port, 40000);
  EXPECT_TRUE(same(Bytes(buffer).first(8), bytes({0x00, 0x0E, 0x00, 0x08, 0x26, 0xAB, 0x9C, 0x40})));

  const auto request = bytes({0xC0, 0x02, 0x00, 0x10, 0, 0, 0, 9, 0x00, 0x05, 0x00, 0x08, 10, 0, 0, 1});
  EXPECT_TRUE(same(round_trip_cause(DeleteLastRemainingAddress{request}, buffer).request, request));
  EXPECT_TRUE(same(round_trip_cause(ResourceShortage{request}, buffer).request, request));
  EXPECT_TRUE(same(round_trip_cause(DeleteSourceAddress{request}, buffer).request, request));
  EXPECT_TRUE(round_trip_cause(IllegalAsconfAck{}, buffer).request.empty());
  EXPECT_TRUE(same(round_trip_cause(RequestRefusedNoAuthorization{request}, buffer).request, request));

  const auto hmac = round_trip_cause(UnsupportedHmacIdentifier{3}, buffer);
  EXPECT_EQ(hmac.hmac_id, 3);
  // RFC 4895 4: Cause Length = 6, padded to 8 when another cause follows.
  EXPECT_TRUE(same(Bytes(buffer).first(8), bytes({0x01, 0x05, 0x00, 0x06, 0x00, 0x03, 0, 0})));
}

TEST(ErrorCauses, RejectsEveryMalformedLength) {
  for (uint16_t code : {1, 3, 9, 14}) {  // fixed 4-byte values
    EXPECT_EQ(cause_error(code, {}), ParseError::BadLength) << code;
    EXPECT_EQ(cause_error(code, bytes({0, 0, 0})), ParseError::BadLength) << code;
    EXPECT_EQ(cause_error(code, bytes({0, 0, 0, 0, 0})), ParseError::BadLength) << code;
  }
  for (uint16_t code : {4, 7, 10}) {  // no value at all
    EXPECT_EQ(cause_error(code, bytes({0})), ParseError::BadLength) << code;
    EXPECT_EQ(cause_error(code, bytes({0, 0, 0, 0})), ParseError::BadLength) << code;
    EXPECT_FALSE(cause_error(code, {}).has_value()) << code;
  }
  // Missing Mandatory Parameter: count missing, count disagreeing with the list, half a type.
  EXPECT_EQ(cause_error(2, bytes({0, 0, 0})), ParseError::FieldTruncated);
  EXPECT_EQ(cause_error(2, bytes({0, 0, 0, 2, 0, 7})), ParseError::BadLength);
  EXPECT_EQ(cause_error(2, bytes({0, 0, 0, 1, 0, 7, 0, 9})), ParseError::BadLength);
  EXPECT_EQ(cause_error(2, bytes({0, 0, 0, 1, 0, 7, 0})), ParseError::BadLength);
  EXPECT_EQ(cause_error(2, bytes({0x80, 0, 0, 0})), ParseError::BadLength);  // 2^31 types, none there
  EXPECT_FALSE(cause_error(2, bytes({0, 0, 0, 0})).has_value());
  // Nested items need at least their header.
  EXPECT_EQ(cause_error(5, bytes({0, 5, 0})), ParseError::FieldTruncated);
  EXPECT_EQ(cause_error(6, bytes({0x7F, 0, 0})), ParseError::FieldTruncated);
  // RFC 4895 4: exactly the 2-byte identifier.
  EXPECT_EQ(cause_error(0x0105, {}), ParseError::BadLength);
  EXPECT_EQ(cause_error(0x0105, bytes({0, 1, 0, 0})), ParseError::BadLength);
  // Variable ones take anything.
  for (uint16_t code : {8, 11, 12, 13, 0xA0, 0xA1, 0xA2, 0xA3, 0xA4}) {
    EXPECT_FALSE(cause_error(code, {}).has_value()) << code;
    EXPECT_FALSE(cause_error(code, bytes({1, 2, 3})).has_value()) << code;
  }
}

TEST(ErrorCauses, ATruncatedChunkEchoParsesButSaysSoWhenOpened) {
  std::vector<uint8_t> storage;
  // The chunk says 16 bytes, the echo holds 6.
  auto parsed = UnrecognizedChunkType::parse(testing::raw_tlv(6, bytes({0x7F, 0, 0, 16, 1, 2}), storage));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->chunk_type(), 0x7F);
  ASSERT_FALSE(parsed->echoed_chunk().ok());
  EXPECT_EQ(parsed->echoed_chunk().error(), ParseError::ChunkLengthPastEnd);
}

TEST(ErrorCauses, UnknownCodesAreKept) {
  std::vector<uint8_t> storage;
  auto parsed = parse_error_cause(testing::raw_tlv(0x0200, bytes({9, 9}), storage));
  ASSERT_TRUE(parsed.ok());
  const auto& unknown = std::get<UnknownCause>(*parsed);
  EXPECT_EQ(unknown.code, 0x0200);
  EXPECT_TRUE(same(unknown.value, bytes({9, 9})));
  EXPECT_EQ(error_cause_code(*parsed), 0x0200);

  std::vector<uint8_t> buffer(8, 0xEE);
  TlvListBuilder builder(buffer);
  ASSERT_TRUE(builder.add(*parsed));
  EXPECT_TRUE(same(builder.bytes(), bytes({0x02, 0x00, 0x00, 0x06, 9, 9})));
}

TEST(ErrorCauses, CodesAndNamesFollowTheRfcs) {
  const std::pair<uint16_t, std::string_view> names[] = {
      {1, "Invalid Stream Identifier"},
      {2, "Missing Mandatory Parameter"},
      {3, "Stale Cookie"},
      {4, "Out of Resource"},
      {5, "Unresolvable Address"},
      {6, "Unrecognized Chunk Type"},
      {7, "Invalid Mandatory Parameter"},
      {8, "Unrecognized Parameters"},
      {9, "No User Data"},
      {10, "Cookie Received While Shutting Down"},
      {11, "Restart of an Association with New Addresses"},
      {12, "User-Initiated Abort"},
      {13, "Protocol Violation"},
      {14, "Restart of an Association with New Encapsulation Port"},
      {0xA0, "Request to Delete Last Remaining IP Address"},
      {0xA4, "Request Refused - No Authorization"},
      {0x0105, "Unsupported HMAC Identifier"},
  };
  for (const auto& [code, name] : names) EXPECT_EQ(error_cause_name(code), name) << code;
  EXPECT_TRUE(error_cause_name(15).empty());
  EXPECT_EQ(error_cause_code(ErrorCause(StaleCookie{1})), 3);
  EXPECT_EQ(error_cause_code(ErrorCause(IllegalAsconfAck{})), 0xA3);
}

TEST(ErrorCauses, AnErrorChunkBodyExcludesOnlyTheLastPadding) {
  // RFC 9260 3.3.10: causes in an ERROR chunk follow the parameter padding rules.
  std::vector<uint8_t> buffer(32, 0xEE);
  TlvListBuilder builder(buffer);
  ASSERT_TRUE(builder.add(ErrorCause(UnsupportedHmacIdentifier{1})));
  ASSERT_TRUE(builder.add(ErrorCause(UnsupportedHmacIdentifier{3})));
  EXPECT_TRUE(same(builder.bytes(), bytes({0x01, 0x05, 0x00, 0x06, 0, 1, 0, 0, 0x01, 0x05, 0x00, 0x06, 0, 3})));
  EXPECT_EQ(builder.padded_bytes().size(), 16u);
}

TEST(ErrorCauses, EveryNamedCodeParsesToItsOwnAlternative) {
  std::vector<uint8_t> storage;
  int known = 0;
  for (uint32_t code = 0; code <= 0xFFFF; ++code) {
    for (size_t size : {0, 4}) {  // between them, every known cause accepts one of these
      auto parsed = parse_error_cause(testing::raw_tlv(static_cast<uint16_t>(code), std::vector<uint8_t>(size), storage));
      const bool named = !error_cause_name(static_cast<uint16_t>(code)).empty();
      if (parsed.ok()) {
        EXPECT_EQ(std::holds_alternative<UnknownCause>(*parsed), !named) << code;
        EXPECT_EQ(error_cause_code(*parsed), code);
      } else {
        EXPECT_TRUE(named) << code;
      }
    }
    known += error_cause_name(static_cast<uint16_t>(code)).empty() ? 0 : 1;
  }
  EXPECT_EQ(known, 20);
}

}  // namespace
}  // namespace sctpkit::wire
