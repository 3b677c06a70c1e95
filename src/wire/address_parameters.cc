#include "wire/address_parameters.h"

#include <cstring>

#include "wire/parameter_list.h"

namespace sctpkit::wire {

Result<Ipv4Address> Ipv4Address::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.2.1.1: Length = 8.
  if (!has_exact_value(tlv, 4)) return ParseError::BadLength;
  Ipv4Address p;
  std::memcpy(p.address.data(), tlv.value.data(), 4);
  return p;
}

Result<Ipv6Address> Ipv6Address::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.2.1.2: Length = 20.
  if (!has_exact_value(tlv, 16)) return ParseError::BadLength;
  Ipv6Address p;
  std::memcpy(p.address.data(), tlv.value.data(), 16);
  return p;
}

std::optional<IpAddressParameter> parse_ip_address(Bytes whole_tlv) {
  TlvReader reader(whole_tlv);
  auto item = reader.next();
  if (!item || !*item || (*item)->whole.size() != whole_tlv.size()) return std::nullopt;
  const RawTlv& tlv = **item;
  if (tlv.type == Ipv4Address::kType) {
    auto v4 = Ipv4Address::parse(tlv);
    if (v4) return IpAddressParameter(*v4);
  } else if (tlv.type == Ipv6Address::kType) {
    auto v6 = Ipv6Address::parse(tlv);
    if (v6) return IpAddressParameter(*v6);
  }
  return std::nullopt;
}

EncodedAddress::EncodedAddress(const IpAddressParameter& address) {
  Writer w(buffer_);
  std::visit([&w](const auto& a) { write_typed_tlv(w, a); }, address);
  size_ = w.position();  // both are multiples of 4: no padding was written
}

}  // namespace sctpkit::wire
