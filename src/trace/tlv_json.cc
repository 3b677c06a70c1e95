// The parameter and error cause halves of --json (packet_json.h): one object per TLV with its
// type or code, RFC name, length and every field of the typed value.
#include <fmt/format.h>

#include "trace/packet_json.h"
#include "trace/json_list.h"
#include "wire/chunk.h"
#include "wire/error_causes.h"
#include "wire/ip_address.h"
#include "wire/parameters.h"

namespace sctpkit::trace {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 4;

// Free-form bytes (a user's abort reason, protocol violation details): hex always, text as well
// when every byte is printable ASCII.
void add_opaque(json& j, std::string_view key, wire::Bytes bytes) {
  j[std::string(key)] = to_hex(bytes);
  bool printable = !bytes.empty();
  for (uint8_t b : bytes) printable = printable && b >= 0x20 && b < 0x7F;
  if (printable) j[std::string(key) + "_text"] = std::string(bytes.begin(), bytes.end());
}


json chunk_types(const wire::WireList<uint8_t>& types) {
  json out = json::array();
  for (uint8_t type : types) out.push_back({{"type", type}, {"name", wire::chunk_type_name(type)}});
  return out;
}

// A nested whole TLV (an echoed parameter, an address inside an ASCONF request).
json nested_parameter(wire::Bytes whole, int depth) {
  json list = parameters_to_json(whole, depth + 1);
  return list.empty() ? json() : list[0];
}

// --- parameters ---
void add_fields(json& j, const wire::HeartbeatInfo& p, int) { j["info"] = to_hex(p.info); }
void add_fields(json& j, const wire::Ipv4Address& p, int) {
  j["address"] = wire::IpAddress::v4(p.address.data()).to_string();
}
void add_fields(json& j, const wire::Ipv6Address& p, int) {
  j["address"] = wire::IpAddress::v6(p.address.data()).to_string();
}
void add_fields(json& j, const wire::StateCookie& p, int) {
  j["cookie_length"] = p.cookie.size();
  j["cookie"] = to_hex(p.cookie);
}
void add_fields(json& j, const wire::UnrecognizedParameter& p, int depth) {
  j["parameter"] = nested_parameter(p.parameter, depth);
}
void add_fields(json& j, const wire::CookiePreservative& p, int) { j["life_span_increment_ms"] = p.life_span_increment_ms; }
void add_fields(json& j, const wire::HostNameAddress& p, int) { j["host_name"] = std::string(p.name()); }
void add_fields(json& j, const wire::SupportedAddressTypes& p, int) { j["address_types"] = json_numbers(p.address_types); }
template <uint16_t Type>
void add_fields(json&, const wire::EmptyTlv<Type>&, int) {}
void add_fields(json& j, const wire::OutgoingSsnResetRequest& p, int) {
  j["request_seq"] = p.request_seq.value();
  j["response_seq"] = p.response_seq.value();
  j["senders_last_assigned_tsn"] = p.senders_last_assigned_tsn.value();
  j["streams"] = json_numbers(p.streams);
}
void add_fields(json& j, const wire::IncomingSsnResetRequest& p, int) {
  j["request_seq"] = p.request_seq.value();
  j["streams"] = json_numbers(p.streams);
}
void add_fields(json& j, const wire::SsnTsnResetRequest& p, int) { j["request_seq"] = p.request_seq.value(); }
void add_fields(json& j, const wire::ReconfigResponse& p, int) {
  j["response_seq"] = p.response_seq.value();
  j["result"] = static_cast<uint32_t>(p.result);
  j["result_name"] = wire::reconfig_result_name(p.result);
  if (p.next_tsns) {
    j["senders_next_tsn"] = p.next_tsns->sender.value();
    j["receivers_next_tsn"] = p.next_tsns->receiver.value();
  }
}
template <uint16_t Type>
void add_fields(json& j, const wire::AddStreamsRequest<Type>& p, int) {
  j["request_seq"] = p.request_seq.value();
  j["new_streams"] = p.new_streams;
}
void add_fields(json& j, const wire::RandomParameter& p, int) { j["random"] = to_hex(p.random); }
void add_fields(json& j, const wire::ChunkListParameter& p, int) { j["chunk_types"] = chunk_types(p.chunk_types); }
void add_fields(json& j, const wire::RequestedHmacAlgorithms& p, int) { j["hmac_ids"] = json_numbers(p.hmac_ids); }
void add_fields(json& j, const wire::PaddingParameter& p, int) { j["padding_length"] = p.padding_size; }
void add_fields(json& j, const wire::ZeroChecksumAcceptable& p, int) { j["edmid"] = p.edmid; }
template <uint16_t Type>
void add_fields(json& j, const wire::AsconfAddressRequest<Type>& p, int depth) {
  j["correlation_id"] = p.correlation_id;
  j["address"] = nested_parameter(p.address, depth);
}
void add_fields(json& j, const wire::ErrorCauseIndication& p, int depth) {
  j["correlation_id"] = p.correlation_id;
  j["causes"] = causes_to_json(p.causes, depth + 1);
}
void add_fields(json& j, const wire::SuccessIndication& p, int) { j["correlation_id"] = p.correlation_id; }
void add_fields(json& j, const wire::AdaptationLayerIndication& p, int) {
  j["adaptation_code_point"] = p.adaptation_code_point;
}
void add_fields(json& j, const wire::SupportedExtensions& p, int) { j["chunk_types"] = chunk_types(p.chunk_types); }
void add_fields(json& j, const wire::UnknownParameter& p, int) { j["value"] = to_hex(p.value); }

// --- error causes ---
void add_fields(json& j, const wire::InvalidStreamIdentifier& c, int) { j["stream_id"] = c.stream_id.value(); }
void add_fields(json& j, const wire::MissingMandatoryParameter& c, int) { j["missing_types"] = json_numbers(c.missing_types); }
void add_fields(json& j, const wire::StaleCookie& c, int) { j["staleness_us"] = c.staleness_us; }
void add_fields(json& j, const wire::UnresolvableAddress& c, int depth) { j["address"] = nested_parameter(c.address, depth); }
void add_fields(json& j, const wire::UnrecognizedChunkType& c, int depth) {
  json list = chunks_to_json(c.chunk, depth + 1);
  if (list.empty()) {
    j["chunk"] = nullptr;
  } else {
    j["chunk"] = list[0];
  }
  j["chunk_hex"] = to_hex(c.chunk);
}
void add_fields(json& j, const wire::UnrecognizedParameters& c, int depth) {
  j["parameters"] = parameters_to_json(c.parameters, depth + 1);
}
void add_fields(json& j, const wire::NoUserData& c, int) { j["tsn"] = c.tsn.value(); }
void add_fields(json& j, const wire::RestartWithNewAddresses& c, int depth) {
  j["new_addresses"] = parameters_to_json(c.new_addresses, depth + 1);
}
void add_fields(json& j, const wire::UserInitiatedAbort& c, int) { add_opaque(j, "reason", c.reason); }
void add_fields(json& j, const wire::ProtocolViolation& c, int) {
  add_opaque(j, "additional_information", c.additional_information);
}
void add_fields(json& j, const wire::RestartWithNewEncapsulationPort& c, int) {
  j["current_port"] = c.current_port;
  j["new_port"] = c.new_port;
}
template <uint16_t Code>
void add_fields(json& j, const wire::AsconfRequestCause<Code>& c, int depth) {
  j["request"] = nested_parameter(c.request, depth);
}
void add_fields(json& j, const wire::UnsupportedHmacIdentifier& c, int) { j["hmac_id"] = c.hmac_id; }
void add_fields(json& j, const wire::UnknownCause& c, int) { j["value"] = to_hex(c.value); }

// Walks a TLV list; `parse` is parse_parameter or parse_error_cause, `name` the matching namer.
template <typename Parse, typename Name>
json tlvs_to_json(wire::Bytes list, int depth, const char* type_key, Parse parse, Name name) {
  json out = json::array();
  wire::TlvReader reader(list);
  while (auto tlv = reader.next()) {
    if (!*tlv) {
      out.push_back({{"error", wire::to_string(tlv->error())}, {"hex", to_hex(reader.rest())}});
      break;
    }
    const wire::RawTlv& raw = **tlv;
    json j;
    j[type_key] = raw.type;
    const std::string_view type_name = name(raw.type);
    j["name"] = type_name.empty() ? "unknown" : type_name;
    j["length"] = raw.length;
    if (depth > kMaxDepth) {
      j["hex"] = to_hex(raw.whole);
    } else if (auto item = parse(raw)) {
      std::visit([&](const auto& typed) { add_fields(j, typed, depth); }, *item);
    } else {
      j["error"] = wire::to_string(item.error());
      j["hex"] = to_hex(raw.whole);
    }
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

json parameters_to_json(wire::Bytes parameters, int depth) {
  return tlvs_to_json(parameters, depth, "type", wire::parse_parameter, wire::parameter_type_name);
}

json causes_to_json(wire::Bytes causes, int depth) {
  return tlvs_to_json(causes, depth, "code", wire::parse_error_cause, wire::error_cause_name);
}

}  // namespace sctpkit::trace
