// Follows the order of tcpdump 4.99's checks (print-sctp.c), because that order decides what a
// malformed packet prints: a length test that prints "bogus chunk length" ends the whole line, a
// capture-bounds test that fails prints " [|sctp]", and a chunk-header test prints its complaint in
// the chunk list and stops walking.
#include "trace/sctp_print.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "trace/forces_print.h"
#include "trace/hex_dump.h"
#include "wire/packet.h"

namespace sctpkit::trace {
namespace {

constexpr size_t kDataHeaderSize = 12;  // RFC 9260 3.3.1: TSN, stream id, SSN, PPID
constexpr size_t kInitFixedSize = 16;   // RFC 9260 3.3.2: tag, a_rwnd, OS, MIS, initial TSN
constexpr size_t kSackFixedSize = 12;   // RFC 9260 3.3.4: cum TSN, a_rwnd, #gaps, #dups
constexpr size_t kGapBlockSize = 4;
constexpr size_t kDupTsnSize = 4;

// RFC 9260 3.3.1: DATA chunk flag bits.
constexpr uint8_t kFlagEnding = 0x01;
constexpr uint8_t kFlagBeginning = 0x02;
constexpr uint8_t kFlagUnordered = 0x04;

// RFC 5811 5.1 (ForCES over SCTP) reserves these ports; tcpdump marks them after "sctp".
std::string_view forces_channel(uint16_t port) {
  switch (port) {
    case 6704: return "ForCES HP";
    case 6705: return "ForCES MP";
    case 6706: return "ForCES LP";
    default: return {};
  }
}

constexpr std::string_view kTruncated = " [|sctp]";

// What the walk over chunks returns: whether the line ended early through a "bogus" message.
enum class ChunkOutcome { Continue, Stop };

ChunkOutcome bogus(uint16_t chunk_length, std::string& out) {
  fmt::format_to(std::back_inserter(out), "bogus chunk length {}]", chunk_length);
  return ChunkOutcome::Stop;
}

// What DATA printing needs beyond the chunk.
struct DataContext {
  wire::Bytes rest;  // from the chunk's first byte to the end of the capture
  int verbose = 0;
  bool forces = false;  // a ForCES port, or an earlier chunk with a ForCES PPID: tcpdump keeps it
};

ChunkOutcome print_data(wire::Bytes chunk, DataContext& context, std::string& out) {
  auto it = std::back_inserter(out);
  const uint8_t flags = chunk[1];
  const uint16_t chunk_length = wire::load_u16(chunk, 2);
  if (flags & kFlagUnordered) out += "(U)";
  if (flags & kFlagBeginning) out += "(B)";
  if (flags & kFlagEnding) out += "(E)";
  if (flags & (kFlagUnordered | kFlagBeginning | kFlagEnding)) out += ' ';
  const size_t value_size = chunk.size() - wire::kChunkHeaderSize;
  if (value_size < kDataHeaderSize) return bogus(chunk_length, out);
  const wire::Bytes value = chunk.subspan(wire::kChunkHeaderSize);
  const uint32_t ppid = wire::load_u32(value, 8);
  fmt::format_to(it, "[TSN: {}] [SID: {}] [SSEQ {}] ", wire::load_u32(value, 0), wire::load_u16(value, 4),
                 wire::load_u16(value, 6));
  const std::string_view name = tcpdump_ppid_name(ppid);
  if (name.empty()) {
    fmt::format_to(it, "[PPID 0x{:x}] ", ppid);
  } else {
    fmt::format_to(it, "[PPID {}] ", name);
  }
  // RFC 9260 3.3.1: user data of length zero is a protocol violation; tcpdump flags it too.
  if (value_size == kDataHeaderSize) return bogus(chunk_length, out);
  const size_t payload_offset = wire::kChunkHeaderSize + kDataHeaderSize;
  const auto payload_size = static_cast<uint32_t>(chunk.size() - payload_offset);
  if (is_forces_ppid(ppid)) context.forces = true;
  if (context.forces) {
    const ForcesInput forces{context.rest.subspan(payload_offset), payload_size, context.verbose};
    if (append_forces(forces, out) == ForcesOutcome::EndLine) return ChunkOutcome::Stop;
  } else if (context.verbose >= 2) {
    out += "[Payload:";
    append_hex_and_ascii(chunk.subspan(payload_offset), "\n\t", out);
    out += ']';
  }
  return ChunkOutcome::Continue;
}

ChunkOutcome print_init(wire::Bytes chunk, std::string& out) {
  const uint16_t chunk_length = wire::load_u16(chunk, 2);
  if (chunk.size() - wire::kChunkHeaderSize < kInitFixedSize) return bogus(chunk_length, out);
  const wire::Bytes v = chunk.subspan(wire::kChunkHeaderSize);
  fmt::format_to(std::back_inserter(out), "[init tag: {}] [rwnd: {}] [OS: {}] [MIS: {}] [init TSN: {}] ",
                 wire::load_u32(v, 0), wire::load_u32(v, 4), wire::load_u16(v, 8), wire::load_u16(v, 10),
                 wire::load_u32(v, 12));
  return ChunkOutcome::Continue;
}

ChunkOutcome print_sack(wire::Bytes chunk, std::string& out) {
  auto it = std::back_inserter(out);
  const uint16_t chunk_length = wire::load_u16(chunk, 2);
  if (chunk.size() - wire::kChunkHeaderSize < kSackFixedSize) return bogus(chunk_length, out);
  const wire::Bytes v = chunk.subspan(wire::kChunkHeaderSize);
  const uint32_t cum_ack = wire::load_u32(v, 0);
  const uint16_t gaps = wire::load_u16(v, 8);
  const uint16_t dups = wire::load_u16(v, 10);
  fmt::format_to(it, "[cum ack {}] [a_rwnd {}] [#gap acks {}] [#dup tsns {}] ", cum_ack, wire::load_u32(v, 4),
                 gaps, dups);
  wire::Bytes rest = v.subspan(kSackFixedSize);
  // tcpdump walks only as far as the chunk has bytes, and complains only about a partial entry.
  for (uint32_t i = 0; !rest.empty() && i < gaps; ++i) {
    if (rest.size() < kGapBlockSize) return bogus(chunk_length, out);
    // RFC 9260 3.3.4: gap block offsets are relative to the cumulative TSN ack (mod 2^32).
    fmt::format_to(it, "\n\t\t[gap ack block #{}: start = {}, end = {}] ", i + 1,
                   static_cast<uint32_t>(cum_ack + wire::load_u16(rest, 0)),
                   static_cast<uint32_t>(cum_ack + wire::load_u16(rest, 2)));
    rest = rest.subspan(kGapBlockSize);
  }
  for (uint32_t i = 0; !rest.empty() && i < dups; ++i) {
    if (rest.size() < kDupTsnSize) return bogus(chunk_length, out);
    fmt::format_to(it, "\n\t\t[dup TSN #{}: {}] ", i + 1, wire::load_u32(rest, 0));
    rest = rest.subspan(kDupTsnSize);
  }
  return ChunkOutcome::Continue;
}

}  // namespace

std::string_view tcpdump_chunk_name(uint8_t type) {
  // RFC 9260 3.2 types 0..14, RFC 3758 FORWARD TSN (192). tcpdump 4.99 still calls 0xc1/0xc2 by the
  // names of a long-expired draft and knows none of I-DATA, ASCONF, RE-CONFIG, AUTH or PAD.
  switch (type) {
    case 0: return "DATA";
    case 1: return "INIT";
    case 2: return "INIT ACK";
    case 3: return "SACK";
    case 4: return "HB REQ";
    case 5: return "HB ACK";
    case 6: return "ABORT";
    case 7: return "SHUTDOWN";
    case 8: return "SHUTDOWN ACK";
    case 9: return "OP ERR";
    case 10: return "COOKIE ECHO";
    case 11: return "COOKIE ACK";
    case 12: return "ECN ECHO";
    case 13: return "ECN CWR";
    case 14: return "SHUTDOWN COMPLETE";
    case 0xc0: return "FOR CUM TSN";
    case 0xc1: return "REL CTRL";
    case 0xc2: return "REL CTRL ACK";
    default: return {};
  }
}

std::string_view tcpdump_ppid_name(uint32_t ppid) {
  // IANA SCTP payload protocol identifiers 1..27 as tcpdump 4.99 spells them (26 is absent there).
  static constexpr std::string_view kNames[] = {
      {},       "ISDN Q.921", "M2UA",      "M3UA",      "SUA",       "M2PA",   "V5.2",  "H.248", "BICC", "TALI",
      "DUA",    "ASAP",       "ENRP",      "H.323",     "Q.IPC",     "SIMCO",  "DDPSC", "DDPSSC", "S1AP", "RUA",
      "HNBAP",  "ForCES HP",  "ForCES MP", "ForCES LP", "SBc-AP",    "NBAP",   {},      "X2AP"};
  return ppid < std::size(kNames) ? kNames[ppid] : std::string_view{};
}

void append_sctp(const SctpPrintInput& input, std::string& out) {
  auto it = std::back_inserter(out);
  if (input.length < wire::kCommonHeaderSize) {
    fmt::format_to(it, "truncated-sctp - {} bytes missing!", wire::kCommonHeaderSize - input.length);
    return;
  }
  // tcpdump never looks past the IP datagram, even when the frame carries more (e.g. link padding).
  const wire::Bytes packet = input.captured.first(std::min<size_t>(input.captured.size(), input.length));
  if (packet.size() < wire::kCommonHeaderSize) {
    out += kTruncated;
    return;
  }
  const uint16_t source_port = wire::load_u16(packet, 0);
  const uint16_t destination_port = wire::load_u16(packet, 2);
  fmt::format_to(it, "{}.{} > {}.{}: sctp", input.source, source_port, input.destination, destination_port);
  DataContext data_context{{}, input.verbose, false};
  for (uint16_t port : {source_port, destination_port}) {
    if (const auto channel = forces_channel(port); !channel.empty()) fmt::format_to(it, "[{}]", channel);
    if (is_forces_port(port)) data_context.forces = true;
  }

  size_t offset = wire::kCommonHeaderSize;
  uint32_t remaining = input.length - static_cast<uint32_t>(wire::kCommonHeaderSize);
  // -vv puts each chunk on a line of its own: "\n\t1) " instead of " (1) ", ", (2) ".
  const bool chunk_lines = input.verbose >= 2;
  std::string_view separator = chunk_lines ? "\n\t" : " (";
  for (uint32_t number = 1; remaining != 0; ++number) {
    if (remaining < wire::kChunkHeaderSize) {
      fmt::format_to(it, "{}{}) [chunk descriptor cut off at end of packet]", separator, number);
      return;
    }
    if (packet.size() - offset < wire::kChunkHeaderSize) {
      out += kTruncated;
      return;
    }
    const uint16_t chunk_length = wire::load_u16(packet, offset + 2);
    // RFC 9260 3.2: the length counts the 4-byte chunk header, so anything smaller is malformed.
    if (chunk_length < wire::kChunkHeaderSize) {
      fmt::format_to(it, "{}{}) [Bad chunk length {}, < size of chunk descriptor]", separator, number, chunk_length);
      return;
    }
    if (packet.size() - offset < chunk_length) {
      out += kTruncated;
      return;
    }
    const wire::Bytes chunk = packet.subspan(offset, chunk_length);
    const uint8_t type = chunk[0];
    fmt::format_to(it, "{}{}) ", separator, number);
    if (const auto name = tcpdump_chunk_name(type); name.empty()) {
      fmt::format_to(it, "[Unknown chunk type: 0x{:x}] ", type);
    } else {
      fmt::format_to(it, "[{}] ", name);
    }
    ChunkOutcome outcome = ChunkOutcome::Continue;
    switch (type) {
      case 0:
        data_context.rest = packet.subspan(offset);
        outcome = print_data(chunk, data_context, out);
        break;
      case 1:
      case 2: outcome = print_init(chunk, out); break;
      case 3: outcome = print_sack(chunk, out); break;
      default: break;
    }
    if (outcome == ChunkOutcome::Stop) return;
    offset += chunk_length;
    remaining -= chunk_length;
    separator = chunk_lines ? "\n\t" : ", (";
    // RFC 9260 3.2: chunks are padded to 4 bytes; the padding must be in the capture to go on.
    const size_t padding = wire::padded4(chunk_length) - chunk_length;
    if (padding != 0) {
      if (packet.size() - offset < padding) {
        out += kTruncated;
        return;
      }
      offset += padding;
      remaining -= static_cast<uint32_t>(padding);
    }
  }
}

}  // namespace sctpkit::trace
