/* A blocking recvfrom() receiver: one syscall per datagram.
 * Usage: recvfrom_recv EXPECTED WARMUP [IDLE_MS] [RCVBUF] [BUFSIZE]
 * Prints "READY <port>", then one JSON line (recv_common.h). */
#include "recv_common.h"

int main(int argc, char **argv) {
  struct window w = {0};
  w.expected = arg_long(argc, argv, 1, 100000);
  w.warmup = arg_long(argc, argv, 2, 10000);
  long idle_ms = arg_long(argc, argv, 3, 300);
  int rcvbuf = (int)arg_long(argc, argv, 4, 4 << 20);
  size_t size = (size_t)arg_long(argc, argv, 5, 2048);
  static char buf[65536];
  if (size > sizeof buf) return 2;
  int fd = udp_socket();
  set_rcvbuf(fd, rcvbuf);
  set_rcvtimeo(fd, idle_ms);
  alarm(120); /* bounded in time whatever happens */
  announce_ready(bind_loopback(fd));
  while (w.received < w.expected) {
    struct sockaddr_storage from;
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(fd, buf, size, 0, (struct sockaddr *)&from, &len);
    w.calls++;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (w.received > 0) break; /* idle: the flood is over, some were lost */
        continue;
      }
      die("recvfrom");
    }
    w.received++;
    window_update(&w);
  }
  window_report(&w);
  return 0;
}
