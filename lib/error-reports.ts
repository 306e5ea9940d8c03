/**
 * A {@link Socket}'s ICMP error reports (Linux `IP_RECVERR` / `IPV6_RECVERR`): the iterations
 * of {@link Socket.errors}, the options they turn on and off, the native watcher of the error
 * queue they start, and the retry of a call failed by a report's pending error.
 * @module
 */
import { IPPROTO_IP, IPPROTO_IPV6, IPV6_RECVERR, IP_RECVERR, MSG_ERRQUEUE } from './constants';
import { UnsupportedError } from './errors';
import * as flat from './flat';
import { errorEntry, type ErrorQueueMessage, type NativeErrorEntry } from './msg';
import { binding, type NativeSocketHandle } from './native';
import type { SocketAddress } from './address-types';
import { checkWaitOptions, wouldBlock } from './wait-queue';

/** One report of the error queue (see {@link Socket.errors}), with the payload the kernel returned. */
export interface ErrorReport extends ErrorQueueMessage {
  /** The start of the datagram that failed (at most 512 bytes). */
  payload: Buffer;
}

// What the native watcher hands to the errors callback: [destination, control entries, payload] ...
const { errorReportStride } = binding.SocketHandle.limits;

/** @internal The error-queue reports of one socket; the Socket owns one and delegates to it. */
export class ErrorReports {
  readonly #fd: number;
  readonly #handle: NativeSocketHandle;
  #closed = false;
  readonly #listeners = new Set<(report: ErrorReport) => void>();
  // The options the first iteration turned on, to turn off when the last one ends.
  #turnedOn: Array<[level: number, name: number]> = [];
  // The iterations to end when the socket closes.
  readonly #finishers = new Set<() => void>();

  constructor(fd: number, handle: NativeSocketHandle) {
    this.#fd = fd;
    this.#handle = handle;
  }

  /** Whether an iteration reads the reports (then a call failed by one is made again). */
  get active(): boolean {
    return this.#listeners.size > 0;
  }

  /** See {@link Socket.errors}. */
  iterate(options?: { signal?: AbortSignal }): AsyncIterableIterator<ErrorReport> {
    if (MSG_ERRQUEUE === undefined) {
      throw new UnsupportedError('errors(): the socket error queue (MSG_ERRQUEUE) exists only on Linux');
    }
    checkWaitOptions(options);
    if (options?.signal?.aborted) {
      // Already aborted: an iteration that ends at once, and nothing turned on.
      const ended: AsyncIterableIterator<ErrorReport> = {
        next: () => Promise.resolve({ value: undefined, done: true }),
        return: () => Promise.resolve({ value: undefined, done: true }),
        [Symbol.asyncIterator]: () => ended,
      };
      return ended;
    }
    if (this.#listeners.size === 0) this.#turnedOn = this.#turnOn();
    const queued: ErrorReport[] = [];
    let waiting: ((result: IteratorResult<ErrorReport>) => void) | undefined;
    let finished = false;
    const listener = (report: ErrorReport): void => {
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value: report, done: false });
      } else {
        queued.push(report);
      }
    };
    const finish = (): IteratorResult<ErrorReport> => {
      if (!finished) {
        finished = true;
        this.#finishers.delete(finish);
        this.#listeners.delete(listener);
        if (this.#listeners.size === 0) this.#stop();
        options?.signal?.removeEventListener('abort', onAbort);
        waiting?.({ value: undefined, done: true });
        waiting = undefined;
      }
      return { value: undefined, done: true };
    };
    const onAbort = (): void => {
      finish();
    };
    options?.signal?.addEventListener('abort', onAbort, { once: true });
    this.#listeners.add(listener);
    this.#handle.setErrorReports(true);
    this.#finishers.add(finish);
    const iterator: AsyncIterableIterator<ErrorReport> = {
      next: () => {
        if (queued.length > 0) return Promise.resolve({ value: queued.shift()!, done: false });
        if (finished || this.#closed) return Promise.resolve(finish());
        return new Promise((resolve) => {
          waiting = resolve;
        });
      },
      return: () => Promise.resolve(finish()),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * With IP_RECVERR every ICMP report is also the socket's pending error, and fails the next
   * send or receive once, whatever that call was about. While {@link iterate} reads the
   * reports, such a failure is not the call's own: read the queue (which resets the pending
   * error, and delivers the reports) and make the call again. A failure with nothing queued is
   * real.
   */
  retry<T>(call: () => T | number): T | number {
    const result = call();
    if (typeof result !== 'number' || result >= 0 || this.#listeners.size === 0 || wouldBlock(-result)) return result;
    return !this.#closed && this.#handle.drainErrors() > 0 ? call() : result;
  }

  /** Error-queue reports of one wake-up, from the native watcher: handed to every iteration. */
  deliver(reports: unknown[]): void {
    for (let i = 0; i < reports.length; i += errorReportStride) {
      const destination = reports[i] as SocketAddress;
      const control = reports[i + 1] as { kind: string }[];
      const raw = control.find((entry) => entry.kind === 'error');
      if (!raw) continue;
      const report: ErrorReport = { ...errorEntry(raw as unknown as NativeErrorEntry, destination), payload: reports[i + 2] as Buffer };
      for (const listener of this.#listeners) listener(report);
    }
  }

  /** The socket closed: every iteration ends (the handle is closed already, nothing to turn off). */
  close(): void {
    this.#closed = true;
    for (const finish of [...this.#finishers]) finish();
  }

  /**
   * Turns on the options that queue ICMP reports (`IP_RECVERR`, and `IPV6_RECVERR` on an IPv6
   * socket, whose IPv4-mapped peers report through `IP_RECVERR`), and returns those it turned
   * on: an option the user had set stays the user's.
   */
  #turnOn(): Array<[level: number, name: number]> {
    const fd = this.#fd;
    const options: Array<[number, number]> =
      flat.getsockname(fd).family === 'AF_INET6' ? [[IPPROTO_IPV6, IPV6_RECVERR!], [IPPROTO_IP, IP_RECVERR!]] : [[IPPROTO_IP, IP_RECVERR!]];
    const turnedOn: Array<[number, number]> = [];
    for (const [index, [level, name]] of options.entries()) {
      try {
        if (flat.getsockopt(fd, level, name) !== 0) continue;
        flat.setsockopt(fd, level, name, true);
        turnedOn.push([level, name]);
      } catch (err) {
        if (index === 0) throw err; // IP_RECVERR on an IPv6-only socket may be refused
      }
    }
    return turnedOn;
  }

  /**
   * The last iteration ended: the socket goes back to how it was. The queue is read empty
   * first (which also clears the pending error that the last report set, so the next data
   * receive is not failed by it), then the options it turned on go off again, so that no
   * report queues up with nobody to read it (they would fill the receive buffer).
   */
  #stop(): void {
    if (this.#closed) return;
    this.#handle.setErrorReports(false);
    this.#handle.drainErrors();
    for (const [level, name] of this.#turnedOn.splice(0)) flat.setsockopt(this.#fd, level, name, false);
  }
}
