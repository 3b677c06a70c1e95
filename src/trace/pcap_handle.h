// Owning handles for libpcap objects, so that every exit path closes what it opened. The pcap types
// are forward-declared: only the .cc files that call libpcap include <pcap/pcap.h>.
#pragma once

#include <memory>
#include <string_view>

struct pcap;          // pcap_t
struct pcap_dumper;   // pcap_dumper_t

namespace sctpkit::trace {

struct PcapCloser {
  void operator()(pcap* handle) const;
};
struct PcapDumperCloser {
  void operator()(pcap_dumper* dumper) const;
};

using PcapHandle = std::unique_ptr<pcap, PcapCloser>;
using PcapDumper = std::unique_ptr<pcap_dumper, PcapDumperCloser>;

// libpcap starts some messages with the file name, which ours already say: drops the repeat.
std::string_view without_path(std::string_view message, std::string_view path);

}  // namespace sctpkit::trace
