// Chunks and the parameters / causes inside them, used together as the engine uses them.
#include <gtest/gtest.h>

#include <array>

#include "wire/chunk.h"
#include "wire/error_causes.h"
#include "wire/parameter_list.h"
#include "wire/parameters.h"

namespace sctpkit::wire {
namespace {

TEST(ChunkWithCauses, ErrorWithMissingParameterAndSackShareOnePacket) {
  // RFC 9260 3.3.10.2 inside an ERROR (3.3.10), bundled after a SACK (3.3.4).
  const uint16_t missing[] = {7, 12};
  std::array<uint8_t, 32> cause_buffer{};
  TlvListBuilder causes(cause_buffer);
  ASSERT_TRUE(causes.add(MissingMandatoryParameter{WireList<uint16_t>::of(missing)}));

  const GapAckBlock blocks[] = {{2, 3}};
  const Tsn dups[] = {Tsn(41)};
  SackChunk sack{Tsn(40), 65535, blocks, dups};
  std::array<uint8_t, 128> buffer{};
  PacketBuilder builder(buffer, buffer.size(), {1, 2, VerificationTag(3), 0});
  ASSERT_TRUE(builder.add(sack));
  ASSERT_TRUE(builder.add(ErrorChunk{causes.bytes()}));
  const auto packet = builder.finish();

  auto view = PacketView::parse(packet);
  ASSERT_TRUE(view.ok());
  auto it = view->begin();
  auto parsed_sack = parse_chunk(*it);
  ASSERT_TRUE(parsed_sack.ok());
  const auto& s = std::get<SackChunk>(*parsed_sack);
  EXPECT_EQ(s.gap_ack_blocks.size(), 1u);
  EXPECT_EQ(s.gap_ack_blocks[0], (GapAckBlock{2, 3}));
  EXPECT_EQ(s.duplicate_tsns[0], Tsn(41));

  ++it;
  auto parsed_error = parse_chunk(*it);
  ASSERT_TRUE(parsed_error.ok());
  TlvReader reader(std::get<ErrorChunk>(*parsed_error).causes);
  auto raw = reader.next();
  ASSERT_TRUE(raw && raw->ok());
  auto cause = parse_error_cause(**raw);
  ASSERT_TRUE(cause.ok());
  const auto& m = std::get<MissingMandatoryParameter>(*cause);
  ASSERT_EQ(m.missing_types.size(), 2u);
  EXPECT_EQ(m.missing_types[0], 7);
  EXPECT_EQ(m.missing_types[1], 12);
  EXPECT_TRUE(m.missing_types.contains(12));
}

}  // namespace
}  // namespace sctpkit::wire
