// Shared by the capture, decoder and writer tests: sample SCTP packets, scratch files, and running
// tcpdump/tshark as oracles.
#pragma once

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "wire/packet.h"

namespace sctpkit::trace::testing {

// A DATA chunk (RFC 9260 3.3.1) with B and E set, so tcpdump prints a recognisable line.
struct DataChunk {
  static constexpr uint8_t kType = 0;
  uint32_t tsn = 0;
  uint16_t stream = 0;
  uint16_t ssn = 0;
  uint32_t ppid = 0;
  std::vector<uint8_t> payload;
  uint8_t flags() const { return 0x03; }
  size_t value_size() const { return 12 + payload.size(); }
  void write_value(wire::Writer& w) const {
    w.u32(tsn);
    w.u16(stream);
    w.u16(ssn);
    w.u32(ppid);
    w.bytes(payload);
  }
};

// A complete SCTP packet with one DATA chunk and a valid CRC32c.
inline std::vector<uint8_t> sample_sctp(uint16_t source_port, uint16_t destination_port, uint32_t tag,
                                        size_t payload_size = 5, uint32_t tsn = 1000) {
  std::vector<uint8_t> buffer(wire::kCommonHeaderSize + 16 + payload_size + 4);
  wire::PacketBuilder builder(buffer, buffer.size(),
                              {source_port, destination_port, wire::VerificationTag(tag), 0});
  DataChunk chunk{tsn, 1, 2, 0x33, std::vector<uint8_t>(payload_size, 0xAB)};
  if (!builder.add(chunk)) return {};
  auto packet = builder.finish();
  return {packet.begin(), packet.end()};
}

// A directory removed with its contents when the test ends.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("sctpkit-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int status = -1;  // exit status, or -1 if it could not run
  std::string output;  // stdout, and stderr unless discarded
};

inline CommandResult run_command(const std::string& command, bool keep_stderr = true) {
  CommandResult result;
  FILE* pipe = ::popen((command + (keep_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> chunk{};
  size_t n = 0;
  while ((n = std::fread(chunk.data(), 1, chunk.size(), pipe)) > 0) result.output.append(chunk.data(), n);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline bool have_program(const std::string& name) {
  return run_command("command -v " + name + " >/dev/null").status == 0;
}

}  // namespace sctpkit::trace::testing
