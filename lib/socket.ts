/**
 * The event-loop layer: a {@link Socket} owns one non-blocking descriptor and performs the
 * same syscalls as the flat API without ever blocking the thread. I/O methods return promises;
 * readiness comes from a libuv poll watcher on the loop of the calling thread (main or worker),
 * started only while an operation waits. Every receive takes one path, in native code
 * (native/socket_handle.cc): made at once when nothing waits before it and the last one did
 * not find the kernel's queue empty, otherwise queued; when the socket is readable the native
 * side drains the queue itself (non-blocking `recvmmsg` until `EAGAIN`, at most 32 a wake-up)
 * and hands JavaScript all results of one wake-up at once.
 * @module
 */
import * as os from 'node:os';

import { sockaddr, type AddressInput, type EncodedAddress, type SocketAddress } from './address';
import { F_GETFD, F_SETFD, FD_CLOEXEC, MSG_PEEK, MSG_TRUNC, SOL_SOCKET, SOL_UDP, SO_ERROR, UDP_GRO } from './constants';
import { AbortError, ArgumentTypeError, SocketClosedError, UnsupportedError, socketError } from './errors';
import { ErrorReports, type ErrorReport } from './error-reports';
import * as flat from './flat';
import type { RecvfromResult } from './flat';
import { prepareSendmsg, traceRecvmsg, tryRecvmsg, checkRecvmsgOptions, type RecvmsgResult } from './msg';
import type { Linger, StructOptionValue } from './options';
import * as multicast from './multicast';
import type { InterfaceSpec } from './multicast';
import { SegmentQueue, heldQueue, segmentQueueAfter } from './gro';
import { modeOf, type SegmentationMode, type SegmentationState } from './segment';
import { bytesOf, flagsOf, receiveBuffers, sendmsgAttempts, socketSendmsg, type SocketRecvmsgOptions, type SocketSendmsgOptions } from './socket-msg';
import { MAX_BATCH, batchOf, batchProgress, checkReceiveBatch, encodedOf, receiveBatch, sendBatch, type BatchMessage, type PreparedBatch } from './batch';
import { BatchIterator, DatagramIterator, type BatchReceiver } from './batch-iterators';
import { ReceiveRing, type BatchDatagram, type ReceivedBatch } from './receive-ring';
import { binding, type NativeSocketHandle, type SocketHandleStats } from './native';
import { refuseOwned } from './ownership';
import * as trace from './trace';
import { checkBuffer, checkFd, checkFlags, checkInteger, currentSize, invalidType, outOfRange } from './validate';
import { WaitQueue, checkWaitOptions, wouldBlock, type Canceller, type QueueOptions, type WaitOptions, type Waiter } from './wait-queue';

export type { ErrorReport } from './error-reports';
export type { WaitOptions } from './wait-queue';

/** A datagram received without a caller buffer: `data` is exactly its size. */
export interface Datagram {
  data: Buffer;
  from: SocketAddress;
  /** True when the datagram was longer than 65536 bytes (AF_UNIX) and its tail was lost. */
  truncated: boolean;
}

/** A datagram received into the caller's buffer. */
export interface ReceiveResult {
  bytes: number;
  from: SocketAddress;
  truncated: boolean;
}

// What the native watcher reports to onReady (native/socket_handle.cc).
const { readable: kReadable, writable: kWritable, scratchSize: SCRATCH_SIZE, deliveryStride } = binding.SocketHandle.limits;
const { EALREADY, EFAULT, EINPROGRESS, ENOBUFS } = os.constants.errno;

type ReceiveKind = 'recvfrom' | 'recv';

/** A recvfrom or recv the native drain makes (its operation says which). */
interface NativeReceive {
  /** No caller buffer: the result is a Buffer of the datagram's size. */
  ownBuffer: boolean;
  /** The caller's buffer (for the trace's line). */
  buf: ArrayBufferView | undefined;
  /** Its size when the receive was made: one that changes fails it. */
  size: number;
  /** A batch into this ring (Socket.batches(), for await): resolves to how many it holds. */
  ring?: ReceiveRing;
}

/** What {@link Socket.batches} accepts. */
export interface BatchesOptions {
  /** Slots of the ring: at most this many datagrams per batch (default 64, at most 1024). */
  count?: number;
  /** Bytes per slot: a longer datagram is truncated (default 2048, at most 65536). */
  size?: number;
  /** Ends the iteration (as `break` does). */
  signal?: AbortSignal;
}

// A for-await loop's ring: at most this many datagrams per wake-up, each in a 64 KiB slot.
const ITERATOR_SLOTS = 64;

/** A send waiting for room (its operation: sendto, send or sendmsg). */
interface PendingSend {
  buf: ArrayBufferView;
  length: number;
  flags: number;
  target: EncodedAddress | undefined;
  /** A send other than sendto/send (lib/socket-msg.ts): one attempt, the bytes, -errno or an error. */
  attempt?: (fd: number) => number | Error;
  /** The Socket.sendmmsg this datagram belongs to: a failure withdraws the batch's others. */
  batch?: { sent: number };
}

type Accepted = { socket: Socket; from: SocketAddress };

/** What a receive driven from JavaScript got: the value to resolve with, and whether to try the next one at once. */
type ReadOutcome<T> = { value: T; more: boolean };

/** A receive JavaScript makes when the socket is readable: recvmmsg, recvmsg, any receive with GRO on. */
interface PendingBatch {
  list: readonly ArrayBufferView[];
  /** Each buffer's size when the receive was queued: one that changes fails it. */
  sizes: number[];
  /** One non-blocking attempt: what it got, or a negative errno. */
  read(fd: number): ReadOutcome<unknown> | number;
}

// An empty buffer stands for the buffers of a sendmsg waiting for room (its attempt checks them).
const noBuffer = Buffer.alloc(0);

// The native handle calls these with `this` set to itself; the owner is found through a
// WeakMap so that the callbacks hold no socket alive (a socket that becomes garbage while idle
// is collected, and the handle's finalizer closes its descriptor).
const owners = new WeakMap<NativeSocketHandle, Socket>();

function onRecv(this: NativeSocketHandle, results: unknown[], calls: number[] | undefined): void {
  owners.get(this)?.[kDeliver](results, calls);
}

function onReady(this: NativeSocketHandle, events: number, error: number): void {
  owners.get(this)?.[kReady](events, error);
}

function onErrors(this: NativeSocketHandle, reports: unknown[]): void {
  owners.get(this)?.[kErrors](reports);
}

const kDeliver = Symbol('deliver');
const kReady = Symbol('ready');
const kErrors = Symbol('errors');

// Per module instance (so per thread): where a receive done at once puts its sender, whether
// it was truncated, and its Buffer (native/socket_handle.cc), read before anything else runs.
const receiveOut: unknown[] = [undefined, false, undefined];

/**
 * A socket whose I/O never blocks the thread.
 *
 * ```ts
 * await using server = new Socket(AF_INET, SOCK_DGRAM);
 * server.bind({ family: 'AF_INET', address: '127.0.0.1', port: 9000 });
 * for await (const { data, from } of server) await server.sendto(data, from);
 * ```
 */
export class Socket implements AsyncIterable<Datagram> {
  #fd: number;
  #handle: NativeSocketHandle | null;
  // What waits, each kind in order (lib/wait-queue.ts owns their timeouts, aborts and close).
  // Receives the native drain makes: a cancelled one leaves the native queue too.
  readonly #receives = new WaitQueue<unknown, NativeReceive>((receive) => this.#handle?.cancelRecv(receive.id));
  readonly #sends = new WaitQueue<number, PendingSend>(() => {});
  readonly #accepts = new WaitQueue<Accepted, undefined>(() => this.#updateInterest());
  readonly #batches = new WaitQueue<unknown, PendingBatch>(() => this.#updateInterest());
  // A TCP connect in progress (at most one).
  readonly #connects = new WaitQueue<void, EncodedAddress>(() => {});
  // The last batch found the kernel's queue empty: the next one waits for readiness instead of
  // trying first (a recvmmsg that would only answer EAGAIN). Cleared by every readable event.
  #drained = false;
  // The readiness JavaScript last asked the watcher for (kReadable | kWritable), and whether
  // lowering it is already scheduled.
  #interest = 0;
  #loweringInterest = false;
  // Held sends that the kernel refused right after reporting the socket writable are retried
  // on this timer, backing off, instead of waiting for writability: writability says nothing
  // then, and waiting for it would wake the thread on every loop turn. Linux polls an
  // unconnected AF_UNIX datagram socket writable while its receiver is full (it checks the
  // peer's queue only for a connected socket), and ENOBUFS (a full device queue, reported
  // with IP_RECVERR) leaves the send buffer, and so writability, untouched.
  #sendRetry: NodeJS.Timeout | undefined;
  #sendRetryDelay = 0;
  #referenced = true;
  // What the native drain was last told: report its syscalls (the trace is on) or not.
  #tracing = false;
  // The ICMP reports of errors() (lib/error-reports.ts).
  readonly #reports: ErrorReports;
  // How segmented sends go out on this socket (asked of the kernel once, lib/segment.ts).
  readonly #segmentation: SegmentationState = { mode: undefined };
  // GRO: datagrams of coalesced receives not yet handed out (lib/gro.ts); null while GRO is off.
  #gro: SegmentQueue | null = null;

  /** `socket(domain, type, protocol)`: a new non-blocking, close-on-exec socket. */
  constructor(domain: number, type: number, protocol?: number);
  /** @internal */
  constructor(domain: number, type: number, protocol: number, adoptFd: number);
  constructor(domain: number, type: number, protocol = 0, adoptFd?: number) {
    const fd = adoptFd ?? flat.socket(domain, type, protocol);
    try {
      flat.setNonBlocking(fd, true);
      if (adoptFd !== undefined) flat.fcntl(fd, F_SETFD, flat.fcntl(fd, F_GETFD) | FD_CLOEXEC);
      this.#handle = new binding.SocketHandle(fd, onRecv, onReady, onErrors);
    } catch (err) {
      // Ours, never adopted by a Socket: closed directly (the flat close() refuses owned numbers).
      if (adoptFd === undefined) binding.close(fd);
      // libuv refuses what epoll/kqueue cannot watch (a regular file or /dev/null: EPERM).
      const errno = (err as { errno?: unknown }).errno;
      if (typeof errno === 'number' && errno > 0) throw socketError(errno, 'uv_poll_init');
      throw err;
    }
    this.#fd = fd;
    this.#reports = new ErrorReports(fd, this.#handle);
    owners.set(this.#handle, this);
    if (adoptFd !== undefined) this.#learnGro();
  }

  /**
   * Adopt an existing descriptor (from the flat API, or inherited): the socket now owns it,
   * makes it non-blocking and close-on-exec, and closes it when closed. A descriptor that
   * another live Socket owns is refused (`ERR_SOCKET_OWNED`).
   */
  static from(fd: number): Socket {
    checkFd(fd);
    refuseOwned(fd, 'Socket.from', 'use that Socket');
    return new Socket(0, 0, 0, fd);
  }

  /** The descriptor, for the flat API; -1 once closed. Do not close it behind the socket's back. */
  get fd(): number {
    return this.#fd;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#handle === null;
  }

  #open(operation: string): number {
    if (this.#handle === null) throw new SocketClosedError(operation);
    return this.#fd;
  }

  // A promise-returning method never throws: a bad argument or a closed socket rejects.
  #rejected<T>(run: () => Promise<T>): Promise<T> {
    try {
      return run();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  // --- calls that never wait -------------------------------------------------------------

  /** `bind(2)`. */
  bind(address: AddressInput): void {
    flat.bind(this.#open('bind'), address);
  }

  /** `listen(2)`. */
  listen(backlog = 511): void {
    flat.listen(this.#open('listen'), backlog);
  }

  /** `getsockname(2)`. */
  getsockname(): SocketAddress {
    return flat.getsockname(this.#open('getsockname'));
  }

  /** `getpeername(2)`. */
  getpeername(): SocketAddress {
    return flat.getpeername(this.#open('getpeername'));
  }

  /** `setsockopt(2)`, as {@link flat.setsockopt}. */
  setsockopt(level: number, name: number, value: number | boolean | ArrayBufferView | StructOptionValue): void {
    const fd = this.#open('setsockopt');
    const gro = level === SOL_UDP && name === UDP_GRO && SOL_UDP !== undefined;
    if (gro) this.#checkGroChange();
    flat.setsockopt(fd, level, name, value);
    if (gro) this.#learnGro();
  }

  /** `getsockopt(2)`, as {@link flat.getsockopt}. */
  getsockopt<T extends number | Linger | string = number>(level: number, name: number, buf?: ArrayBufferView): T {
    return flat.getsockopt(this.#open('getsockopt'), level, name, buf) as T;
  }

  /** `shutdown(2)`. */
  shutdown(how: number): void {
    flat.shutdown(this.#open('shutdown'), how);
  }

  /** `connect(fd, { family: 'AF_UNSPEC' })`: dissolve a UDP association. */
  disconnect(): void {
    flat.connect(this.#open('disconnect'), { family: 'AF_UNSPEC' });
  }

  // --- calls that may wait -------------------------------------------------------------

  /**
   * `connect(2)`. A UDP connect completes at once (and may be repeated to retarget); a TCP
   * connect resolves when the handshake is done, or rejects with its error.
   */
  connect(address: AddressInput): Promise<void> {
    return this.#rejected(() => {
      const fd = this.#open('connect');
      if (this.#connects.size > 0) throw socketError(EALREADY, 'connect');
      const target = sockaddr(address);
      const result = binding.connect(fd, target.bytes);
      if (trace.socketCall(result)) trace.connect(fd, target.address, result);
      if (result === 0) return Promise.resolve();
      if (-result !== EINPROGRESS) return Promise.reject(socketError(-result, 'connect', target.address));
      return this.#waitReady(this.#connects, 'connect', target, undefined);
    });
  }

  /**
   * Receive one datagram. Without a buffer it resolves to `{ data, from, truncated }` with
   * `data` exactly the datagram's size; with one, the datagram is written into it and it
   * resolves to `{ bytes, from, truncated }`. Receives complete in the order they were made.
   */
  recvfrom(options?: WaitOptions): Promise<Datagram>;
  recvfrom(buf: ArrayBufferView, options?: WaitOptions): Promise<ReceiveResult>;
  recvfrom(bufOrOptions?: ArrayBufferView | WaitOptions, options?: WaitOptions): Promise<Datagram | ReceiveResult> {
    return this.#receive('recvfrom', bufOrOptions, options) as Promise<Datagram | ReceiveResult>;
  }

  /** Receive on a connected socket: a Buffer of the datagram's size, or bytes written into `buf`. */
  recv(options?: WaitOptions): Promise<Buffer>;
  recv(buf: ArrayBufferView, options?: WaitOptions): Promise<number>;
  recv(bufOrOptions?: ArrayBufferView | WaitOptions, options?: WaitOptions): Promise<Buffer | number> {
    return this.#receive('recv', bufOrOptions, options) as Promise<Buffer | number>;
  }

  #receive(kind: ReceiveKind, bufOrOptions: ArrayBufferView | WaitOptions | undefined, maybeOptions: WaitOptions | undefined, canceller?: Canceller): Promise<unknown> {
    return this.#rejected(() => {
      const fd = this.#open(kind);
      const buf = ArrayBuffer.isView(bufOrOptions) ? bufOrOptions : undefined;
      // The options first: their getters are user code, which could detach the buffer after
      // it was checked. What they returned is what the wait uses.
      const checked = checkWaitOptions(buf ? maybeOptions : (bufOrOptions as WaitOptions | undefined));
      const options: QueueOptions | undefined = canceller ? { ...checked, canceller } : checked;
      const size = buf ? checkBuffer(buf, 'buf') : 0;
      if (options?.signal?.aborted) throw new AbortError(kind, options.signal.reason);
      if (this.#gro !== null) {
        // GRO: each datagram of a coalesced receive is a result of its own (lib/gro.ts).
        const take = (queue: SegmentQueue): unknown => {
          if (buf) {
            const { bytes, from, truncated } = queue.takeInto(buf);
            return this.#completed(kind, false, bytes, from, truncated, undefined);
          }
          const { data, from, truncated } = queue.takeView();
          return this.#completed(kind, true, data.length, from, truncated, data);
        };
        return this.#readNowOrWait(kind, fd, options, buf ? [buf] : [], (from) => this.#readSegments(from, take));
      }

      // One receive path (native/socket_handle.cc): the native side makes the receive at once
      // when nothing waits before it, or queues it under the id the wait will get. While
      // tracing, the drain reports the syscalls it makes (printed in [kDeliver]).
      this.#syncTracing();
      const handle = this.#handle!;
      const id = this.#receives.nextId;
      const tryNow = this.#batches.size === 0;
      const got = this.#reports.retry(() => handle.recv(id, buf, size, 0, tryNow, receiveOut));
      if (got === undefined) return this.#receives.wait(kind, { ownBuffer: buf === undefined, buf, size }, options);
      const [from, truncated, data] = receiveOut as [SocketAddress, boolean, Buffer | undefined];
      receiveOut[2] = undefined; // hold no datagram alive
      if (trace.socketCall(got)) {
        trace.recvfrom(fd, buf ?? (data ? withRoom(data, SCRATCH_SIZE) : noBuffer), 0, got, got < 0 ? undefined : from, truncated ? MSG_TRUNC : 0, false);
      }
      if (got < 0) return Promise.reject(receiveError(-got, kind));
      return Promise.resolve(this.#completed(kind, buf === undefined, got, from, truncated, data));
    });
  }

  /** One batch into a registered ring (see lib/receive-ring.ts): how many datagrams it holds. */
  #receiveBatch(ring: ReceiveRing, canceller: Canceller): Promise<number> {
    return this.#rejected(() => {
      const fd = this.#open('recvmmsg');
      ring.generation++; // the last batch's views are stale from here on
      if (ring.detached) throw receiveError(EFAULT, 'recvmmsg');
      if ((this.#gro?.size ?? 0) > 0) {
        // Datagrams wait in the segment queue (GRO leftovers, or held by a loop that ended):
        // they go first, into the ring's slots (lib/gro.ts).
        return this.#readNowOrWait('recvmmsg', fd, { canceller }, [], (from) => this.#readSegments(from, (queue) => ring.fillFrom(queue)));
      }
      if (this.#gro !== null && !this.#gro.enabled) this.#gro = null; // held datagrams all gone
      // With GRO on the native side keeps each coalesced receive whole, with its segment size,
      // and the ring splits it (lib/receive-ring.ts).
      const gro = (ring.gro = this.#gro !== null);
      this.#syncTracing();
      const handle = this.#handle!;
      const id = this.#receives.nextId;
      const got = this.#reports.retry(() => handle.recvBatch(id, ring.id, 0, this.#batches.size === 0, receiveOut, gro));
      if (got === undefined) return this.#receives.wait('recvmmsg', { ownBuffer: false, buf: undefined, size: 0, ring }, { canceller }) as Promise<number>;
      const packed = receiveOut[2] as Buffer | undefined;
      receiveOut[2] = undefined;
      const datagrams = got < 0 ? 0 : ring.arrived(got, packed);
      if (trace.socketCall(got)) {
        if (gro && got >= 0) ring.traceGro(fd, 0);
        else trace.drained(fd, [0, ring.slots, got], got < 0 ? [] : ring.traced());
      }
      if (got < 0) return Promise.reject(receiveError(-got, 'recvmmsg'));
      return Promise.resolve(datagrams);
    });
  }

  // What the loops of lib/batch-iterators.ts need of this socket.
  #receiver(): BatchReceiver {
    return {
      register: (slots, slotSize, pack) => new ReceiveRing(this.#handleFor('batches'), slots, slotSize, pack),
      release: (ring) => this.#handle?.releaseRing(ring.id),
      receive: (ring, canceller) => this.#receiveBatch(ring, canceller),
      oneAtATime: () => (this.#gro?.size ?? 0) > 0,
      recvfrom: (canceller) => this.#receive('recvfrom', undefined, undefined, canceller) as Promise<Datagram>,
      hold: (datagrams, first) => this.#hold(datagrams, first),
    };
  }

  #handleFor(operation: string): NativeSocketHandle {
    this.#open(operation);
    return this.#handle!;
  }

  /**
   * Datagrams a loop read and did not hand out: the next receives of any kind get them first,
   * in order (they wait in the segment queue, as GRO's do); `first`: before those already held
   * (one given back after it was taken from there). Receives already waiting are served from
   * them at once, as a readable event would serve them: the native queue's, then JavaScript's.
   */
  #hold(datagrams: readonly BatchDatagram[], first = false): void {
    if (datagrams.length === 0 || this.#handle === null) return;
    const queue = (this.#gro ??= heldQueue());
    const list = first ? [...datagrams].reverse() : datagrams;
    for (const { data, from, truncated } of list) queue.hold(data, from, truncated, first);
    for (const waiter of [...this.#receives.values()]) {
      if (queue.size === 0) break;
      if (this.#handle === null || !this.#handle.cancelRecv(waiter.id)) continue;
      this.#receives.take(waiter.id);
      this.#serveFromQueue(waiter, queue);
    }
    this.#batchesReady();
    if (this.#gro !== null && this.#gro.size === 0 && !this.#gro.enabled) this.#gro = null;
  }

  /** A native receive withdrawn from the native queue, served from the segment queue instead. */
  #serveFromQueue(waiter: Waiter<unknown, NativeReceive>, queue: SegmentQueue): void {
    const { buf, ownBuffer, size, ring } = waiter.data;
    if (ring !== undefined) {
      if (ring.detached) return waiter.reject(receiveError(EFAULT, waiter.operation));
      return waiter.resolve(ring.fillFrom(queue));
    }
    if (buf !== undefined) {
      // Detached or shrunk while it waited: refused, and the datagram stays for the next receive.
      if (currentSize(buf) !== size) return waiter.reject(receiveError(EFAULT, waiter.operation));
      const { bytes, from, truncated } = queue.takeInto(buf);
      return waiter.resolve(this.#completed(waiter.operation, false, bytes, from, truncated, undefined));
    }
    const { data, from, truncated } = queue.takeView();
    waiter.resolve(this.#completed(waiter.operation, ownBuffer, data.length, from, truncated, data));
  }

  // What the native drain was last told: report its syscalls (the trace is on) or not.
  #syncTracing(): void {
    if (this.#tracing === trace.enabled) return;
    this.#tracing = trace.enabled;
    this.#handle!.traceCalls(trace.enabled);
  }

  #completed(kind: string, ownBuffer: boolean, bytes: number, from: SocketAddress, truncated: boolean, data: Buffer | undefined): unknown {
    if (kind === 'recv') return ownBuffer ? data : bytes;
    return ownBuffer ? { data, from, truncated } : { bytes, from, truncated };
  }

  /**
   * @internal Results of one wake-up: [id, bytes or -errno, from, truncated, buffer] ...; while
   * tracing, `calls` are the receive syscalls that got them.
   */
  [kDeliver](results: unknown[], calls?: number[]): void {
    if (calls !== undefined && trace.enabled) this.#traceDrain(results, calls);
    for (let i = 0; i < results.length; i += deliveryStride) {
      const pending = this.#receives.take(results[i] as number);
      if (!pending) continue;
      const bytes = results[i + 1] as number;
      if (bytes < 0) {
        pending.reject(receiveError(-bytes, pending.operation));
        continue;
      }
      const ring = pending.data.ring;
      if (ring !== undefined) {
        pending.resolve(ring.arrived(bytes, results[i + 4] as Buffer | undefined));
        continue;
      }
      pending.resolve(this.#completed(pending.operation, pending.data.ownBuffer, bytes, results[i + 2] as SocketAddress, results[i + 3] as boolean, results[i + 4] as Buffer | undefined));
    }
  }

  #traceDrain(results: unknown[], calls: number[]): void {
    const datagrams: trace.DrainedDatagram[] = [];
    for (let i = 0; i < results.length; i += deliveryStride) {
      const bytes = results[i + 1] as number;
      if (bytes < 0) continue; // a failed call is in `calls` with its errno
      const ring = this.#receives.peek(results[i] as number)?.data.ring;
      if (ring !== undefined) {
        ring.arrived(bytes, results[i + 4] as Buffer | undefined);
        // A GRO batch's recvmsg calls are not in `calls`: printed here, with their control.
        if (ring.gro) ring.traceGro(this.#fd, 0);
        else datagrams.push(...ring.traced());
        continue;
      }
      const own = results[i + 4] as Buffer | undefined;
      // A receive without a buffer went into a scratch slot of SCRATCH_SIZE: the iov the kernel got.
      const buf = own ? withRoom(own, SCRATCH_SIZE) : (this.#receives.peek(results[i] as number)?.data.buf ?? noBuffer);
      datagrams.push({ buf, bytes, from: results[i + 2] as SocketAddress, truncated: results[i + 3] as boolean });
    }
    trace.drained(this.#fd, calls, datagrams);
  }

  /**
   * `sendto(2)`: resolves to the bytes sent. When the send buffer is full (EAGAIN/ENOBUFS) the
   * datagram waits for room, in order; it is never dropped by the library.
   */
  sendto(buf: ArrayBufferView, address: AddressInput, flags?: number): Promise<number> {
    const given = arguments.length > 2;
    return this.#rejected(() => {
      if (typeof address === 'number') {
        // socket.sendto(buf, flags, addr): C's order, not the one of this method and node:dgram.
        throw invalidType('address', "an address: Socket.sendto takes node:dgram's order, (buf, address, flags?), so the address comes second", address);
      }
      const target = sockaddr(address); // first: reading it may run user code
      return this.#send('sendto', buf, checkFlags(flags, given), target);
    });
  }

  /** `send(2)` on a connected socket. */
  send(buf: ArrayBufferView, flags?: number): Promise<number> {
    const given = arguments.length > 1;
    return this.#rejected(() => this.#send('send', buf, checkFlags(flags, given), undefined));
  }

  #send(syscall: 'sendto' | 'send', buf: ArrayBufferView, flags: number, target: EncodedAddress | undefined): Promise<number> {
    const fd = this.#open(syscall);
    const length = checkBuffer(buf, 'buf');
    if (this.#sends.size === 0) {
      const result = this.#reports.retry(() => this.#trySend(fd, buf, flags, target));
      if (result >= 0) return Promise.resolve(result);
      if (!wouldBlock(-result) && -result !== ENOBUFS) return Promise.reject(socketError(-result, syscall, target?.address));
    }
    return this.#waitReady(this.#sends, syscall, { buf, length, flags, target }, undefined);
  }

  /**
   * A batch of datagrams, one crossing into native code (one `sendmmsg` on Linux). Resolves to
   * the number sent (all of them); those that found the send buffer full wait for room, in
   * order, like single sends. `messages` may be a {@link PreparedBatch}.
   *
   * When a message fails, the messages after it are not sent, and the promise rejects with
   * that message's error, whose `sent` property says how many messages of the batch went out
   * before it (`sendmmsg(2)` returns that count and reports the error to the next call).
   */
  sendmmsg(messages: readonly BatchMessage[] | PreparedBatch, flags?: number): Promise<number> {
    const given = arguments.length > 1;
    return this.#rejected(() => {
      const fd = this.#open('sendmmsg');
      const callFlags = checkFlags(flags, given);
      const batch = batchOf(messages);
      const { buffers, targets, segments } = encodedOf(batch);
      let sent = 0;
      let partial = 0; // bytes of message `sent` that went already (a split segmented message)
      if (this.#sends.size === 0) {
        const result = this.#reports.retry(() => {
          const went = sendBatch(fd, batch, callFlags, this.#segmentation);
          if (trace.socketCall(went)) trace.sendmmsg(fd, buffers, targets?.map((t) => t?.address), callFlags, went, false);
          return went;
        });
        if (result >= 0) {
          sent = result;
          partial = batchProgress[0]!;
        } else if (!wouldBlock(-result) && -result !== ENOBUFS) {
          return Promise.reject(withSent(socketError(-result, 'sendmmsg', targets?.[0]?.address), 0));
        }
      }
      if (sent === buffers.length) return Promise.resolve(sent);
      // The rest wait in the send queue; the first failure withdraws those after it.
      return new Promise<number>((resolve, reject) => {
        const progress = { sent };
        const fail = (error: Error): void => {
          for (const send of [...this.#sends.values()]) if (send.data.batch === progress) this.#sends.take(send.id);
          reject(withSent(error, progress.sent));
        };
        const wentOut = (): void => {
          if (++progress.sent === buffers.length) resolve(progress.sent);
        };
        for (let i = sent; i < buffers.length; i++) {
          const buf = buffers[i]!;
          const target = targets?.[i];
          // A segmented message waits as a sendmsg of its own, split the same way (lib/socket-msg.ts).
          const segmentSize = segments?.[i] ?? 0;
          const from = i === sent ? partial : 0;
          const attempt = segmentSize > 0 ? sendmsgAttempts({ buffers: [buf], flags: callFlags, target, control: null, segmentSize }, this.#segmentation, from) : undefined;
          this.#sends.enqueue(target ? 'sendto' : 'send', { buf, length: buf.byteLength, flags: callFlags, target, attempt, batch: progress }, wentOut, fail);
        }
        this.#updateInterest();
      });
    });
  }

  #trySend(fd: number, buf: ArrayBufferView, flags: number, target: EncodedAddress | undefined): number {
    const result = target ? binding.sendto(fd, buf, flags, target.bytes) : binding.send(fd, buf, flags);
    if (trace.socketCall(result)) {
      const size = currentSize(buf);
      if (target) trace.sendto(fd, buf, size, flags, target.address, result, false);
      else trace.send(fd, buf, size, flags, result, false);
    }
    return result;
  }

  /** `accept(2)`: the next connection, as a Socket of its own, and the peer's address. */
  accept(options?: WaitOptions): Promise<{ socket: Socket; from: SocketAddress }> {
    return this.#rejected(() => {
      const fd = this.#open('accept');
      checkWaitOptions(options);
      if (options?.signal?.aborted) throw new AbortError('accept', options.signal.reason);
      if (this.#accepts.size === 0) {
        const result = binding.accept(fd);
        if (trace.socketCall(result)) trace.accept(fd, result, false);
        if (typeof result !== 'number') return Promise.resolve({ socket: Socket.from(result[0]), from: result[1] });
        if (!wouldBlock(-result)) return Promise.reject(socketError(-result, 'accept'));
      }
      return this.#waitReady(this.#accepts, 'accept', undefined, options);
    });
  }

  /**
   * `recvmmsg(2)` without blocking: waits until the socket has a datagram, then receives up to
   * `buffers.length` of them in one syscall, one into each of the caller's buffers, and
   * resolves once with their results (at least one; as many as were queued, up to the
   * buffers). One promise and one syscall per batch instead of per datagram: the receive loop
   * of a busy server. Batch receives are served in the order they were asked for; on a
   * wake-up, pending single receives ({@link recvfrom}, {@link recv}) are served before them.
   */
  recvmmsg(buffers: readonly ArrayBufferView[], options?: WaitOptions): Promise<RecvfromResult[]> {
    return this.#rejected(() => {
      const fd = this.#open('recvmmsg');
      checkWaitOptions(options); // first: its getters could detach a buffer checked before
      const list = checkReceiveBatch(buffers);
      if (list.length === 0) throw outOfRange('buffers.length', '>= 1', 0);
      if (options?.signal?.aborted) throw new AbortError('recvmmsg', options.signal.reason);
      return this.#readNowOrWait('recvmmsg', fd, options, list, (from): ReadOutcome<RecvfromResult[]> | number => {
        if (this.#gro !== null) {
          const outcome = this.#readSegments(from, (queue) => {
            const results: RecvfromResult[] = [];
            while (results.length < list.length && queue.size > 0) results.push(queue.takeInto(list[results.length]!));
            return results;
          });
          // Fewer datagrams than buffers: the kernel had no more, so the next batch waits for
          // readiness instead of trying a receive that would answer EAGAIN (as without GRO).
          if (typeof outcome !== 'number') outcome.more = outcome.value.length === list.length;
          return outcome;
        }
        const results = receiveBatch(from, list, 0);
        if (trace.socketCall(results)) trace.recvmmsg(from, list, 0, results, false);
        return typeof results === 'number' ? results : { value: results, more: results.length === list.length };
      });
    });
  }

  /**
   * `recvmsg(2)` without blocking: waits until a datagram is there, then receives it scattered
   * over `buffers` and resolves to what the flat `recvmsg` returns: the bytes, the
   * sender and the parsed control messages (`IP_PKTINFO`, timestamps, drop counts,
   * `SCM_RIGHTS`, ...). With GRO on, each datagram of a coalesced receive is a result of its
   * own, with the receive's control messages (of the flags, only `MSG_PEEK` then applies).
   * Served in order with {@link recvmmsg}.
   */
  recvmsg(buffers: readonly ArrayBufferView[], options?: SocketRecvmsgOptions): Promise<RecvmsgResult> {
    return this.#rejected(() => {
      const fd = this.#open('recvmsg');
      checkWaitOptions(options); // first: its getters could detach a buffer checked before
      const flags = flagsOf(options, true);
      const controlSize = checkRecvmsgOptions(options);
      const list = receiveBuffers(buffers);
      if (options?.signal?.aborted) throw new AbortError('recvmsg', options.signal.reason);
      return this.#readNowOrWait('recvmsg', fd, options, list, (from): ReadOutcome<RecvmsgResult> | number => {
        // With GRO on the datagram comes from the socket's queue: only MSG_PEEK applies to it.
        if (this.#gro !== null) return this.#readSegments(from, (queue) => queue.takeMessage(list, (flags & MSG_PEEK) !== 0));
        const result = tryRecvmsg(from, list, flags, controlSize);
        if (trace.socketCall(result)) traceRecvmsg(from, list, flags, result, false);
        return typeof result === 'number' ? result : { value: result, more: true };
      });
    }) as Promise<RecvmsgResult>;
  }

  /**
   * `sendmsg(2)` without blocking: resolves to the bytes sent. `options` are the flat
   * `sendmsg`'s (`address`, `control`) with `flags` and `segmentSize`, the shorthand of
   * a `{ kind: 'segment', size }` entry: one buffer goes out as datagrams of that size (UDP GSO,
   * or one datagram per segment where the kernel cannot: see {@link segmentation}). When the
   * send buffer is full the message waits for room, in order with the other sends.
   */
  sendmsg(buffers: readonly ArrayBufferView[], options?: SocketSendmsgOptions): Promise<number> {
    return this.#rejected(() => {
      const fd = this.#open('sendmsg');
      const flags = flagsOf(options, false);
      const call = prepareSendmsg(buffers, flags, options, options?.segmentSize);
      let sent = 0;
      if (this.#sends.size === 0) {
        const result = this.#reports.retry(() => socketSendmsg(fd, call, this.#segmentation));
        if (result >= 0) {
          // All of it, unless a split segmented send went part way (its buffer filled).
          if (call.segmentSize === 0 || result >= bytesOf(call.buffers)) return Promise.resolve(result);
          sent = result;
        } else if (!wouldBlock(-result) && -result !== ENOBUFS) {
          return Promise.reject(socketError(-result, 'sendmsg', call.target?.address));
        }
      }
      const attempt = sendmsgAttempts(call, this.#segmentation, sent);
      return this.#waitReady(this.#sends, 'sendmsg', { buf: noBuffer, length: 0, flags, target: call.target, attempt }, undefined);
    });
  }

  /**
   * How segmented sends ({@link sendmsg} with a segment size) go out on this socket:
   * `'kernel'` (UDP GSO, `UDP_SEGMENT`) or `'fallback'` (one datagram per segment, the same
   * datagrams). Asks the kernel the first time; a device that answers `EIO` turns it to
   * `'fallback'` for good. `BSDSOCK_GSO=fallback` in the environment, or
   * {@link useSegmentationFallback}, forces the fallback.
   */
  segmentation(): SegmentationMode {
    return modeOf(this.#open('segmentation'), this.#segmentation);
  }

  /** Send segmented buffers one datagram per segment from now on, whatever the kernel can do. */
  useSegmentationFallback(): this {
    this.#open('useSegmentationFallback');
    this.#segmentation.mode = 'fallback';
    return this;
  }

  /**
   * Turn UDP receive coalescing (GRO, `UDP_GRO`, Linux) on or off. While it is on (by this call
   * or by `setsockopt(SOL_UDP, UDP_GRO, 1)`), the kernel may hand one receive many datagrams
   * of one sender; every receive of this socket ({@link recvfrom}, {@link recv},
   * {@link recvmmsg}, {@link recvmsg}, `for await`) still gets each datagram as its own result,
   * with its sender, in order: a view into one copy of the coalesced bytes, or the bytes copied
   * into the caller's buffer. Datagrams not asked for yet wait for the next receive. Throws
   * {@link UnsupportedError} where the platform has no `UDP_GRO`, and `ERR_INVALID_STATE`
   * while a {@link recvfrom} or {@link recv} waits (turn it on before receiving).
   */
  setGro(on: boolean): this {
    if (typeof on !== 'boolean') throw invalidType('on', 'of type boolean', on);
    this.#open('setGro');
    if (SOL_UDP === undefined || UDP_GRO === undefined) throw new UnsupportedError('setGro(): this platform has no UDP_GRO');
    this.setsockopt(SOL_UDP, UDP_GRO, on);
    return this;
  }

  /** Whether GRO is on for this socket (see {@link setGro}). */
  get gro(): boolean {
    return this.#gro !== null && this.#gro.enabled;
  }

  // A receive waiting in the native queue would take a coalesced receive as one datagram.
  #checkGroChange(): void {
    if (this.#receives.size > 0) {
      throw new ArgumentTypeError('ERR_INVALID_STATE', 'UDP_GRO cannot change while a recvfrom(), recv(), for await or batches() receive waits: change it before receiving');
    }
  }

  // UDP_GRO read back from the kernel: after a setsockopt, and for an adopted descriptor.
  #learnGro(): void {
    this.#gro = segmentQueueAfter(this.#fd, this.#gro);
  }

  /** With GRO on: datagrams from the queue (lib/gro.ts), after one receive when it is empty. */
  #readSegments<T>(fd: number, take: (queue: SegmentQueue) => T): ReadOutcome<T> | number {
    // The queue may be gone since this receive was queued (the held datagrams all taken, GRO
    // turned off): a fresh one with GRO off makes the receive the usual way, and goes.
    const queue = (this.#gro ??= heldQueue());
    const value = queue.read(fd, take);
    if (queue.size === 0 && !queue.enabled) this.#gro = null;
    return typeof value === 'number' ? value : { value: value.taken, more: true };
  }

  /**
   * A receive driven from JavaScript: made at once when nothing waits before it, else queued
   * until the socket is readable (with its abort signal and timeout).
   */
  #readNowOrWait<T>(operation: string, fd: number, options: QueueOptions | undefined, list: readonly ArrayBufferView[], read: (fd: number) => ReadOutcome<T> | number): Promise<T> {
    if (this.#receives.size === 0 && this.#batches.size === 0 && (!this.#drained || (this.#gro?.size ?? 0) > 0)) {
      const outcome = this.#reports.retry(() => read(fd));
      if (typeof outcome !== 'number') {
        this.#drained = !outcome.more;
        return Promise.resolve(outcome.value);
      }
      if (!wouldBlock(-outcome)) return Promise.reject(socketError(-outcome, operation));
    }
    return this.#waitReady(this.#batches, operation, { list, sizes: list.map(currentSize), read }, options) as Promise<T>;
  }

  /** Queue an operation that JavaScript makes when the watcher reports the socket ready. */
  #waitReady<T, D>(queue: WaitQueue<T, D>, operation: string, data: D, options: QueueOptions | undefined): Promise<T> {
    const waited = queue.wait(operation, data, options);
    this.#updateInterest();
    return waited;
  }

  /** @internal Readiness for what JavaScript drives: sends, accepts, a TCP connect. */
  [kReady](events: number, error: number): void {
    if (error !== 0) this.#failHead(error);
    if (events & kWritable) {
      this.#finishConnect();
      this.#flushSends(true);
    }
    if (events & kReadable) {
      this.#drained = false;
      this.#acceptReady();
      this.#batchesReady();
    }
    this.#updateInterest();
  }

  // A socket error reported by POLLERR belongs to the operation that waits on it.
  #failHead(errno: number): void {
    const connect = this.#connects.take();
    if (connect) return connect.reject(socketError(errno, 'connect', connect.data.address));
    const send = this.#sends.take();
    if (send) return send.reject(socketError(errno, send.operation, send.data.target?.address));
    const other = this.#accepts.take() ?? this.#batches.take();
    other?.reject(socketError(errno, other.operation));
  }

  #finishConnect(): void {
    if (this.#connects.size === 0 || this.#handle === null) return;
    const { resolve, reject, data: target } = this.#connects.take()!;
    const error = flat.getsockopt(this.#fd, SOL_SOCKET, SO_ERROR);
    if (error !== 0) {
      reject(socketError(error, 'connect', target.address));
      return;
    }
    // Linux keeps a non-blocking socket in its "connecting" state until connect() is called
    // again (which then answers 0): do it now, so that a later connect() fails with EISCONN
    // exactly as after a blocking connect.
    const again = binding.connect(this.#fd, target.bytes);
    if (trace.enabled) trace.connect(this.#fd, target.address, again);
    resolve();
  }

  /** Sends what waits, in order, until the kernel refuses one for room. `woken`: the watcher or the retry timer said to try. */
  #flushSends(woken: boolean): void {
    let progress = false;
    while (this.#sends.size > 0 && this.#handle !== null) {
      const send = this.#sends.head()!;
      const { buf, length, flags, target, attempt } = send.data;
      if (attempt === undefined && currentSize(buf) !== length) {
        // The memory was detached or resized while the send waited: the datagram would not be
        // the one the caller asked to send.
        this.#sends.take(send.id);
        send.reject(new ArgumentTypeError('ERR_INVALID_STATE', `${send.operation}: the buffer was detached or resized while the send waited`));
        continue;
      }
      const result = this.#reports.retry(() => (attempt ? attempt(this.#fd) : this.#trySend(this.#fd, buf, flags, target)));
      if (result instanceof Error) {
        this.#sends.take(send.id);
        progress = true;
        send.reject(result);
        continue;
      }
      if (result < 0 && (wouldBlock(-result) || -result === ENOBUFS)) {
        // Woken to send and nothing went: retry on the timer (see #sendRetry). Otherwise the
        // queue filled again, and writability is the signal to wait for.
        if (woken && !progress) this.#retrySendsLater();
        else this.#sendRetryDelay = 0;
        return;
      }
      this.#sends.take(send.id);
      progress = true;
      if (result >= 0) send.resolve(result);
      else send.reject(socketError(-result, send.operation, target?.address));
    }
  }

  #retrySendsLater(): void {
    if (this.#sendRetry !== undefined) return;
    this.#sendRetryDelay = Math.min(Math.max(1, this.#sendRetryDelay * 2), 50);
    this.#sendRetry = setTimeout(() => {
      this.#sendRetry = undefined;
      this.#flushSends(true);
      this.#updateInterest();
    }, this.#sendRetryDelay);
    if (!this.#referenced) this.#sendRetry.unref();
  }

  #acceptReady(): void {
    while (this.#accepts.size > 0 && this.#handle !== null) {
      const result = binding.accept(this.#fd);
      if (trace.socketCall(result)) trace.accept(this.#fd, result, false);
      if (typeof result === 'number' && wouldBlock(-result)) return;
      const entry = this.#accepts.take()!;
      if (typeof result === 'number') entry.reject(socketError(-result, 'accept'));
      else entry.resolve({ socket: Socket.from(result[0]), from: result[1] });
    }
  }

  #batchesReady(): void {
    while (this.#batches.size > 0 && this.#handle !== null) {
      const batch = this.#batches.head()!;
      const { list, sizes, read } = batch.data;
      const changed = list.findIndex((buf, i) => currentSize(buf) !== sizes[i]);
      if (changed >= 0) {
        // Detached or resized while the batch waited: receiving would take a datagram into
        // memory that is not what the caller gave (a detached buffer: into nothing).
        this.#batches.take(batch.id);
        batch.reject(new ArgumentTypeError('ERR_INVALID_STATE', `${batch.operation}: buffers[${changed}] was detached or resized while the receive waited`));
        continue;
      }
      const outcome = this.#reports.retry(() => read(this.#fd));
      if (typeof outcome === 'number' && wouldBlock(-outcome)) return;
      this.#batches.take(batch.id);
      if (typeof outcome === 'number') {
        batch.reject(socketError(-outcome, batch.operation));
        continue;
      }
      batch.resolve(outcome.value);
      if (!outcome.more) {
        this.#drained = true;
        return;
      }
    }
  }

  /**
   * Tell the watcher what JavaScript waits for. More is asked for at once; less only once the
   * promise continuations have run: a receive loop resolved by a wake-up asks again from its
   * continuation, and the watcher then never stops and restarts in between (two epoll_ctl
   * syscalls per wake-up otherwise).
   */
  #updateInterest(): void {
    const wanted = this.#wantedInterest();
    if ((wanted & ~this.#interest) !== 0) this.#applyInterest(wanted);
    else if (wanted !== this.#interest && !this.#loweringInterest) {
      this.#loweringInterest = true;
      queueMicrotask(() => {
        this.#loweringInterest = false;
        this.#applyInterest(this.#wantedInterest());
      });
    }
  }

  #wantedInterest(): number {
    const sendsWait = this.#sends.size > 0 && this.#sendRetry === undefined;
    return (this.#accepts.size > 0 || this.#batches.size > 0 ? kReadable : 0) | (sendsWait || this.#connects.size > 0 ? kWritable : 0);
  }

  #applyInterest(wanted: number): void {
    if (wanted === this.#interest || this.#handle === null) return;
    this.#interest = wanted;
    this.#handle.setInterest((wanted & kReadable) !== 0, (wanted & kWritable) !== 0);
  }

  /**
   * Datagrams as they arrive, until the socket is closed. Each wake-up's datagrams are read
   * together (one `recvmmsg`, one Buffer holding their bytes: each `data` is a view of it, yours
   * to keep) and yielded one by one. Breaking out of the loop leaves the socket open, and loses
   * nothing: what was read and not yet yielded when the loop ends (`break`, `return`, a throw)
   * is what the socket's next receive, of any kind, gets first, in order. Inside the loop,
   * receive through the loop: a `recvfrom()` made there would get datagrams that arrived after
   * the ones the loop still holds.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Datagram> {
    return new DatagramIterator(this.#receiver(), ITERATOR_SLOTS);
  }

  /**
   * Batches of datagrams as they arrive, until the socket is closed: one {@link ReceivedBatch}
   * per wake-up, read with one `recvmmsg` into a ring of `count` slots of `size` bytes allocated
   * when the iteration starts, and handed to JavaScript in one call with nothing allocated per
   * datagram. A batch and its views are valid until the loop asks for the next batch (the end
   * of the loop's body): copy what must live longer. The ring is released when the loop ends
   * (`break`, a throw, `return()`, the signal, or close()).
   *
   * ```ts
   * for await (const batch of socket.batches({ count: 64, size: 1500 })) {
   *   for (let i = 0; i < batch.length; i++) handle(batch.data(i), batch.from(i));
   * }
   * ```
   */
  batches(options?: BatchesOptions): AsyncIterableIterator<ReceivedBatch> {
    if (options !== undefined && (typeof options !== 'object' || options === null)) throw invalidType('options', 'an object', options);
    const { count = 64, size = 2048, signal } = options ?? {};
    checkInteger(count, 'options.count', 1, MAX_BATCH);
    checkInteger(size, 'options.size', 1, SCRATCH_SIZE);
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidType('options.signal', 'an AbortSignal', signal);
    this.#open('batches');
    return new BatchIterator(this.#receiver(), count, size, signal);
  }

  /**
   * The socket's ICMP error reports, as they arrive (Linux). Turns on `IP_RECVERR` (and
   * `IPV6_RECVERR` on an IPv6 socket) and watches the error queue: each report says which
   * destination failed, which host answered (`offender`), the ICMP type and code, and the
   * typed error, so an unconnected socket learns which of its peers refused. While reports are
   * read this way, data receives are never failed by errors that belong to the queue. The
   * watcher reads the queue empty on every wake-up, so the thread goes idle again at once.
   * Reports arriving while nobody iterates are dropped; `break` stops watching. When the last
   * iteration ends (`break`, a throw, `return()`, the signal), the socket is as it was before:
   * the queue is read empty and the options this turned on go off again. One the user had set
   * stays on, and its reports are the user's to read.
   */
  errors(options?: { signal?: AbortSignal }): AsyncIterableIterator<ErrorReport> {
    if (this.#handle === null) throw new SocketClosedError('errors');
    return this.#reports.iterate(options);
  }

  /** @internal Error-queue reports of one wake-up, from the native watcher. */
  [kErrors](reports: unknown[]): void {
    this.#reports.deliver(reports);
  }

  /** Let a pending receive keep the process alive (the default, as `node:dgram`). */
  ref(): this {
    this.#referenced = true;
    this.#handle?.ref();
    this.#sendRetry?.ref();
    return this;
  }

  /** Let the process exit even while a receive waits. */
  unref(): this {
    this.#referenced = false;
    this.#handle?.unref();
    this.#sendRetry?.unref();
    return this;
  }

  /** Native counters: wake-ups of the watcher, receive syscalls, calls into JavaScript. */
  stats(): SocketHandleStats {
    return this.#handle?.stats() ?? { wakeups: 0, jsCalls: 0, receiveSyscalls: 0, watching: false, pendingReceives: 0 };
  }

  /**
   * Close the socket. Idempotent. Operations still pending reject with
   * {@link SocketClosedError}; the descriptor number is forgotten, never touched again.
   */
  close(): void {
    const handle = this.#handle;
    if (handle === null) return;
    this.#handle = null;
    this.#fd = -1;
    handle.close();
    clearTimeout(this.#sendRetry);
    this.#sendRetry = undefined;
    this.#gro?.clear();
    for (const queue of [this.#receives, this.#sends, this.#accepts, this.#batches, this.#connects]) queue.close();
    this.#reports.close();
  }

  /** `using socket = new Socket(...)` closes it at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using socket = new Socket(...)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  // Multicast and broadcast with node:dgram's names and meanings (lib/multicast.ts). An
  // interface is an IPv4 address, a name or an index (IPv6: a name or an index). Errors are
  // the typed errors of the setsockopt underneath.

  /** Joins the multicast `group` on `iface` (the kernel's choice when omitted). */
  addMembership(group: string, iface?: InterfaceSpec): void {
    multicast.addMembership(this.#open('addMembership'), group, iface);
  }

  /** Leaves the multicast `group` on `iface`. */
  dropMembership(group: string, iface?: InterfaceSpec): void {
    multicast.dropMembership(this.#open('dropMembership'), group, iface);
  }

  /** Joins `group` for datagrams from `source` only (source-specific multicast). */
  addSourceSpecificMembership(source: string, group: string, iface?: InterfaceSpec): void {
    multicast.addSourceSpecificMembership(this.#open('addSourceSpecificMembership'), source, group, iface);
  }

  /** Leaves a source-specific membership. */
  dropSourceSpecificMembership(source: string, group: string, iface?: InterfaceSpec): void {
    multicast.dropSourceSpecificMembership(this.#open('dropSourceSpecificMembership'), source, group, iface);
  }

  /** The interface outgoing multicast leaves by. */
  setMulticastInterface(iface: InterfaceSpec): void {
    multicast.setMulticastInterface(this.#open('setMulticastInterface'), iface);
  }

  /** The TTL (hop limit) of outgoing multicast; returns it. */
  setMulticastTTL(ttl: number): number {
    return multicast.setMulticastTTL(this.#open('setMulticastTTL'), ttl);
  }

  /** Whether this host's own multicast loops back to its members; returns `flag`. */
  setMulticastLoopback(flag: boolean): boolean {
    return multicast.setMulticastLoopback(this.#open('setMulticastLoopback'), flag);
  }

  /** `SO_BROADCAST`: without it a send to a broadcast address is `EACCES`. */
  setBroadcast(flag: boolean): void {
    multicast.setBroadcast(this.#open('setBroadcast'), flag);
  }

  /** The TTL (hop limit) of outgoing unicast; returns it. */
  setTTL(ttl: number): number {
    return multicast.setTTL(this.#open('setTTL'), ttl);
  }
}

/** A receive's errno as its error: EFAULT is memory the caller detached or shrank while it waited. */
function receiveError(errno: number, operation: string): Error {
  return errno === EFAULT
    ? new ArgumentTypeError('ERR_INVALID_STATE', `${operation}: the buffer was detached or shrunk while the receive waited`)
    : socketError(errno, operation);
}

/** `data` at the start of a buffer of `size` bytes (only for the trace: it shows the iov's length). */
function withRoom(data: Buffer, size: number): Buffer {
  const buf = Buffer.alloc(Math.max(size, data.length));
  data.copy(buf);
  return buf;
}

/** A failed {@link Socket.sendmmsg}'s error says how many of the batch's messages went out. */
function withSent(error: Error, sent: number): Error {
  Object.defineProperty(error, 'sent', { value: sent, enumerable: true, configurable: true });
  return error;
}
