#include "wire/chunk.h"

#include <type_traits>

namespace sctpkit::wire {
namespace {

template <typename T>
Result<Chunk> parse_as(const RawChunk& raw) {
  auto parsed = T::parse(raw);
  if (!parsed) return parsed.error();
  return Chunk(std::move(parsed).value());
}

}  // namespace

Result<Chunk> parse_chunk(const RawChunk& raw) {
  switch (static_cast<ChunkType>(raw.type)) {
    case ChunkType::Data: return parse_as<DataChunk>(raw);
    case ChunkType::Init: return parse_as<InitChunk>(raw);
    case ChunkType::InitAck: return parse_as<InitAckChunk>(raw);
    case ChunkType::Sack: return parse_as<SackChunk>(raw);
    case ChunkType::Heartbeat: return parse_as<HeartbeatChunk>(raw);
    case ChunkType::HeartbeatAck: return parse_as<HeartbeatAckChunk>(raw);
    case ChunkType::Abort: return parse_as<AbortChunk>(raw);
    case ChunkType::Shutdown: return parse_as<ShutdownChunk>(raw);
    case ChunkType::ShutdownAck: return parse_as<ShutdownAckChunk>(raw);
    case ChunkType::Error: return parse_as<ErrorChunk>(raw);
    case ChunkType::CookieEcho: return parse_as<CookieEchoChunk>(raw);
    case ChunkType::CookieAck: return parse_as<CookieAckChunk>(raw);
    case ChunkType::Ecne: return parse_as<EcneChunk>(raw);
    case ChunkType::Cwr: return parse_as<CwrChunk>(raw);
    case ChunkType::ShutdownComplete: return parse_as<ShutdownCompleteChunk>(raw);
    case ChunkType::Auth: return parse_as<AuthChunk>(raw);
    case ChunkType::NrSack: return parse_as<NrSackChunk>(raw);
    case ChunkType::IData: return parse_as<IDataChunk>(raw);
    case ChunkType::AsconfAck: return parse_as<AsconfAckChunk>(raw);
    case ChunkType::ReConfig: return parse_as<ReconfigChunk>(raw);
    case ChunkType::Pad: return parse_as<PadChunk>(raw);
    case ChunkType::ForwardTsn: return parse_as<ForwardTsnChunk>(raw);
    case ChunkType::Asconf: return parse_as<AsconfChunk>(raw);
    case ChunkType::IForwardTsn: return parse_as<IForwardTsnChunk>(raw);
  }
  return Chunk(UnknownChunk{raw.type, raw.flags, raw.value});
}

bool add_chunk(PacketBuilder& builder, const Chunk& chunk) {
  return std::visit(
      [&builder](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, UnknownChunk>) {
          return builder.add_value(c.type, c.flags, c.value);
        } else {
          return builder.add(c);
        }
      },
      chunk);
}

uint8_t chunk_type(const Chunk& chunk) {
  return std::visit(
      [](const auto& c) -> uint8_t {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, UnknownChunk>) {
          return c.type;
        } else {
          return T::kType;
        }
      },
      chunk);
}

}  // namespace sctpkit::wire
