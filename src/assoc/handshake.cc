#include "assoc/handshake.h"

#include <algorithm>

#include "wire/control_chunks.h"
#include "wire/parameter_list.h"
#include "wire/parameters.h"
#include "wire/tlv.h"

namespace sctpkit::assoc {
namespace {

constexpr uint16_t kIpv4Type = 5;
constexpr uint16_t kIpv6Type = 6;
constexpr uint16_t kStateCookieType = 7;
constexpr uint16_t kHostNameType = 11;

// Parameters we understand in INIT / INIT ACK, whether or not we use them: they must not be
// reported back as unrecognized (RFC 9260 3.2.1).
bool known_init_parameter(uint16_t type) {
  switch (type) {
    case 5: case 6: case 7: case 9: case 11: case 12:  // RFC 9260
    case 0x8000:                                       // ECN Capable (reserved)
    case 0x8001:                                       // Zero Checksum Acceptable (RFC 9653)
    case 0x8002: case 0x8003: case 0x8004:             // AUTH (RFC 4895)
    case 0x8005:                                       // Padding (RFC 4820)
    case 0x8008:                                       // Supported Extensions (RFC 5061)
    case 0xC000:                                       // Forward-TSN-Supported (RFC 3758)
    case 0xC006:                                       // Adaptation Layer Indication (RFC 5061)
      return true;
    default:
      return false;
  }
}

void encode_addresses(std::span<const wire::IpAddress> addresses, wire::TlvListBuilder& list) {
  for (const auto& a : addresses) {
    if (a.is_v4()) {
      wire::Ipv4Address p;
      std::copy_n(a.bytes().begin(), 4, p.address.begin());
      list.add(p);
    } else {
      wire::Ipv6Address p;
      p.address = a.bytes();
      list.add(p);
    }
  }
}

OwnedPacket finish(const PacketEnds& ends, wire::VerificationTag tag, const wire::InitFields& fields, uint8_t type) {
  OwnedPacket packet{ends.source, ends.destination, {}};
  packet.bytes.resize(wire::kCommonHeaderSize + wire::padded4(wire::kChunkHeaderSize + fields.value_size()));
  wire::PacketBuilder builder(packet.bytes, packet.bytes.size(), {ends.source_port, ends.destination_port, tag, 0});
  if (type == wire::InitChunk::kType) {
    builder.add(static_cast<const wire::InitChunk&>(fields));
  } else {
    builder.add(static_cast<const wire::InitAckChunk&>(fields));
  }
  packet.bytes.resize(builder.finish().size());
  return packet;
}

}  // namespace

InitParameters read_init_parameters(wire::Bytes parameters, size_t max_addresses) {
  InitParameters out;
  size_t reported = 0;
  wire::TlvReader reader(parameters);
  while (auto item = reader.next()) {
    if (!*item) {
      out.malformed = true;
      break;
    }
    const wire::RawTlv& tlv = **item;
    switch (tlv.type) {
      case kIpv4Type:
      case kIpv6Type: {
        if (tlv.value.size() != (tlv.type == kIpv4Type ? 4u : 16u)) {
          out.malformed = true;
          break;
        }
        if (out.addresses.size() < max_addresses) {
          out.addresses.push_back(tlv.type == kIpv4Type ? wire::IpAddress::v4(tlv.value.data())
                                                        : wire::IpAddress::v6(tlv.value.data()));
        } else {
          ++out.addresses_past_limit;
        }
        break;
      }
      case kStateCookieType:
        out.state_cookie = tlv.value;
        out.has_state_cookie = true;
        break;
      case kHostNameType:
        out.host_name = tlv.whole;
        break;
      case wire::CookiePreservative::kType:
        if (tlv.value.size() == 4) out.cookie_preservative_ms = wire::load_u32(tlv.value, 0);
        break;
      default:
        if (known_init_parameter(tlv.type)) break;
        // RFC 9260 3.2.1: the upper two bits say whether to report it and whether to go on.
        if ((tlv.type & 0x4000) && reported + wire::padded4(tlv.whole.size()) <= kMaxUnrecognizedReport) {
          reported += wire::padded4(tlv.whole.size());
          out.unrecognized.push_back(tlv.whole);
        }
        if (!(tlv.type & 0x8000)) return out;
        break;
    }
  }
  return out;
}

std::vector<wire::IpAddress> peer_addresses(const wire::IpAddress& source, const InitParameters& parameters,
                                            size_t max_addresses, uint64_t& ignored) {
  std::vector<wire::IpAddress> out{source};
  ignored += parameters.addresses_past_limit;
  for (const auto& a : parameters.addresses) {
    // RFC 9260 5.1.2: addresses of a family we do not use on this association MAY be ignored; a
    // path we could never send on would only collect timeouts.
    if (a.family() != source.family()) continue;
    if (std::find(out.begin(), out.end(), a) != out.end()) continue;
    // RFC 9260 12 leaves self-protection to the implementation: each kept address is a Path and
    // a probe (5.4), so a peer listing thousands must not get thousands.
    if (out.size() >= max_addresses) {
      ++ignored;
      continue;
    }
    out.push_back(a);
  }
  return out;
}

Duration cookie_life(Duration configured, uint32_t suggested_increment_ms) {
  return configured + std::min<Duration>(std::chrono::milliseconds(suggested_increment_ms), configured);
}

OwnedPacket build_init(const PacketEnds& ends, const InitOffer& offer, std::span<const wire::IpAddress> local_addresses,
                       uint32_t cookie_preservative_ms) {
  Scratch params(local_addresses.size() * 20 + 16);
  wire::TlvListBuilder list(params.bytes());
  encode_addresses(local_addresses, list);
  if (cookie_preservative_ms != 0) list.add(wire::CookiePreservative{cookie_preservative_ms});
  wire::InitChunk init;
  init.initiate_tag = offer.initiate_tag;
  init.a_rwnd = offer.a_rwnd;
  init.outbound_streams = offer.outbound_streams;
  init.inbound_streams = offer.inbound_streams;
  init.initial_tsn = offer.initial_tsn;
  init.parameters = list.bytes();
  return finish(ends, wire::VerificationTag(0), init, wire::InitChunk::kType);
}

OwnedPacket build_init_ack(const PacketEnds& ends, wire::VerificationTag peer_tag, const InitOffer& offer,
                           wire::Bytes cookie, std::span<const wire::IpAddress> local_addresses,
                           std::span<const wire::Bytes> unrecognized) {
  size_t room = wire::padded4(4 + cookie.size()) + local_addresses.size() * 20;
  for (const auto& u : unrecognized) room += wire::padded4(4 + u.size());
  Scratch params(room);
  wire::TlvListBuilder list(params.bytes());
  // RFC 9260 3.3.3: the State Cookie is mandatory. One holding an INIT within ~100 bytes of the
  // 16-bit chunk length does not fit a parameter's 16-bit length: no INIT ACK at all (empty
  // bytes), rather than one without a cookie.
  if (!list.add(wire::StateCookie{cookie})) return {};
  encode_addresses(local_addresses, list);
  // RFC 9260 3.2.2: each unrecognized INIT parameter comes back in an Unrecognized Parameter.
  for (const auto& u : unrecognized) list.add(wire::UnrecognizedParameter{u});
  wire::InitAckChunk ack;
  ack.initiate_tag = offer.initiate_tag;
  ack.a_rwnd = offer.a_rwnd;
  ack.outbound_streams = offer.outbound_streams;
  ack.inbound_streams = offer.inbound_streams;
  ack.initial_tsn = offer.initial_tsn;
  ack.parameters = list.bytes();
  return finish(ends, peer_tag, ack, wire::InitAckChunk::kType);
}

OwnedPacket build_abort(const PacketEnds& ends, wire::VerificationTag tag, bool reflected, wire::Bytes causes) {
  return build_single(ends, tag, wire::AbortChunk{reflected, causes});
}

}  // namespace sctpkit::assoc
