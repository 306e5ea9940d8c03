/* The echo server of the ping-pong: blocking recvfrom(), sendto() back to the sender, as the
 * course notes write it. Answers only who sent to it (loopback clients of the benchmark);
 * exits after IDLE_MS without a datagram or MAX_MS in all.
 * Usage: pingpong_server [IDLE_MS] [MAX_MS]
 * Prints "READY <port>", then one JSON line at exit. */
#include "common.h"

int main(int argc, char **argv) {
  long idle_ms = arg_long(argc, argv, 1, 10000);
  long max_ms = arg_long(argc, argv, 2, 170000);
  static char buf[65536];
  int fd = udp_socket();
  set_rcvtimeo(fd, idle_ms);
  uint64_t deadline = now_ns() + (uint64_t)max_ms * 1000000u;
  announce_ready(bind_loopback(fd));
  long echoed = 0;
  while (now_ns() < deadline) {
    struct sockaddr_storage from;
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
    if (n < 0) {
      if (errno == EINTR) continue;
      break; /* idle */
    }
    if (sendto(fd, buf, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&from, len) >= 0) echoed++;
  }
  printf("{\"echoed\":%ld}\n", echoed);
  return 0;
}
