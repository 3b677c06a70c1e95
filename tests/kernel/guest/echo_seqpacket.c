// One-to-many echo server (SOCK_SEQPACKET): one socket serves every association; each message goes
// back to the association it came from (sinfo_assoc_id), on its stream, with its PPID.
// Usage: echo_seqpacket [-6] PORT. Prints "ready PORT", then "echoed N" after every 100 messages.
#include "guest_common.h"

int main(int argc, char** argv) {
  static char buffer[GUEST_MAX_MESSAGE];
  line_buffered();
  int family, port;
  server_args(argc, argv, &family, &port);
  int fd = listen_on(family, SOCK_SEQPACKET, port, 16);
  printf("ready %d\n", port);
  long count = 0;
  for (;;) {
    struct sctp_sndrcvinfo info;
    ssize_t n = receive_message(fd, buffer, sizeof(buffer), &info);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("recvmsg");
    }
    if (n == 0) continue;
    if (send_sndrcv(fd, buffer, (size_t)n, &info) != n) {
      printf("error sendmsg to assoc %d: %s\n", (int)info.sinfo_assoc_id, strerror(errno));
      continue;
    }
    if (++count % 100 == 0) printf("echoed %ld\n", count);
  }
}
