// `sctpkit cat --trace / --trace-file`: every packet the stack sends or receives, printed to stderr
// in the tcpdump format of `sctpkit dump` and/or written to a pcap file.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "sctpkit/options.h"

namespace sctpkit::tools {

class CatTrace {
 public:
  // nullptr, with `error` set, when the pcap file cannot be opened.
  static std::unique_ptr<CatTrace> open(bool print, const std::string& pcap_path, std::string& error);
  ~CatTrace();

  void on_packet(const PacketTrace& packet);
  // Flushes the pcap file; a one-line error when writing failed.
  std::optional<std::string> close();

 private:
  CatTrace();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sctpkit::tools
