// Shared helpers of the guest programs: tiny, statically linked, and using only the kernel's own
// SCTP socket API (the UAPI header, no libsctp), so that the initramfs needs nothing else.
#pragma once

#include <arpa/inet.h>
#include <errno.h>
#include <linux/sctp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// 1 MiB messages (the interop matrix's largest) plus room to notice a longer one.
#define GUEST_MAX_MESSAGE (1024 * 1024 + 64)

static inline void die(const char* what) {
  printf("error %s: %s\n", what, strerror(errno));
  exit(2);
}

// "ready" lines and results go to stdout, line by line, because the harness waits for them.
static inline void line_buffered(void) { setvbuf(stdout, NULL, _IOLBF, 0); }

// An address with a port; the family follows the text (a ':' means IPv6).
static inline socklen_t parse_address(const char* text, int port, struct sockaddr_storage* out) {
  memset(out, 0, sizeof(*out));
  if (strchr(text, ':') != NULL) {
    struct sockaddr_in6* a = (struct sockaddr_in6*)out;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, text, &a->sin6_addr) != 1) {
      printf("error bad address %s\n", text);
      exit(2);
    }
    return sizeof(*a);
  }
  struct sockaddr_in* a = (struct sockaddr_in*)out;
  a->sin_family = AF_INET;
  a->sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, text, &a->sin_addr) != 1) {
    printf("error bad address %s\n", text);
    exit(2);
  }
  return sizeof(*a);
}

// RFC 9260 5.1: the streams asked for in INIT come from SCTP_INITMSG (RFC 6458 8.1.3).
static inline void set_initmsg(int fd, int streams) {
  struct sctp_initmsg init;
  memset(&init, 0, sizeof(init));
  init.sinit_num_ostreams = (uint16_t)streams;
  init.sinit_max_instreams = (uint16_t)streams;
  if (setsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof(init)) != 0) die("SCTP_INITMSG");
}

// The kernel blocks a send until the whole message fits in the send buffer, so a 1 MiB message
// needs buffers above the default (and above wmem_max: the FORCE options, as root).
static inline void big_buffers(int fd) {
  int size = 4 * 1024 * 1024;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size));
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
}

// Ask for an SCTP_SNDRCV cmsg with each message received (RFC 6458 5.3.2, the older API that the
// kernel still serves), so that echoes can keep stream and PPID.
static inline void subscribe_sndrcv(int fd) {
  struct sctp_event_subscribe events;
  memset(&events, 0, sizeof(events));
  events.sctp_data_io_event = 1;
  if (setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, &events, sizeof(events)) != 0) die("SCTP_EVENTS");
}

// A listening socket on the wildcard address of the family; `type` is SOCK_STREAM (one-to-one)
// or SOCK_SEQPACKET (one-to-many).
static inline int listen_on(int family, int type, int port, int streams) {
  int fd = socket(family, type, IPPROTO_SCTP);
  if (fd < 0) die("socket");
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  set_initmsg(fd, streams);
  big_buffers(fd);
  subscribe_sndrcv(fd);
  struct sockaddr_storage addr;
  socklen_t len = parse_address(family == AF_INET6 ? "::" : "0.0.0.0", port, &addr);
  if (bind(fd, (struct sockaddr*)&addr, len) != 0) die("bind");
  if (listen(fd, 16) != 0) die("listen");
  return fd;
}

// Receives one whole message (until MSG_EOR), copying the ancillary data of IPPROTO_SCTP type
// `cmsg_type` (SCTP_SNDRCV, RFC 6458 5.3.2, or SCTP_RCVINFO, 5.3.5) into `info`. Returns its length,
// 0 at the end of the association (one-to-one), -1 on error; notifications are skipped.
static inline ssize_t receive_with_cmsg(int fd, char* buffer, size_t size, int cmsg_type, void* info, size_t info_size) {
  size_t have = 0;
  memset(info, 0, info_size);
  for (;;) {
    char control[CMSG_SPACE(sizeof(struct sctp_sndrcvinfo))];  // the larger of the two
    struct iovec iov = {buffer + have, size - have};
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n = recvmsg(fd, &msg, 0);
    if (n <= 0) return n;
    if (msg.msg_flags & MSG_NOTIFICATION) continue;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_SCTP && c->cmsg_type == cmsg_type) memcpy(info, CMSG_DATA(c), info_size);
    }
    have += (size_t)n;
    if ((msg.msg_flags & MSG_EOR) || have == size) return (ssize_t)have;
  }
}

static inline ssize_t receive_message(int fd, char* buffer, size_t size, struct sctp_sndrcvinfo* info) {
  return receive_with_cmsg(fd, buffer, size, SCTP_SNDRCV, info, sizeof(*info));
}

// Sends one message with one IPPROTO_SCTP cmsg of `cmsg_type` (SCTP_SNDRCV or SCTP_SNDINFO).
static inline ssize_t send_with_cmsg(int fd, const char* data, size_t length, int cmsg_type, const void* info,
                                     size_t info_size) {
  char control[CMSG_SPACE(sizeof(struct sctp_sndrcvinfo))];  // the larger of the two
  memset(control, 0, sizeof(control));
  struct iovec iov = {(void*)data, length};
  struct msghdr msg;
  memset(&msg, 0, sizeof(msg));
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(info_size);
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = IPPROTO_SCTP;
  c->cmsg_type = cmsg_type;
  c->cmsg_len = CMSG_LEN(info_size);
  memcpy(CMSG_DATA(c), info, info_size);
  return sendmsg(fd, &msg, 0);
}

// Sends one message on the stream with the PPID of `info` (an SCTP_SNDRCV cmsg); on a one-to-many
// socket, sinfo_assoc_id picks the association.
static inline ssize_t send_sndrcv(int fd, const char* data, size_t length, const struct sctp_sndrcvinfo* info) {
  struct sctp_sndrcvinfo out;
  memset(&out, 0, sizeof(out));
  out.sinfo_stream = info->sinfo_stream;
  out.sinfo_ppid = info->sinfo_ppid;  // already in network order as received
  out.sinfo_flags = info->sinfo_flags & SCTP_UNORDERED;
  out.sinfo_assoc_id = info->sinfo_assoc_id;
  return send_with_cmsg(fd, data, length, SCTP_SNDRCV, &out, sizeof(out));
}

// Parses "-6" and the port shared by the servers.
static inline void server_args(int argc, char** argv, int* family, int* port) {
  *family = AF_INET;
  *port = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "-6") == 0) {
      *family = AF_INET6;
    } else {
      *port = atoi(argv[i]);
    }
  }
  if (*port <= 0 || *port > 65535) {
    printf("usage: %s [-6] PORT\n", argv[0]);
    exit(2);
  }
}

// The one-to-one (SOCK_STREAM) servers' main loop: listens on the port of the arguments, prints
// "ready PORT", and serves each association it accepts with `serve(fd)` in a child process of its
// own. Never returns.
static inline void serve_one_to_one(int argc, char** argv, void (*serve)(int fd)) {
  line_buffered();
  int family, port;
  server_args(argc, argv, &family, &port);
  signal(SIGCHLD, SIG_IGN);  // children are reaped by the kernel
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
      serve(fd);
      _exit(0);
    }
    close(fd);
  }
}
