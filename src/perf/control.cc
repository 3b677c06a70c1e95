#include "perf/control.h"

#include <malloc.h>

#include <fstream>

#include <nlohmann/json.hpp>

namespace sctpkit::perf {

using nlohmann::json;

std::string encode(const Hello& h) {
  return json{{"type", "hello"},         {"mode", to_string(h.mode)}, {"message_size", h.message_size},
              {"streams", h.streams},     {"unordered", h.unordered},  {"seconds", h.seconds},
              {"count", h.count}}
      .dump();
}

std::string encode_ready() { return json{{"type", "ready"}}.dump(); }

std::string encode_end() { return json{{"type", "end"}}.dump(); }

std::string encode(const ServerReport& r) {
  return json{{"type", "report"},
              {"bytes", r.bytes},
              {"messages", r.messages},
              {"associations", r.associations},
              {"rss_kib_before", r.rss_kib_before},
              {"rss_kib_after", r.rss_kib_after},
              {"associations_before", r.associations_before}}
      .dump();
}

namespace {

template <typename T>
bool read_unsigned(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return false;
  out = it->get<T>();
  return true;
}

bool read_signed(const json& j, const char* key, int64_t& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return false;
  out = it->get<int64_t>();
  return true;
}

}  // namespace

std::optional<ControlMessage> decode_control(std::span<const uint8_t> bytes) {
  const json j = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return std::nullopt;
  ControlMessage m;
  const auto& t = type->get_ref<const std::string&>();
  if (t == "end" || t == "ready") {
    m.type = t == "end" ? ControlType::End : ControlType::Ready;
    return m;
  }
  if (t == "report") {
    m.type = ControlType::Report;
    auto& r = m.report;
    if (!read_unsigned(j, "bytes", r.bytes) || !read_unsigned(j, "messages", r.messages) ||
        !read_unsigned(j, "associations", r.associations) || !read_signed(j, "rss_kib_before", r.rss_kib_before) ||
        !read_signed(j, "rss_kib_after", r.rss_kib_after))
      return std::nullopt;
    // Absent from servers before 2026-11-27: taken as none.
    if (j.contains("associations_before") && !read_unsigned(j, "associations_before", r.associations_before))
      return std::nullopt;
    return m;
  }
  if (t != "hello") return std::nullopt;
  m.type = ControlType::Hello;
  auto& h = m.hello;
  auto mode = j.find("mode");
  if (mode == j.end() || !mode->is_string()) return std::nullopt;
  auto parsed = parse_mode(mode->get<std::string>());
  if (!parsed) return std::nullopt;
  h.mode = *parsed;
  unsigned streams = 0;
  auto unordered = j.find("unordered");
  auto seconds = j.find("seconds");
  if (!read_unsigned(j, "message_size", h.message_size) || !read_unsigned(j, "streams", streams) ||
      !read_unsigned(j, "count", h.count) || unordered == j.end() || !unordered->is_boolean() ||
      seconds == j.end() || !seconds->is_number() || streams < 1 || streams > 65535)
    return std::nullopt;
  h.streams = static_cast<int>(streams);
  h.unordered = unordered->get<bool>();
  h.seconds = seconds->get<double>();
  return m;
}

int64_t resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

bool keep_freed_memory() {
  // Fixed thresholds also switch off glibc's dynamic mmap threshold. 256 MiB: more than a test's
  // buffers (4 MiB socket and send buffers, a 2 MiB window) ever hold at once.
  constexpr int kKeep = 256 << 20;
  const bool trim = ::mallopt(M_TRIM_THRESHOLD, kKeep) == 1;
  const bool mmap = ::mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;  // glibc's largest
  const bool pad = ::mallopt(M_TOP_PAD, 16 << 20) == 1;  // grow the heap in big steps (untouched pages cost nothing)
  return trim && mmap && pad;
}

}  // namespace sctpkit::perf
