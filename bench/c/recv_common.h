/* What the two C receivers share: the measurement window and its report.
 *
 * The window opens when `warmup` datagrams have arrived and closes when `expected` have, or
 * when none arrived for `idle_ms` (some were lost): CPU is user+sys of this process from
 * getrusage(), the same quantity process.cpuUsage() gives the node receivers. */
#ifndef BENCH_RECV_COMMON_H
#define BENCH_RECV_COMMON_H

#include "common.h"

struct window {
  long expected, warmup;
  long received;
  long at_open;
  int open;
  uint64_t cpu0, t0;
  long calls, calls_at_open;
  /* Event-loop receivers only (epoll_recv.c): epoll_wait() calls that returned an event. */
  long wakeups, wakeups_at_open;
};

static inline void window_update(struct window *w) {
  if (!w->open && w->received >= w->warmup) {
    w->open = 1;
    w->at_open = w->received;
    w->calls_at_open = w->calls;
    w->wakeups_at_open = w->wakeups;
    w->cpu0 = cpu_ns();
    w->t0 = now_ns();
  }
}

static inline void window_report(struct window *w) {
  uint64_t cpu = w->open ? cpu_ns() - w->cpu0 : 0;
  uint64_t ns = w->open ? now_ns() - w->t0 : 0;
  printf("{\"received\":%ld,\"measured\":%ld,\"cpuNs\":%llu,\"ns\":%llu,\"syscalls\":%ld,\"wakeups\":%ld}\n",
         w->received, w->open ? w->received - w->at_open : 0, (unsigned long long)cpu, (unsigned long long)ns,
         w->open ? w->calls - w->calls_at_open : 0, w->open ? w->wakeups - w->wakeups_at_open : 0);
}

#endif
