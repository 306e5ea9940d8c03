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
import type { DrainedDatagram } from './trace';

const { ringMetaStride, scratchSize } = binding.SocketHandle.limits;

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
  readonly slotSize: number;
  readonly pack: boolean;
  readonly memory: ArrayBuffer;
  /** [datagrams, then per datagram: bytes, msg_flags, sender index]. */
  readonly meta: Int32Array;
  /** Senders by the meta's index, decoded once by native code while the sender repeats. */
  readonly nativeSenders: SocketAddress[];
  /** Senders by slot, when JavaScript fills the ring (GRO on: {@link fillFrom}). */
  readonly #filledSenders: SocketAddress[] = [];
  /** The slots as Buffers, made once (not for a packing ring). */
  readonly #views: Buffer[] = [];
  /** Who wrote the current batch: the native drain, or JavaScript from the segment queue. */
  filledByJs = false;
  /** A packing ring's current batch: its datagrams back to back. */
  packed: Buffer | undefined;
  /** Counts the batches asked for: a {@link ReceivedBatch} of an earlier one is stale. */
  generation = 0;

  constructor(handle: NativeSocketHandle, slots: number, slotSize: number, pack: boolean) {
    const [id, memory, metaOffset, senders] = handle.registerRing(slots, slotSize, pack);
    this.id = id;
    this.slots = slots;
    this.slotSize = pack ? scratchSize : slotSize;
    this.pack = pack;
    this.memory = memory;
    this.meta = new Int32Array(memory, metaOffset, 1 + slots * ringMetaStride);
    this.nativeSenders = senders;
    if (!pack) for (let i = 0; i < slots; i++) this.#views.push(Buffer.from(memory, i * slotSize, slotSize));
  }

  /** Whether the memory was detached (transferred away) by the caller. */
  get detached(): boolean {
    return this.memory.byteLength === 0;
  }

  /** The datagrams of the current batch. */
  get count(): number {
    return this.meta[0]!;
  }

  bytes(i: number): number {
    return Math.min(this.meta[1 + i * ringMetaStride]!, this.slotSize);
  }

  truncated(i: number): boolean {
    return (this.meta[2 + i * ringMetaStride]! & MSG_TRUNC) !== 0;
  }

  from(i: number): SocketAddress {
    return this.filledByJs ? this.#filledSenders[i]! : this.nativeSenders[this.meta[3 + i * ringMetaStride]!]!;
  }

  /** Slot i, whole (not for a packing ring). */
  slot(i: number): Buffer {
    return this.#views[i]!;
  }

  /**
   * With GRO on: up to `slots` datagrams from the segment queue, each copied into a slot of its
   * own with the meta native code would write. Returns how many.
   */
  fillFrom(queue: SegmentQueue): number {
    let count = 0;
    while (count < this.slots && queue.size > 0) {
      const { bytes, from, truncated } = queue.takeInto(this.#views[count]!);
      const entry = 1 + count * ringMetaStride;
      this.meta[entry] = bytes;
      this.meta[entry + 1] = truncated ? MSG_TRUNC : 0;
      this.meta[entry + 2] = count;
      this.#filledSenders[count] = from;
      count++;
    }
    this.meta[0] = count;
    this.filledByJs = true;
    return count;
  }

  /** The current batch as the trace shows a drain's datagrams: each in the iov the kernel got. */
  traced(): DrainedDatagram[] {
    const out: DrainedDatagram[] = [];
    let at = 0;
    for (let i = 0; i < this.count; i++) {
      const bytes = this.bytes(i);
      let buf: Buffer = this.pack ? Buffer.alloc(this.slotSize) : this.slot(i);
      if (this.pack) this.packed!.copy(buf, 0, at, at + bytes);
      at += bytes;
      out.push({ buf, bytes, from: this.from(i), truncated: this.truncated(i) });
    }
    return out;
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
 * `ERR_INVALID_STATE`; views taken before then show the newer bytes.
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
    this.length = ring.count;
  }

  #check(i: number): ReceiveRing {
    const ring = this.#ring;
    if (ring.generation !== this.#generation || ring.detached) stale();
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new RangeError(`ReceivedBatch: index ${String(i)} is outside 0..${this.length - 1}`);
    }
    return ring;
  }

  /** Datagram i: a view into the ring (no copy), exactly its bytes (at most the slot's size). */
  data(i: number): Buffer {
    const ring = this.#check(i);
    return ring.slot(i).subarray(0, ring.bytes(i));
  }

  /** The bytes of datagram i in its slot: its size, or the slot's size when it was truncated. */
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

  /** The slot memory: datagram i starts at `i * slotSize`, for reading without any view. */
  get buffer(): ArrayBuffer {
    this.#check(0);
    return this.#ring.memory;
  }

  /** The size of each slot. */
  get slotSize(): number {
    return this.#ring.slotSize;
  }

  /** Each datagram as `{ data, from, truncated }` (a view each: valid as {@link data}'s). */
  *[Symbol.iterator](): IterableIterator<BatchDatagram> {
    for (let i = 0; i < this.length; i++) yield { data: this.data(i), from: this.from(i), truncated: this.truncated(i) };
  }
}
