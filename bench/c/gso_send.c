/* Send throughput of 1200-byte datagrams, SEGMENTS per call, to 127.0.0.1:port in a timed loop
 * (send_loop_common.h): MODE "gso" sends one buffer of SEGMENTS datagrams with a UDP_SEGMENT
 * control message (the kernel splits it), MODE "mmsg" sends them as SEGMENTS messages of one
 * sendmmsg(). Unconnected: the address is in every call, as bsdsock's rows give it.
 * Usage: gso_send PORT MS [WARMUP_MS] [SEGMENTS] [SIZE] [gso|mmsg] */
#include "send_loop_common.h"

#include <netinet/udp.h>

#define MAX_SEGMENTS 64

struct ctx {
  int fd;
  int gso;
  unsigned segments;
  size_t size;
  char buf[65536];
  struct iovec iov[MAX_SEGMENTS];
  struct mmsghdr msgs[MAX_SEGMENTS];
  struct msghdr one;
  union {
    char bytes[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } control;
  struct sockaddr_in to;
};

static long unit(void *p) {
  struct ctx *c = p;
  if (c->gso) return sendmsg(c->fd, &c->one, 0) > 0 ? (long)c->segments : 0;
  unsigned done = 0;
  while (done < c->segments) {
    int n = sendmmsg(c->fd, c->msgs + done, c->segments - done, 0);
    if (n <= 0) return done;
    done += (unsigned)n;
  }
  return done;
}

int main(int argc, char **argv) {
  static struct ctx c;
  int port = (int)arg_long(argc, argv, 1, 0);
  long ms = arg_long(argc, argv, 2, 1000);
  long warmup = arg_long(argc, argv, 3, 100);
  c.segments = (unsigned)arg_long(argc, argv, 4, 40);
  c.size = (size_t)arg_long(argc, argv, 5, 1200);
  c.gso = !(argc > 6 && strcmp(argv[6], "mmsg") == 0);
  if (port <= 0 || ms <= 0 || ms > 60000 || c.segments < 1 || c.segments > MAX_SEGMENTS || c.size < 1 ||
      c.size * c.segments > 65507)
    return 2;
  c.fd = udp_socket();
  c.to = loopback(port);
  memset(c.buf, 'g', sizeof c.buf);
  for (unsigned i = 0; i < c.segments; i++) {
    c.iov[i].iov_base = c.buf + i * c.size;
    c.iov[i].iov_len = c.size;
    c.msgs[i].msg_hdr.msg_iov = &c.iov[i];
    c.msgs[i].msg_hdr.msg_iovlen = 1;
    c.msgs[i].msg_hdr.msg_name = &c.to;
    c.msgs[i].msg_hdr.msg_namelen = sizeof c.to;
  }
  static struct iovec whole;
  whole.iov_base = c.buf;
  whole.iov_len = c.size * c.segments;
  c.one.msg_name = &c.to;
  c.one.msg_namelen = sizeof c.to;
  c.one.msg_iov = &whole;
  c.one.msg_iovlen = 1;
  c.one.msg_control = c.control.bytes;
  c.one.msg_controllen = sizeof c.control.bytes;
  struct cmsghdr *cm = CMSG_FIRSTHDR(&c.one);
  cm->cmsg_level = SOL_UDP;
  cm->cmsg_type = UDP_SEGMENT;
  cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
  uint16_t segment = (uint16_t)c.size;
  memcpy(CMSG_DATA(cm), &segment, sizeof segment);
  /* Each unit sends SEGMENTS datagrams: check the clock about as often as for single sends. */
  run_send_loop(unit, &c, warmup, ms);
  return 0;
}
