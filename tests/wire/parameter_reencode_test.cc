// Property checks over many generated inputs: every parameter or cause that parses is built back
// into exactly the bytes it came from (so no field is lost or misplaced), and nothing that fails
// to parse gets further than returning an error (ASan runs these too).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "parameter_test_util.h"
#include "wire/error_causes.h"
#include "wire/parameters.h"

namespace sctpkit::wire {
namespace {

// A small deterministic generator, so that failures reproduce.
class Lcg {
 public:
  explicit Lcg(uint32_t seed) : state_(seed) {}
  uint8_t next() {
    state_ = state_ * 1664525u + 1013904223u;
    return static_cast<uint8_t>(state_ >> 24);
  }

 private:
  uint32_t state_;
};

std::vector<uint16_t> named_parameter_types() {
  std::vector<uint16_t> types;
  for (uint32_t t = 0; t <= 0xFFFF; ++t) {
    if (!parameter_type_name(static_cast<uint16_t>(t)).empty()) types.push_back(static_cast<uint16_t>(t));
  }
  return types;
}

std::vector<uint16_t> named_cause_codes() {
  std::vector<uint16_t> codes;
  for (uint32_t c = 0; c <= 0xFFFF; ++c) {
    if (!error_cause_name(static_cast<uint16_t>(c)).empty()) codes.push_back(static_cast<uint16_t>(c));
  }
  return codes;
}

// Fields the RFCs have a sender zero and a receiver ignore, which a rebuild writes as zero.
void clear_ignored_fields(uint16_t type, bool is_cause, std::vector<uint8_t>& value) {
  if (!is_cause && (type == 17 || type == 18) && value.size() == 8) value[6] = value[7] = 0;  // RFC 6525 4.5/4.6
  if (!is_cause && type == PaddingParameter::kType) std::fill(value.begin(), value.end(), 0);  // RFC 4820
  if (is_cause && type == InvalidStreamIdentifier::kType && value.size() == 4) value[2] = value[3] = 0;
}

// For a parseable value, shapes it as the type's well-formed values look, often enough that the
// re-encoding check below sees each type succeed.
void shape(uint16_t type, bool is_cause, std::vector<uint8_t>& value) {
  if (is_cause && type == MissingMandatoryParameter::kType && value.size() >= 4) {
    const uint32_t n = static_cast<uint32_t>((value.size() - 4) / 2);
    value.resize(4 + 2 * n);
    store_u32(value, 0, n);
  }
  if (!is_cause && (type == 0xC001 || type == 0xC002 || type == 0xC004) && value.size() >= 8) {
    store_u16(value, 6, static_cast<uint16_t>(value.size() - 4));
  }
}

template <typename Parse>
void check_reencodes(uint16_t type, bool is_cause, Parse parse, int& successes) {
  Lcg rng(type * 7919u + (is_cause ? 1 : 0));
  for (size_t size = 0; size <= 40; ++size) {
    for (int round = 0; round < 4; ++round) {
      std::vector<uint8_t> value(size);
      for (auto& b : value) b = rng.next();
      if (round % 2 == 0) shape(type, is_cause, value);
      std::vector<uint8_t> storage;
      const RawTlv raw = testing::raw_tlv(type, value, storage);
      auto parsed = parse(raw);
      if (!parsed.ok()) continue;
      ++successes;
      std::vector<uint8_t> buffer(padded4(raw.length) + 4, 0xEE);
      TlvListBuilder builder(buffer);
      ASSERT_TRUE(builder.add(*parsed)) << type;
      std::vector<uint8_t> expected = value;
      clear_ignored_fields(type, is_cause, expected);
      std::vector<uint8_t> rebuilt_value(builder.bytes().begin() + 4, builder.bytes().end());
      EXPECT_EQ(load_u16(builder.bytes(), 0), type);
      EXPECT_EQ(rebuilt_value, expected) << (is_cause ? "cause " : "parameter ") << type << " size " << value.size();
    }
  }
}

TEST(ParameterProperties, EveryParsedParameterRebuildsToItsBytes) {
  for (uint16_t type : named_parameter_types()) {
    int successes = 0;
    check_reencodes(type, false, parse_parameter, successes);
    EXPECT_GT(successes, 0) << type;
  }
  int unknown = 0;
  check_reencodes(0x4242, false, parse_parameter, unknown);
  EXPECT_EQ(unknown, 41 * 4);
}

TEST(ParameterProperties, EveryParsedCauseRebuildsToItsBytes) {
  for (uint16_t code : named_cause_codes()) {
    int successes = 0;
    check_reencodes(code, true, parse_error_cause, successes);
    EXPECT_GT(successes, 0) << code;
  }
  int unknown = 0;
  check_reencodes(0x4242, true, parse_error_cause, unknown);
  EXPECT_EQ(unknown, 41 * 4);
}

TEST(ParameterProperties, WalkingGarbageNeverReadsPastTheBuffer) {
  // Whole lists of random bytes: each item the reader yields is parsed both ways.
  Lcg rng(12345);
  const std::vector<uint16_t> types = named_parameter_types();
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint8_t> list(rng.next() % 64);
    for (auto& b : list) b = rng.next();
    if (list.size() >= 4 && round % 2 == 0) {
      // Point half the items at known types with plausible lengths.
      store_u16(list, 0, types[rng.next() % types.size()]);
      store_u16(list, 2, static_cast<uint16_t>(4 + rng.next() % (list.size() - 3)));
    }
    TlvReader reader(list);
    while (auto item = reader.next()) {
      if (!*item) break;
      (void)parse_parameter(**item);
      (void)parse_error_cause(**item);
    }
  }
}

}  // namespace
}  // namespace sctpkit::wire
