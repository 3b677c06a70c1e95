// Client that connects out (one-to-one) and sends COUNT messages of LENGTH bytes on STREAM with
// PPID, using SCTP_SNDINFO cmsgs (RFC 6458 5.3.4). With -e it expects each message echoed back
// whole, on the same stream with the same PPID (checked through SCTP_RCVINFO, RFC 6458 5.3.5).
// Usage: client [-s STREAM] [-r STREAMS] [-p PPID] [-n COUNT] [-l LENGTH] [-e] [-u] [-a] [-i MS] ADDR PORT
//   -r: message i goes on stream STREAM + i % STREAMS; -u: unordered (SCTP_UNORDERED), and the echo
//   must come back unordered; -a: end with an ABORT (SO_LINGER 0, RFC 6458 8.1.4) instead of a
//   graceful SHUTDOWN; -i: stay idle MS milliseconds before closing (heartbeats run meanwhile).
// Prints "connected", then "done sent=N echoed=M" (exit 0) or "mismatch ..." / "error ..." (exit 1/2).
#include "guest_common.h"

static void send_sndinfo(int fd, const char* data, size_t length, int stream, uint32_t ppid, int unordered) {
  struct sctp_sndinfo info;
  memset(&info, 0, sizeof(info));
  info.snd_sid = (uint16_t)stream;
  info.snd_ppid = htonl(ppid);  // RFC 6458: the PPID is passed through opaquely, in network order
  if (unordered) info.snd_flags = SCTP_UNORDERED;
  if (send_with_cmsg(fd, data, length, SCTP_SNDINFO, &info, sizeof(info)) != (ssize_t)length) die("sendmsg");
}

int main(int argc, char** argv) {
  static char out[GUEST_MAX_MESSAGE], in[GUEST_MAX_MESSAGE];
  line_buffered();
  int stream = 0, streams = 1, count = 1, length = 100, expect_echo = 0, unordered = 0, abort_at_end = 0, idle_ms = 0;
  uint32_t ppid = 0;
  int opt;
  while ((opt = getopt(argc, argv, "s:r:p:n:l:euai:")) != -1) {
    switch (opt) {
      case 's': stream = atoi(optarg); break;
      case 'p': ppid = (uint32_t)strtoul(optarg, NULL, 0); break;
      case 'n': count = atoi(optarg); break;
      case 'l': length = atoi(optarg); break;
      case 'e': expect_echo = 1; break;
      case 'r': streams = atoi(optarg); break;
      case 'u': unordered = 1; break;
      case 'a': abort_at_end = 1; break;
      case 'i': idle_ms = atoi(optarg); break;
      default: printf("usage: %s [-s STREAM] [-r STREAMS] [-p PPID] [-n COUNT] [-l LENGTH] [-e] [-u] [-a] [-i MS] ADDR PORT\n", argv[0]); return 2;
    }
  }
  if (argc - optind != 2 || length <= 0 || length > GUEST_MAX_MESSAGE || streams <= 0) {
    printf("usage: %s [-s STREAM] [-r STREAMS] [-p PPID] [-n COUNT] [-l LENGTH] [-e] [-u] [-a] [-i MS] ADDR PORT\n", argv[0]);
    return 2;
  }
  struct sockaddr_storage peer;
  socklen_t peer_len = parse_address(argv[optind], atoi(argv[optind + 1]), &peer);
  int fd = socket(peer.ss_family, SOCK_STREAM, IPPROTO_SCTP);
  if (fd < 0) die("socket");
  set_initmsg(fd, 16);
  big_buffers(fd);
  int on = 1;
  if (setsockopt(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)) != 0) die("SCTP_RECVRCVINFO");
  if (connect(fd, (struct sockaddr*)&peer, peer_len) != 0) die("connect");
  printf("connected\n");
  long echoed = 0;
  for (int i = 0; i < count; ++i) {
    for (int j = 0; j < length; ++j) out[j] = (char)('a' + (i + j) % 26);
    const int sid = stream + i % streams;
    send_sndinfo(fd, out, (size_t)length, sid, ppid, unordered);
    if (!expect_echo) continue;
    struct sctp_rcvinfo info;
    ssize_t n = receive_with_cmsg(fd, in, sizeof(in), SCTP_RCVINFO, &info, sizeof(info));
    if (n < 0) die("recvmsg");
    const int got_unordered = (info.rcv_flags & SCTP_UNORDERED) != 0;
    if (n != length || memcmp(in, out, (size_t)length) != 0 || info.rcv_sid != sid || ntohl(info.rcv_ppid) != ppid ||
        got_unordered != unordered) {
      printf("mismatch message=%d length=%zd stream=%u ppid=%u unordered=%d\n", i, n, info.rcv_sid,
             ntohl(info.rcv_ppid), got_unordered);
      return 1;
    }
    ++echoed;
  }
  if (idle_ms > 0) usleep((useconds_t)idle_ms * 1000);
  printf("done sent=%d echoed=%ld\n", count, echoed);
  if (abort_at_end) {
    struct linger linger = {1, 0};  // RFC 6458 8.1.4: close() with a zero linger sends an ABORT
    if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger)) != 0) die("SO_LINGER");
  }
  close(fd);
  return 0;
}
