#include "trace/pcap_handle.h"

#include <pcap/pcap.h>

namespace sctpkit::trace {

void PcapCloser::operator()(pcap* handle) const {
  if (handle != nullptr) pcap_close(handle);
}

void PcapDumperCloser::operator()(pcap_dumper* dumper) const {
  if (dumper != nullptr) pcap_dump_close(dumper);
}

}  // namespace sctpkit::trace
