#include "trace/packet_json.h"
#include "trace/json_list.h"

#include <fmt/format.h>

#include "trace/ip_print.h"
#include "wire/chunk.h"

namespace sctpkit::trace {
namespace {

using nlohmann::json;

// Echoed chunks and parameters can nest (an ABORT echoing an ERROR echoing ...); past this depth
// the bytes are shown as hex, so a crafted packet cannot exhaust the stack.
constexpr int kMaxDepth = 4;

json data_flags(wire::DataFlags flags) {
  return {{"U", flags.unordered}, {"B", flags.beginning}, {"E", flags.ending}, {"I", flags.immediate}};
}


json gap_blocks(const wire::WireList<wire::GapAckBlock>& blocks) {
  json out = json::array();
  for (auto block : blocks) out.push_back({{"start", block.start}, {"end", block.end}});
  return out;
}

void add_fields(json& j, const wire::DataChunk& c, int) {
  j["flags_decoded"] = data_flags(c.data_flags);
  j["tsn"] = c.tsn.value();
  j["stream_id"] = c.stream_id.value();
  j["ssn"] = c.ssn.value();
  j["ppid"] = c.ppid.value();
  j["user_data_length"] = c.user_data.size();
}
void add_fields(json& j, const wire::IDataChunk& c, int) {
  j["flags_decoded"] = data_flags(c.data_flags);
  j["tsn"] = c.tsn.value();
  j["stream_id"] = c.stream_id.value();
  j["mid"] = c.mid.value();
  // RFC 8260 2.1: the first fragment carries the PPID, the others their FSN in the same place.
  if (c.data_flags.beginning) {
    j["ppid"] = c.ppid.value();
  } else {
    j["fsn"] = c.fsn.value();
  }
  j["user_data_length"] = c.user_data.size();
}
void add_init_fields(json& j, const wire::InitFields& c, int depth) {
  j["initiate_tag"] = c.initiate_tag.value();
  j["a_rwnd"] = c.a_rwnd;
  j["outbound_streams"] = c.outbound_streams;
  j["inbound_streams"] = c.inbound_streams;
  j["initial_tsn"] = c.initial_tsn.value();
  j["parameters"] = parameters_to_json(c.parameters, depth + 1);
}
void add_fields(json& j, const wire::InitChunk& c, int depth) { add_init_fields(j, c, depth); }
void add_fields(json& j, const wire::InitAckChunk& c, int depth) { add_init_fields(j, c, depth); }
void add_fields(json& j, const wire::SackChunk& c, int) {
  j["cumulative_tsn_ack"] = c.cumulative_tsn_ack.value();
  j["a_rwnd"] = c.a_rwnd;
  j["gap_ack_blocks"] = gap_blocks(c.gap_ack_blocks);
  j["duplicate_tsns"] = json_numbers(c.duplicate_tsns);
}
void add_fields(json& j, const wire::NrSackChunk& c, int) {
  j["cumulative_tsn_ack"] = c.cumulative_tsn_ack.value();
  j["a_rwnd"] = c.a_rwnd;
  j["gap_ack_blocks"] = gap_blocks(c.gap_ack_blocks);
  j["nr_gap_ack_blocks"] = gap_blocks(c.nr_gap_ack_blocks);
  j["duplicate_tsns"] = json_numbers(c.duplicate_tsns);
}
void add_fields(json& j, const wire::HeartbeatChunk& c, int depth) {
  j["parameters"] = parameters_to_json(c.parameters, depth + 1);
}
void add_fields(json& j, const wire::HeartbeatAckChunk& c, int depth) {
  j["parameters"] = parameters_to_json(c.parameters, depth + 1);
}
void add_fields(json& j, const wire::AbortChunk& c, int depth) {
  j["tag_reflected"] = c.tag_reflected;
  j["causes"] = causes_to_json(c.causes, depth + 1);
}
void add_fields(json& j, const wire::ShutdownChunk& c, int) { j["cumulative_tsn_ack"] = c.cumulative_tsn_ack.value(); }
void add_fields(json&, const wire::ShutdownAckChunk&, int) {}
void add_fields(json& j, const wire::ErrorChunk& c, int depth) { j["causes"] = causes_to_json(c.causes, depth + 1); }
void add_fields(json& j, const wire::CookieEchoChunk& c, int) {
  j["cookie_length"] = c.cookie.size();
  j["cookie"] = to_hex(c.cookie);
}
void add_fields(json&, const wire::CookieAckChunk&, int) {}
void add_fields(json& j, const wire::EcneChunk& c, int) {
  j["lowest_tsn"] = c.lowest_tsn.value();
  if (c.packets_since_cwr) j["packets_since_cwr"] = *c.packets_since_cwr;
}
void add_fields(json& j, const wire::CwrChunk& c, int) { j["lowest_tsn"] = c.lowest_tsn.value(); }
void add_fields(json& j, const wire::ShutdownCompleteChunk& c, int) { j["tag_reflected"] = c.tag_reflected; }
void add_fields(json& j, const wire::AuthChunk& c, int) {
  j["shared_key_id"] = c.shared_key_id;
  j["hmac_id"] = c.hmac_id;
  j["hmac"] = to_hex(c.hmac);
}
void add_fields(json& j, const wire::AsconfAckChunk& c, int depth) {
  j["serial_number"] = c.serial_number.value();
  j["parameters"] = parameters_to_json(c.parameters, depth + 1);
}
void add_fields(json& j, const wire::AsconfChunk& c, int depth) {
  j["serial_number"] = c.serial_number.value();
  json address = parameters_to_json(c.address_parameter, depth + 1);
  j["address"] = address.empty() ? json() : address[0];
  j["parameters"] = parameters_to_json(c.parameters, depth + 1);
}
void add_fields(json& j, const wire::ReconfigChunk& c, int depth) {
  j["parameters"] = parameters_to_json(c.parameters, depth + 1);
}
void add_fields(json& j, const wire::PadChunk& c, int) { j["padding_length"] = c.padding.size(); }
void add_fields(json& j, const wire::ForwardTsnChunk& c, int) {
  j["new_cumulative_tsn"] = c.new_cumulative_tsn.value();
  json streams = json::array();
  for (auto s : c.streams) streams.push_back({{"stream_id", s.stream_id.value()}, {"ssn", s.ssn.value()}});
  j["streams"] = std::move(streams);
}
void add_fields(json& j, const wire::IForwardTsnChunk& c, int) {
  j["new_cumulative_tsn"] = c.new_cumulative_tsn.value();
  json streams = json::array();
  for (auto s : c.streams) {
    streams.push_back({{"stream_id", s.stream_id.value()}, {"unordered", s.unordered}, {"mid", s.mid.value()}});
  }
  j["streams"] = std::move(streams);
}
void add_fields(json& j, const wire::UnknownChunk& c, int) { j["value"] = to_hex(c.value); }

json chunk_to_json(const wire::RawChunk& raw, int depth) {
  json j;
  j["type"] = raw.type;
  j["name"] = wire::chunk_type_name(raw.type);
  j["flags"] = raw.flags;
  j["length"] = raw.length;
  if (depth > kMaxDepth) {
    j["hex"] = to_hex(raw.whole);
    return j;
  }
  auto chunk = wire::parse_chunk(raw);
  if (!chunk) {
    j["error"] = wire::to_string(chunk.error());
    j["hex"] = to_hex(raw.whole);
    return j;
  }
  std::visit([&](const auto& c) { add_fields(j, c, depth); }, *chunk);
  return j;
}

std::string address_text(const IpInfo& ip, bool source) {
  char buffer[64];
  return std::string(format_address(ip, source, buffer, sizeof buffer));
}

}  // namespace

std::string to_hex(wire::Bytes bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xF];
  }
  return out;
}

std::string dump_json_line(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

json chunks_to_json(wire::Bytes chunks, int depth) {
  json out = json::array();
  wire::ChunkReader reader(chunks);
  while (auto raw = reader.next()) {
    if (!*raw) {
      out.push_back({{"error", wire::to_string(raw->error())}, {"hex", to_hex(reader.rest())}});
      break;
    }
    out.push_back(chunk_to_json(**raw, depth));
  }
  return out;
}

json frame_to_json(const Frame& frame, const JsonOptions& options) {
  json j;
  j["frame"] = frame.number;
  j["time"] = fmt::format("{}.{:06d}", frame.timestamp.seconds, frame.timestamp.microseconds);
  j["captured_length"] = frame.captured_length;
  j["wire_length"] = frame.wire_length;
  json ip;
  ip["version"] = frame.ip.version == IpVersion::V4 ? 4 : 6;
  ip["source"] = address_text(frame.ip, true);
  ip["destination"] = address_text(frame.ip, false);
  ip["protocol"] = frame.ip.protocol;
  ip["length"] = frame.ip.length;
  ip["ttl"] = frame.ip.ttl;
  ip["tos"] = frame.ip.tos;
  if (frame.ip.version == IpVersion::V4) {
    ip["id"] = frame.ip.id;
    ip["dont_fragment"] = frame.ip.dont_fragment;
    ip["more_fragments"] = frame.ip.more_fragments;
    ip["fragment_offset"] = frame.ip.fragment_offset;
  } else {
    ip["flow_label"] = frame.ip.flow_label;
    // RFC 8200 4.5: only a packet with a fragment header is a fragment.
    if (frame.ip.fragment_offset != 0 || frame.ip.more_fragments) {
      ip["more_fragments"] = frame.ip.more_fragments;
      ip["fragment_offset"] = frame.ip.fragment_offset;
    }
  }
  j["ip"] = std::move(ip);
  if (frame.udp) {
    j["udp"] = {{"source_port", frame.udp->source_port},
                {"destination_port", frame.udp->destination_port},
                {"length", frame.udp->length},
                {"checksum", frame.udp->checksum}};
  }
  // RFC 791, RFC 8200 4.5: a later fragment carries no SCTP common header.
  if (frame.ip.fragment_offset != 0) {
    j["sctp"] = nullptr;
    return j;
  }
  json sctp;
  sctp["length"] = frame.sctp_length;
  sctp["captured"] = frame.sctp.size();
  sctp["truncated"] = frame.sctp.size() < frame.sctp_length;
  auto header = wire::parse_common_header(frame.sctp);
  if (!header) {
    sctp["error"] = wire::to_string(header.error());
    sctp["hex"] = to_hex(frame.sctp);
    j["sctp"] = std::move(sctp);
    return j;
  }
  sctp["source_port"] = header->source_port;
  sctp["destination_port"] = header->destination_port;
  sctp["verification_tag"] = header->verification_tag.value();
  sctp["checksum"] = fmt::format("0x{:08x}", wire::load_u32(frame.sctp, wire::kChecksumOffset));
  if (options.check) {
    const ChecksumCheck check = check_checksum(frame);
    sctp["checksum_verdict"] = to_string(check.verdict);
    if (check.verdict != ChecksumVerdict::NotCaptured) {
      sctp["checksum_correct"] = fmt::format("0x{:08x}", check.computed);
    }
  }
  const size_t end = std::min<size_t>(frame.sctp.size(), std::max<size_t>(frame.sctp_length, wire::kCommonHeaderSize));
  sctp["chunks"] = chunks_to_json(frame.sctp.subspan(wire::kCommonHeaderSize, end - wire::kCommonHeaderSize));
  j["sctp"] = std::move(sctp);
  return j;
}

}  // namespace sctpkit::trace
