#include "wire/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace sctpkit::wire {

IpAddress IpAddress::v4(const uint8_t* four_bytes) {
  IpAddress ip;
  ip.family_ = Family::V4;
  std::memcpy(ip.bytes_.data(), four_bytes, 4);
  return ip;
}

IpAddress IpAddress::v6(const uint8_t* sixteen_bytes) {
  IpAddress ip;
  ip.family_ = Family::V6;
  std::memcpy(ip.bytes_.data(), sixteen_bytes, 16);
  return ip;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  const std::string s(text);
  uint8_t buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return v4(buf);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return v6(buf);
  return std::nullopt;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

}  // namespace sctpkit::wire
