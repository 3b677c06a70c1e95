// Discard sink, one-to-one: reads every message of each association and drops it.
// Usage: discard [-6] PORT. Prints "ready PORT", then "closed messages=M bytes=B" per association.
#include <signal.h>

#include "guest_common.h"

int main(int argc, char** argv) {
  static char buffer[GUEST_MAX_MESSAGE];
  line_buffered();
  int family, port;
  server_args(argc, argv, &family, &port);
  signal(SIGCHLD, SIG_IGN);
  int listener = listen_on(family, SOCK_STREAM, port, 16);
  printf("ready %d\n", port);
  for (;;) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR) continue;
      die("accept");
    }
    if (fork() == 0) {
      close(listener);
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
      _exit(0);
    }
    close(fd);
  }
}
