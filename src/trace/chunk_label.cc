#include "trace/chunk_label.h"

#include <fmt/format.h>

#include <iterator>

#include "wire/chunk.h"
#include "wire/error_causes.h"

namespace sctpkit::trace {
namespace {

std::string flags_text(wire::DataFlags f) {
  std::string out;
  if (f.unordered) out += 'U';
  if (f.beginning) out += 'B';
  if (f.ending) out += 'E';
  if (f.immediate) out += 'I';
  return out.empty() ? "-" : out;
}

// Printable ASCII as is, in quotes; anything else as a byte count.
std::string opaque(wire::Bytes bytes) {
  bool printable = !bytes.empty() && bytes.size() <= 40;
  for (uint8_t b : bytes) printable = printable && b >= 0x20 && b < 0x7F;
  if (printable) return fmt::format(" \"{}\"", std::string(bytes.begin(), bytes.end()));
  return bytes.empty() ? std::string() : fmt::format(" ({} bytes)", bytes.size());
}

std::string cause_detail(const wire::ErrorCause& cause) {
  if (auto* c = std::get_if<wire::UserInitiatedAbort>(&cause)) return opaque(c->reason);
  if (auto* c = std::get_if<wire::ProtocolViolation>(&cause)) return opaque(c->additional_information);
  if (auto* c = std::get_if<wire::InvalidStreamIdentifier>(&cause)) return fmt::format(" stream {}", c->stream_id.value());
  if (auto* c = std::get_if<wire::StaleCookie>(&cause)) return fmt::format(" {} us", c->staleness_us);
  if (auto* c = std::get_if<wire::NoUserData>(&cause)) return fmt::format(" TSN {}", c->tsn.value());
  if (auto* c = std::get_if<wire::UnrecognizedChunkType>(&cause)) {
    return fmt::format(" type {}", c->chunk_type());
  }
  if (auto* c = std::get_if<wire::RestartWithNewEncapsulationPort>(&cause)) {
    return fmt::format(" port {} -> {}", c->current_port, c->new_port);
  }
  if (auto* c = std::get_if<wire::UnknownCause>(&cause)) return fmt::format(" code {}", c->code);
  return {};
}

}  // namespace

std::string describe_causes(wire::Bytes causes) {
  std::string out;
  wire::TlvReader reader(causes);
  while (auto tlv = reader.next()) {
    if (!out.empty()) out += "; ";
    if (!*tlv) {
      out += fmt::format("malformed cause list ({})", wire::to_string(tlv->error()));
      break;
    }
    const std::string_view name = wire::error_cause_name((*tlv)->type);
    auto cause = wire::parse_error_cause(**tlv);
    out += name.empty() ? fmt::format("cause {}", (*tlv)->type) : std::string(name);
    if (!cause) {
      out += fmt::format(" (malformed: {})", wire::to_string(cause.error()));
    } else {
      out += cause_detail(*cause);
    }
  }
  return out.empty() ? "no cause" : out;
}

std::string chunk_label(const wire::RawChunk& raw) {
  const std::string_view name = wire::chunk_type_name(raw.type);
  auto chunk = wire::parse_chunk(raw);
  if (!chunk) return fmt::format("{} (malformed: {})", name, wire::to_string(chunk.error()));
  return std::visit(
      [&](const auto& c) -> std::string {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, wire::DataChunk>) {
          return fmt::format("DATA {} TSN {} SID {} SSN {} len {}", flags_text(c.data_flags), c.tsn.value(),
                             c.stream_id.value(), c.ssn.value(), c.user_data.size());
        } else if constexpr (std::is_same_v<T, wire::IDataChunk>) {
          return fmt::format("I-DATA {} TSN {} SID {} MID {} len {}", flags_text(c.data_flags), c.tsn.value(),
                             c.stream_id.value(), c.mid.value(), c.user_data.size());
        } else if constexpr (std::is_same_v<T, wire::InitChunk> || std::is_same_v<T, wire::InitAckChunk>) {
          return fmt::format("{} tag {} TSN {} OS {} MIS {}", name, c.initiate_tag.value(), c.initial_tsn.value(),
                             c.outbound_streams, c.inbound_streams);
        } else if constexpr (std::is_same_v<T, wire::SackChunk> || std::is_same_v<T, wire::NrSackChunk>) {
          std::string out = fmt::format("{} cum {} a_rwnd {}", name, c.cumulative_tsn_ack.value(), c.a_rwnd);
          if (!c.gap_ack_blocks.empty()) out += fmt::format(" gaps {}", c.gap_ack_blocks.size());
          if (!c.duplicate_tsns.empty()) out += fmt::format(" dups {}", c.duplicate_tsns.size());
          return out;
        } else if constexpr (std::is_same_v<T, wire::ShutdownChunk>) {
          return fmt::format("SHUTDOWN cum {}", c.cumulative_tsn_ack.value());
        } else if constexpr (std::is_same_v<T, wire::AbortChunk>) {
          return fmt::format("ABORT{} {}", c.tag_reflected ? " (T)" : "", describe_causes(c.causes));
        } else if constexpr (std::is_same_v<T, wire::ShutdownCompleteChunk>) {
          return c.tag_reflected ? "SHUTDOWN COMPLETE (T)" : "SHUTDOWN COMPLETE";
        } else if constexpr (std::is_same_v<T, wire::ErrorChunk>) {
          return fmt::format("ERROR {}", describe_causes(c.causes));
        } else if constexpr (std::is_same_v<T, wire::CookieEchoChunk>) {
          return fmt::format("COOKIE ECHO len {}", c.cookie.size());
        } else if constexpr (std::is_same_v<T, wire::ForwardTsnChunk> || std::is_same_v<T, wire::IForwardTsnChunk>) {
          return fmt::format("{} new cum {}", name, c.new_cumulative_tsn.value());
        } else if constexpr (std::is_same_v<T, wire::AsconfChunk> || std::is_same_v<T, wire::AsconfAckChunk>) {
          return fmt::format("{} serial {}", name, c.serial_number.value());
        } else if constexpr (std::is_same_v<T, wire::EcneChunk> || std::is_same_v<T, wire::CwrChunk>) {
          return fmt::format("{} lowest TSN {}", name, c.lowest_tsn.value());
        } else if constexpr (std::is_same_v<T, wire::UnknownChunk>) {
          return fmt::format("type 0x{:02x} len {}", c.type, c.value.size());
        } else {
          return std::string(name);
        }
      },
      *chunk);
}

}  // namespace sctpkit::trace
