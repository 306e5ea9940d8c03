/* sendto() of `size`-byte datagrams to 127.0.0.1:port on an unconnected socket, in a timed
 * loop. Usage: sendto_loop PORT SIZE MS [WARMUP_MS] */
#include "send_loop_common.h"

struct ctx {
  int fd;
  char buf[65536];
  size_t size;
  struct sockaddr_in to;
};

static long unit(void *p) {
  struct ctx *c = p;
  return sendto(c->fd, c->buf, c->size, MSG_NOSIGNAL, (struct sockaddr *)&c->to, sizeof c->to) >= 0;
}

int main(int argc, char **argv) {
  static struct ctx c;
  int port = (int)arg_long(argc, argv, 1, 0);
  c.size = (size_t)arg_long(argc, argv, 2, 64);
  long ms = arg_long(argc, argv, 3, 1000);
  long warmup = arg_long(argc, argv, 4, 100);
  if (port <= 0 || c.size > sizeof c.buf || ms <= 0 || ms > 60000) return 2;
  c.fd = udp_socket();
  c.to = loopback(port);
  memset(c.buf, 'x', c.size);
  run_send_loop(unit, &c, warmup, ms);
  return 0;
}
