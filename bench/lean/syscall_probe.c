/* What one syscall costs the user-space code that runs after it, on this machine
 * (`node bench/profile.js probe`). A loop sends a 64-byte datagram to a never-read loopback port
 * and then reads K cache lines, STRIDE bytes apart, the same ones every time (as a JavaScript ->
 * C crossing touches the same JIT code, V8 builtins, addon code, stacks and objects every call).
 * Run with and without the syscall: the difference is what the syscall's own footprint (kernel
 * code and data evicting the user's lines from the caches and TLB) costs the user-space work.
 * Usage: syscall_probe PORT K [SYSCALL=1] [MS=1000] [STRIDE=4160] */
#include "../c/common.h"

#include <sys/mman.h>

int main(int argc, char **argv) {
  int port = (int)arg_long(argc, argv, 1, 0);
  long k = arg_long(argc, argv, 2, 0);
  int with_syscall = (int)arg_long(argc, argv, 3, 1);
  long ms = arg_long(argc, argv, 4, 1000);
  long stride = arg_long(argc, argv, 5, 4096 + 64);
  if (port <= 0 || k < 0 || k > 65536 || ms <= 0 || ms > 60000 || stride < 64 || stride > 65536) return 2;
  size_t size = (size_t)k * (size_t)stride + 4096;
  volatile char *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (mem == MAP_FAILED) die("mmap");
  int fd = udp_socket();
  struct sockaddr_in to = loopback(port);
  char buf[64] = {0};
  long sum = 0, n = 0;
  uint64_t c0 = cpu_ns(), end = now_ns() + (uint64_t)ms * 1000000u;
  while (now_ns() < end) {
    for (int j = 0; j < 64; j++, n++) {
      if (with_syscall) sendto(fd, buf, sizeof buf, MSG_NOSIGNAL, (struct sockaddr *)&to, sizeof to);
      for (long i = 0; i < k; i++) sum += mem[(size_t)i * (size_t)stride];
    }
  }
  printf("{\"k\":%ld,\"stride\":%ld,\"syscall\":%d,\"nsPerIteration\":%.1f,\"sum\":%ld}\n", k, stride, with_syscall, (double)(cpu_ns() - c0) / (double)n, sum);
  return 0;
}
