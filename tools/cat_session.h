// The data path of `sctpkit cat`: its arguments, one association driven from stdin to stdout
// (Session), and the -k listener that serves many at once (serve_keep_open).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sctpkit/sctpkit.h"
#include "tools/transport_flags.h"

namespace sctpkit::tools {

struct CatArgs {
  bool listen = false;
  bool keep_open = false;
  std::vector<std::string> source;  // -s, repeated or comma-separated: every local address (multi-homing)
  std::string host;
  int port = 0;
  int local_port = 0;  // -p: ncat's source port for a client, the port itself for a listener
  TransportFlags transport;
  bool lines = false;
  bool echo = false;
  bool zero_io = false;
  bool numeric = false;  // -n: no name resolution
  int verbose = 0;       // -v: say who connected and how it ended, on stderr
  bool sctp = false;     // --sctp: accepted and ignored, as in `ncat --sctp`
  double wait_seconds = 10;
  int stream = 0;
  uint32_t ppid = 0;
  bool unordered = false;
  std::string streams;
  bool trace = false;
  std::string trace_file;
  int hb_interval_ms = 0;
  bool ipv4 = false;
  bool ipv6 = false;
  std::vector<std::string> targets;  // [HOST] PORT as given
};

// Prints "sctpkit cat: REASON" on stderr; returns `code`.
int fail(int code, const std::string& reason);
int exit_code_for(const Error& error);
// Why an association ended (Association::close_reason) -> the exit code.
int exit_code_for_close(const std::string& reason);

// RFC 9260 5.2.4: one line on stderr when the peer of `a` restarted since `seen` (then updated),
// with how many messages it had not acknowledged (taken from Association::take_send_failures()):
// the association goes on, but those may be lost.
void report_peer_restart(Association& a, uint32_t& seen);

// Cuts what stdin gives into messages: one per read, or one per line with --lines.
class InputSplitter {
 public:
  explicit InputSplitter(bool lines) : lines_(lines) {}
  // The messages `chunk` completes; with `eof`, also a last line without its newline.
  std::vector<std::string> feed(std::string_view chunk, bool eof = false);

 private:
  bool lines_;
  std::string pending_;
};

// Messages taken per Association::receive_many() by cat's readers (one engine call per batch).
inline constexpr size_t kReadBatch = 64;

class Session {
 public:
  Session(Association& association, const CatArgs& args, bool read_stdin);
  // Runs until the association ends; the exit code and its one-line reason.
  int run();

 private:
  std::optional<int> drain();
  std::optional<int> read_input();
  // Sends the held message if no input is ready at once (it is not the last, as far as can be told
  // without waiting); a value once the association is over.
  std::optional<int> send_held_unless_input_ready();
  // `last`: the input ends with it (RFC 9260 6.1: sent with the I bit).
  bool send(std::string_view data, bool last = false);
  int finish();
  // Whether stdin still had input for the peer (read or waiting) when the association ended.
  bool input_left();

  Association& a_;
  const CatArgs& args_;
  bool read_stdin_;
  SendOptions send_;
  InputSplitter splitter_;
  uint32_t restarts_seen_ = 0;  // Association::peer_restarts() already reported
  std::vector<Message> batch_;  // the last receive_many()'s messages, handed back by the next
  bool shutting_down_ = false;  // stdin ended: the shutdown started, the peer's last data still comes
  size_t refused_ = 0;  // messages of stdin the association no longer took (the peer shut down)
  // The newest message, held back while more input is ready at once: only the next read tells
  // whether it is the input's last (see read_input).
  std::optional<std::string> held_;
  char buffer_[65536];
};

// `-l -k`: serves every peer that connects, concurrently, until killed: each peer's messages go to
// stdout (or back, with --echo) and stdin goes to every connected peer, as `ncat -l -k` does.
int serve_keep_open(Listener& listener, const CatArgs& args);

}  // namespace sctpkit::tools
