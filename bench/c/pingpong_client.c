/* The C ping-pong client: sendto() one SIZE-byte datagram, blocking recvfrom() of the echo,
 * COUNT times after WARMUP untimed ones; reports the median and p99 round trip.
 * Usage: pingpong_client PORT COUNT [WARMUP] [SIZE] */
#include "common.h"

static int cmp(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Nearest rank, as bench/workers/stats.js computes it. */
static uint64_t rank(const uint64_t *sorted, long n, double q) {
  long i = (long)(q * (double)n + 0.999999999) - 1;
  if (i < 0) i = 0;
  if (i >= n) i = n - 1;
  return sorted[i];
}

int main(int argc, char **argv) {
  int port = (int)arg_long(argc, argv, 1, 0);
  long count = arg_long(argc, argv, 2, 10000);
  long warmup = arg_long(argc, argv, 3, 1000);
  size_t size = (size_t)arg_long(argc, argv, 4, 64);
  if (port <= 0 || count < 1 || count > 10000000 || warmup < 0 || size > 2048) return 2;
  static char out[2048], in[2048];
  memset(out, 'p', size);
  uint64_t *rtt = malloc(sizeof *rtt * (size_t)count);
  if (rtt == NULL) return 2;
  int fd = udp_socket();
  set_rcvtimeo(fd, 1000);
  struct sockaddr_in to = loopback(port);
  long lost = 0, n = 0;
  uint64_t deadline = now_ns() + 60000000000u;
  for (long i = 0; i < warmup + count && now_ns() < deadline; i++) {
    uint64_t t0 = now_ns();
    if (sendto(fd, out, size, MSG_NOSIGNAL, (struct sockaddr *)&to, sizeof to) < 0) die("sendto");
    struct sockaddr_storage from;
    socklen_t len = sizeof from;
    ssize_t r;
    do r = recvfrom(fd, in, sizeof in, 0, (struct sockaddr *)&from, &len); while (r < 0 && errno == EINTR);
    uint64_t t1 = now_ns();
    if (r < 0) {
      lost++;
      continue;
    }
    if (i >= warmup) rtt[n++] = t1 - t0;
  }
  qsort(rtt, (size_t)n, sizeof *rtt, cmp);
  double sum = 0;
  for (long i = 0; i < n; i++) sum += (double)rtt[i];
  printf("{\"count\":%ld,\"lost\":%ld,\"medianNs\":%llu,\"p99Ns\":%llu,\"meanNs\":%.0f}\n", n, lost,
         n ? (unsigned long long)rank(rtt, n, 0.5) : 0ull, n ? (unsigned long long)rank(rtt, n, 0.99) : 0ull,
         n ? sum / (double)n : 0.0);
  free(rtt);
  return 0;
}
