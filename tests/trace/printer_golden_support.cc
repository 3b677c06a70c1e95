#include "printer_golden_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "wire/packet.h"

namespace sctpkit::trace::printer_testing {
namespace {

void put_le32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_le16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}

uint16_t ones_complement(const std::vector<uint8_t>& bytes, size_t begin, size_t end, uint32_t sum = 0) {
  for (size_t i = begin; i < end; i += 2) {
    sum += (uint32_t{bytes[i]} << 8) | (i + 1 < end ? bytes[i + 1] : 0);
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

const std::array<uint8_t, 16> kSource4{10, 0, 0, 1};
const std::array<uint8_t, 16> kDestination4{10, 0, 0, 2};
const std::array<uint8_t, 16> kSource6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
const std::array<uint8_t, 16> kDestination6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

}  // namespace

std::vector<uint8_t> encode_chunk(const ChunkSpec& chunk) {
  std::vector<uint8_t> out{chunk.type, chunk.flags};
  put_u16(out, chunk.length.value_or(static_cast<uint16_t>(4 + chunk.value.size())));
  out.insert(out.end(), chunk.value.begin(), chunk.value.end());
  if (chunk.pad) out.resize(wire::padded4(out.size()), 0);
  return out;
}

std::vector<uint8_t> sctp_packet(const std::vector<ChunkSpec>& chunks, uint16_t source_port,
                                 uint16_t destination_port, uint32_t tag) {
  std::vector<uint8_t> out;
  put_u16(out, source_port);
  put_u16(out, destination_port);
  put_u32(out, tag);
  put_u32(out, 0);
  for (const auto& chunk : chunks) {
    const auto encoded = encode_chunk(chunk);
    out.insert(out.end(), encoded.begin(), encoded.end());
  }
  const uint32_t crc = wire::compute_checksum(out);
  for (int i = 0; i < 4; ++i) out[8 + i] = static_cast<uint8_t>(crc >> (8 * i));
  return out;
}

std::vector<uint8_t> data_value(uint32_t tsn, uint16_t sid, uint16_t ssn, uint32_t ppid, size_t payload) {
  std::vector<uint8_t> out;
  put_u32(out, tsn);
  put_u16(out, sid);
  put_u16(out, ssn);
  put_u32(out, ppid);
  for (size_t i = 0; i < payload; ++i) out.push_back(static_cast<uint8_t>('a' + i % 26));
  return out;
}

std::vector<uint8_t> init_value(uint32_t tag, uint32_t rwnd, uint16_t os, uint16_t mis, uint32_t tsn) {
  std::vector<uint8_t> out;
  put_u32(out, tag);
  put_u32(out, rwnd);
  put_u16(out, os);
  put_u16(out, mis);
  put_u32(out, tsn);
  return out;
}

std::vector<uint8_t> sack_value(uint32_t cum_ack, uint32_t rwnd, const std::vector<std::pair<uint16_t, uint16_t>>& gaps,
                                const std::vector<uint32_t>& dups) {
  std::vector<uint8_t> out;
  put_u32(out, cum_ack);
  put_u32(out, rwnd);
  put_u16(out, static_cast<uint16_t>(gaps.size()));
  put_u16(out, static_cast<uint16_t>(dups.size()));
  for (const auto& [start, end] : gaps) {
    put_u16(out, start);
    put_u16(out, end);
  }
  for (uint32_t dup : dups) put_u32(out, dup);
  return out;
}

std::vector<Frame> GoldenCapture::write(const std::string& path, LinkType link) {
  std::vector<uint8_t> file;
  put_le32(file, 0xa1b2c3d4);
  put_le16(file, 2);
  put_le16(file, 4);
  put_le32(file, 0);
  put_le32(file, 0);
  put_le32(file, 262144);
  put_le32(file, static_cast<uint32_t>(link));

  std::vector<Frame> frames;
  uint64_t number = 0;
  for (const auto& p : packets_) {
    const bool v6 = p.version == IpVersion::V6;
    std::vector<uint8_t> transport;
    if (p.udp) {
      put_u16(transport, p.udp->first);
      put_u16(transport, p.udp->second);
      put_u16(transport, static_cast<uint16_t>(8 + p.sctp.size()));
      put_u16(transport, 0);  // RFC 768: zero means no checksum (IPv4); tcpdump does not check it
    }
    transport.insert(transport.end(), p.sctp.begin(), p.sctp.end());
    const uint8_t protocol = p.udp ? 17 : 132;

    std::vector<uint8_t> ip;
    uint16_t ip_length_field = 0;
    if (v6) {
      put_u32(ip, (6u << 28) | (uint32_t{p.tos} << 20) | (p.flow_label & 0xfffff));
      ip_length_field = p.ip_length.value_or(static_cast<uint16_t>(p.ipv6_extensions.size() + transport.size()));
      put_u16(ip, ip_length_field);
      ip.push_back(p.ipv6_extensions.empty() ? protocol : p.ipv6_first_header);
      ip.push_back(p.ttl);
      ip.insert(ip.end(), kSource6.begin(), kSource6.end());
      ip.insert(ip.end(), kDestination6.begin(), kDestination6.end());
      ip.insert(ip.end(), p.ipv6_extensions.begin(), p.ipv6_extensions.end());
    } else {
      const size_t header_size = 20 + p.ipv4_options.size();
      ip.push_back(static_cast<uint8_t>(0x40 | (header_size / 4)));
      ip.push_back(p.tos);
      ip_length_field = p.ip_length.value_or(static_cast<uint16_t>(header_size + transport.size()));
      put_u16(ip, ip_length_field);
      put_u16(ip, p.id);
      put_u16(ip, static_cast<uint16_t>((p.dont_fragment ? 0x4000 : 0) | (p.more_fragments ? 0x2000 : 0) |
                                        (p.fragment_offset / 8)));
      ip.push_back(p.ttl);
      ip.push_back(protocol);
      put_u16(ip, 0);
      ip.insert(ip.end(), kSource4.begin(), kSource4.begin() + 4);
      ip.insert(ip.end(), kDestination4.begin(), kDestination4.begin() + 4);
      ip.insert(ip.end(), p.ipv4_options.begin(), p.ipv4_options.end());
      uint16_t checksum = ones_complement(ip, 0, header_size);
      if (p.bad_ip_checksum) checksum ^= 0x1111;
      ip[10] = static_cast<uint8_t>(checksum >> 8);
      ip[11] = static_cast<uint8_t>(checksum);
    }
    const size_t ip_header_size = ip.size();
    ip.insert(ip.end(), transport.begin(), transport.end());

    std::vector<uint8_t> frame;
    switch (link) {
      case LinkType::Null:
        put_le32(frame, v6 ? 30 : 2);  // BSD AF_INET / AF_INET6 (Linux/FreeBSD value 30 is not universal)
        break;
      case LinkType::Ethernet:
        frame = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
        put_u16(frame, v6 ? 0x86dd : 0x0800);
        break;
      case LinkType::Raw:
        break;
      case LinkType::LinuxSll:
        put_u16(frame, 0);    // packet type: to us
        put_u16(frame, 772);  // ARPHRD_LOOPBACK
        put_u16(frame, 6);
        frame.insert(frame.end(), 8, 0);
        put_u16(frame, v6 ? 0x86dd : 0x0800);
        break;
    }
    const size_t link_header = frame.size();
    frame.insert(frame.end(), ip.begin(), ip.end());
    const auto wire_length = static_cast<uint32_t>(frame.size());
    const auto captured = std::min<uint32_t>(wire_length, p.snaplen.value_or(wire_length));
    frame.resize(captured);

    put_le32(file, static_cast<uint32_t>(p.timestamp.seconds));
    put_le32(file, static_cast<uint32_t>(p.timestamp.microseconds));
    put_le32(file, captured);
    put_le32(file, wire_length);
    file.insert(file.end(), frame.begin(), frame.end());

    const auto& stored = storage_.emplace_back(std::move(frame));
    const wire::Bytes bytes(stored);
    Frame f;
    f.number = ++number;
    f.timestamp = p.timestamp;
    f.captured_length = captured;
    f.wire_length = wire_length;
    f.ip.version = p.version;
    f.ip.source = v6 ? kSource6 : kSource4;
    f.ip.destination = v6 ? kDestination6 : kDestination4;
    f.ip.tos = p.tos;
    f.ip.ttl = p.ttl;
    f.ip.id = v6 ? 0 : p.id;
    f.ip.dont_fragment = !v6 && p.dont_fragment;
    f.ip.more_fragments = !v6 && p.more_fragments;
    f.ip.fragment_offset = v6 ? 0 : p.fragment_offset;
    f.ip.flow_label = v6 ? p.flow_label : 0;
    f.ip.length = ip_length_field;
    f.ip.link_length = wire_length - static_cast<uint32_t>(link_header);
    f.ip.protocol = protocol;
    const size_t ip_start = std::min(link_header, bytes.size());
    f.ip.header = bytes.subspan(ip_start, std::min(ip_header_size, bytes.size() - ip_start));
    const size_t transport_start = std::min(link_header + ip_header_size + (p.udp ? 8 : 0), bytes.size());
    const size_t payload_length = v6 ? ip_length_field - p.ipv6_extensions.size() : (ip_length_field >= ip_header_size ? ip_length_field - ip_header_size : 0u);
    if (p.udp) f.udp = UdpInfo{p.udp->first, p.udp->second, static_cast<uint16_t>(8 + p.sctp.size()), 0};
    f.sctp = bytes.subspan(transport_start);
    f.sctp_length = static_cast<uint32_t>(payload_length >= (p.udp ? 8u : 0u) ? payload_length - (p.udp ? 8 : 0) : 0);
    frames.push_back(f);
  }
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(file.data()),
                                              static_cast<std::streamsize>(file.size()));
  return frames;
}

std::vector<std::string> run_tcpdump(const std::string& path, const std::string& arguments, const std::string& tz) {
  if (access("/usr/bin/tcpdump", X_OK) != 0 && access("/usr/sbin/tcpdump", X_OK) != 0) {
    ADD_FAILURE() << "tcpdump is not installed: the golden tests need it as their oracle (apt-get install tcpdump)";
    return {};
  }
  const std::string command = "TZ=" + tz + " tcpdump " + arguments + " -r '" + path + "' 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "could not run: " << command;
    return {};
  }
  std::string text;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) text.append(buffer, n);
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << command;
  return split_lines(text);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string temp_capture_path(const std::string& name) {
  return std::string(SCTPKIT_BINARY_DIR) + "/printer_test_" + name + "_" + std::to_string(getpid()) + ".pcap";
}

std::vector<std::string> print_frames(const std::vector<Frame>& frames, PrinterOptions options) {
  TcpdumpPrinter printer(options);
  std::string text;
  for (const auto& frame : frames) printer.append(frame, text);
  return split_lines(text);
}

void expect_lines_equal(const std::vector<std::string>& expected, const std::vector<std::string>& actual,
                        const std::string& what) {
  EXPECT_EQ(expected.size(), actual.size()) << what;
  for (size_t i = 0; i < std::min(expected.size(), actual.size()); ++i) {
    EXPECT_EQ(expected[i], actual[i]) << what << ", line " << i + 1;
  }
}

void expect_matches_tcpdump(GoldenCapture& capture, const std::string& name, LinkType link, TimestampMode mode,
                            const std::string& ts_flag, const std::string& tz, int max_verbose) {
  const std::string path = temp_capture_path(name);
  const auto frames = capture.write(path, link);
  ASSERT_FALSE(frames.empty());
  for (int verbose = 0; verbose <= max_verbose; ++verbose) {
    const std::string arguments = "-nn" + std::string(verbose == 0 ? "" : verbose == 1 ? " -v" : " -vv") +
                                  (ts_flag.empty() ? "" : " " + ts_flag);
    const auto expected = run_tcpdump(path, arguments, tz);
    ASSERT_FALSE(expected.empty()) << "tcpdump printed nothing for " << path;
    // Time zones are read by localtime() from TZ, as in tcpdump.
    setenv("TZ", tz.c_str(), 1);
    tzset();
    expect_lines_equal(expected, print_frames(frames, {mode, verbose}), name + " " + arguments);
  }
  std::remove(path.c_str());
}

}  // namespace sctpkit::trace::printer_testing
