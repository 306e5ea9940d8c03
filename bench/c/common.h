/* Shared helpers of the C reference programs of the benchmark (bench/run.js builds and runs
 * them). Every program talks only to 127.0.0.1, is bounded in count and in time, and prints
 * one JSON line with its result on stdout. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* user + system CPU time of this process, in nanoseconds (what process.cpuUsage() gives node). */
static inline uint64_t cpu_ns(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000u +
         ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000u;
}

static inline void die(const char *what) {
  fprintf(stderr, "%s: %s\n", what, strerror(errno));
  exit(2);
}

static inline long arg_long(int argc, char **argv, int index, long fallback) {
  return index < argc ? strtol(argv[index], NULL, 10) : fallback;
}

/* 127.0.0.1:port, the only destination these programs use. */
static inline struct sockaddr_in loopback(int port) {
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sa;
}

static inline int udp_socket(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  return fd;
}

/* A UDP socket bound to 127.0.0.1 on a port the kernel picks; the port is returned. */
static inline int bind_loopback(int fd) {
  struct sockaddr_in sa = loopback(0);
  socklen_t len = sizeof sa;
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind");
  if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0) die("getsockname");
  return ntohs(sa.sin_port);
}

static inline void set_rcvtimeo(int fd, long ms) {
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) die("setsockopt SO_RCVTIMEO");
}

static inline void set_rcvbuf(int fd, int bytes) {
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes) < 0) die("setsockopt SO_RCVBUF");
}

/* The receivers announce their port on a line of its own, then print their result. */
static inline void announce_ready(int port) {
  printf("READY %d\n", port);
  fflush(stdout);
}

#endif
