#include "interop/capture.h"

#include <signal.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>
#include <sstream>

#include <fmt/format.h>

namespace sctpkit::interop {

using namespace std::chrono_literals;

Capture::Capture(const std::string& netns, const std::string& file) : file_(file) {
  // --immediate-mode and -U: every packet reaches the file at once (otherwise the last block of
  // packets is lost when tcpdump stops). -s: whole packets, so checksums can be checked, and the
  // largest a GSO send can hand a veth (64 KiB + headers). -B: each slot of the kernel's capture
  // ring is snapshot-sized, and with -s 0 (256 KiB) the default 2 MiB held about 8 packets: a
  // burst of echoes overflowed it ("10 packets dropped by kernel") and a cell failed its frame count.
  tcpdump_ = std::make_unique<Child>(
      std::vector<std::string>{"/usr/bin/tcpdump", "-i", "any", "-U", "--immediate-mode", "-s", "65600", "-B", "32768",
                               "-w", file},
      netns,
      "tcpdump-" + std::to_string(reinterpret_cast<uintptr_t>(this) % 100000));
  ok_ = tcpdump_->started() && tcpdump_->wait_for_err("listening on", 20s);
}

Capture::~Capture() { stop(); }

namespace {

// Frames in a classic pcap file (tcpdump -w): a 24-byte file header, then per frame a 16-byte
// record header whose third word is the captured length. A record still being written is not counted.
size_t pcap_frames(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 24) return 0;
  uint32_t magic = 0;
  std::memcpy(&magic, bytes.data(), 4);
  const bool swapped = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
  size_t frames = 0;
  for (size_t at = 24; at + 16 <= bytes.size(); ++frames) {
    uint32_t length = 0;
    std::memcpy(&length, bytes.data() + at + 8, 4);
    if (swapped) length = __builtin_bswap32(length);
    if (at + 16 + length > bytes.size()) break;
    at += 16 + length;
  }
  return frames;
}

}  // namespace

void Capture::stop(size_t expected_frames) {
  if (!tcpdump_) return;
  // The peers are done when this is called; the capture may still lag behind them on a loaded
  // machine, and the file's count includes frames that are not the cell's SCTP (ARP, ICMPv6). So
  // wait for the expected count AND for the file to stop growing: SIGINT drops whatever tcpdump
  // has not read from the kernel yet.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  size_t frames = pcap_frames(file_);
  auto last_growth = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    const auto now = std::chrono::steady_clock::now();
    if (frames >= expected_frames && now - last_growth >= 300ms) break;
    std::this_thread::sleep_for(20ms);
    const size_t seen = pcap_frames(file_);
    if (seen != frames) {
      frames = seen;
      last_growth = std::chrono::steady_clock::now();
    }
  }
  // SIGINT: tcpdump flushes and closes the file.
  tcpdump_->stop(SIGINT, 10s);
  tcpdump_.reset();
}

CaptureVerdict check_capture(const std::string& file, const std::vector<uint16_t>& udp_ports) {
  CaptureVerdict verdict;
  std::string decode_as, udp_flags;
  for (uint16_t port : udp_ports) {
    decode_as += fmt::format(" -d udp.port=={},sctp", port);
    udp_flags += fmt::format(" --udp-port {}", port);
  }
  // tshark: every frame that is SCTP, or that it calls malformed or an error. The SCTP checksum
  // preference is "None" by default, so ask for CRC32c (RFC 9260 6.8) explicitly.
  const auto tshark = run_command(
      fmt::format("tshark -n -r {} -o sctp.checksum:CRC-32C{} -Y \"sctp || _ws.malformed || "
                  "_ws.expert.severity >= error\" -T fields -E separator=/t -e frame.number "
                  "-e sctp.checksum.status -e _ws.malformed -e _ws.expert.severity",
                  file, decode_as),
      60);
  std::istringstream lines(tshark.out);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> fields;
    std::istringstream split(line);
    for (std::string field; std::getline(split, field, '\t');) fields.push_back(field);
    fields.resize(4);
    // sctp.checksum.status: 0 bad, 1 good, 2 unverified. A malformed or error frame fills the
    // third or fourth field (an error-level expert severity is 0x00800000 = 8388608).
    const bool sctp = !fields[1].empty();
    if (sctp) ++verdict.sctp_frames;
    if (fields[1] == "1") ++verdict.good_checksums;
    const bool error = !fields[3].empty() && fields[3].find("8388608") != std::string::npos;
    if ((sctp && fields[1] != "1") || !fields[2].empty() || error) verdict.bad.push_back(line);
  }
  if (tshark.code != 0) verdict.bad.push_back(fmt::format("tshark exited with {}", tshark.code));

  const auto dump = run_command(
      fmt::format("{}/sctpkit dump -r {} --check{} 2>&1 >/dev/null", SCTPKIT_BINARY_DIR, file, udp_flags), 60);
  verdict.dump_check_code = dump.code;
  verdict.dump_check_report = dump.out;
  return verdict;
}

NftLoss::NftLoss(const std::string& netns, int every_nth, bool udp) : netns_(netns) {
  const std::string protocol = udp ? "udp" : "sctp";
  const std::string rules = fmt::format(
      "table inet sk_loss {{\n"
      "  chain in {{ type filter hook input priority 0; meta l4proto {0} numgen inc mod {1} == 0 counter drop; }}\n"
      "  chain out {{ type filter hook output priority 0; meta l4proto {0} numgen inc mod {1} == 0 counter drop; }}\n"
      "}}\n",
      protocol, every_nth);
  const std::string path = current_temp_dir() + "/loss.nft";
  std::ofstream(path) << rules;
  ok_ = run_command(fmt::format("ip netns exec {} nft -f {}", netns_, path), 20).code == 0;
}

long NftLoss::dropped() const {
  const auto listing = run_command(fmt::format("ip netns exec {} nft list table inet sk_loss", netns_), 20);
  long total = 0;
  for (size_t at = 0; (at = listing.out.find("packets ", at)) != std::string::npos; at += 8)
    total += std::strtol(listing.out.c_str() + at + 8, nullptr, 10);
  return total;
}

}  // namespace sctpkit::interop
