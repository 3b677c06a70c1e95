#include "wire/chunk.h"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <set>

#include "chunk_test_util.h"

namespace sctpkit::wire {
namespace {

using namespace chunk_test;

TEST(ChunkTypeName, UsesTheRfcNames) {
  EXPECT_EQ(chunk_type_name(0), "DATA");
  EXPECT_EQ(chunk_type_name(1), "INIT");
  EXPECT_EQ(chunk_type_name(2), "INIT ACK");
  EXPECT_EQ(chunk_type_name(3), "SACK");
  EXPECT_EQ(chunk_type_name(4), "HEARTBEAT");
  EXPECT_EQ(chunk_type_name(5), "HEARTBEAT ACK");
  EXPECT_EQ(chunk_type_name(6), "ABORT");
  EXPECT_EQ(chunk_type_name(7), "SHUTDOWN");
  EXPECT_EQ(chunk_type_name(8), "SHUTDOWN ACK");
  EXPECT_EQ(chunk_type_name(9), "ERROR");
  EXPECT_EQ(chunk_type_name(10), "COOKIE ECHO");
  EXPECT_EQ(chunk_type_name(11), "COOKIE ACK");
  EXPECT_EQ(chunk_type_name(12), "ECNE");
  EXPECT_EQ(chunk_type_name(13), "CWR");
  EXPECT_EQ(chunk_type_name(14), "SHUTDOWN COMPLETE");
  EXPECT_EQ(chunk_type_name(15), "AUTH");
  EXPECT_EQ(chunk_type_name(16), "NR-SACK");
  EXPECT_EQ(chunk_type_name(64), "I-DATA");
  EXPECT_EQ(chunk_type_name(128), "ASCONF-ACK");
  EXPECT_EQ(chunk_type_name(130), "RE-CONFIG");
  EXPECT_EQ(chunk_type_name(132), "PAD");
  EXPECT_EQ(chunk_type_name(192), "FORWARD-TSN");
  EXPECT_EQ(chunk_type_name(193), "ASCONF");
  EXPECT_EQ(chunk_type_name(194), "I-FORWARD-TSN");
  EXPECT_EQ(chunk_type_name(17), "UNKNOWN");
  EXPECT_EQ(chunk_type_name(255), "UNKNOWN");
}

TEST(UnknownChunkAction, FollowsTheUpperTwoBits) {
  // RFC 9260 3.2: 00 stop, 01 stop and report, 10 skip, 11 skip and report.
  EXPECT_EQ(unknown_chunk_action(0x3F), UnknownChunkAction::StopAndDiscard);
  EXPECT_EQ(unknown_chunk_action(0x40), UnknownChunkAction::StopAndReport);
  EXPECT_EQ(unknown_chunk_action(0x80), UnknownChunkAction::Skip);
  EXPECT_EQ(unknown_chunk_action(0xC1), UnknownChunkAction::SkipAndReport);
  EXPECT_TRUE(stops_processing(UnknownChunkAction::StopAndDiscard));
  EXPECT_TRUE(stops_processing(UnknownChunkAction::StopAndReport));
  EXPECT_FALSE(stops_processing(UnknownChunkAction::Skip));
  EXPECT_FALSE(stops_processing(UnknownChunkAction::SkipAndReport));
  EXPECT_FALSE(reports_error(UnknownChunkAction::StopAndDiscard));
  EXPECT_TRUE(reports_error(UnknownChunkAction::StopAndReport));
  EXPECT_FALSE(reports_error(UnknownChunkAction::Skip));
  EXPECT_TRUE(reports_error(UnknownChunkAction::SkipAndReport));
}

TEST(UnknownChunk, KeepsTypeFlagsAndValueAndRoundTrips) {
  const auto value = bytes({1, 2, 3, 4, 5});
  const RawInput input = chunk_with_value(0xC7, 0x5A, value);
  auto parsed = input.parse();
  ASSERT_TRUE(parsed.ok());
  const auto& unknown = std::get<UnknownChunk>(*parsed);
  EXPECT_EQ(unknown.type, 0xC7);
  EXPECT_EQ(unknown.flags, 0x5A);
  EXPECT_TRUE(same(unknown.value, value));
  EXPECT_EQ(unknown.action(), UnknownChunkAction::SkipAndReport);
  EXPECT_EQ(chunk_type(*parsed), 0xC7);

  std::array<uint8_t, 64> buffer{};
  PacketBuilder builder(buffer, buffer.size(), {1, 2, VerificationTag(3), 0});
  ASSERT_TRUE(add_chunk(builder, *parsed));
  const Bytes packet = builder.finish();
  EXPECT_TRUE(same(packet.subspan(kCommonHeaderSize),
                   bytes({0xC7, 0x5A, 0x00, 0x09, 1, 2, 3, 4, 5, 0, 0, 0})));
}

TEST(UnknownChunk, EveryUnlistedTypeIsUnknownNeverAnError) {
  int unknown = 0;
  for (int type = 0; type < 256; ++type) {
    const RawInput input = chunk_with_value(static_cast<uint8_t>(type), 0, {});
    auto parsed = input.parse();
    if (is_known_chunk_type(static_cast<uint8_t>(type))) continue;
    ASSERT_TRUE(parsed.ok());
    EXPECT_TRUE(std::holds_alternative<UnknownChunk>(*parsed));
    ++unknown;
  }
  EXPECT_EQ(unknown, 256 - 24);
}

// One instance of every typed chunk, each with something in it.
std::vector<Chunk> one_of_each() {
  static const auto some_bytes = bytes({0x00, 0x01, 0x00, 0x06, 7, 8});
  static const GapAckBlock blocks[] = {{1, 2}};
  static const Tsn dups[] = {Tsn(4)};
  static const ForwardTsnStream streams[] = {{StreamId(1), Ssn(2)}};
  static const IForwardTsnStream istreams[] = {{StreamId(1), true, Mid(2)}};
  static const auto address = bytes({0x00, 0x05, 0x00, 0x08, 10, 0, 0, 1});
  return {DataChunk{Tsn(1), StreamId(2), Ssn(3), Ppid(4), DataFlags{false, true, true, false}, some_bytes},
          InitChunk{{VerificationTag(1), 2, 3, 4, Tsn(5), some_bytes}},
          InitAckChunk{{VerificationTag(1), 2, 3, 4, Tsn(5), some_bytes}},
          SackChunk{Tsn(1), 2, blocks, dups},
          HeartbeatChunk{some_bytes},
          HeartbeatAckChunk{some_bytes},
          AbortChunk{true, some_bytes},
          ShutdownChunk{Tsn(9)},
          ShutdownAckChunk{},
          ErrorChunk{some_bytes},
          CookieEchoChunk{some_bytes},
          CookieAckChunk{},
          EcneChunk{Tsn(1), 2u},
          CwrChunk{0, Tsn(1)},
          ShutdownCompleteChunk{true},
          AuthChunk{1, 3, some_bytes},
          NrSackChunk{0, Tsn(1), 2, blocks, blocks, dups},
          IDataChunk{Tsn(1), StreamId(2), Mid(3), Ppid(4), Fsn(0), DataFlags{false, true, true, false}, some_bytes},
          AsconfAckChunk{AsconfSerial(1), some_bytes},
          ReconfigChunk{some_bytes},
          PadChunk{some_bytes},
          ForwardTsnChunk{Tsn(1), streams},
          AsconfChunk{AsconfSerial(1), address, some_bytes},
          IForwardTsnChunk{Tsn(1), istreams},
          UnknownChunk{0xBF, 0x11, some_bytes}};
}

TEST(Chunk, EveryAlternativeBundlesIntoOnePacketAndParsesBackAsItself) {
  const std::vector<Chunk> chunks = one_of_each();
  ASSERT_EQ(chunks.size(), std::variant_size_v<Chunk>);
  std::vector<uint8_t> buffer(2048);
  PacketBuilder builder(buffer, buffer.size(), {5000, 30102, VerificationTag(0x11223344), 0});
  std::set<uint8_t> types;
  for (const Chunk& chunk : chunks) {
    ASSERT_TRUE(add_chunk(builder, chunk));
    types.insert(chunk_type(chunk));
  }
  EXPECT_EQ(types.size(), chunks.size());
  const Bytes packet = builder.finish();
  EXPECT_TRUE(verify_checksum(packet));

  auto view = PacketView::parse(packet);
  ASSERT_TRUE(view.ok());
  ASSERT_EQ(view->chunk_count(), chunks.size());
  size_t i = 0;
  for (const RawChunk& raw : *view) {
    SCOPED_TRACE(chunk_type_name(raw.type));
    auto parsed = parse_chunk(raw);
    ASSERT_TRUE(parsed.ok()) << to_string(parsed.error());
    EXPECT_EQ(parsed->index(), chunks[i].index());
    EXPECT_EQ(chunk_type(*parsed), chunk_type(chunks[i]));
    EXPECT_EQ(raw.flags, std::visit([](const auto& c) -> uint8_t {
                if constexpr (std::is_same_v<std::decay_t<decltype(c)>, UnknownChunk>) {
                  return c.flags;
                } else {
                  return c.flags();
                }
              }, chunks[i]));
    ++i;
  }
}

// Parses `raw`; whatever parses must re-encode to a chunk that parses again as the same type.
void expect_reencodes_if_parsed(const RawChunk& raw) {
  auto parsed = parse_chunk(raw);
  if (!parsed.ok()) return;
  std::vector<uint8_t> out(kCommonHeaderSize + kChunkHeaderSize + raw.value.size() + 8);
  PacketBuilder builder(out, out.size(), {1, 2, VerificationTag(3), 0});
  ASSERT_TRUE(add_chunk(builder, *parsed));
  auto view = PacketView::parse(builder.finish());
  ASSERT_TRUE(view.ok());
  auto again = parse_chunk(*view->begin());
  ASSERT_TRUE(again.ok()) << chunk_type_name(raw.type) << " value size " << raw.value.size();
  EXPECT_EQ(again->index(), parsed->index());
}

// Random values of every length up to 80 for every type (a fixed seed, so failures reproduce).
// Each value sits in its own exactly-sized allocation, so ASan flags any read past it.
TEST(Chunk, RandomValuesNeverOverread) {
  std::mt19937 rng(9260);
  for (int type = 0; type < 256; ++type) {
    for (size_t size = 0; size <= 80; ++size) {
      std::vector<uint8_t> value(size);
      for (auto& b : value) b = static_cast<uint8_t>(rng());
      const RawChunk raw{static_cast<uint8_t>(type), static_cast<uint8_t>(rng()), static_cast<uint16_t>(4 + size),
                         Bytes(value), Bytes(value)};
      expect_reencodes_if_parsed(raw);
    }
  }
}

// Valid chunks of every type with a few bytes changed and the value cut at random places, so that
// counts and inner lengths disagree with the chunk length in every way.
TEST(Chunk, MutatedValidChunksNeverOverread) {
  std::mt19937 rng(4960);
  for (const Chunk& chunk : one_of_each()) {
    std::vector<uint8_t> buffer(512);
    PacketBuilder builder(buffer, buffer.size(), {1, 2, VerificationTag(3), 0});
    ASSERT_TRUE(add_chunk(builder, chunk));
    auto view = PacketView::parse(builder.finish());
    ASSERT_TRUE(view.ok());
    const RawChunk original = *view->begin();
    for (int round = 0; round < 300; ++round) {
      std::vector<uint8_t> value(original.value.begin(), original.value.end());
      if (!value.empty()) {
        for (int flips = rng() % 3 + 1; flips > 0; --flips) value[rng() % value.size()] = static_cast<uint8_t>(rng());
        if (rng() % 2 == 0) value.resize(rng() % value.size());
      }
      const RawChunk raw{original.type, original.flags, static_cast<uint16_t>(4 + value.size()), Bytes(value),
                         Bytes(value)};
      expect_reencodes_if_parsed(raw);
    }
  }
}

TEST(Chunk, AddChunkRefusesWhatDoesNotFit) {
  std::array<uint8_t, 64> buffer{};
  PacketBuilder builder(buffer, 32, {1, 2, VerificationTag(3), 0});
  const std::vector<uint8_t> payload(5, 0);
  // 12 + 16 + 5 -> 36 > 32.
  EXPECT_FALSE(add_chunk(builder, DataChunk{Tsn(1), StreamId(0), Ssn(0), Ppid(0), {}, payload}));
  EXPECT_FALSE(add_chunk(builder, UnknownChunk{0x80, 0, bytes({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17})}));
  EXPECT_TRUE(builder.empty());
  EXPECT_EQ(builder.size(), kCommonHeaderSize);
  EXPECT_TRUE(add_chunk(builder, UnknownChunk{0x80, 0, bytes({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})}));
  EXPECT_EQ(builder.size(), 32u);
}

}  // namespace
}  // namespace sctpkit::wire
