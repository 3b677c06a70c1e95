// A minimal SCTP echo client on sctpkit's public API: sends each argument as a message on
// stream 0 and prints what comes back.
//   echo_client host port [--raw] message...
#include <sctpkit/sctpkit.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: echo_client host port [--raw] message...\n");
    return 2;
  }
  sctpkit::Options options;
  std::vector<std::string> messages;
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--raw") == 0) {
      options.transport = sctpkit::TransportKind::RawIp;
    } else {
      messages.emplace_back(argv[i]);
    }
  }
  if (messages.empty()) messages.emplace_back("hello");

  auto association = sctpkit::Association::connect(argv[1], static_cast<uint16_t>(std::atoi(argv[2])), options);
  if (!association) {
    std::fprintf(stderr, "echo_client: %s\n", association.error().message.c_str());
    return 1;
  }
  for (const auto& text : messages) {
    if (auto sent = association->send(text, {.stream = 0, .ppid = 0, .unordered = false}); !sent) {
      std::fprintf(stderr, "echo_client: %s\n", sent.error().message.c_str());
      return 1;
    }
    auto reply = association->receive();
    if (!reply) {
      std::fprintf(stderr, "echo_client: %s\n", reply.error().message.c_str());
      return 1;
    }
    std::printf("%.*s\n", static_cast<int>(reply->data.size()), reinterpret_cast<const char*>(reply->data.data()));
  }
  if (auto closed = association->shutdown(); !closed) {
    std::fprintf(stderr, "echo_client: %s\n", closed.error().message.c_str());
    return 1;
  }
  return 0;
}
