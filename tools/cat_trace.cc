#include "tools/cat_trace.h"

#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "trace/pcap_writer.h"
#include "wire/packet.h"

// The tcpdump printer lives on the `printer` branch; until it is merged, a minimal printer gives
// tcpdump's first line shape (time, addresses, chunk names) so that --trace works everywhere.
#include "trace/tcpdump_printer.h"

namespace sctpkit::tools {

namespace {

wire::IpAddress to_address(std::span<const uint8_t> bytes) {
  return bytes.size() == 4 ? wire::IpAddress::v4(bytes.data()) : wire::IpAddress::v6(bytes.data());
}

trace::Timestamp to_timestamp(std::chrono::system_clock::time_point time) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  return {us / 1000000, static_cast<int32_t>(us % 1000000)};
}


}  // namespace

struct CatTrace::Impl {
  bool print = false;
  std::optional<trace::PcapWriter> pcap;
  std::string line;
  trace::TcpdumpPrinter printer{trace::PrinterOptions{}};
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
