/* The timed loop shared by the three send programs: `warmup_ms` untimed, then `ms` timed, the
 * clock read once per `CHECK` sends (a vDSO call, as cheap as node's performance.now()). */
#ifndef BENCH_SEND_LOOP_COMMON_H
#define BENCH_SEND_LOOP_COMMON_H

#include "common.h"

#define CHECK 256
/* Bounded in count as well as in time (MS <= 60 s): no run sends more than this. */
#define MAX_SENT 100000000L

/* One unit of work: returns how many datagrams it sent (0 on an error, counted apart). */
typedef long (*send_unit)(void *ctx);

static void run_send_loop(send_unit unit, void *ctx, long warmup_ms, long ms) {
  long errors = 0;
  uint64_t end = now_ns() + (uint64_t)warmup_ms * 1000000u;
  long warm = 0;
  while (now_ns() < end && warm < MAX_SENT) {
    for (int i = 0; i < CHECK; i++, warm++) if (unit(ctx) <= 0) errors++;
  }
  long sent = 0;
  uint64_t start = now_ns();
  uint64_t cpu0 = cpu_ns();
  end = start + (uint64_t)ms * 1000000u;
  uint64_t t = start;
  while (t < end && sent < MAX_SENT) {
    for (int i = 0; i < CHECK; i++) {
      long n = unit(ctx);
      if (n > 0) sent += n; else errors++;
    }
    t = now_ns();
  }
  uint64_t cpu = cpu_ns() - cpu0;
  printf("{\"sent\":%ld,\"ns\":%llu,\"cpuNs\":%llu,\"errors\":%ld}\n", sent,
         (unsigned long long)(t - start), (unsigned long long)cpu, errors);
}

#endif
