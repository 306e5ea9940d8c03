/* sendmmsg() of batches of `batch` datagrams of `size` bytes to 127.0.0.1:port, in a timed
 * loop; connected (no address per message) unless MODE is "to" (an address in every message).
 * Usage: sendmmsg_loop PORT SIZE MS [WARMUP_MS] [BATCH] [connected|to] */
#include "send_loop_common.h"

#define MAX_BATCH 1024

struct ctx {
  int fd;
  unsigned batch;
  char buf[MAX_BATCH][2048];
  struct iovec iov[MAX_BATCH];
  struct mmsghdr msgs[MAX_BATCH];
  struct sockaddr_in to;
};

static long unit(void *p) {
  struct ctx *c = p;
  unsigned done = 0;
  while (done < c->batch) {
    int n = sendmmsg(c->fd, c->msgs + done, c->batch - done, MSG_NOSIGNAL);
    if (n <= 0) return done;
    done += (unsigned)n;
  }
  return done;
}

int main(int argc, char **argv) {
  static struct ctx c;
  int port = (int)arg_long(argc, argv, 1, 0);
  size_t size = (size_t)arg_long(argc, argv, 2, 64);
  long ms = arg_long(argc, argv, 3, 1000);
  long warmup = arg_long(argc, argv, 4, 100);
  c.batch = (unsigned)arg_long(argc, argv, 5, 64);
  int with_address = argc > 6 && strcmp(argv[6], "to") == 0;
  if (port <= 0 || size > sizeof c.buf[0] || ms <= 0 || ms > 60000 || c.batch < 1 || c.batch > MAX_BATCH) return 2;
  c.fd = udp_socket();
  c.to = loopback(port);
  if (!with_address && connect(c.fd, (struct sockaddr *)&c.to, sizeof c.to) < 0) die("connect");
  for (unsigned i = 0; i < c.batch; i++) {
    memset(c.buf[i], 'x', size);
    c.iov[i].iov_base = c.buf[i];
    c.iov[i].iov_len = size;
    c.msgs[i].msg_hdr.msg_iov = &c.iov[i];
    c.msgs[i].msg_hdr.msg_iovlen = 1;
    if (with_address) {
      c.msgs[i].msg_hdr.msg_name = &c.to;
      c.msgs[i].msg_hdr.msg_namelen = sizeof c.to;
    }
  }
  /* The loop checks the clock once per CHECK units: keep that about as often as for single sends. */
  run_send_loop(unit, &c, warmup, ms);
  return 0;
}
