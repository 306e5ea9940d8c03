/**
 * UDP receive coalescing (GRO) on a `Socket`: with `UDP_GRO` on, one receive may return many
 * datagrams of one sender, back to back, with their size in a `{ kind: 'gro' }` control
 * message. A `Socket` splits them again: each datagram becomes a result of its own, in order,
 * and those the caller did not ask for yet wait here for the next receive, so nothing is lost.
 * @internal
 * @module
 */
import type { SocketAddress } from './address';
import { MSG_TRUNC } from './constants';
import { CONTROL_SIZE_DEFAULT, tryRecvmsg, type ControlMessage, type GroMessage, type RecvmsgResult } from './msg';

/** One datagram of a coalesced receive. */
export interface Segment {
  /** A view into a copy of the coalesced bytes (exactly this datagram's). */
  data: Buffer;
  from: SocketAddress;
  /** The control messages of the receive that brought it (shared by its datagrams). */
  control: readonly ControlMessage[];
  /** The receive was cut short (only the last datagram can be affected). */
  truncated: boolean;
  /** The receive's control data did not fit (`MSG_CTRUNC`). */
  controlTruncated: boolean;
}

// Per module instance (per thread): every coalesced receive lands here first. The largest one
// is a whole UDP datagram's worth (the kernel coalesces at most 64 KiB).
const SCRATCH_SIZE = 65536;
let scratch: Buffer | undefined;

/** The datagrams read from the kernel and not yet handed out, oldest first. */
export class SegmentQueue {
  #segments: Segment[] = [];
  #head = 0;

  /** Whether GRO is on for the socket (a queue stays in use while it holds datagrams). */
  enabled = true;

  get size(): number {
    return this.#segments.length - this.#head;
  }

  /** The oldest datagram, taken from the queue. */
  shift(): Segment | undefined {
    if (this.#head >= this.#segments.length) return undefined;
    const segment = this.#segments[this.#head]!;
    this.#segments[this.#head++] = undefined as unknown as Segment;
    if (this.#head === this.#segments.length) {
      this.#segments = [];
      this.#head = 0;
    }
    return segment;
  }

  /**
   * One non-blocking receive, split into its datagrams (one when the kernel did not coalesce):
   * how many it queued, or a negative errno.
   */
  fill(fd: number): number {
    const space = (scratch ??= Buffer.allocUnsafe(SCRATCH_SIZE));
    const result = tryRecvmsg(fd, [space], 0, CONTROL_SIZE_DEFAULT);
    if (typeof result === 'number') return result;
    const bytes = Math.min(result.bytes, space.length);
    // One copy of exactly the bytes that came: the views of its datagrams keep nothing larger alive.
    const copy = Buffer.from(space.subarray(0, bytes));
    const gro = result.control.find((entry): entry is GroMessage => entry.kind === 'gro');
    const size = gro && gro.segmentSize > 0 ? gro.segmentSize : Math.max(bytes, 1);
    let offset = 0;
    do {
      const end = Math.min(offset + size, bytes);
      this.#segments.push({
        data: copy.subarray(offset, end),
        from: result.from,
         control: result.control,
        truncated: result.truncated && end === bytes,
        controlTruncated: result.controlTruncated,
      });
      offset = end;
    } while (offset < bytes);
    return this.size;
  }

  /** Drops every queued datagram (the socket closed). */
  clear(): void {
    this.#segments = [];
    this.#head = 0;
  }
}

/** Copies bytes into the caller's buffer: how many fit (at most the buffer's size). */
export function copyInto(data: Buffer, buf: ArrayBufferView): number {
  const target = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const bytes = Math.min(data.length, target.length);
  target.set(bytes === data.length ? data : data.subarray(0, bytes));
  return bytes;
}

/** A datagram as `Socket.recvmsg` returns it, scattered over `buffers` in order. */
export function asMessage(segment: Segment, buffers: readonly ArrayBufferView[]): RecvmsgResult {
  let written = 0;
  for (const buf of buffers) {
    if (written >= segment.data.length) break;
    written += copyInto(segment.data.subarray(written), buf);
  }
  const truncated = segment.truncated || written < segment.data.length;
  return {
    bytes: written,
    from: segment.from,
    flags: truncated ? MSG_TRUNC : 0,
    truncated,
    controlTruncated: segment.controlTruncated,
    control: segment.control,
  };
}
