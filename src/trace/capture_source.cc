#include "trace/capture_source.h"

#include <fmt/core.h>
#include <pcap/pcap.h>

#include <array>
#include <cstdio>
#include <exception>
#include <utility>

#include "trace/frame_decoder.h"
#include "trace/pcap_handle.h"

namespace sctpkit::trace {
namespace {

CaptureError activation_error(pcap_t* handle, int status, const std::string& interface) {
  using Kind = CaptureError::Kind;
  switch (status) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
      return {Kind::Open, fmt::format("cannot capture on {}: no such interface (ip link lists them)", interface)};
    case PCAP_ERROR_PERM_DENIED:
    case PCAP_ERROR_PROMISC_PERM_DENIED:
      return {Kind::Permission, fmt::format("capturing on {} needs root or CAP_NET_RAW: run with sudo", interface)};
    case PCAP_ERROR_IFACE_NOT_UP:
      return {Kind::Open, fmt::format("cannot capture on {}: the interface is down", interface)};
    default: {
      // pcap_geterr holds a message only for PCAP_ERROR; the other codes have a fixed text.
      const std::string detail = status == PCAP_ERROR ? pcap_geterr(handle) : pcap_statustostr(status);
      return {Kind::Open, fmt::format("cannot capture on {}: {}", interface, detail)};
    }
  }
}

class PcapCaptureSource final : public CaptureSource {
 public:
  PcapCaptureSource(PcapHandle handle, CaptureOptions options, bool live)
      : handle_(std::move(handle)), options_(std::move(options)), live_(live),
        link_type_(pcap_datalink(handle_.get())) {}

  std::optional<CaptureError> configure();

  std::variant<CaptureStats, CaptureError> run(const std::function<void(const Frame&)>& on_frame) override;

  // pcap_breakloop only sets a flag (and, for live Linux capture, writes to an eventfd to wake the
  // poll), so it is safe from a signal handler or another thread.
  void stop() override { pcap_breakloop(handle_.get()); }

  [[nodiscard]] std::string link_type_name() const override {
    const char* name = pcap_datalink_val_to_name(link_type_);
    return name != nullptr ? name : fmt::format("DLT_{}", link_type_);
  }
  [[nodiscard]] std::string link_type_description() const override {
    const char* description = pcap_datalink_val_to_description(link_type_);
    return description != nullptr ? description : fmt::format("DLT {}", link_type_);
  }
  [[nodiscard]] int snapshot_length() const override { return pcap_snapshot(handle_.get()); }

 private:
  static void on_packet(u_char* user, const pcap_pkthdr* header, const u_char* data);
  void handle_packet(const pcap_pkthdr& header, const u_char* data);
  [[nodiscard]] std::string source_name() const {
    return live_ ? "interface " + options_.interface : "capture file " + options_.read_file;
  }

  PcapHandle handle_;
  PcapDumper dumper_;
  CaptureOptions options_;
  bool live_;
  int link_type_;
  CaptureStats stats_;
  const std::function<void(const Frame&)>* on_frame_ = nullptr;
  std::exception_ptr callback_error_;
};

std::optional<CaptureError> PcapCaptureSource::configure() {
  if (!is_supported_link_type(link_type_)) {
    return CaptureError{CaptureError::Kind::LinkType,
                        fmt::format("{}: link type {} ({}) is not supported", source_name(), link_type_name(),
                                    link_type_description())};
  }
  // A file is decoded whole unless the user asks otherwise: the BPF default cannot see through VLAN
  // tags or IPv6 extension headers, and unfiltered frame numbers match Wireshark's. A live capture
  // filters in the kernel so that a busy interface does not flood us.
  const std::string filter = !options_.filter.empty() ? options_.filter
                             : live_                  ? default_capture_filter(options_.udp_ports)
                                                      : std::string();
  if (!filter.empty()) {
    bpf_program program{};
    if (pcap_compile(handle_.get(), &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      return CaptureError{CaptureError::Kind::Filter,
                          fmt::format("bad filter '{}': {}", filter, pcap_geterr(handle_.get()))};
    }
    const int set = pcap_setfilter(handle_.get(), &program);
    pcap_freecode(&program);
    if (set != 0) {
      return CaptureError{CaptureError::Kind::Filter,
                          fmt::format("cannot apply filter '{}': {}", filter, pcap_geterr(handle_.get()))};
    }
  }
  if (!options_.write_file.empty()) {
    dumper_.reset(pcap_dump_open(handle_.get(), options_.write_file.c_str()));
    if (!dumper_) {
      return CaptureError{CaptureError::Kind::Write,
                          fmt::format("cannot write capture file {}: {}", options_.write_file,
                                      without_path(pcap_geterr(handle_.get()), options_.write_file))};
    }
  }
  return std::nullopt;
}

void PcapCaptureSource::on_packet(u_char* user, const pcap_pkthdr* header, const u_char* data) {
  reinterpret_cast<PcapCaptureSource*>(user)->handle_packet(*header, data);
}

void PcapCaptureSource::handle_packet(const pcap_pkthdr& header, const u_char* data) {
  ++stats_.packets_read;
  if (dumper_) {
    pcap_dump(reinterpret_cast<u_char*>(dumper_.get()), &header, data);
    if (options_.packet_buffered) pcap_dump_flush(dumper_.get());
  }
  const RawPacket packet{stats_.packets_read,
                         {static_cast<int64_t>(header.ts.tv_sec), static_cast<int32_t>(header.ts.tv_usec)},
                         wire::Bytes(data, header.caplen), header.len};
  auto decoded = decode_frame(link_type_, packet, options_.udp_ports);
  const Frame* frame = std::get_if<Frame>(&decoded);
  if (frame == nullptr) {
    ++stats_.skipped;
    return;
  }
  ++stats_.sctp_frames;
  // An exception must not unwind through libpcap's C frames: keep it, stop, rethrow from run().
  try {
    (*on_frame_)(*frame);
  } catch (...) {
    callback_error_ = std::current_exception();
    pcap_breakloop(handle_.get());
    return;
  }
  if (options_.count > 0 && stats_.sctp_frames >= static_cast<uint64_t>(options_.count)) {
    pcap_breakloop(handle_.get());
  }
}

std::variant<CaptureStats, CaptureError> PcapCaptureSource::run(const std::function<void(const Frame&)>& on_frame) {
  if (options_.count == 0) return stats_;
  on_frame_ = &on_frame;
  const int result = pcap_loop(handle_.get(), -1, &PcapCaptureSource::on_packet, reinterpret_cast<u_char*>(this));
  on_frame_ = nullptr;

  std::optional<CaptureError> error;
  if (result == PCAP_ERROR) {
    error = CaptureError{CaptureError::Kind::Read,
                         fmt::format("error reading {}: {}", source_name(), pcap_geterr(handle_.get()))};
  }
  if (dumper_ && (pcap_dump_flush(dumper_.get()) != 0 || std::ferror(pcap_dump_file(dumper_.get())) != 0)) {
    if (!error) error = CaptureError{CaptureError::Kind::Write, fmt::format("error writing {}", options_.write_file)};
  }
  if (live_) {
    pcap_stat kernel{};
    if (pcap_stats(handle_.get(), &kernel) == 0) stats_.kernel_dropped = kernel.ps_drop;
  }
  if (callback_error_) std::rethrow_exception(std::exchange(callback_error_, nullptr));
  if (error) return *error;
  return stats_;
}

}  // namespace

std::variant<std::unique_ptr<CaptureSource>, CaptureError> CaptureSource::open(const CaptureOptions& options) {
  using Kind = CaptureError::Kind;
  if (options.read_file.empty() && options.interface.empty()) {
    return CaptureError{Kind::Open, "nothing to capture from: give a capture file (-r) or an interface (-i)"};
  }
  if (!options.read_file.empty() && !options.interface.empty()) {
    return CaptureError{Kind::Open, "give a capture file (-r) or an interface (-i), not both"};
  }
  std::array<char, PCAP_ERRBUF_SIZE> error{};
  const bool live = !options.interface.empty();
  PcapHandle handle;
  if (!live) {
    handle.reset(pcap_open_offline(options.read_file.c_str(), error.data()));
    if (!handle) {
      return CaptureError{Kind::Open, fmt::format("cannot read capture file {}: {}", options.read_file,
                                                      without_path(error.data(), options.read_file))};
    }
  } else {
    handle.reset(pcap_create(options.interface.c_str(), error.data()));
    if (!handle) {
      return CaptureError{Kind::Open, fmt::format("cannot capture on {}: {}", options.interface, error.data())};
    }
    pcap_set_snaplen(handle.get(), options.snaplen);
    pcap_set_promisc(handle.get(), options.promiscuous ? 1 : 0);
    // Deliver each packet as it arrives rather than when a buffer fills: a trace is read live.
    pcap_set_immediate_mode(handle.get(), 1);
    pcap_set_buffer_size(handle.get(), options.buffer_bytes);
    const int status = pcap_activate(handle.get());
    if (status < 0) return activation_error(handle.get(), status, options.interface);
    // tcpdump 4.99 captures on "any" as LINUX_SLL2, which records the interface and the direction
    // it prints ("eth0  Out IP ..."); libpcap's default there, LINUX_SLL, has no interface. A
    // libpcap without SLL2 refuses and the capture stays LINUX_SLL.
    if (options.interface == "any") pcap_set_datalink(handle.get(), dlt::kLinuxSll2);
  }
  auto source = std::make_unique<PcapCaptureSource>(std::move(handle), options, live);
  if (auto failed = source->configure()) return *failed;
  return std::unique_ptr<CaptureSource>(std::move(source));
}

}  // namespace sctpkit::trace
