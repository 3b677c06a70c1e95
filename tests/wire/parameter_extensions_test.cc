// Extension parameters: RFC 6525 RE-CONFIG, RFC 4895 AUTH, RFC 5061 ASCONF. Round trips,
// malformed lengths, and bytes worked out by hand from the figures.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "parameter_test_util.h"
#include "wire/error_causes.h"
#include "wire/parameters.h"

namespace sctpkit::wire {
namespace {

using testing::bytes;
using testing::parameter_error;
using testing::round_trip_parameter;
using testing::same;

TEST(ReconfigParameters, OutgoingSsnResetRequestMatchesTheRfcFigure) {
  // RFC 6525 4.1: Type = 13, Length = 16 + 2 * N.
  const std::array<StreamId, 2> streams = {StreamId(1), StreamId(0x0203)};
  const OutgoingSsnResetRequest request{ReconfSeq(0x10), ReconfSeq(0x20), Tsn(0xFFFFFFFE),
                                        WireList<StreamId>::of(streams)};
  std::vector<uint8_t> buffer(24, 0xEE);
  TlvListBuilder builder(buffer);
  ASSERT_TRUE(builder.add(request));
  EXPECT_TRUE(same(builder.bytes(), bytes({0x00, 0x0D, 0x00, 0x14, 0, 0, 0, 0x10, 0, 0, 0, 0x20, 0xFF, 0xFF, 0xFF,
                                           0xFE, 0x00, 0x01, 0x02, 0x03})));
  std::vector<uint8_t> round;
  const auto parsed = round_trip_parameter(request, round);
  EXPECT_EQ(parsed, request);
  EXPECT_EQ(parsed.streams[1], StreamId(0x0203));
}

TEST(ReconfigParameters, RoundTripsEveryReconfigParameter) {
  std::vector<uint8_t> buffer;
  const std::array<StreamId, 3> three = {StreamId(4), StreamId(5), StreamId(6)};
  const OutgoingSsnResetRequest all_streams{ReconfSeq(1), ReconfSeq(2), Tsn(3), {}};
  EXPECT_EQ(round_trip_parameter(all_streams, buffer), all_streams);
  EXPECT_TRUE(round_trip_parameter(all_streams, buffer).streams.empty());

  const IncomingSsnResetRequest incoming{ReconfSeq(0xABCDEF01), WireList<StreamId>::of(three)};
  const auto parsed_incoming = round_trip_parameter(incoming, buffer);
  EXPECT_EQ(parsed_incoming, incoming);
  EXPECT_EQ(parsed_incoming.request_seq, ReconfSeq(0xABCDEF01));
  EXPECT_EQ(parsed_incoming.streams.size(), 3u);

  EXPECT_EQ(round_trip_parameter(SsnTsnResetRequest{ReconfSeq(77)}, buffer).request_seq, ReconfSeq(77));

  const ReconfigResponse short_response{ReconfSeq(9), ReconfigResult::ErrorBadSequenceNumber, std::nullopt};
  EXPECT_EQ(round_trip_parameter(short_response, buffer), short_response);
  const ReconfigResponse long_response{ReconfSeq(9), ReconfigResult::SuccessPerformed,
                                       ReconfigResponse::NextTsns{Tsn(100), Tsn(200)}};
  const auto parsed_long = round_trip_parameter(long_response, buffer);
  EXPECT_EQ(parsed_long, long_response);
  ASSERT_TRUE(parsed_long.next_tsns.has_value());
  EXPECT_EQ(parsed_long.next_tsns->receiver, Tsn(200));
  EXPECT_EQ(load_u16(buffer, 2), 20);

  const AddOutgoingStreamsRequest add_out{ReconfSeq(5), 16};
  EXPECT_EQ(round_trip_parameter(add_out, buffer), add_out);
  EXPECT_TRUE(same(Bytes(buffer).first(12), bytes({0x00, 0x11, 0x00, 0x0C, 0, 0, 0, 5, 0x00, 0x10, 0, 0})));
  const AddIncomingStreamsRequest add_in{ReconfSeq(6), 0xFFFF};
  EXPECT_EQ(round_trip_parameter(add_in, buffer), add_in);
}

TEST(ReconfigParameters, KeepsUnassignedResultsAndNamesTheKnownOnes) {
  std::vector<uint8_t> storage;
  auto parsed = parse_parameter(testing::raw_tlv(16, bytes({0, 0, 0, 1, 0, 0, 0, 42}), storage));
  ASSERT_TRUE(parsed.ok());
  const auto result = std::get<ReconfigResponse>(*parsed).result;
  EXPECT_EQ(static_cast<uint32_t>(result), 42u);
  EXPECT_TRUE(reconfig_result_name(result).empty());
  EXPECT_EQ(reconfig_result_name(ReconfigResult::SuccessNothingToDo), "Success - Nothing to do");
  EXPECT_EQ(reconfig_result_name(ReconfigResult::InProgress), "In progress");
}

TEST(ReconfigParameters, RejectsEveryMalformedLength) {
  EXPECT_EQ(parameter_error(13, std::vector<uint8_t>(11)), ParseError::FieldTruncated);
  EXPECT_EQ(parameter_error(13, std::vector<uint8_t>(13)), ParseError::BadLength);
  EXPECT_EQ(parameter_error(13, std::vector<uint8_t>(15)), ParseError::BadLength);
  EXPECT_FALSE(parameter_error(13, std::vector<uint8_t>(12)).has_value());
  EXPECT_EQ(parameter_error(14, std::vector<uint8_t>(3)), ParseError::FieldTruncated);
  EXPECT_EQ(parameter_error(14, std::vector<uint8_t>(5)), ParseError::BadLength);
  EXPECT_FALSE(parameter_error(14, std::vector<uint8_t>(4)).has_value());
  EXPECT_EQ(parameter_error(15, std::vector<uint8_t>(3)), ParseError::BadLength);
  EXPECT_EQ(parameter_error(15, std::vector<uint8_t>(8)), ParseError::BadLength);
  for (size_t n : {0, 4, 7, 9, 12, 15, 17, 20}) {  // only 8 or 16 value bytes
    EXPECT_EQ(parameter_error(16, std::vector<uint8_t>(n)), ParseError::BadLength) << n;
  }
  for (uint16_t type : {17, 18}) {
    EXPECT_EQ(parameter_error(type, std::vector<uint8_t>(7)), ParseError::BadLength);
    EXPECT_EQ(parameter_error(type, std::vector<uint8_t>(9)), ParseError::BadLength);
    EXPECT_EQ(parameter_error(type, std::vector<uint8_t>(4)), ParseError::BadLength);
  }
}

TEST(AuthParameters, RoundTripsAndChecksLists) {
  std::vector<uint8_t> buffer;
  const std::vector<uint8_t> random(32, 0x5A);
  EXPECT_TRUE(same(round_trip_parameter(RandomParameter{random}, buffer).random, random));

  const std::array<uint8_t, 3> chunks = {0x80, 0xC1, 0x00};  // ASCONF-ACK, ASCONF, DATA
  const auto chunk_list = round_trip_parameter(ChunkListParameter{WireList<uint8_t>::of(chunks)}, buffer);
  EXPECT_EQ(chunk_list.chunk_types, WireList<uint8_t>::of(chunks));
  EXPECT_TRUE(chunk_list.chunk_types.contains(0xC1));
  EXPECT_TRUE(same(Bytes(buffer).first(8), bytes({0x80, 0x03, 0x00, 0x07, 0x80, 0xC1, 0x00, 0x00})));

  const std::array<uint16_t, 2> ids = {RequestedHmacAlgorithms::kHmacSha256, RequestedHmacAlgorithms::kHmacSha1};
  const auto hmac = round_trip_parameter(RequestedHmacAlgorithms{WireList<uint16_t>::of(ids)}, buffer);
  ASSERT_EQ(hmac.hmac_ids.size(), 2u);
  EXPECT_EQ(hmac.hmac_ids[0], 3);
  EXPECT_EQ(hmac.hmac_ids[1], 1);
  EXPECT_TRUE(same(Bytes(buffer).first(8), bytes({0x80, 0x04, 0x00, 0x08, 0, 3, 0, 1})));

  EXPECT_EQ(parameter_error(0x8004, bytes({0, 1, 0})), ParseError::BadLength);
  EXPECT_EQ(parameter_error(0x8004, bytes({3})), ParseError::BadLength);
  // A Random of the wrong size is the engine's to refuse (RFC 4895 6.1), not a parse error.
  EXPECT_FALSE(parameter_error(0x8002, bytes({1, 2, 3})).has_value());
  EXPECT_FALSE(parameter_error(0x8003, {}).has_value());
}

TEST(AsconfParameters, SupportedExtensionsMatchesTheRfcFigure) {
  // RFC 5061 4.2.7: Type = 0x8008, Length = 4 + number of chunk types, one byte each.
  const std::array<uint8_t, 5> types = {0x82, 0xC0, 0xC1, 0x80, 0x0F};  // RE-CONFIG, FORWARD TSN, ASCONF, -ACK, AUTH
  std::vector<uint8_t> buffer(16, 0xEE);
  TlvListBuilder builder(buffer);
  ASSERT_TRUE(builder.add(SupportedExtensions{WireList<uint8_t>::of(types)}));
  EXPECT_TRUE(same(builder.bytes(), bytes({0x80, 0x08, 0x00, 0x09, 0x82, 0xC0, 0xC1, 0x80, 0x0F})));
  EXPECT_TRUE(same(builder.padded_bytes(), bytes({0x80, 0x08, 0x00, 0x09, 0x82, 0xC0, 0xC1, 0x80, 0x0F, 0, 0, 0})));

  std::vector<uint8_t> round;
  const auto parsed = round_trip_parameter(SupportedExtensions{WireList<uint8_t>::of(types)}, round);
  EXPECT_EQ(parsed.chunk_types.size(), 5u);
  std::vector<uint8_t> seen(parsed.chunk_types.begin(), parsed.chunk_types.end());
  EXPECT_EQ(seen, (std::vector<uint8_t>{0x82, 0xC0, 0xC1, 0x80, 0x0F}));
  EXPECT_TRUE(parsed.chunk_types.contains(0x82));
  EXPECT_FALSE(parsed.chunk_types.contains(0x40));
}

TEST(AsconfParameters, AddressRequestsNestAWholeAddressParameter) {
  // RFC 5061 4.2.1: Type = 0xC001, Length = 8 + address parameter length.
  const EncodedAddress v4(Ipv4Address{{10, 0, 0, 9}});
  std::vector<uint8_t> buffer(16, 0xEE);
  TlvListBuilder builder(buffer);
  ASSERT_TRUE(builder.add(AddIpAddress{0x01020304, v4.bytes()}));
  EXPECT_TRUE(same(builder.bytes(),
                   bytes({0xC0, 0x01, 0x00, 0x10, 1, 2, 3, 4, 0x00, 0x05, 0x00, 0x08, 10, 0, 0, 9})));

  std::vector<uint8_t> round;
  const auto added = round_trip_parameter(AddIpAddress{7, v4.bytes()}, round);
  EXPECT_EQ(added.correlation_id, 7u);
  EXPECT_EQ(added.address_type(), Ipv4Address::kType);
  ASSERT_TRUE(added.ip_address().has_value());
  EXPECT_EQ(std::get<Ipv4Address>(*added.ip_address()), (Ipv4Address{{10, 0, 0, 9}}));

  const EncodedAddress v6(Ipv6Address{{0xFE, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}});
  EXPECT_EQ(v6.bytes().size(), 20u);
  const auto deleted = round_trip_parameter(DeleteIpAddress{8, v6.bytes()}, round);
  EXPECT_EQ(deleted.correlation_id, 8u);
  EXPECT_TRUE(same(deleted.address, v6.bytes()));
  EXPECT_EQ(std::get<Ipv6Address>(*deleted.ip_address()).address[0], 0xFE);
  const auto primary = round_trip_parameter(SetPrimaryAddress{9, v4.bytes()}, round);
  EXPECT_EQ(primary.correlation_id, 9u);
  EXPECT_TRUE(same(primary.address, v4.bytes()));

  // A nested TLV that is well formed but no IP address parses, and says so when asked.
  const auto host = bytes({0x00, 0x0B, 0x00, 0x06, 'h', 0});
  const auto odd = round_trip_parameter(SetPrimaryAddress{1, host}, round);
  EXPECT_EQ(odd.address_type(), 11);
  EXPECT_FALSE(odd.ip_address().has_value());
}

TEST(AsconfParameters, AddressRequestsRejectABrokenNestedParameter) {
  for (uint16_t type : {0xC001, 0xC002, 0xC004}) {
    EXPECT_EQ(parameter_error(type, bytes({0, 0, 0, 1})), ParseError::FieldTruncated);
    EXPECT_EQ(parameter_error(type, bytes({0, 0, 0, 1, 0, 5, 0})), ParseError::FieldTruncated);
    EXPECT_EQ(parameter_error(type, bytes({0, 0, 0, 1, 0, 5, 0, 3})), ParseError::ParamLengthUnder4);
    EXPECT_EQ(parameter_error(type, bytes({0, 0, 0, 1, 0, 5, 0, 8, 1, 2, 3})), ParseError::ParamLengthPastEnd);
    EXPECT_EQ(parameter_error(type, bytes({0, 0, 0, 1, 0, 5, 0, 8, 1, 2, 3, 4, 0})), ParseError::BadLength);
  }
  // An IPv4 Address of the wrong length nests fine but is no IP address.
  EXPECT_FALSE(parse_ip_address(bytes({0, 5, 0, 7, 1, 2, 3})).has_value());
  EXPECT_FALSE(parse_ip_address(bytes({0, 5, 0, 8, 1, 2, 3, 4, 0, 0, 0, 0})).has_value());
}

TEST(AsconfParameters, RoundTripsTheResponsesAndIndications) {
  std::vector<uint8_t> buffer;
  // An Error Cause Indication holding one cause, walked back with TlvReader.
  std::vector<uint8_t> cause_buffer(16);
  TlvListBuilder causes(cause_buffer);
  ASSERT_TRUE(causes.add(ResourceShortage{}));
  const auto indication = round_trip_parameter(ErrorCauseIndication{0xCAFE, causes.bytes()}, buffer);
  EXPECT_EQ(indication.correlation_id, 0xCAFEu);
  TlvReader walk(indication.causes);
  auto cause = parse_error_cause(**walk.next());
  ASSERT_TRUE(cause.ok());
  EXPECT_TRUE(std::holds_alternative<ResourceShortage>(*cause));
  EXPECT_EQ(round_trip_parameter(ErrorCauseIndication{1, {}}, buffer).causes.size(), 0u);

  EXPECT_EQ(round_trip_parameter(SuccessIndication{0xFFFFFFFF}, buffer).correlation_id, 0xFFFFFFFFu);
  EXPECT_EQ(round_trip_parameter(AdaptationLayerIndication{0x12345678}, buffer).adaptation_code_point,
            0x12345678u);

  EXPECT_EQ(parameter_error(0xC003, bytes({0, 0, 1})), ParseError::FieldTruncated);
  EXPECT_EQ(parameter_error(0xC005, bytes({0, 0, 1})), ParseError::BadLength);
  EXPECT_EQ(parameter_error(0xC005, bytes({0, 0, 0, 1, 0})), ParseError::BadLength);
  EXPECT_EQ(parameter_error(0xC006, {}), ParseError::BadLength);
  EXPECT_EQ(parameter_error(0xC006, bytes({0, 0, 0, 1, 0, 0, 0, 0})), ParseError::BadLength);
  EXPECT_FALSE(parameter_error(0x8008, {}).has_value());
}

TEST(Parameters, EveryNamedTypeParsesToItsOwnAlternative) {
  // parse_parameter knows every type parameter_type_name names, and nothing else.
  std::vector<uint8_t> storage;
  int known = 0;
  for (uint32_t type = 0; type <= 0xFFFF; ++type) {
    // The shortest value each type accepts is tried; what matters is the alternative chosen.
    auto parsed = parse_parameter(testing::raw_tlv(static_cast<uint16_t>(type), std::vector<uint8_t>(64), storage));
    const bool named = !parameter_type_name(static_cast<uint16_t>(type)).empty();
    if (parsed.ok()) {
      EXPECT_EQ(std::holds_alternative<UnknownParameter>(*parsed), !named) << type;
      EXPECT_EQ(parameter_type(*parsed), type);
    } else {
      EXPECT_TRUE(named) << type;  // only a known type can have a bad length
    }
    known += named ? 1 : 0;
  }
  EXPECT_EQ(known, 28);
}

}  // namespace
}  // namespace sctpkit::wire
