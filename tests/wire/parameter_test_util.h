// Helpers shared by the parameter and error cause tests: encode one typed TLV with the list
// builder, walk it back with TlvReader and parse it with the variant parser.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <variant>
#include <vector>

#include "bytes_test_util.h"
#include "wire/error_causes.h"
#include "wire/parameter_list.h"
#include "wire/parameters.h"
#include "wire/tlv.h"

namespace sctpkit::wire::testing {

// A RawTlv over `value` as TlvReader would produce it; `storage` holds header and value.
inline RawTlv raw_tlv(uint16_t type, const std::vector<uint8_t>& value, std::vector<uint8_t>& storage) {
  storage = {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type),
             static_cast<uint8_t>((value.size() + 4) >> 8), static_cast<uint8_t>(value.size() + 4)};
  storage.insert(storage.end(), value.begin(), value.end());
  TlvReader reader(storage);
  return **reader.next();
}

// Encodes `item` alone, checks the header and padding the builder wrote, and parses it back
// through `parse` (parse_parameter or parse_error_cause) as a `Variant`.
template <typename Variant, typename P, typename Parse>
P round_trip_with(const P& item, std::vector<uint8_t>& buffer, Parse parse) {
  buffer.assign(padded4(tlv_length(item)) + 8, 0xEE);  // not zero, so padding must be written
  TlvListBuilder builder(buffer);
  EXPECT_TRUE(builder.add(item));
  const Bytes list = builder.bytes();
  EXPECT_EQ(list.size(), tlv_length(item));  // the only (so last) item: no padding counted
  EXPECT_EQ(builder.padded_bytes().size(), padded4(tlv_length(item)));
  for (size_t i = list.size(); i < builder.padded_bytes().size(); ++i) EXPECT_EQ(buffer[i], 0) << i;
  EXPECT_EQ(load_u16(list, 0), P::kType);
  EXPECT_EQ(load_u16(list, 2), tlv_length(item));

  TlvReader reader(list);
  auto raw = reader.next();
  EXPECT_TRUE(raw && raw->ok());
  EXPECT_FALSE(reader.next().has_value());
  auto parsed = parse(**raw);
  EXPECT_TRUE(parsed.ok()) << to_string(parsed.error());
  EXPECT_TRUE(std::holds_alternative<P>(*parsed));
  return std::get<P>(*parsed);
}

template <typename P>
P round_trip_parameter(const P& item, std::vector<uint8_t>& buffer) {
  return round_trip_with<Parameter>(item, buffer, parse_parameter);
}
template <typename C>
C round_trip_cause(const C& item, std::vector<uint8_t>& buffer) {
  return round_trip_with<ErrorCause>(item, buffer, parse_error_cause);
}

// The error parse_parameter / parse_error_cause gives for a value of this type, or nullopt.
inline std::optional<ParseError> parameter_error(uint16_t type, const std::vector<uint8_t>& value) {
  std::vector<uint8_t> storage;
  auto parsed = parse_parameter(raw_tlv(type, value, storage));
  if (parsed.ok()) return std::nullopt;
  return parsed.error();
}
inline std::optional<ParseError> cause_error(uint16_t code, const std::vector<uint8_t>& value) {
  std::vector<uint8_t> storage;
  auto parsed = parse_error_cause(raw_tlv(code, value, storage));
  if (parsed.ok()) return std::nullopt;
  return parsed.error();
}

}  // namespace sctpkit::wire::testing
