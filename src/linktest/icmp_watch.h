// Watches for the ICMP errors that explain a silent SCTP peer over raw IP: protocol unreachable
// (RFC 792 type 3 code 2; ICMPv6 RFC 4443 type 4 code 1, unrecognized next header) about an SCTP
// packet we sent to the server: the host is up but nothing there speaks SCTP. A raw ICMP socket
// sees a copy of every ICMP message the host receives; it needs CAP_NET_RAW, and without it the
// watch stays inactive (the setup phase then reports only what it saw of SCTP).
#pragma once

#include <optional>
#include <string>

#include "wire/ip_address.h"

namespace sctpkit::linktest {

class IcmpWatch {
 public:
  explicit IcmpWatch(const wire::IpAddress& server);
  ~IcmpWatch();
  IcmpWatch(const IcmpWatch&) = delete;
  IcmpWatch& operator=(const IcmpWatch&) = delete;

  [[nodiscard]] bool active() const { return fd_ >= 0; }
  // Reads what arrived so far; a one-line description of the first relevant error.
  std::optional<std::string> protocol_unreachable();

 private:
  wire::IpAddress server_;
  int fd_ = -1;
};

}  // namespace sctpkit::linktest
