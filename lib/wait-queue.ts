/**
 * The operations of a {@link Socket} that wait for the kernel (a receive, a send for room, an
 * accept, a TCP connect), in the order they were made. The queue owns what every waiting
 * operation shares: its timeout, its abort signal, and its rejection when the socket closes.
 * What an operation does when the socket is ready stays with the Socket.
 * @module
 */
import * as os from 'node:os';

import { AbortError, SocketClosedError, socketError } from './errors';
import { checkInteger, invalidType } from './validate';

/** What a waiting operation accepts. */
export interface WaitOptions {
  /** Abort the wait: the promise rejects with an {@link AbortError}; the socket stays usable. */
  signal?: AbortSignal;
  /** Give up after this many milliseconds: the promise rejects with a `TimedOutError` (ETIMEDOUT). */
  timeout?: number;
}

/**
 * @internal How the library's own loops (lib/batch-iterators.ts) end a wait they started: the
 * queue sets `cancel` while the wait is queued. Cheaper than an AbortSignal per wait (an
 * EventTarget listener added and removed each time).
 */
export interface Canceller {
  cancel: (() => void) | undefined;
}

/** @internal What the queue accepts: a caller's checked options, and the library's canceller. */
export interface QueueOptions extends WaitOptions {
  canceller?: Canceller;
}

/**
 * Checks {@link WaitOptions} before anything is done, and returns what was checked: each getter
 * (user code) is read once, so nothing it does later changes the options a wait uses.
 */
export function checkWaitOptions(options: WaitOptions | undefined): WaitOptions | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options);
  const { signal, timeout } = options;
  if (timeout !== undefined) checkInteger(timeout, 'options.timeout', 0, 2 ** 31 - 1);
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalidType('options.signal', 'an AbortSignal', signal);
  }
  return { signal, timeout };
}

/** One waiting operation: what the Socket needs to finish it, and how to settle its promise. */
export interface Waiter<T, D> {
  /** Unique in its queue while it waits (the native receive queue knows a receive by it). */
  readonly id: number;
  /** The call's name, for its errors (`recvfrom`, `sendto`, `accept` ...). */
  readonly operation: string;
  /** What the operation needs when the socket is ready (its buffers, its target ...). */
  readonly data: D;
  resolve(value: T): void;
  reject(error: Error): void;
}

interface Entry<T, D> extends Waiter<T, D> {
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  canceller?: Canceller;
}

const { EAGAIN, ETIMEDOUT, EWOULDBLOCK } = os.constants.errno;

/** True for the errno of a non-blocking call that found nothing to do: the operation waits. */
export function wouldBlock(errno: number): boolean {
  return errno === EAGAIN || errno === EWOULDBLOCK;
}

/**
 * Waiting operations in order. {@link take} removes one to be settled by the caller; a timeout
 * or an abort removes it, calls `onCancel`, and rejects it; {@link close} rejects them all.
 * @internal
 */
export class WaitQueue<T, D> {
  // A Map keeps insertion order, and finds a native receive's result by its id.
  readonly #entries = new Map<number, Entry<T, D>>();
  #nextId = 1;
  readonly #onCancel: (waiter: Waiter<T, D>) => void;

  /** `onCancel` runs when a timeout or an abort removed a waiter, before it is rejected. */
  constructor(onCancel: (waiter: Waiter<T, D>) => void) {
    this.#onCancel = onCancel;
  }

  /** How many operations wait. */
  get size(): number {
    return this.#entries.size;
  }

  /** The id the next queued operation gets (a native queue may learn it first). */
  get nextId(): number {
    return this.#nextId;
  }

  /** The operation that waited longest, left in the queue. */
  head(): Waiter<T, D> | undefined {
    for (const entry of this.#entries.values()) return entry;
    return undefined;
  }

  /** The waiting operation of this id, left in the queue. */
  peek(id: number): Waiter<T, D> | undefined {
    return this.#entries.get(id);
  }

  /** The waiting operations, oldest first. */
  values(): IterableIterator<Waiter<T, D>> {
    return this.#entries.values();
  }

  /** Queue an operation whose promise is this one (see {@link enqueue}). */
  wait(operation: string, data: D, options: QueueOptions | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.enqueue(operation, data, resolve, reject, options);
    });
  }

  /**
   * Queue an operation settled through `resolve` and `reject` (one promise may stand for many,
   * as a send batch's), with its timeout and abort signal. Returns its id.
   */
  enqueue(operation: string, data: D, resolve: (value: T) => void, reject: (error: Error) => void, options?: QueueOptions): number {
    const id = this.#nextId++;
    if (this.#nextId > 0xffffffff) this.#nextId = 1;
    const signal = options?.signal;
    const entry: Entry<T, D> = { id, operation, data, resolve, reject, timer: undefined, signal, onAbort: undefined };
    if (options?.timeout !== undefined) {
      entry.timer = setTimeout(() => this.#cancel(id, socketError(ETIMEDOUT, operation)), options.timeout);
      entry.timer.unref(); // the watcher, not the timer, keeps the process alive (ref/unref)
    }
    if (signal) {
      entry.onAbort = () => this.#cancel(id, new AbortError(operation, signal.reason));
      signal.addEventListener('abort', entry.onAbort, { once: true });
    }
    const canceller = options?.canceller;
    if (canceller) {
      entry.canceller = canceller;
      canceller.cancel = () => this.#cancel(id, new AbortError(operation, undefined));
    }
    this.#entries.set(id, entry);
    return id;
  }

  /** Removes a waiting operation (the head when no id is given) for the caller to settle. */
  take(id?: number): Waiter<T, D> | undefined {
    const entry = id === undefined ? (this.head() as Entry<T, D> | undefined) : this.#entries.get(id);
    if (entry === undefined) return undefined;
    this.#entries.delete(entry.id);
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    if (entry.onAbort) entry.signal!.removeEventListener('abort', entry.onAbort);
    if (entry.canceller) entry.canceller.cancel = undefined;
    return entry;
  }

  /** The socket closed: every waiting operation rejects with a {@link SocketClosedError}. */
  close(): void {
    for (const id of [...this.#entries.keys()]) {
      const waiter = this.take(id);
      waiter?.reject(new SocketClosedError(waiter.operation));
    }
  }

  #cancel(id: number, error: Error): void {
    const waiter = this.take(id);
    if (waiter === undefined) return;
    this.#onCancel(waiter);
    waiter.reject(error);
  }
}
