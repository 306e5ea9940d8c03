/* A blocking receiver with UDP_GRO on: one recvmsg() may return many datagrams of one sender,
 * coalesced; the UDP_GRO control message gives their size, and the datagrams are counted from
 * it (the C way of using GRO: no copy, the caller walks the buffer).
 * Usage: gro_recv EXPECTED WARMUP [IDLE_MS] [RCVBUF]
 * Prints "READY <port>", then one JSON line (recv_common.h). */
#include "recv_common.h"

#include <netinet/udp.h>

int main(int argc, char **argv) {
  struct window w = {0};
  w.expected = arg_long(argc, argv, 1, 100000);
  w.warmup = arg_long(argc, argv, 2, 10000);
  long idle_ms = arg_long(argc, argv, 3, 300);
  int rcvbuf = (int)arg_long(argc, argv, 4, 4 << 20);
  static char buf[65536];
  union {
    char bytes[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  int fd = udp_socket();
  int on = 1;
  if (setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof on) < 0) die("setsockopt UDP_GRO");
  set_rcvbuf(fd, rcvbuf);
  set_rcvtimeo(fd, idle_ms);
  alarm(120);
  announce_ready(bind_loopback(fd));
  while (w.received < w.expected) {
    struct sockaddr_storage from;
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m = {0};
    m.msg_name = &from;
    m.msg_namelen = sizeof from;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control.bytes;
    m.msg_controllen = sizeof control.bytes;
    ssize_t n = recvmsg(fd, &m, 0);
    w.calls++;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (w.received > 0) break;
        continue;
      }
      die("recvmsg");
    }
    long datagrams = 1;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm != NULL; cm = CMSG_NXTHDR(&m, cm)) {
      if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) {
        int segment;
        memcpy(&segment, CMSG_DATA(cm), sizeof segment);
        if (segment > 0) datagrams = (n + segment - 1) / segment;
      }
    }
    w.received += datagrams;
    window_update(&w);
  }
  window_report(&w);
  return 0;
}
