#include "trace/hex_dump.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace sctpkit::trace {
namespace {

constexpr size_t kBytesPerLine = 16;
constexpr size_t kHexColumns = 40;  // eight " xxxx" groups

char printable(uint8_t byte) { return byte > 0x20 && byte < 0x7f ? static_cast<char>(byte) : '.'; }

}  // namespace

void append_hex_words(wire::Bytes data, std::string_view prefix, std::string& out) {
  auto it = std::back_inserter(out);
  for (size_t at = 0; at < data.size(); at += 2) {
    if (at % kBytesPerLine == 0) fmt::format_to(it, "{}0x{:04x}: ", prefix, at);
    if (at + 1 < data.size()) {
      fmt::format_to(it, " {:02x}{:02x}", data[at], data[at + 1]);
    } else {
      fmt::format_to(it, " {:02x}", data[at]);
    }
  }
}

void append_hex_and_ascii(wire::Bytes data, std::string_view prefix, std::string& out) {
  auto it = std::back_inserter(out);
  for (size_t line = 0; line < data.size(); line += kBytesPerLine) {
    const wire::Bytes bytes = data.subspan(line, std::min(kBytesPerLine, data.size() - line));
    std::string hex;
    std::string text;
    for (size_t at = 0; at < bytes.size(); at += 2) {
      if (at + 1 < bytes.size()) {
        fmt::format_to(std::back_inserter(hex), " {:02x}{:02x}", bytes[at], bytes[at + 1]);
        text += printable(bytes[at]);
        text += printable(bytes[at + 1]);
      } else {
        fmt::format_to(std::back_inserter(hex), " {:02x}", bytes[at]);
        text += printable(bytes[at]);
      }
    }
    fmt::format_to(it, "{}0x{:04x}: {:<{}}  {}", prefix, line, hex, kHexColumns, text);
  }
}

}  // namespace sctpkit::trace
