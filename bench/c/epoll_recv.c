/* The event-loop floor (issue 19): a non-blocking socket, epoll_wait(), then recvmmsg() of up
 * to BATCH datagrams, again only while a call fills the whole batch (a shorter one has emptied
 * the queue), then back to epoll_wait(). What any event-loop receiver (libuv, bsdsock's Socket,
 * Bun) must do at the least per wake-up, with nothing else in the loop.
 * Usage: epoll_recv EXPECTED WARMUP [IDLE_MS] [RCVBUF] [BUFSIZE] [BATCH]
 * Prints "READY <port>", then one JSON line (recv_common.h: "syscalls" counts the recvmmsg
 * calls, "wakeups" the epoll_wait calls that returned an event). */
#include "recv_common.h"

#include <sys/epoll.h>

#define MAX_BATCH 1024

int main(int argc, char **argv) {
  struct window w = {0};
  w.expected = arg_long(argc, argv, 1, 100000);
  w.warmup = arg_long(argc, argv, 2, 10000);
  long idle_ms = arg_long(argc, argv, 3, 300);
  int rcvbuf = (int)arg_long(argc, argv, 4, 4 << 20);
  size_t size = (size_t)arg_long(argc, argv, 5, 2048);
  unsigned batch = (unsigned)arg_long(argc, argv, 6, 64);
  if (size > 65536 || batch < 1 || batch > MAX_BATCH || idle_ms <= 0 || idle_ms > 60000) return 2;
  char *bufs = malloc(size * batch);
  static struct iovec iov[MAX_BATCH];
  static struct mmsghdr msgs[MAX_BATCH];
  static struct sockaddr_storage from[MAX_BATCH];
  if (bufs == NULL) return 2;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) die("socket");
  set_rcvbuf(fd, rcvbuf);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  struct epoll_event want = {.events = EPOLLIN, .data = {.fd = fd}};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &want) < 0) die("epoll_ctl");
  alarm(120);
  announce_ready(bind_loopback(fd));
  while (w.received < w.expected) {
    struct epoll_event ev;
    int ready = epoll_wait(ep, &ev, 1, (int)idle_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    if (ready == 0) {
      if (w.received > 0) break; /* idle: the sender is done */
      continue;
    }
    w.wakeups++;
    int n;
    do {
      for (unsigned i = 0; i < batch; i++) {
        iov[i].iov_base = bufs + i * size;
        iov[i].iov_len = size;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof from[i];
      }
      n = recvmmsg(fd, msgs, batch, 0, NULL);
      w.calls++;
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        die("recvmmsg");
      }
      w.received += n;
      window_update(&w);
    } while (n == (int)batch && w.received < w.expected);
  }
  window_report(&w);
  close(ep);
  close(fd);
  free(bufs);
  return 0;
}
