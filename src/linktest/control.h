// The control channel of `sctpkit linktest --serve`: a message on stream 0 with this PPID is a
// request to the server, not data to echo. The serve loop hands it to a ControlHandler (the matrix
// driver installs one); what the handler returns goes back on the same stream and PPID.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sctpkit::linktest {

inline constexpr uint32_t kControlPpid = 0x534b4354;  // "SKCT"
inline constexpr uint16_t kControlStream = 0;

// nullopt: no reply. Without a handler, control messages are echoed like any other.
using ControlHandler = std::function<std::optional<std::string>(std::string_view request)>;

}  // namespace sctpkit::linktest
