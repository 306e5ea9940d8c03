/**
 * UDP receive coalescing (GRO) on a `Socket`: with `UDP_GRO` on, one receive may return many
 * datagrams of one sender, back to back, with their size in a `{ kind: 'gro' }` control
 * message. A `Socket` splits them again: each datagram becomes a result of its own, in order,
 * and those the caller did not ask for yet wait here for the next receive, so nothing is lost.
 *
 * A receive lands in a per-thread scratch buffer. Datagrams taken at once are copied from
 * there straight into the caller's buffers; whatever is left when the receive call returns is
 * copied once into a Buffer of its exact size (`settle`), which the views handed out by a
 * buffer-less receive also point into.
 * @internal
 * @module
 */
import type { SocketAddress } from './address';
import { MSG_TRUNC, SOL_UDP, UDP_GRO } from './constants';
import * as flat from './flat';
import type { RecvfromResult } from './flat';
import * as trace from './trace';
import { CONTROL_SIZE_DEFAULT, traceRecvmsg, tryRecvmsg, type ControlMessage, type GroMessage, type RecvmsgResult } from './msg';

/** The datagrams of one receive not yet handed out: bytes[offset, end), in datagrams of `size`. */
interface Run {
  bytes: Buffer;
  /** Whether `bytes` is the shared scratch (to be copied out before the next receive). */
  scratch: boolean;
  offset: number;
  end: number;
  size: number;
  from: SocketAddress;
  control: readonly ControlMessage[];
  /** The receive was cut short (only its last datagram is affected). */
  truncated: boolean;
  controlTruncated: boolean;
}

// Per module instance (per thread): every coalesced receive lands here first. The largest one
// is a whole UDP datagram's worth (the kernel coalesces at most 64 KiB).
const SCRATCH_SIZE = 65536;
let scratchSpace: Buffer | undefined;

/** Copies source[start, end) into `buf`: how many bytes fit (at most the buffer's size). */
function copyBytes(source: Buffer, start: number, end: number, buf: ArrayBufferView, at = 0): number {
  const room = buf.byteLength - at;
  const length = Math.min(end - start, room);
  if (length <= 0) return 0;
  if (Buffer.isBuffer(buf)) return source.copy(buf, at, start, start + length);
  new Uint8Array(buf.buffer, buf.byteOffset + at, length).set(source.subarray(start, start + length));
  return length;
}

/** The datagrams read from the kernel and not yet handed out, oldest first. */
export class SegmentQueue {
  #runs: Run[] = [];
  #count = 0;

  /** Whether GRO is on for the socket (a queue stays in use while it holds datagrams). */
  enabled = true;

  /** How many datagrams wait. */
  get size(): number {
    return this.#count;
  }

  /**
   * One non-blocking receive (one datagram, or many coalesced): how many datagrams it queued,
   * or a negative errno. They stay in the scratch until {@link settle}.
   */
  #fill(fd: number): number {
    const space = (scratchSpace ??= Buffer.allocUnsafe(SCRATCH_SIZE));
    const result = tryRecvmsg(fd, [space], 0, CONTROL_SIZE_DEFAULT);
    if (trace.socketCall(result)) traceRecvmsg(fd, [space], 0, result, false);
    if (typeof result === 'number') return result;
    const end = Math.min(result.bytes, space.length);
    let size = end;
    for (let i = 0; i < result.control.length; i++) {
      const entry = result.control[i]!;
      if (entry.kind === 'gro' && (entry as GroMessage).segmentSize > 0) size = (entry as GroMessage).segmentSize;
    }
    const count = end === 0 ? 1 : Math.ceil(end / size);
    this.#runs.push({ bytes: space, scratch: true, offset: 0, end, size: Math.max(size, 1), from: result.from, control: result.control, truncated: result.truncated, controlTruncated: result.controlTruncated });
    this.#count += count;
    return count;
  }

  /**
   * Datagrams handed out by `take`, after one receive when none waits: what it took, or the
   * receive's negative errno. What is left is settled (copied out of the shared scratch).
   */
  read<T>(fd: number, take: (queue: SegmentQueue) => T): { taken: T } | number {
    if (this.#count === 0) {
      const result = this.#fill(fd);
      if (result < 0) return result;
    }
    const taken = take(this);
    this.settle(); // what is left must not stay in the scratch the next receive reuses
    return { taken };
  }

  /**
   * A datagram read by other means and not handed out (a `for await` loop ended before it): it
   * goes out after those already queued, before anything received later.
   */
  hold(data: Buffer, from: SocketAddress, truncated: boolean, first = false): void {
    const run: Run = { bytes: data, scratch: false, offset: 0, end: data.length, size: Math.max(data.length, 1), from, control: [], truncated, controlTruncated: false };
    if (first) this.#runs.unshift(run);
    else this.#runs.push(run);
    this.#count++;
  }

  /** Copies what is left in the scratch into a Buffer of its own: call before the next receive. */
  settle(): void {
    for (const run of this.#runs) {
      if (!run.scratch) continue;
      run.bytes = Buffer.from(run.bytes.subarray(run.offset, run.end));
      run.end -= run.offset;
      run.offset = 0;
      run.scratch = false;
    }
  }

  /** The next datagram copied into `buf`, as `recvfrom(buf)` / `recvmmsg` report it. */
  takeInto(buf: ArrayBufferView): RecvfromResult {
    const run = this.#runs[0]!;
    const end = Math.min(run.offset + run.size, run.end);
    const bytes = copyBytes(run.bytes, run.offset, end, buf);
    const result = { bytes, from: run.from, truncated: bytes < end - run.offset || (run.truncated && end === run.end) };
    this.#advance(run, end);
    return result;
  }

  /** The next datagram as a view of its own bytes (a copy shared with its neighbours). */
  takeView(): { data: Buffer; from: SocketAddress; truncated: boolean } {
    this.settle();
    const run = this.#runs[0]!;
    const end = Math.min(run.offset + run.size, run.end);
    const result = { data: run.bytes.subarray(run.offset, end), from: run.from, truncated: run.truncated && end === run.end };
    this.#advance(run, end);
    return result;
  }

  /**
   * The next datagram scattered over `buffers`, as `Socket.recvmsg` reports it. With `peek`
   * (`MSG_PEEK`) it stays first in the queue.
   */
  takeMessage(buffers: readonly ArrayBufferView[], peek = false): RecvmsgResult {
    const run = this.#runs[0]!;
    const end = Math.min(run.offset + run.size, run.end);
    let at = run.offset;
    for (let i = 0; i < buffers.length && at < end; i++) at += copyBytes(run.bytes, at, end, buffers[i]!);
    const truncated = at < end || (run.truncated && end === run.end);
    const result: RecvmsgResult = {
      bytes: at - run.offset,
      from: run.from,
      flags: truncated ? MSG_TRUNC : 0,
      truncated,
      controlTruncated: run.controlTruncated,
      control: run.control,
    };
    if (!peek) this.#advance(run, end);
    return result;
  }

  #advance(run: Run, end: number): void {
    this.#count--;
    run.offset = end;
    if (end >= run.end) this.#runs.shift();
  }

  /** Drops every queued datagram (the socket closed). */
  clear(): void {
    this.#runs = [];
    this.#count = 0;
  }
}

/** A queue for datagrams held while GRO is off: it goes once it is empty. */
export function heldQueue(): SegmentQueue {
  const queue = new SegmentQueue();
  queue.enabled = false;
  return queue;
}

/**
 * The queue a socket uses once UDP_GRO may have changed (a setsockopt, an adopted descriptor),
 * as the kernel now says: a queue while GRO is on; without it, the old queue until the
 * datagrams already read are handed out, then none (receives go the usual way).
 */
export function segmentQueueAfter(fd: number, queue: SegmentQueue | null): SegmentQueue | null {
  if (SOL_UDP === undefined || UDP_GRO === undefined) return queue;
  let on: boolean;
  try {
    on = flat.getsockopt(fd, SOL_UDP, UDP_GRO) !== 0;
  } catch {
    return queue; // not a UDP socket
  }
  if (on) {
    const current = queue ?? new SegmentQueue();
    current.enabled = true;
    return current;
  }
  if (queue === null) return null;
  queue.enabled = false;
  return queue.size === 0 ? null : queue;
}
