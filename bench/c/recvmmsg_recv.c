/* A blocking recvmmsg() receiver: up to BATCH datagrams a syscall (MSG_WAITFORONE: returns as
 * soon as one is there, with whatever else is queued).
 * Usage: recvmmsg_recv EXPECTED WARMUP [IDLE_MS] [RCVBUF] [BUFSIZE] [BATCH]
 * Prints "READY <port>", then one JSON line (recv_common.h). */
#include "recv_common.h"

#define MAX_BATCH 1024

int main(int argc, char **argv) {
  struct window w = {0};
  w.expected = arg_long(argc, argv, 1, 100000);
  w.warmup = arg_long(argc, argv, 2, 10000);
  long idle_ms = arg_long(argc, argv, 3, 300);
  int rcvbuf = (int)arg_long(argc, argv, 4, 4 << 20);
  size_t size = (size_t)arg_long(argc, argv, 5, 2048);
  unsigned batch = (unsigned)arg_long(argc, argv, 6, 64);
  if (size > 65536 || batch < 1 || batch > MAX_BATCH) return 2;
  char *bufs = malloc(size * batch);
  static struct iovec iov[MAX_BATCH];
  static struct mmsghdr msgs[MAX_BATCH];
  static struct sockaddr_storage from[MAX_BATCH];
  if (bufs == NULL) return 2;
  int fd = udp_socket();
  set_rcvbuf(fd, rcvbuf);
  set_rcvtimeo(fd, idle_ms);
  alarm(120);
  announce_ready(bind_loopback(fd));
  while (w.received < w.expected) {
    for (unsigned i = 0; i < batch; i++) {
      iov[i].iov_base = bufs + i * size;
      iov[i].iov_len = size;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    int n = recvmmsg(fd, msgs, batch, MSG_WAITFORONE, NULL);
    w.calls++;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (w.received > 0) break;
        continue;
      }
      die("recvmmsg");
    }
    w.received += n;
    window_update(&w);
  }
  window_report(&w);
  free(bufs);
  return 0;
}
