#include "tools/cat_trace.h"

#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "trace/pcap_writer.h"
#include "wire/packet.h"

// The tcpdump printer lives on the `printer` branch; until it is merged, a minimal printer gives
// tcpdump's first line shape (time, addresses, chunk names) so that --trace works everywhere.
#if __has_include("trace/tcpdump_printer.h")
#include "trace/tcpdump_printer.h"
#define SCTPKIT_CAT_HAS_PRINTER 1
#endif

namespace sctpkit::tools {

namespace {

wire::IpAddress to_address(std::span<const uint8_t> bytes) {
  return bytes.size() == 4 ? wire::IpAddress::v4(bytes.data()) : wire::IpAddress::v6(bytes.data());
}

trace::Timestamp to_timestamp(std::chrono::system_clock::time_point time) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  return {us / 1000000, static_cast<int32_t>(us % 1000000)};
}

#ifndef SCTPKIT_CAT_HAS_PRINTER
// RFC 9260 3.2 chunk names as tcpdump prints them.
const char* chunk_name(uint8_t type) {
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
    case 15: return "AUTH";
    case 64: return "I-DATA";
    case 128: return "ASCONF-ACK";
    case 130: return "RE-CONFIG";
    case 132: return "PAD";
    case 192: return "FOR FWD TSN";
    case 193: return "ASCONF";
    case 194: return "I-FORWARD-TSN";
    default: return nullptr;
  }
}

void append_minimal(const PacketTrace& p, const trace::Timestamp& ts, std::string& out) {
  const time_t seconds = ts.seconds;
  tm local{};
  ::localtime_r(&seconds, &local);
  const auto src = to_address(p.source_ip);
  const auto dst = to_address(p.destination_ip);
  out += fmt::format("{:02}:{:02}:{:02}.{:06} ", local.tm_hour, local.tm_min, local.tm_sec, ts.microseconds);
  if (p.udp_source_port || p.udp_destination_port)
    out += fmt::format("[udp-encap {} > {}] ", p.udp_source_port, p.udp_destination_port);
  const wire::Bytes bytes(p.packet.data(), p.packet.size());
  const uint16_t sport = bytes.size() >= 4 ? wire::load_u16(bytes, 0) : 0;
  const uint16_t dport = bytes.size() >= 4 ? wire::load_u16(bytes, 2) : 0;
  out += fmt::format("{} {}.{} > {}.{}: sctp", src.is_v4() ? "IP" : "IP6", src.to_string(), sport, dst.to_string(),
                     dport);
  // RFC 9260 3: chunks follow the 12-byte common header, each padded to 4 bytes.
  size_t offset = 12;
  int count = 0;
  while (offset + 4 <= bytes.size()) {
    const uint8_t type = bytes[offset];
    const uint16_t length = wire::load_u16(bytes, offset + 2);
    ++count;
    const char* name = chunk_name(type);
    out += fmt::format(" ({}) [{}]", count, name ? name : fmt::format("Unknown chunk type: 0x{:02x}", type));
    if (length < 4) break;
    offset += wire::padded4(length);
  }
  out += '\n';
}
#endif

}  // namespace

struct CatTrace::Impl {
  bool print = false;
  std::optional<trace::PcapWriter> pcap;
  std::string line;
#ifdef SCTPKIT_CAT_HAS_PRINTER
  trace::TcpdumpPrinter printer{trace::PrinterOptions{}};
#endif
};

CatTrace::CatTrace() : impl_(std::make_unique<Impl>()) {}
CatTrace::~CatTrace() = default;

std::unique_ptr<CatTrace> CatTrace::open(bool print, const std::string& pcap_path, std::string& error) {
  std::unique_ptr<CatTrace> trace(new CatTrace());
  trace->impl_->print = print;
  if (!pcap_path.empty()) {
    auto opened = trace::PcapWriter::open(pcap_path, trace::LinkType::Raw);
    if (auto* e = std::get_if<trace::CaptureError>(&opened)) {
      error = e->message;
      return nullptr;
    }
    trace->impl_->pcap.emplace(std::move(std::get<trace::PcapWriter>(opened)));
  }
  return trace;
}

void CatTrace::on_packet(const PacketTrace& p) {
  const auto ts = to_timestamp(p.time);
  const wire::Bytes sctp(p.packet.data(), p.packet.size());
  const bool udp = p.udp_source_port || p.udp_destination_port;
  if (impl_->pcap) {
    trace::PacketMeta meta;
    meta.timestamp = ts;
    meta.source = to_address(p.source_ip);
    meta.destination = to_address(p.destination_ip);
    if (udp) meta.udp = trace::UdpPorts{p.udp_source_port, p.udp_destination_port};
    meta.outgoing = p.sent;
    impl_->pcap->write(meta, sctp);
  }
  if (!impl_->print) return;
  impl_->line.clear();
#ifdef SCTPKIT_CAT_HAS_PRINTER
  trace::Frame frame;
  frame.timestamp = ts;
  frame.captured_length = frame.wire_length = static_cast<uint32_t>(sctp.size());
  frame.ip.version = p.source_ip.size() == 4 ? trace::IpVersion::V4 : trace::IpVersion::V6;
  std::copy(p.source_ip.begin(), p.source_ip.end(), frame.ip.source.begin());
  std::copy(p.destination_ip.begin(), p.destination_ip.end(), frame.ip.destination.begin());
  frame.ip.protocol = udp ? 17 : 132;
  if (udp) frame.udp = trace::UdpInfo{p.udp_source_port, p.udp_destination_port,
                                      static_cast<uint16_t>(sctp.size() + 8), 0};
  frame.sctp = sctp;
  frame.sctp_length = static_cast<uint32_t>(sctp.size());
  impl_->printer.append(frame, impl_->line);
#else
  append_minimal(p, ts, impl_->line);
#endif
  std::fwrite(impl_->line.data(), 1, impl_->line.size(), stderr);
  std::fflush(stderr);
}

std::optional<std::string> CatTrace::close() {
  if (!impl_->pcap) return std::nullopt;
  auto error = impl_->pcap->close();
  if (error) return error->message;
  return std::nullopt;
}

}  // namespace sctpkit::tools
