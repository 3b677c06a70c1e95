// Pieces of association setup shared by the endpoint (stateless INIT ACK, RFC 9260 5.1) and the
// association (INIT collisions, 5.2): reading INIT / INIT ACK parameters and building the packets
// that carry handshake and reply chunks. These packets are rare, so they own their bytes.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "assoc/clock.h"
#include "wire/byte_io.h"
#include "wire/handshake_chunks.h"
#include "wire/ip_address.h"
#include "wire/packet.h"
#include "wire/types.h"

namespace sctpkit::assoc {

// A working buffer of `size` bytes for a handshake packet's pieces (a signed cookie, a parameter
// list): on the stack for the usual sizes, which every setup builds, on the heap only beyond.
// Its bytes are not initialised: the writer fills what it hands out.
class Scratch {
 public:
  static constexpr size_t kInline = 512;
  explicit Scratch(size_t size) {
    if (size > kInline) {
      large_.resize(size);
      bytes_ = large_;
    } else {
      bytes_ = wire::MutableBytes(small_.data(), size);
    }
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  // Writable through a non-const Scratch only: a const one is a promise that nothing writes it.
  [[nodiscard]] wire::MutableBytes bytes() { return bytes_; }

 private:
  std::array<uint8_t, kInline> small_;
  std::vector<uint8_t> large_;
  wire::MutableBytes bytes_;
};

struct OwnedPacket {
  wire::IpAddress source;
  wire::IpAddress destination;
  std::vector<uint8_t> bytes;
};

// What an INIT or INIT ACK says beyond its fixed fields (RFC 9260 3.3.2, 3.3.3, 5.1.2, 3.2.1).
struct InitParameters {
  std::vector<wire::IpAddress> addresses;
  wire::Bytes host_name;                 // the Host Name Address TLV, if present (5.1.2 rule 2)
  wire::Bytes state_cookie;              // INIT ACK: the State Cookie's value
  bool has_state_cookie = false;
  // Whole TLVs whose type's upper bits ask for a report, the first kMaxUnrecognizedReport bytes'
  // worth of them (see there).
  std::vector<wire::Bytes> unrecognized;
  bool malformed = false;                // a known parameter with a bad length, or a broken list
  uint32_t addresses_past_limit = 0;     // address parameters not read: past max_addresses
  uint32_t cookie_preservative_ms = 0;   // INIT: Suggested Cookie Life-Span Increment (3.3.2.1.3)
};

// RFC 9260 3.3.2.1.3: the receiver of a Cookie Preservative "MAY choose to ignore the suggested
// cookie life span increase for its own security reasons": granted up to the configured life span
// again (a cookie valid at most twice as long), never more.
Duration cookie_life(Duration configured, uint32_t suggested_increment_ms);

// RFC 9260 14: the unrecognized parameters reported back, padded TLVs included, stop at this
// many bytes; later ones are left out, as 14 allows ("MAY ... omit some or all"). Each is echoed in
// an Unrecognized Parameter of the INIT ACK on top of the copy of the INIT its cookie holds, so
// without a bound an INIT of skip-and-report parameters drew an INIT ACK over twice its size
// toward a source that may be spoofed. Honest peers report one or two small parameters.
inline constexpr size_t kMaxUnrecognizedReport = 256;

// Reads at most `max_addresses` address parameters (a hostile INIT can list thousands); the rest
// are counted in addresses_past_limit.
InitParameters read_init_parameters(wire::Bytes parameters, size_t max_addresses);

// RFC 9260 5.1.2 rules 1 and 3: the source address, then each listed address of a family we can
// reach (the source's), without duplicates, at most `max_addresses` in all (EndpointConfig::
// max_peer_addresses; the source is always kept). Adds to `ignored` the listed addresses left out
// for the limit (those read_init_parameters did not read included; duplicates past the limit
// count too, as telling them apart would mean keeping them all).
std::vector<wire::IpAddress> peer_addresses(const wire::IpAddress& source, const InitParameters& parameters,
                                            size_t max_addresses, uint64_t& ignored);

struct InitOffer {
  wire::VerificationTag initiate_tag;
  uint32_t a_rwnd = 0;
  uint16_t outbound_streams = 0;
  uint16_t inbound_streams = 0;
  wire::Tsn initial_tsn;
};

struct PacketEnds {
  wire::IpAddress source;
  wire::IpAddress destination;
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
};

// RFC 9260 5.1 / 8.5.1 A: an INIT travels alone with Verification Tag 0. A non-zero
// `cookie_preservative_ms` adds a Cookie Preservative (5.2.6 alternative 3).
OwnedPacket build_init(const PacketEnds& ends, const InitOffer& offer,
                       std::span<const wire::IpAddress> local_addresses, uint32_t cookie_preservative_ms = 0);

// RFC 9260 5.1 step 2: an INIT ACK travels alone, tagged with the INIT's Initiate Tag. Empty
// bytes when the cookie is too long for its parameter (an INIT near the longest chunk): not sent.
OwnedPacket build_init_ack(const PacketEnds& ends, wire::VerificationTag peer_tag, const InitOffer& offer,
                           wire::Bytes cookie, std::span<const wire::IpAddress> local_addresses,
                           std::span<const wire::Bytes> unrecognized);

// An ABORT with pre-encoded causes (possibly empty); `reflected` sets the T bit (8.5.1 B).
OwnedPacket build_abort(const PacketEnds& ends, wire::VerificationTag tag, bool reflected, wire::Bytes causes);

// A packet with one chunk given as an object with the PacketBuilder chunk concept.
template <typename Chunk>
OwnedPacket build_single(const PacketEnds& ends, wire::VerificationTag tag, const Chunk& chunk) {
  OwnedPacket packet{ends.source, ends.destination, {}};
  packet.bytes.resize(wire::kCommonHeaderSize + wire::padded4(wire::kChunkHeaderSize + chunk.value_size()));
  wire::PacketBuilder builder(packet.bytes, packet.bytes.size(), {ends.source_port, ends.destination_port, tag, 0});
  builder.add(chunk);
  packet.bytes.resize(builder.finish().size());
  return packet;
}

// Encodes one error cause (any type with the TLV concept) into a list of causes for ABORT / ERROR.
template <typename Cause>
std::vector<uint8_t> encode_cause(const Cause& cause);

}  // namespace sctpkit::assoc

#include "assoc/handshake_inl.h"
