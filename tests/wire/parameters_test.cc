// RFC 9260 parameters (and the small RFC 3758 / 4820 / 9653 ones): round trips, malformed
// lengths, bytes worked out by hand from the RFC figures, and the unknown-type action table.
#include "wire/parameters.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "parameter_test_util.h"

namespace sctpkit::wire {
namespace {

using testing::bytes;
using testing::parameter_error;
using testing::round_trip_parameter;
using testing::same;

TEST(Parameters, Ipv4AddressMatchesTheRfcFigure) {
  // RFC 9260 3.3.2.1.1: Type = 5, Length = 8, then the address in network order.
  std::vector<uint8_t> buffer(16);
  TlvListBuilder builder(buffer);
  ASSERT_TRUE(builder.add(Ipv4Address{{10, 128, 0, 81}}));
  EXPECT_TRUE(same(builder.bytes(), bytes({0x00, 0x05, 0x00, 0x08, 10, 128, 0, 81})));

  std::vector<uint8_t> storage;
  auto parsed = Ipv4Address::parse(testing::raw_tlv(5, bytes({192, 0, 2, 1}), storage));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->address, (std::array<uint8_t, 4>{192, 0, 2, 1}));
}

TEST(Parameters, StateCookieMatchesTheRfcFigureAndPadsOnlyBetweenItems) {
  // RFC 9260 3.3.3.1.1 / 3.2.1: Type = 7, Length = 4 + cookie size (padding not counted); the
  // padding is written in front of a following parameter and left off after the last one.
  const auto cookie = bytes({0xC0, 0x0C, 0x1E, 0x55, 0xAA});
  std::vector<uint8_t> buffer(64, 0xEE);
  TlvListBuilder builder(buffer);
  ASSERT_TRUE(builder.add(StateCookie{cookie}));
  EXPECT_TRUE(same(builder.bytes(), bytes({0x00, 0x07, 0x00, 0x09, 0xC0, 0x0C, 0x1E, 0x55, 0xAA})));
  ASSERT_TRUE(builder.add(Ipv4Address{{10, 0, 0, 1}}));
  EXPECT_TRUE(same(builder.bytes(), bytes({0x00, 0x07, 0x00, 0x09, 0xC0, 0x0C, 0x1E, 0x55, 0xAA, 0, 0, 0,
                                           0x00, 0x05, 0x00, 0x08, 10, 0, 0, 1})));
  EXPECT_EQ(builder.count(), 2u);

  TlvReader reader(builder.bytes());
  auto first = parse_parameter(**reader.next());
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(same(std::get<StateCookie>(*first).cookie, cookie));
  auto second = parse_parameter(**reader.next());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(std::get<Ipv4Address>(*second), (Ipv4Address{{10, 0, 0, 1}}));
}

TEST(Parameters, RoundTripsEveryRfc9260Parameter) {
  std::vector<uint8_t> buffer;
  const auto info = bytes({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  EXPECT_TRUE(same(round_trip_parameter(HeartbeatInfo{info}, buffer).info, info));
  EXPECT_TRUE(round_trip_parameter(HeartbeatInfo{}, buffer).info.empty());

  EXPECT_EQ(round_trip_parameter(Ipv4Address{{1, 2, 3, 4}}, buffer), (Ipv4Address{{1, 2, 3, 4}}));
  const Ipv6Address v6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd}};
  EXPECT_EQ(round_trip_parameter(v6, buffer), v6);

  const auto cookie = bytes({9, 8, 7, 6, 5, 4, 3});
  EXPECT_TRUE(same(round_trip_parameter(StateCookie{cookie}, buffer).cookie, cookie));

  EXPECT_EQ(round_trip_parameter(CookiePreservative{0xDEADBEEF}, buffer).life_span_increment_ms, 0xDEADBEEFu);

  const auto host = bytes({'p', 'e', 'e', 'r', '.', 'e', 'x', 0});
  const HostNameAddress parsed_host = round_trip_parameter(HostNameAddress{host}, buffer);
  EXPECT_TRUE(same(parsed_host.host_name, host));
  EXPECT_EQ(parsed_host.name(), "peer.ex");

  const std::array<uint16_t, 3> types = {5, 6, 11};
  const auto supported = round_trip_parameter(SupportedAddressTypes{WireList<uint16_t>::of(types)}, buffer);
  ASSERT_EQ(supported.address_types.size(), 3u);
  EXPECT_EQ(supported.address_types[0], 5);
  EXPECT_EQ(supported.address_types[1], 6);
  EXPECT_EQ(supported.address_types[2], 11);
  EXPECT_TRUE(supported.address_types.contains(6));
  EXPECT_FALSE(supported.address_types.contains(12));

  EXPECT_EQ(round_trip_parameter(EcnCapable{}, buffer), EcnCapable{});
  EXPECT_EQ(round_trip_parameter(ForwardTsnSupported{}, buffer), ForwardTsnSupported{});
  EXPECT_EQ(round_trip_parameter(PaddingParameter{7}, buffer).padding_size, 7);
  EXPECT_EQ(round_trip_parameter(ZeroChecksumAcceptable{ZeroChecksumAcceptable::kEdmidSctpOverDtls}, buffer).edmid,
            1u);
}

TEST(Parameters, UnrecognizedParameterWrapsAWholeTlv) {
  // RFC 9260 3.3.3.1.2: the value is the unrecognized parameter complete with type and length.
  const auto echoed = bytes({0x80, 0x99, 0x00, 0x06, 0xAB, 0xCD});
  std::vector<uint8_t> buffer;
  const UnrecognizedParameter parsed = round_trip_parameter(UnrecognizedParameter{echoed}, buffer);
  EXPECT_TRUE(same(parsed.parameter, echoed));
  EXPECT_EQ(parsed.parameter_type(), 0x8099);
  auto inner = parsed.echoed();
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(inner->type, 0x8099);
  EXPECT_TRUE(same(inner->value, bytes({0xAB, 0xCD})));

  // An echo whose inner length runs past the echo is reported by echoed(), not by parse().
  std::vector<uint8_t> storage;
  auto bad = UnrecognizedParameter::parse(testing::raw_tlv(8, bytes({0x80, 0x99, 0x00, 0x20, 1}), storage));
  ASSERT_TRUE(bad.ok());
  ASSERT_FALSE(bad->echoed().ok());
  EXPECT_EQ(bad->echoed().error(), ParseError::ParamLengthPastEnd);
}

TEST(Parameters, HostNameWithoutTerminatorIsStillReadable) {
  std::vector<uint8_t> storage;
  auto parsed = HostNameAddress::parse(testing::raw_tlv(11, bytes({'a', 'b', 'c'}), storage));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->name(), "abc");
}

TEST(Parameters, PaddingIsZerosOfTheGivenSize) {
  std::vector<uint8_t> buffer(32, 0xEE);
  TlvListBuilder builder(buffer);
  ASSERT_TRUE(builder.add(PaddingParameter{5}));
  EXPECT_TRUE(same(builder.bytes(), bytes({0x80, 0x05, 0x00, 0x09, 0, 0, 0, 0, 0})));
}

TEST(Parameters, RejectsEveryMalformedLength) {
  // Fixed sizes: anything but the exact value size is BadLength.
  EXPECT_EQ(parameter_error(5, bytes({1, 2, 3})), ParseError::BadLength);
  EXPECT_EQ(parameter_error(5, bytes({1, 2, 3, 4, 5})), ParseError::BadLength);
  EXPECT_EQ(parameter_error(5, {}), ParseError::BadLength);
  EXPECT_EQ(parameter_error(6, std::vector<uint8_t>(15)), ParseError::BadLength);
  EXPECT_EQ(parameter_error(6, std::vector<uint8_t>(17)), ParseError::BadLength);
  EXPECT_EQ(parameter_error(6, std::vector<uint8_t>(4)), ParseError::BadLength);
  EXPECT_EQ(parameter_error(9, bytes({0, 0, 1})), ParseError::BadLength);
  EXPECT_EQ(parameter_error(9, bytes({0, 0, 0, 1, 0})), ParseError::BadLength);
  EXPECT_EQ(parameter_error(0x8000, bytes({0})), ParseError::BadLength);
  EXPECT_EQ(parameter_error(0xC000, bytes({0, 0, 0, 0})), ParseError::BadLength);
  EXPECT_EQ(parameter_error(0x8001, bytes({0, 0, 1})), ParseError::BadLength);
  EXPECT_EQ(parameter_error(0x8001, bytes({0, 0, 0, 1, 0, 0, 0, 0})), ParseError::BadLength);
  // Lists: half an item.
  EXPECT_EQ(parameter_error(12, bytes({0, 5, 0})), ParseError::BadLength);
  EXPECT_EQ(parameter_error(12, bytes({0})), ParseError::BadLength);
  // Too short for what must be there.
  EXPECT_EQ(parameter_error(8, bytes({0x80, 0x99, 0x00})), ParseError::FieldTruncated);
  EXPECT_EQ(parameter_error(8, {}), ParseError::FieldTruncated);
  EXPECT_EQ(parameter_error(11, {}), ParseError::FieldTruncated);
  // Variable ones accept any size, empty included.
  EXPECT_FALSE(parameter_error(1, {}).has_value());
  EXPECT_FALSE(parameter_error(7, {}).has_value());
  EXPECT_FALSE(parameter_error(12, {}).has_value());
  EXPECT_FALSE(parameter_error(0x8005, {}).has_value());
  EXPECT_FALSE(parameter_error(12, bytes({0, 5})).has_value());  // one type: length 6, padded
}

TEST(Parameters, UnknownTypesAreKeptWhole) {
  std::vector<uint8_t> storage;
  const RawTlv raw = testing::raw_tlv(0xC0FE, bytes({1, 2, 3}), storage);
  auto parsed = parse_parameter(raw);
  ASSERT_TRUE(parsed.ok());
  const auto& unknown = std::get<UnknownParameter>(*parsed);
  EXPECT_EQ(unknown.type, 0xC0FE);
  EXPECT_TRUE(same(unknown.value, bytes({1, 2, 3})));
  EXPECT_TRUE(same(unknown.whole, bytes({0xC0, 0xFE, 0x00, 0x07, 1, 2, 3})));
  EXPECT_EQ(unknown.action(), UnknownParameterAction::SkipAndReport);
  EXPECT_EQ(parameter_type(*parsed), 0xC0FE);

  // And can be re-encoded as they came, e.g. into an Unrecognized Parameter.
  std::vector<uint8_t> buffer(16, 0xEE);
  TlvListBuilder builder(buffer);
  ASSERT_TRUE(builder.add(*parsed));
  EXPECT_TRUE(same(builder.bytes(), unknown.whole));
}

TEST(Parameters, UpperTwoBitsSayWhatToDoWithAnUnknownType) {
  // RFC 9260 3.2.1, table "Processing of Unknown Parameters".
  struct Case {
    uint16_t type;
    UnknownParameterAction action;
    bool stop;
    bool report;
  };
  const Case cases[] = {
      {0x0000, UnknownParameterAction::Stop, true, false},
      {0x3FFF, UnknownParameterAction::Stop, true, false},
      {0x4000, UnknownParameterAction::StopAndReport, true, true},
      {0x7FFF, UnknownParameterAction::StopAndReport, true, true},
      {0x8000, UnknownParameterAction::Skip, false, false},
      {0xBFFF, UnknownParameterAction::Skip, false, false},
      {0xC000, UnknownParameterAction::SkipAndReport, false, true},
      {0xFFFF, UnknownParameterAction::SkipAndReport, false, true},
  };
  for (const Case& c : cases) {
    const auto action = unknown_parameter_action(c.type);
    EXPECT_EQ(action, c.action) << c.type;
    EXPECT_EQ(stops_processing(action), c.stop) << c.type;
    EXPECT_EQ(reports(action), c.report) << c.type;
  }
}

TEST(Parameters, NamesFollowTheRfcs) {
  EXPECT_EQ(parameter_type_name(1), "Heartbeat Info");
  EXPECT_EQ(parameter_type_name(5), "IPv4 Address");
  EXPECT_EQ(parameter_type_name(7), "State Cookie");
  EXPECT_EQ(parameter_type_name(8), "Unrecognized Parameter");
  EXPECT_EQ(parameter_type_name(11), "Host Name Address");
  EXPECT_EQ(parameter_type_name(0x8000), "ECN Capable");
  EXPECT_EQ(parameter_type_name(0xC000), "Forward-TSN-Supported");
  EXPECT_EQ(parameter_type_name(0x8001), "Zero Checksum Acceptable");
  EXPECT_TRUE(parameter_type_name(0x1234).empty());
}

TEST(TlvListBuilder, RefusesWhatDoesNotFitAndKeepsWhatCame) {
  std::vector<uint8_t> buffer(12);
  TlvListBuilder builder(buffer);
  ASSERT_TRUE(builder.add(Ipv4Address{{1, 1, 1, 1}}));
  EXPECT_FALSE(builder.add(Ipv4Address{{2, 2, 2, 2}}));  // 8 more bytes, 4 left
  EXPECT_EQ(builder.count(), 1u);
  EXPECT_EQ(builder.bytes().size(), 8u);
  // A 1-byte value needs 8 bytes with its padding, even though its length is 5.
  const auto one = bytes({7});
  EXPECT_FALSE(builder.add(StateCookie{one}));
  ASSERT_TRUE(builder.add(EcnCapable{}));
  EXPECT_EQ(builder.remaining(), 0u);
  EXPECT_TRUE(same(builder.bytes(), bytes({0, 5, 0, 8, 1, 1, 1, 1, 0x80, 0, 0, 4})));
}

TEST(TlvListBuilder, RefusesAValueTooLongForTheLengthField) {
  std::vector<uint8_t> big(0xFFFC);  // 4 + 0xFFFC = 0x10000: one too many
  std::vector<uint8_t> buffer(0x10004);
  TlvListBuilder builder(buffer);
  EXPECT_FALSE(builder.add(StateCookie{big}));
  EXPECT_TRUE(builder.add(StateCookie{Bytes(big).first(0xFFFB)}));
  EXPECT_EQ(load_u16(builder.bytes(), 2), 0xFFFF);
}

TEST(TlvListBuilder, ReEmitsEncodedTlvsWithPaddingBetween) {
  std::vector<uint8_t> buffer(32, 0xEE);
  TlvListBuilder builder(buffer);
  const auto odd = bytes({0x80, 0x77, 0x00, 0x05, 0x42});
  ASSERT_TRUE(builder.add_encoded(odd));
  ASSERT_TRUE(builder.add_encoded(odd));
  EXPECT_TRUE(same(builder.bytes(), bytes({0x80, 0x77, 0x00, 0x05, 0x42, 0, 0, 0, 0x80, 0x77, 0x00, 0x05, 0x42})));
  // A TLV whose length field disagrees with its size is refused.
  EXPECT_FALSE(builder.add_encoded(bytes({0x80, 0x77, 0x00, 0x09, 0x42})));
  EXPECT_FALSE(builder.add_encoded(bytes({0x80, 0x77})));
  EXPECT_EQ(builder.count(), 2u);
}

}  // namespace
}  // namespace sctpkit::wire
