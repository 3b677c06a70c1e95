#include "trace/pcap_writer.h"

#include <arpa/inet.h>
#include <fmt/core.h>
#include <pcap/pcap.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace sctpkit::trace {
namespace {

using wire::Bytes;

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86DD;
constexpr uint8_t kProtocolUdp = 17;
constexpr uint8_t kProtocolSctp = 132;
constexpr size_t kIpv4HeaderSize = 20;
constexpr size_t kIpv6HeaderSize = 40;
constexpr size_t kUdpHeaderSize = 8;
constexpr size_t kMaxIpLength = 0xFFFF;

// BSD address families in the DLT_NULL header. For IPv6 we write 24 (NetBSD/OpenBSD), which
// tcpdump and Wireshark decode on every platform, rather than the writing host's AF_INET6.
constexpr uint32_t kNullFamilyInet = 2;
constexpr uint32_t kNullFamilyInet6 = 24;

// Linux if_packet.h packet types and if_arp.h hardware type, for the cooked headers.
constexpr uint8_t kPacketHost = 0;
constexpr uint8_t kPacketOutgoing = 4;
constexpr uint16_t kArphrdEther = 1;
constexpr uint32_t kCookedInterfaceIndex = 1;

size_t link_header_size(LinkType link) {
  switch (link) {
    case LinkType::Ethernet: return 14;
    case LinkType::Raw: return 0;
    case LinkType::Null: return 4;
    case LinkType::LinuxSll: return 16;
    case LinkType::LinuxSll2: return 20;
  }
  return 0;
}

size_t address_size(IpVersion version) { return version == IpVersion::V4 ? 4 : 16; }

Bytes address_bytes(const IpAddress& address) {
  return Bytes(address.bytes).first(address_size(address.version));
}

void write_link_header(wire::Writer& w, LinkType link, const PacketMeta& meta) {
  const bool v4 = meta.source.version == IpVersion::V4;
  const uint16_t ether_type = v4 ? kEtherTypeIpv4 : kEtherTypeIpv6;
  const uint8_t packet_type = meta.outgoing ? kPacketOutgoing : kPacketHost;
  switch (link) {
    case LinkType::Ethernet:
      w.bytes(kDestinationMac);
      w.bytes(kSourceMac);
      w.u16(ether_type);
      return;
    case LinkType::Raw:
      return;
    case LinkType::Null: {
      // The family is in the byte order of the host that wrote the file, not network order.
      const uint32_t family = v4 ? kNullFamilyInet : kNullFamilyInet6;
      std::array<uint8_t, 4> raw{};
      std::memcpy(raw.data(), &family, raw.size());
      w.bytes(raw);
      return;
    }
    case LinkType::LinuxSll:
      w.u16(packet_type);
      w.u16(kArphrdEther);
      w.u16(static_cast<uint16_t>(kSourceMac.size()));
      w.bytes(kSourceMac);
      w.zeros(8 - kSourceMac.size());
      w.u16(ether_type);
      return;
    case LinkType::LinuxSll2:
      w.u16(ether_type);
      w.u16(0);  // reserved
      w.u32(kCookedInterfaceIndex);
      w.u16(kArphrdEther);
      w.u8(packet_type);
      w.u8(static_cast<uint8_t>(kSourceMac.size()));
      w.bytes(kSourceMac);
      w.zeros(8 - kSourceMac.size());
      return;
  }
}

}  // namespace

std::string_view to_string(LinkType link) {
  switch (link) {
    case LinkType::Ethernet: return "EN10MB";
    case LinkType::Raw: return "RAW";
    case LinkType::Null: return "NULL";
    case LinkType::LinuxSll: return "LINUX_SLL";
    case LinkType::LinuxSll2: return "LINUX_SLL2";
  }
  return "?";
}

int dlt_of(LinkType link) {
  switch (link) {
    case LinkType::Ethernet: return DLT_EN10MB;
    case LinkType::Raw: return DLT_RAW;
    case LinkType::Null: return DLT_NULL;
    case LinkType::LinuxSll: return DLT_LINUX_SLL;
    case LinkType::LinuxSll2: return DLT_LINUX_SLL2;
  }
  return DLT_RAW;
}

IpAddress IpAddress::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress address;
  address.bytes[0] = a;
  address.bytes[1] = b;
  address.bytes[2] = c;
  address.bytes[3] = d;
  return address;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  const std::string copy(text);  // inet_pton wants a terminated string
  IpAddress address;
  if (inet_pton(AF_INET, copy.c_str(), address.bytes.data()) == 1) return address;
  address.version = IpVersion::V6;
  if (inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) == 1) return address;
  return std::nullopt;
}

uint16_t internet_checksum(std::initializer_list<Bytes> parts) {
  uint32_t sum = 0;
  for (Bytes part : parts) {
    size_t i = 0;
    for (; i + 1 < part.size(); i += 2) sum += wire::load_u16(part, i);
    if (i < part.size()) sum += uint32_t{part[i]} << 8;  // RFC 1071: pad an odd tail with zero
    sum = (sum & 0xFFFF) + (sum >> 16);
  }
  while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

bool build_frame(LinkType link, const PacketMeta& meta, Bytes sctp, std::vector<uint8_t>& frame) {
  frame.clear();
  if (meta.source.version != meta.destination.version) return false;
  const bool v4 = meta.source.version == IpVersion::V4;
  const size_t transport_size = sctp.size() + (meta.udp ? kUdpHeaderSize : 0);
  // IPv4's total length covers its header; IPv6's payload length does not.
  if (transport_size + (v4 ? kIpv4HeaderSize : 0) > kMaxIpLength) return false;

  const size_t link_size = link_header_size(link);
  const size_t ip_size = v4 ? kIpv4HeaderSize : kIpv6HeaderSize;
  frame.resize(link_size + ip_size + transport_size);
  wire::Writer w(frame);
  write_link_header(w, link, meta);

  const uint8_t protocol = meta.udp ? kProtocolUdp : kProtocolSctp;
  const size_t ip_start = w.position();
  if (v4) {
    w.u8(0x45);  // version 4, IHL 5: no options
    w.u8(meta.tos);
    w.u16(static_cast<uint16_t>(kIpv4HeaderSize + transport_size));
    w.u16(meta.ip_id);
    w.u16(0x4000);  // DF, offset 0: SCTP does its own path MTU discovery (RFC 9260 7.3)
    w.u8(meta.ttl);
    w.u8(protocol);
    w.u16(0);  // header checksum, patched below
  } else {
    w.u32((uint32_t{6} << 28) | (uint32_t{meta.tos} << 20) | (meta.flow_label & 0xFFFFF));
    w.u16(static_cast<uint16_t>(transport_size));
    w.u8(protocol);
    w.u8(meta.ttl);
  }
  const Bytes source = address_bytes(meta.source);
  const Bytes destination = address_bytes(meta.destination);
  w.bytes(source);
  w.bytes(destination);
  if (v4) {
    const uint16_t checksum = internet_checksum({Bytes(frame).subspan(ip_start, kIpv4HeaderSize)});
    wire::store_u16(frame, ip_start + 10, checksum);
  }

  const size_t udp_start = w.position();
  if (meta.udp) {
    w.u16(meta.udp->source);
    w.u16(meta.udp->destination);
    w.u16(static_cast<uint16_t>(transport_size));
    w.u16(0);  // checksum, patched below
  }
  w.bytes(sctp);

  if (meta.udp) {
    // RFC 768 / RFC 8200 8.1: the checksum covers a pseudo-header of addresses, protocol and
    // length; it is mandatory over IPv6, and a computed zero is sent as all ones.
    std::array<uint8_t, 40> pseudo{};
    size_t pseudo_size = 0;
    std::memcpy(pseudo.data(), source.data(), source.size());
    std::memcpy(pseudo.data() + source.size(), destination.data(), destination.size());
    if (v4) {
      pseudo[9] = kProtocolUdp;
      wire::store_u16(pseudo, 10, static_cast<uint16_t>(transport_size));
      pseudo_size = 12;
    } else {
      wire::store_u32(pseudo, 32, static_cast<uint32_t>(transport_size));
      pseudo[39] = kProtocolUdp;
      pseudo_size = 40;
    }
    uint16_t checksum =
        internet_checksum({Bytes(pseudo).first(pseudo_size), Bytes(frame).subspan(udp_start)});
    if (checksum == 0) checksum = 0xFFFF;
    wire::store_u16(frame, udp_start + 6, checksum);
  }
  if (w.overflowed() || w.position() != frame.size()) {
    frame.clear();  // a sizing bug above; never write a half-built frame
    return false;
  }
  return true;
}

PcapWriter::PcapWriter(PcapHandle handle, PcapDumper dumper, LinkType link, uint32_t snaplen, std::string path)
    : handle_(std::move(handle)), dumper_(std::move(dumper)), link_(link), snaplen_(snaplen), path_(std::move(path)) {}

std::variant<PcapWriter, CaptureError> PcapWriter::open(const std::string& path, LinkType link, int snaplen) {
  if (snaplen <= 0) snaplen = kDefaultSnaplen;
  PcapHandle handle(pcap_open_dead(dlt_of(link), snaplen));
  if (!handle) return CaptureError{CaptureError::Kind::Write, "cannot create a pcap handle: out of memory"};
  PcapDumper dumper(pcap_dump_open(handle.get(), path.c_str()));
  if (!dumper) {
    return CaptureError{CaptureError::Kind::Write,
                        fmt::format("cannot write capture file {}: {}", path, without_path(pcap_geterr(handle.get()), path))};
  }
  return PcapWriter(std::move(handle), std::move(dumper), link, static_cast<uint32_t>(snaplen), path);
}

bool PcapWriter::write(const PacketMeta& meta, Bytes sctp) {
  if (!build_frame(link_, meta, sctp, buffer_)) return false;
  record(meta.timestamp, buffer_, static_cast<uint32_t>(buffer_.size()), meta.snaplen);
  return true;
}

void PcapWriter::write_raw(Timestamp timestamp, Bytes frame, uint32_t wire_length) {
  record(timestamp, frame, std::max<uint32_t>(wire_length, static_cast<uint32_t>(frame.size())), 0);
}

void PcapWriter::record(Timestamp timestamp, Bytes frame, uint32_t wire_length, uint32_t snaplen) {
  if (!dumper_) return;
  pcap_pkthdr header{};
  header.ts.tv_sec = static_cast<time_t>(timestamp.seconds);
  header.ts.tv_usec = static_cast<suseconds_t>(timestamp.microseconds);
  // libpcap readers reject records longer than the file's snapshot length, so cap there too.
  uint32_t caplen = std::min(static_cast<uint32_t>(frame.size()), snaplen_);
  if (snaplen != 0) caplen = std::min(caplen, snaplen);
  header.caplen = caplen;
  header.len = wire_length;
  pcap_dump(reinterpret_cast<u_char*>(dumper_.get()), &header, frame.data());
}

std::optional<CaptureError> PcapWriter::close() {
  if (!dumper_) return std::nullopt;
  const bool failed = pcap_dump_flush(dumper_.get()) != 0 || std::ferror(pcap_dump_file(dumper_.get())) != 0;
  dumper_.reset();
  handle_.reset();
  if (failed) return CaptureError{CaptureError::Kind::Write, fmt::format("error writing capture file {}", path_)};
  return std::nullopt;
}

}  // namespace sctpkit::trace
