/* A paced flood of 64-byte datagrams to 127.0.0.1:port: COUNT datagrams at RATE per second, in
 * bursts of BURST (one sendmmsg each) on a fixed schedule, stopping at MAX_MS whatever was sent.
 * When it falls behind it does not catch up with a larger burst: the schedule restarts. With
 * "gso" last, each burst is one sendmsg of BURST datagrams of SIZE bytes with UDP_SEGMENT (the
 * kernel splits it; a GRO receiver on loopback gets it whole). RATE 0 sends as fast as it can
 * (the saturating load of issue 19: more than any receiver keeps up with), still bounded by COUNT
 * and MAX_MS.
 * Usage: flood PORT COUNT RATE [BURST] [MAX_MS] [SIZE] [gso] */
#include "common.h"

#include <netinet/udp.h>

#define MAX_BURST 1024

int main(int argc, char **argv) {
  int port = (int)arg_long(argc, argv, 1, 0);
  long count = arg_long(argc, argv, 2, 100000);
  long rate = arg_long(argc, argv, 3, 50000);
  unsigned burst = (unsigned)arg_long(argc, argv, 4, 32);
  long max_ms = arg_long(argc, argv, 5, 30000);
  size_t size = (size_t)arg_long(argc, argv, 6, 64);
  int gso = argc > 7 && strcmp(argv[7], "gso") == 0;
  if (port <= 0 || count < 0 || count > 100000000 || rate < 0 || burst < 1 || burst > MAX_BURST ||
      max_ms <= 0 || max_ms > 600000 || size > 2048 || (gso && (size < 1 || burst * size > 65507)))
    return 2;
  static char whole[65536];
  memset(whole, 'f', sizeof whole);
  struct iovec whole_iov = {whole, 0};
  struct msghdr segmented = {0};
  union {
    char bytes[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } control;
  segmented.msg_iov = &whole_iov;
  segmented.msg_iovlen = 1;
  segmented.msg_control = control.bytes;
  segmented.msg_controllen = sizeof control.bytes;
  struct cmsghdr *cm = CMSG_FIRSTHDR(&segmented);
  cm->cmsg_level = SOL_UDP;
  cm->cmsg_type = UDP_SEGMENT;
  cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
  uint16_t segment = (uint16_t)size;
  memcpy(CMSG_DATA(cm), &segment, sizeof segment);
  static char buf[2048];
  static struct iovec iov[MAX_BURST];
  static struct mmsghdr msgs[MAX_BURST];
  memset(buf, 'f', size);
  for (unsigned i = 0; i < burst; i++) {
    iov[i].iov_base = buf;
    iov[i].iov_len = size;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  int fd = udp_socket();
  struct sockaddr_in to = loopback(port);
  if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0) die("connect");
  uint64_t tick = rate > 0 ? (uint64_t)burst * 1000000000u / (uint64_t)rate : 0;
  uint64_t start = now_ns(), deadline = start + (uint64_t)max_ms * 1000000u, next = start;
  long sent = 0, errors = 0, resyncs = 0;
  while (sent < count) {
    uint64_t t = now_ns();
    if (t >= deadline) break;
    if (tick == 0) {
      /* unpaced */
    } else if (t < next) {
      struct timespec ts = {(time_t)(next / 1000000000u), (long)(next % 1000000000u)};
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    } else if (t > next + 10 * tick) {
      next = t; /* far behind (descheduled): restart the schedule, no catch-up burst */
      resyncs++;
    }
    next += tick;
    unsigned n = count - sent < (long)burst ? (unsigned)(count - sent) : burst;
    int r;
    if (gso) {
      whole_iov.iov_len = n * size;
      r = sendmsg(fd, &segmented, 0) < 0 ? -1 : (int)n;
    } else {
      r = sendmmsg(fd, msgs, n, 0);
    }
    if (r < 0) {
      /* ECONNREFUSED: the receiver is gone (an ICMP from an earlier datagram); go on until the
       * count or the deadline, both bounded. */
      if (errno != EINTR) errors++;
      continue;
    }
    sent += r;
  }
  uint64_t ns = now_ns() - start;
  printf("{\"sent\":%ld,\"ns\":%llu,\"errors\":%ld,\"resyncs\":%ld}\n", sent, (unsigned long long)ns, errors, resyncs);
  return 0;
}
