// One-to-one echo server (SOCK_STREAM): each message goes back whole, on its stream, with its PPID.
// Usage: echo_stream [-6] PORT. Prints "ready PORT", then "up", "echoed N" and "closed" per
// association (one child process each).
#include "guest_common.h"

static void serve(int fd) {
  static char buffer[GUEST_MAX_MESSAGE];
  subscribe_sndrcv(fd);
  printf("up\n");
  long count = 0;
  for (;;) {
    struct sctp_sndrcvinfo info;
    ssize_t n = receive_message(fd, buffer, sizeof(buffer), &info);
    if (n <= 0) break;
    if (send_sndrcv(fd, buffer, (size_t)n, &info) != n) die("sendmsg");
    ++count;
  }
  printf("echoed %ld\nclosed\n", count);
  close(fd);
}

int main(int argc, char** argv) { serve_one_to_one(argc, argv, serve); }
