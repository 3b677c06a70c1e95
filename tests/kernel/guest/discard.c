// Discard sink, one-to-one: reads every message of each association and drops it.
// Usage: discard [-6] PORT. Prints "ready PORT", then "closed messages=M bytes=B" per association.
#include "guest_common.h"

static void serve(int fd) {
  static char buffer[GUEST_MAX_MESSAGE];
  subscribe_sndrcv(fd);
  long messages = 0, bytes = 0;
  for (;;) {
    struct sctp_sndrcvinfo info;
    ssize_t n = receive_message(fd, buffer, sizeof(buffer), &info);
    if (n <= 0) break;
    ++messages;
    bytes += n;
  }
  printf("closed messages=%ld bytes=%ld\n", messages, bytes);
}

int main(int argc, char** argv) { serve_one_to_one(argc, argv, serve); }
