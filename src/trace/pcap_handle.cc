#include "trace/pcap_handle.h"

#include <pcap/pcap.h>

namespace sctpkit::trace {

void PcapCloser::operator()(pcap* handle) const {
  if (handle != nullptr) pcap_close(handle);
}

void PcapDumperCloser::operator()(pcap_dumper* dumper) const {
  if (dumper != nullptr) pcap_dump_close(dumper);
}

std::string_view without_path(std::string_view message, std::string_view path) {
  if (message.size() > path.size() + 2 && message.substr(0, path.size()) == path &&
      message.substr(path.size(), 2) == ": ") {
    message.remove_prefix(path.size() + 2);
  }
  return message;
}

}  // namespace sctpkit::trace
