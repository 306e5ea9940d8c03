/**
 * Batch receives into memory registered once: {@link Socket.batches} and the `for await` loop
 * of a Socket. A ring is N slots of S bytes allocated when the iteration starts; each wake-up
 * fills it with one `recvmmsg` and reaches JavaScript in one crossing, the datagrams' sizes,
 * flags and senders written to a meta area beside the slots (native/socket_handle.cc). Nothing
 * is allocated per datagram unless the caller asks for it (a view with {@link ReceivedBatch.data}).
 *
 * A packing ring (the `for await` loop) receives into the socket's native scratch instead and
 * hands JavaScript one Buffer of the batch's bytes, back to back: each datagram a view of it
 * that stays valid for as long as the caller keeps it.
 * @module
 */
import type { SocketAddress } from './address-types';
import { MSG_TRUNC } from './constants';
import { ArgumentTypeError } from './errors';
import type { SegmentQueue } from './gro';
import { binding, type NativeSocketHandle } from './native';
import * as trace from './trace';
import type { DrainedDatagram } from './trace';

const { ringMetaStride, scratchSize } = binding.SocketHandle.limits;
// What a lone UDP_GRO control message fills of msg_control: CMSG_SPACE(sizeof(int)).
const groControlLength = binding.cmsgSpace(4);

/** A packing ring's slot: room for the largest datagram, so that nothing is truncated. */
export const PACKED_SLOT_SIZE = scratchSize;

/** One datagram of a batch, as `for await (const d of socket)` and {@link ReceivedBatch} hand them out. */
export interface BatchDatagram {
  data: Buffer;
  from: SocketAddress;
  truncated: boolean;
}

/** @internal Memory registered once with the native handle for batch receives. */
export class ReceiveRing {
  readonly id: number;
  readonly slots: number;
  /** The size of a slot of `memory` (a packing ring's slots are native: 64 KiB). */
  readonly slotSize: number;
  readonly pack: boolean;
  readonly memory: ArrayBuffer;
  /** [messages, then per message: bytes, msg_flags, sender index, GRO segment size]. */
  readonly meta: Int32Array;
  /** Senders by the meta's index, decoded once by native code while the sender repeats. */
  readonly nativeSenders: SocketAddress[];
  /** Senders by slot, when JavaScript fills the ring (GRO on: {@link fillFrom}). */
  readonly #filledSenders: SocketAddress[] = [];
  /** The slots, as one Buffer (a packing ring has none). */
  readonly #whole: Buffer;
  /** Who wrote the current batch: the native drain, or JavaScript from the segment queue. */
  filledByJs = false;
  /** The current batch's bytes, back to back, when it was packed (a packing ring, or GRO on). */
  packed: Buffer | undefined;
  /** The size of `packed`'s memory when it came: less now means it was transferred away. */
  #packedBytes = 0;
  /** Counts the batches asked for: a {@link ReceivedBatch} of an earlier one is stale. */
  generation = 0;
  /** The batch asked for had GRO on: its messages may be coalesced (their segment size in the meta). */
  gro = false;
  // The current batch datagram by datagram (a GRO message holds many): where each starts in
  // its source, its size, and the message (meta entry) it came from. Grown, never shrunk.
  #length = 0;
  #starts = new Int32Array(0);
  #sizes = new Int32Array(0);
  #messages = new Int32Array(0);

  constructor(handle: NativeSocketHandle, slots: number, slotSize: number, pack: boolean) {
    // Every element present (Array.from defines them; fill() would assign, running any setter
    // on Array.prototype): native code stores into them without running JavaScript.
    const senders = Array.from({ length: slots }, () => undefined) as unknown as SocketAddress[];
    const out: unknown[] = Array.from({ length: 2 }, () => undefined);
    const id = handle.registerRing(slots, slotSize, pack, senders, out);
    const memory = out[0] as ArrayBuffer;
    const metaOffset = out[1] as number;
    this.id = id;
    this.slots = slots;
    this.slotSize = pack ? scratchSize : slotSize;
    this.pack = pack;
    this.memory = memory;
    this.meta = new Int32Array(memory, metaOffset, 1 + slots * ringMetaStride);
    this.nativeSenders = senders;
    this.#whole = Buffer.from(memory, 0, pack ? 0 : slots * slotSize);
    this.#grow(slots);
  }

  /** Whether the memory was detached (transferred away) by the caller. */
  get detached(): boolean {
    return this.memory.byteLength === 0;
  }

  /** Whether the current batch's packed bytes were transferred away (a datagram's view, say). */
  get packedGone(): boolean {
    return this.packed !== undefined && this.packed.buffer.byteLength < this.#packedBytes;
  }

  /** The datagrams of the current batch. */
  get length(): number {
    return this.#length;
  }

  /**
   * A batch arrived (`messages` meta entries, its bytes in `packed`, or in the slots: 64 KiB
   * ones with GRO on): index its datagrams, each GRO message's split at its segment size.
   * Returns how many datagrams.
   */
  arrived(messages: number, packed: Buffer | undefined): number {
    this.packed = packed;
    this.#packedBytes = packed?.buffer.byteLength ?? 0;
    this.filledByJs = false;
    const meta = this.meta;
    const stride = this.gro ? scratchSize : this.slotSize;
    let n = 0;
    let at = 0;
    for (let m = 0; m < messages; m++) {
      const entry = 1 + m * ringMetaStride;
      const bytes = meta[entry]!;
      const segment = meta[entry + 3]!;
      const start = packed ? at : m * stride;
      at += bytes;
      if (segment <= 0 || bytes <= segment) {
        n = this.#add(n, start, bytes, m);
        continue;
      }
      for (let offset = 0; offset < bytes; offset += segment) n = this.#add(n, start + offset, Math.min(segment, bytes - offset), m);
    }
    this.#length = n;
    return n;
  }

  #add(n: number, start: number, size: number, message: number): number {
    if (n === this.#starts.length) this.#grow(n * 2);
    this.#starts[n] = start;
    this.#sizes[n] = size;
    this.#messages[n] = message;
    return n + 1;
  }

  #grow(capacity: number): void {
    const grown = (old: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const next = new Int32Array(capacity);
      next.set(old);
      return next;
    };
    this.#starts = grown(this.#starts);
    this.#sizes = grown(this.#sizes);
    this.#messages = grown(this.#messages);
  }

  /** Datagram i's bytes (a view: of the packed Buffer, or of its slot). */
  data(i: number): Buffer {
    const start = this.#starts[i]!;
    return (this.packed ?? this.#whole).subarray(start, start + this.#sizes[i]!);
  }

  bytes(i: number): number {
    return this.#sizes[i]!;
  }

  /** Where datagram i starts in {@link source}'s ArrayBuffer. */
  offset(i: number): number {
    return this.source.byteOffset + this.#starts[i]!;
  }

  /** What the datagrams are in: the packed Buffer, or the slots. */
  get source(): Buffer {
    return this.packed ?? this.#whole;
  }

  /** Truncated (MSG_TRUNC): only the last datagram of a message lost its end. */
  truncated(i: number): boolean {
    const message = this.#messages[i]!;
    if ((this.meta[2 + message * ringMetaStride]! & MSG_TRUNC) === 0) return false;
    return i === this.#length - 1 || this.#messages[i + 1] !== message;
  }

  from(i: number): SocketAddress {
    const message = this.#messages[i]!;
    return this.filledByJs ? this.#filledSenders[message]! : this.nativeSenders[this.meta[3 + message * ringMetaStride]!]!;
  }

  /**
   * With datagrams waiting in the segment queue (GRO leftovers, or held by a loop that ended):
   * up to `slots` of them, each copied into a slot of its own with the meta native code would
   * write. Returns how many.
   */
  fillFrom(queue: SegmentQueue): number {
    this.gro = false; // one datagram per slot, as without GRO
    if (this.pack) return this.#packFrom(queue);
    let count = 0;
    while (count < this.slots && queue.size > 0) {
      const slot = this.#whole.subarray(count * this.slotSize, (count + 1) * this.slotSize);
      const { bytes, from, truncated } = queue.takeInto(slot);
      const entry = 1 + count * ringMetaStride;
      this.meta[entry] = bytes;
      this.meta[entry + 1] = truncated ? MSG_TRUNC : 0;
      this.meta[entry + 2] = count;
      this.meta[entry + 3] = 0;
      this.#filledSenders[count] = from;
      count++;
    }
    this.meta[0] = count;
    this.arrived(count, undefined);
    this.filledByJs = true;
    return count;
  }

  // A packing ring has no slots of its own: the datagrams go into one Buffer, back to back.
  #packFrom(queue: SegmentQueue): number {
    const parts: Buffer[] = [];
    let count = 0;
    while (count < this.slots && queue.size > 0) {
      const { data, from, truncated } = queue.takeView();
      const entry = 1 + count * ringMetaStride;
      this.meta[entry] = data.length;
      this.meta[entry + 1] = truncated ? MSG_TRUNC : 0;
      this.meta[entry + 2] = count;
      this.meta[entry + 3] = 0;
      this.#filledSenders[count] = from;
      parts.push(data);
      count++;
    }
    this.meta[0] = count;
    this.arrived(count, Buffer.concat(parts));
    this.filledByJs = true;
    return count;
  }

  /** The current batch as the trace shows a drain's datagrams: each in the iov the kernel got. */
  traced(): DrainedDatagram[] {
    const out: DrainedDatagram[] = [];
    for (let i = 0; i < this.#length; i++) {
      const bytes = this.bytes(i);
      const data = this.data(i);
      let buf = data;
      if (this.pack) {
        buf = Buffer.alloc(this.slotSize);
        data.copy(buf);
      } else {
        buf = this.#whole.subarray(i * this.slotSize, (i + 1) * this.slotSize);
      }
      out.push({ buf, bytes, from: this.from(i), truncated: this.truncated(i) });
    }
    return out;
  }

  /** A GRO batch as strace shows it: one recvmsg per message, with its UDP_GRO control message. */
  traceGro(fd: number, flags: number): void {
    const meta = this.meta;
    let at = 0;
    for (let m = 0; m < meta[0]!; m++) {
      const entry = 1 + m * ringMetaStride;
      const bytes = meta[entry]!;
      const segment = meta[entry + 3]!;
      const start = this.packed ? at : m * scratchSize;
      const iov = Buffer.alloc(scratchSize);
      this.source.copy(iov, 0, start, start + bytes);
      at += bytes;
      const control = segment > 0 ? [{ kind: 'gro', segmentSize: segment }] : [];
      const from = this.nativeSenders[meta[entry + 2]!];
      trace.recvmsg(fd, [iov], flags, from, control, meta[entry + 1]!, segment > 0 ? groControlLength : 0, bytes, false);
    }
  }
}

function stale(): never {
  throw new ArgumentTypeError('ERR_INVALID_STATE', 'ReceivedBatch: this batch was overwritten: read a batch before asking for the next one');
}

/**
 * The datagrams of one wake-up of {@link Socket.batches}, in the order the kernel delivered
 * them. They live in the iteration's ring: a batch and every view {@link data} returned stay
 * valid until the next batch is asked for (the loop's next turn), when the ring is reused.
 * Copy what must live longer (`Buffer.from(batch.data(i))`). Reading a batch after that throws
 * `ERR_INVALID_STATE`; views taken before then show the newer bytes. (With GRO on, the
 * datagrams are in a Buffer of the batch's own, which a view keeps alive.)
 */
export class ReceivedBatch implements Iterable<BatchDatagram> {
  readonly #ring: ReceiveRing;
  readonly #generation: number;
  /** How many datagrams the batch holds (at least one). */
  readonly length: number;

  /** @internal */
  constructor(ring: ReceiveRing) {
    this.#ring = ring;
    this.#generation = ring.generation;
    this.length = ring.length;
  }

  #check(i: number): ReceiveRing {
    const ring = this.#ring;
    if (ring.generation !== this.#generation || ring.detached) stale();
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new RangeError(`ReceivedBatch: index ${String(i)} is outside 0..${this.length - 1}`);
    }
    return ring;
  }

  /** Datagram i: a view (no copy), exactly its bytes (at most the slot's size). */
  data(i: number): Buffer {
    return this.#check(i).data(i);
  }

  /** The bytes of datagram i: its size, or the slot's size when it was truncated. */
  bytes(i: number): number {
    return this.#check(i).bytes(i);
  }

  /** The sender of datagram i (one object per sender while it repeats: do not mutate it). */
  from(i: number): SocketAddress {
    return this.#check(i).from(i);
  }

  /** Whether datagram i was longer than a slot (`MSG_TRUNC`): its end was discarded. */
  truncated(i: number): boolean {
    return this.#check(i).truncated(i);
  }

  /** The memory the datagrams are in: datagram i is `bytes(i)` bytes at `offset(i)`, to read without a view. */
  get buffer(): ArrayBuffer {
    this.#check(0);
    return this.#ring.source.buffer as ArrayBuffer;
  }

  /** Where datagram i starts in {@link buffer} (`i * size` unless GRO is on). */
  offset(i: number): number {
    return this.#check(i).offset(i);
  }

  /** Each datagram as `{ data, from, truncated }` (a view each: valid as {@link data}'s). */
  *[Symbol.iterator](): IterableIterator<BatchDatagram> {
    for (let i = 0; i < this.length; i++) yield { data: this.data(i), from: this.from(i), truncated: this.truncated(i) };
  }
}
