// A minimal SCTP echo server on sctpkit's public API: every message goes back on the stream, with
// the PPID and ordering it came with.
//   echo_server [port] [--raw]      (default: port 7, SCTP over UDP port 9899; --raw: IP protocol 132)
#include <sctpkit/sctpkit.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  uint16_t port = 7;
  sctpkit::Options options;
  options.timeout = std::nullopt;  // wait as long as it takes
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--raw") == 0) {
      options.transport = sctpkit::TransportKind::RawIp;
    } else {
      port = static_cast<uint16_t>(std::atoi(argv[i]));
    }
  }

  auto listener = sctpkit::Listener::listen(port, options);
  if (!listener) {
    std::fprintf(stderr, "echo_server: %s\n", listener.error().message.c_str());
    return 1;
  }
  std::fprintf(stderr, "echo_server: listening on SCTP port %u\n", port);

  for (;;) {
    auto association = listener->accept();
    if (!association) {
      std::fprintf(stderr, "echo_server: %s\n", association.error().message.c_str());
      continue;
    }
    std::fprintf(stderr, "echo_server: association up\n");
    // One association at a time keeps the example short; a real server would poll fd().
    for (;;) {
      auto message = association->receive();
      if (!message) {
        std::fprintf(stderr, "echo_server: %s\n", message.error().message.c_str());
        break;
      }
      const sctpkit::SendOptions how{message->stream, message->ppid, message->unordered};
      if (auto sent = association->send(message->data, how); !sent) {
        std::fprintf(stderr, "echo_server: %s\n", sent.error().message.c_str());
        break;
      }
    }
    association->shutdown();
  }
}
