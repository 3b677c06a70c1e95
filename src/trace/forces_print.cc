// tcpdump's ForCES printer checks a message in a fixed order, and that order decides what a
// malformed message prints: the type first, then the header length against the DATA payload, then
// the top-level TLVs by the rules of the message type. A check that fails prints its complaint and
// the whole message as "\n\t[0x0000:  ..." lines.
#include "trace/forces_print.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <string_view>

#include "trace/hex_dump.h"

namespace sctpkit::trace {
namespace {

constexpr uint32_t kHeaderSize = 24;         // RFC 5810 6.1: the common header
constexpr uint32_t kTlvHeader = 4;           // RFC 5810 6.2: 16-bit type and length
constexpr uint32_t kIlvHeader = 8;           // RFC 5810 6.2: 32-bit identifier and length
constexpr uint32_t kLfbSelectHeader = 8;     // RFC 5810 7.1.5: LFB class id and instance id
constexpr uint32_t kLfbSelectMinimum = 12;   // the LFB ids and one operation TLV header
constexpr uint32_t kOperationMinimum = 8;    // what tcpdump wants inside an operation TLV
constexpr uint32_t kRedirectMinimum = 8;     // RFC 5810 7.9: metadata and redirect data TLVs
constexpr uint32_t kResultSize = 4;          // RFC 5810 7.7, 7.5: a 32-bit result or reason
constexpr uint32_t kMaxTeardownReason = 255;
constexpr uint32_t kMaxSetupResult = 3;

// RFC 5810 6.2 top-level TLV types, and those inside a Packet Redirect (7.9).
constexpr uint16_t kTlvRedirect = 0x0001;
constexpr uint16_t kTlvSetupResult = 0x0010;
constexpr uint16_t kTlvTeardownReason = 0x0011;
constexpr uint16_t kTlvLfbSelect = 0x1000;
constexpr uint16_t kTlvPathDataFirst = 0x0110;
constexpr uint16_t kTlvMetadata = 0x0115;
constexpr uint16_t kTlvRedirectData = 0x0116;

// How many top-level TLVs a message type carries, as tcpdump checks it: none, zero or more, or one
// or more; the high nibble is how many it walks at most.
constexpr uint8_t kNoTlv = 0x01;
constexpr uint8_t kTlvOptional = 0x02;
constexpr uint8_t kTlvRequired = 0x04;

// RFC 5810 7.1 (table 4): operation TLV types.
enum Operation : uint16_t {
  kSet = 1, kSetProp, kSetResponse, kSetPropResponse, kDel, kDelResponse, kGet, kGetProp, kGetResponse,
  kGetPropResponse, kReport, kCommit, kCommitResponse, kTransactionComplete,
};
constexpr uint16_t kVendorOperations = 0x8000;

constexpr uint16_t bit(Operation op) { return static_cast<uint16_t>(1u << (op - 1)); }

enum class Body { None, LfbSelect, TeardownReason, SetupResult, Redirect };

struct MessageType {
  uint8_t type;
  uint8_t rules;
  uint16_t operations;  // operation TLVs allowed in its LFB selectors, one bit each
  std::string_view name;
  Body body;
};

// RFC 5810 6.1 (table 1): the message types, with tcpdump's names.
constexpr MessageType kMessageTypes[] = {
    {0x01, kTlvOptional | 0x20, bit(kReport), "Association Setup", Body::LfbSelect},
    {0x02, kTlvRequired | 0x10, 0, "Association TearDown", Body::TeardownReason},
    {0x03, kTlvRequired | 0xf0, bit(kSet) | bit(kSetProp) | bit(kDel) | bit(kCommit) | bit(kTransactionComplete),
     "Config", Body::LfbSelect},
    {0x04, kTlvRequired | 0xf0, bit(kGet) | bit(kGetProp), "Query", Body::LfbSelect},
    {0x05, kTlvRequired | 0x10, bit(kReport), "Event Notification", Body::LfbSelect},
    {0x06, kTlvRequired | 0xf0, 0, "Packet Redirect", Body::Redirect},
    {0x0f, kNoTlv, 0, "HeartBeat", Body::None},
    {0x11, kTlvRequired | 0x10, 0, "Association Response", Body::SetupResult},
    {0x13, kTlvRequired | 0xf0, bit(kSetResponse) | bit(kSetPropResponse) | bit(kDelResponse) | bit(kCommitResponse),
     "Config Response", Body::LfbSelect},
    {0x14, kTlvRequired | 0xf0, bit(kGetResponse) | bit(kGetPropResponse), "Query Response", Body::LfbSelect},
};

// tcpdump rejects outright the types that RFC 5810 leaves unassigned below 0x15, except 0x12, which it
// accepts and then calls unknown.
bool type_in_range(uint8_t type) {
  if (type == 0 || (type >= 0x07 && type <= 0x0e) || type == 0x10) return false;
  return type <= 0x14;
}

const MessageType* find_type(uint8_t type) {
  for (const auto& entry : kMessageTypes) {
    if (entry.type == type) return &entry;
  }
  return nullptr;
}

// RFC 5810 4.3.1.1 (table 2): what an ID names.
std::string_view node_kind(uint32_t id) {
  if (id <= 0x3fffffff) return "FE";
  if (id <= 0x7fffffff) return "CE";
  if (id >= 0xc0000000 && id <= 0xffffffef) return "AllMulticast";
  if (id == 0xfffffffd) return "AllCEsBroadcast";
  if (id == 0xfffffffe) return "AllFEsBroadcast";
  if (id == 0xffffffff) return "AllBroadcast";
  return "ForCESreserved";
}

std::string_view operation_name(uint16_t type) {
  static constexpr std::string_view kNames[] = {
      "Invalid OPTLV", " Set",      " SetProp", " SetResp", " SetPropResp", " Del",    " DelResp",  " Get",
      " GetProp",      " GetResp",  " GetPropResp", " Report", " Commit",  " RCommit", " RTRCOMP"};
  return type < std::size(kNames) ? kNames[type] : kNames[0];
}

bool operation_allowed(uint16_t type, uint16_t allowed) {
  if (type == 0) return false;
  if (type <= kTransactionComplete) return (allowed & (1u << (type - 1))) != 0;
  return type >= kVendorOperations;
}

bool top_level_type_known(uint16_t type) {
  return type == kTlvRedirect || type == kTlvLfbSelect || type == kTlvSetupResult || type == kTlvTeardownReason ||
         (type >= kTlvPathDataFirst && type <= kTlvRedirectData);
}

// RFC 5810 6.2: a TLV's length covers its header, and its padding to 4 bytes must fit too.
bool tlv_fits(uint32_t tlv_length, uint32_t remaining) {
  return remaining >= kTlvHeader && tlv_length >= kTlvHeader && tlv_length <= remaining &&
         remaining >= wire::padded4(tlv_length);
}

enum class Verdict { Ok, Invalid, Truncated };

// Where a walk over a run of TLVs stands: the next TLV's offset and the bytes left in the run.
struct TlvWalk {
  size_t at;
  uint32_t remaining;

  // RFC 5810 6.2: TLVs are padded to 4 bytes.
  void skip(uint16_t tlv_length) {
    const auto step = static_cast<uint32_t>(wire::padded4(tlv_length));
    remaining -= step;
    at += step;
  }
};

class ForcesPrinter {
 public:
  ForcesPrinter(const ForcesInput& input, std::string& out) : in_(input), out_(out) {}

  ForcesOutcome print() {
    if (in_.available.size() < kHeaderSize) return truncated_here();
    const uint8_t type = in_.available[1];
    if (!type_in_range(type)) {
      fmt::format_to(it(), "Invalid ForCES message type {}\n", type);
      return invalid();
    }
    const uint32_t length = uint32_t{wire::load_u16(in_.available, 2)} << 2;
    const MessageType* message = find_type(type);
    if (message == nullptr) {
      fmt::format_to(it(), "\n\tUnknown ForCES message type=0x{:x}", type);
      return invalid();
    }
    fmt::format_to(it(), "\n\tForCES {} ", message->name);
    if (in_.length < kHeaderSize || length < kHeaderSize || length != in_.length) {
      fmt::format_to(it(), "Illegal ForCES pkt len - min {}, total recvd {}, advertised {} ", kHeaderSize, in_.length,
                     length);
      return invalid();
    }
    if (in_.verbose >= 1) print_header(length);
    if (in_.verbose >= 2) print_flags();
    switch (top_level(*message, length)) {
      case Verdict::Ok: return ForcesOutcome::Continue;
      case Verdict::Invalid: return invalid();
      case Verdict::Truncated: break;
    }
    return truncated_here();
  }

 private:
  std::back_insert_iterator<std::string> it() { return std::back_inserter(out_); }

  ForcesOutcome truncated_here() {
    out_ += " [|forces]";
    return in_.available.size() < kHeaderSize ? ForcesOutcome::Continue : ForcesOutcome::EndLine;
  }

  ForcesOutcome invalid() {
    append_hex_words(in_.available.first(std::min<size_t>(in_.length, in_.available.size())), "\n\t[", out_);
    out_ += "\n\t]";
    return ForcesOutcome::Continue;
  }

  // Reads relative to the message start; false past the capture (tcpdump then ends the line).
  bool read_u16(size_t at, uint16_t& value) const {
    if (at + 2 > in_.available.size()) return false;
    value = wire::load_u16(in_.available, at);
    return true;
  }
  bool read_tlv_header(const TlvWalk& walk, uint16_t& type, uint16_t& length) const {
    return read_u16(walk.at, type) && read_u16(walk.at + 2, length);
  }
  bool read_u32(size_t at, uint32_t& value) const {
    if (at + 4 > in_.available.size()) return false;
    value = wire::load_u32(in_.available, at);
    return true;
  }

  void print_header(uint32_t length) {
    const wire::Bytes h = in_.available;
    const uint32_t source = wire::load_u32(h, 4);
    const uint32_t destination = wire::load_u32(h, 8);
    fmt::format_to(it(), "\n\tForCES Version {} len {}B flags 0x{:08x} ", h[0] >> 4, length, wire::load_u32(h, 20));
    fmt::format_to(it(), "\n\tSrcID 0x{:x}({}) DstID 0x{:x}({}) Correlator 0x{:x}", source, node_kind(source),
                   destination, node_kind(destination), wire::load_u64(h, 12));
  }

  // RFC 5810 6.1: ACK indicator, priority, execution mode, atomic transaction, transaction phase.
  void print_flags() {
    static constexpr std::string_view kAcks[] = {"NoACK", "SuccessACK", "FailureACK", "AlwaysACK"};
    static constexpr std::string_view kModes[] = {"EMReserved", "execute-all-or-none", "execute-until-failure",
                                                  "continue-execute-on-failure"};
    static constexpr std::string_view kAtomic[] = {"Standalone", "2PCtransaction"};
    static constexpr std::string_view kPhases[] = {"StartofTransaction", "MiddleofTransaction", "EndofTransaction",
                                                   "abort"};
    const uint32_t flags = wire::load_u32(in_.available, 20);
    const uint32_t ack = flags >> 30;
    const uint32_t mode = (flags >> 22) & 0x3;
    const uint32_t atomic = (flags >> 21) & 0x1;
    const uint32_t phase = (flags >> 19) & 0x3;
    fmt::format_to(it(), "\n\tForCES flags:\n\t  {}(0x{:x}), prio={}, {}(0x{:x}),\n\t  {}(0x{:x}), {}(0x{:x})\n",
                   kAcks[ack], ack, (flags >> 27) & 0x7, kModes[mode], mode, kAtomic[atomic], atomic, kPhases[phase],
                   phase);
    fmt::format_to(it(), "\t  Extra flags: rsv(b5-7) 0x{:x} rsv(b13-31) 0x{:x}\n", (flags >> 24) & 0x7,
                   flags & 0x7ffff);
  }

  Verdict top_level(const MessageType& message, uint32_t length) {
    uint32_t remaining = length - kHeaderSize;
    if (remaining > kTlvHeader) {
      if (message.rules & kNoTlv) {
        fmt::format_to(it(), "<0x{:x}>Illegal Top level TLV!\n", message.rules);
        return Verdict::Invalid;
      }
    } else {
      if (message.rules & kTlvOptional) return Verdict::Ok;
      if (message.rules & kTlvRequired) {
        out_ += "\tTop level TLV Data missing!\n";
        return Verdict::Invalid;
      }
    }
    if (message.rules & kNoTlv) return Verdict::Ok;
    int budget = message.rules >> 4;
    TlvWalk walk{kHeaderSize, remaining};
    while (walk.remaining != 0) {
      uint16_t type = 0;
      uint16_t tlv_length = 0;
      if (!read_tlv_header(walk, type, tlv_length)) return Verdict::Truncated;
      if (!tlv_fits(tlv_length, walk.remaining)) break;
      if (!top_level_type_known(type)) {
        fmt::format_to(it(), "\n\tInvalid ForCES Top TLV type=0x{:x}", type);
        return Verdict::Invalid;
      }
      if (const Verdict v = body(message, walk.at + kTlvHeader, tlv_length); v != Verdict::Ok) return v;
      walk.skip(tlv_length);
      if (--budget <= 0) break;
    }
    if (walk.remaining != 0) {
      uint16_t advertised = 0;
      if (!read_u16(walk.at + 2, advertised)) return Verdict::Truncated;
      fmt::format_to(it(), "\tMess TopTLV header: min {}, total {} advertised {} ", kTlvHeader, walk.remaining,
                     advertised);
      return Verdict::Invalid;
    }
    return Verdict::Ok;
  }

  Verdict body(const MessageType& message, size_t at, uint32_t tlv_length) {
    switch (message.body) {
      case Body::LfbSelect: return lfb_select(at, tlv_length, message.operations);
      case Body::TeardownReason: return result_code(at, tlv_length, "ASTresult", kMaxTeardownReason);
      case Body::SetupResult: return result_code(at, tlv_length, "ASRresult", kMaxSetupResult);
      case Body::Redirect: return redirect(at, tlv_length);
      case Body::None: break;
    }
    return Verdict::Ok;
  }

  // RFC 5810 7.5 and 7.7: the Association Setup result and the teardown reason.
  Verdict result_code(size_t at, uint32_t tlv_length, std::string_view what, uint32_t maximum) {
    const uint32_t size = tlv_length - kTlvHeader;
    if (size != kResultSize) {
      fmt::format_to(it(), "illegal {}-TLV: {} bytes!\n", what, size);
      return Verdict::Invalid;
    }
    uint32_t code = 0;
    if (!read_u32(at, code)) return Verdict::Truncated;
    if (code > maximum) {
      fmt::format_to(it(), "illegal {} result code: {}!\n", what, code);
      return Verdict::Invalid;
    }
    return Verdict::Ok;
  }

  // RFC 5810 7.1.5: LFB class and instance, then operation TLVs of the kinds the message allows.
  Verdict lfb_select(size_t at, uint32_t tlv_length, uint16_t allowed) {
    const uint32_t size = tlv_length - kTlvHeader;
    if (size <= kLfbSelectMinimum) {
      fmt::format_to(it(), "\n\t\ttruncated lfb selector: {} bytes missing! ", kLfbSelectMinimum - size);
      return Verdict::Invalid;
    }
    TlvWalk walk{at + kLfbSelectHeader, size - kLfbSelectHeader};
    while (walk.remaining != 0) {
      uint16_t type = 0;
      uint16_t length = 0;
      if (!read_tlv_header(walk, type, length)) return Verdict::Truncated;
      if (!tlv_fits(length, walk.remaining)) break;
      if (operation_allowed(type, allowed)) {
        operation(type, length);
      } else {
        fmt::format_to(it(), "\n\t\tINValid oper-TLV type 0x{:x} length {} for this ForCES message\n", type, length);
      }
      walk.skip(length);
    }
    return messy(walk, "oper");
  }

  // The path data inside is printed by tcpdump only at -vvv (and its complaints are not decoded
  // here, see docs/dump.md); below that only an operation too short to hold path data shows.
  void operation(uint16_t type, uint16_t length) {
    const uint32_t size = length - kTlvHeader;
    if (size < kOperationMinimum) {
      fmt::format_to(it(), "\t\tOper TLV {}(0x{:x}) length {}\n\t\tTruncated data size {} minimum required {}\n",
                     operation_name(type), type, length, size, kOperationMinimum);
    }
  }

  // The "type (0x..) excess of N Bytes" complaint about bytes left over after a TLV walk.
  Verdict messy(const TlvWalk& walk, std::string_view what) {
    if (walk.remaining == 0) return Verdict::Ok;
    uint16_t type = 0;
    uint16_t length = 0;
    if (!read_tlv_header(walk, type, length)) return Verdict::Truncated;
    fmt::format_to(it(), "\n\t\tMessy {} TLV header, type (0x{:x})\n\t\texcess of {} Bytes ", what, type,
                   walk.remaining - length);
    return Verdict::Invalid;
  }

  // RFC 5810 7.9: Packet Redirect carries metadata and the redirected packet.
  Verdict redirect(size_t at, uint32_t tlv_length) {
    const uint32_t size = tlv_length - kTlvHeader;
    if (size <= kRedirectMinimum) {
      fmt::format_to(it(), "\n\t\ttruncated Redirect TLV: {} bytes missing! ", kRedirectMinimum - size);
      return Verdict::Invalid;
    }
    constexpr int kIndent = 10;
    TlvWalk walk{at, size};
    while (walk.remaining != 0) {
      uint16_t type = 0;
      uint16_t length = 0;
      if (!read_tlv_header(walk, type, length)) return Verdict::Truncated;
      if (!tlv_fits(length, walk.remaining)) {
        out_ += "Bad Redirect data\n";
        break;
      }
      if (type == kTlvMetadata) {
        if (const Verdict v = metadata(walk.at + kTlvHeader, length - kTlvHeader, kIndent); v != Verdict::Ok) {
          return v;
        }
      } else if (type == kTlvRedirectData) {
        fmt::format_to(it(), "\n{:{}} Redirect Data length {}\n", "", kIndent, length - kTlvHeader);
      } else {
        fmt::format_to(it(), "Unknown REDIRECT TLV 0x{:x} len {}\n", type, length);
      }
      walk.skip(length);
    }
    return messy(walk, "Redirect");
  }

  // RFC 5810 7.9: metadata items are ILVs (32-bit id and length).
  Verdict metadata(size_t at, uint32_t size, int indent) {
    fmt::format_to(it(), "\n{:{}} METADATA length {}\n", "", indent, size);
    uint32_t remaining = size;
    while (remaining >= kIlvHeader) {
      uint32_t id = 0;
      uint32_t length = 0;
      if (!read_u32(at, id) || !read_u32(at + 4, length)) return Verdict::Truncated;
      if (length < kIlvHeader || length > remaining || remaining < wire::padded4(length)) break;
      fmt::format_to(it(), "{:{}}MetaID 0x{:x} length {}\n", "", indent + 1, id, length);
      const auto step = static_cast<uint32_t>(wire::padded4(length));
      remaining -= step;
      at += step;
    }
    return Verdict::Ok;
  }

  const ForcesInput& in_;
  std::string& out_;
};

}  // namespace

bool is_forces_port(uint16_t port) { return port >= 6704 && port <= 6706; }

bool is_forces_ppid(uint32_t ppid) { return ppid >= 21 && ppid <= 23; }

ForcesOutcome append_forces(const ForcesInput& input, std::string& out) { return ForcesPrinter(input, out).print(); }

}  // namespace sctpkit::trace
