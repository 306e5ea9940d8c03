/**
 * I/O multiplexing as C has it: {@link poll} and {@link select} block the calling thread until
 * one of several descriptors is ready, or the timeout passes (chapter 6 of Stevens' *UNIX
 * Network Programming*, and the TCP + UDP server of section 8.15).
 *
 * ```ts
 * const ready = select([tcpListener, udp], [], [], null);
 * if (ready.readfds.includes(udp)) recvfrom(udp, buf);
 * ```
 *
 * A signal does not cut the wait short: an `EINTR` is retried with the time that is left, so
 * the timeout keeps its bound. The `Socket` class waits with the event loop instead
 * (socket.md); these are for programs written the C way.
 * @module
 */
import * as os from 'node:os';

import { FD_SETSIZE } from './constants';
import { socketError } from './errors';
import { binding } from './native';
import * as trace from './trace';
import { checkInt32, checkInteger, invalidType } from './validate';

/** One entry of {@link poll}: C's `struct pollfd`. */
export interface PollFd {
  /** The descriptor to watch; a negative one is ignored (its `revents` is 0), as in C. */
  fd: number;
  /** The events asked for: `POLLIN`, `POLLOUT`, `POLLPRI` (and `POLLRDHUP` on Linux), or-ed. */
  events: number;
  /**
   * What happened, set by {@link poll}: the events asked for that are ready, plus `POLLERR`,
   * `POLLHUP` and `POLLNVAL` (a descriptor that is not open), which are reported unasked.
   */
  revents?: number;
}

/** What {@link select} returns: how many descriptors are ready, and which. */
export interface SelectResult {
  /** The number of ready descriptors over the three sets (C's return value). */
  count: number;
  /** The descriptors of `readfds` that are readable. */
  readfds: number[];
  /** The descriptors of `writefds` that are writable. */
  writefds: number[];
  /** The descriptors of `exceptfds` with an exceptional condition (TCP urgent data). */
  exceptfds: number[];
}

const INT32_MAX = 2 ** 31 - 1;
const EVENTS_MAX = 0x7fff; // events is a C short

function checkArray(value: unknown, name: string): asserts value is readonly unknown[] {
  if (!Array.isArray(value)) throw invalidType(name, 'an array', value);
}

/**
 * `poll(2)`: waits until one of `fds` is ready or `timeout` milliseconds pass (-1, the default,
 * waits for ever; 0 returns at once). Returns the number of entries with events, and sets
 * `revents` on every entry, as C does (0 when nothing happened). A descriptor that is not open
 * is not an error: its entry gets `POLLNVAL`.
 */
export function poll(fds: PollFd[], timeout = -1): number {
  checkArray(fds, 'fds');
  const count = fds.length;
  // Per call, not shared: a trace sink may itself call poll while this one is traced.
  const entries = new Int32Array(3 * count);
  for (let i = 0; i < count; i++) {
    const entry = fds[i] as unknown;
    if (typeof entry !== 'object' || entry === null) throw invalidType(`fds[${i}]`, 'an object { fd, events }', entry);
    const { fd, events } = entry as PollFd;
    checkInt32(fd, `fds[${i}].fd`);
    checkInteger(events, `fds[${i}].events`, 0, EVENTS_MAX);
    entries[3 * i] = fd;
    entries[3 * i + 1] = events;
  }
  checkInteger(timeout, 'timeout', -1, INT32_MAX);
  const blocked = trace.enabled && trace.pollBegins(entries, count, timeout);
  const result = binding.poll(entries, count, timeout);
  if (trace.enabled) trace.poll(entries, count, timeout, result, blocked);
  if (result < 0) throw fail(-result, 'poll', poll);
  for (let i = 0; i < count; i++) fds[i]!.revents = entries[3 * i + 2]!;
  return result;
}

function descriptorSet(value: unknown, name: string): Int32Array {
  if (value === undefined || value === null) return new Int32Array(0);
  checkArray(value, name);
  const set = new Int32Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const fd = value[i];
    checkInteger(fd, `${name}[${i}]`, 0, INT32_MAX);
    if (fd >= FD_SETSIZE) {
      // C's select() fails with EINVAL here (and FD_SET would write past the set): refuse the
      // same way, before any call, and say what to use instead.
      const error = socketError(os.constants.errno.EINVAL, 'select');
      error.message = `select EINVAL: descriptor ${fd} in ${name} is not below FD_SETSIZE (${FD_SETSIZE}); use poll() for it`;
      Error.captureStackTrace(error, select);
      throw error;
    }
    set[i] = fd;
  }
  return set;
}

/**
 * `select(2)`: waits until a descriptor of `readfds` is readable, one of `writefds` writable,
 * or one of `exceptfds` has an exceptional condition, or `timeout` milliseconds pass (`null`,
 * the default, waits for ever; 0 returns at once). Returns the count and the ready descriptors
 * of each set; the arrays given are not changed.
 *
 * A descriptor at or above `FD_SETSIZE` (1024 on Linux and macOS) cannot be put in an
 * `fd_set`: like C's `select` it fails with `EINVAL` ({@link InvalidArgumentError}). Use
 * {@link poll}, which has no such limit. On Linux the call is the `pselect6` syscall (glibc's
 * `select` is too), and the trace names it so.
 */
export function select(
  readfds: readonly number[],
  writefds: readonly number[] = [],
  exceptfds: readonly number[] = [],
  timeout: number | null = null,
): SelectResult {
  const sets = [descriptorSet(readfds, 'readfds'), descriptorSet(writefds, 'writefds'), descriptorSet(exceptfds, 'exceptfds')] as const;
  if (timeout !== null) checkInteger(timeout, 'timeout', 0, INT32_MAX);
  const ms = timeout ?? -1;
  const ready = new Uint8Array(sets[0].length + sets[1].length + sets[2].length);
  const blocked = trace.enabled && trace.selectBegins(sets, ms);
  const result = binding.select(sets[0], sets[1], sets[2], ms, ready);
  if (trace.enabled) trace.select(sets, ms, ready, result, blocked);
  if (result < 0) throw fail(-result, 'select', select);
  const out: [number[], number[], number[]] = [[], [], []];
  let at = 0;
  for (let s = 0; s < 3; s++) {
    for (const fd of sets[s]!) if (ready[at++] === 1) out[s]!.push(fd);
  }
  return { count: result, readfds: out[0], writefds: out[1], exceptfds: out[2] };
}

function fail(errno: number, syscall: string, cutoff: Function): Error {
  const error = socketError(errno, syscall);
  Error.captureStackTrace(error, cutoff);
  return error;
}
