/**
 * The two loops over a Socket's receives that read a wake-up's datagrams together:
 * `for await (const d of socket)` ({@link DatagramIterator}, one datagram per turn) and
 * {@link Socket.batches} ({@link BatchIterator}, one {@link ReceivedBatch} per turn). Both
 * register a ring when they start and release it when they end; neither loses a datagram it
 * read: what the `for await` loop read but did not yield when it ends goes back to the socket,
 * first in line for its next receive.
 * @module
 */
import { AbortError, ArgumentTypeError, SocketClosedError } from './errors';
import type { Canceller } from './wait-queue';
import { PACKED_SLOT_SIZE, ReceivedBatch, type BatchDatagram, type ReceiveRing } from './receive-ring';

/** @internal What the iterators need of their Socket. */
export interface BatchReceiver {
  /** A ring registered with the socket's native handle (throws when the socket is closed). */
  register(slots: number, slotSize: number, pack: boolean): ReceiveRing;
  release(ring: ReceiveRing): void;
  /** One batch into the ring: how many datagrams it holds. `canceller` ends the wait. */
  receive(ring: ReceiveRing, canceller: Canceller): Promise<number>;
  /** Whether receives go one at a time now (datagrams are held). */
  oneAtATime(): boolean;
  recvfrom(canceller: Canceller): Promise<BatchDatagram>;
  /** Datagrams read and not handed out: the socket's next receives get them first (`first`: before those already held). */
  hold(datagrams: BatchDatagram[], first?: boolean): void;
}

const done: IteratorResult<never, undefined> = Object.freeze({ value: undefined, done: true });

function memoryGone(): never {
  throw new ArgumentTypeError(
    'ERR_INVALID_STATE',
    "for await: this wake-up's datagrams share one Buffer, and its memory was transferred away (copy a datagram before transferring it)",
  );
}

/** What the two iterators share: the ring, the end (return, throw, the signal, close). */
abstract class RingIterator<T> implements AsyncIterableIterator<T> {
  protected readonly receiver: BatchReceiver;
  protected ring: ReceiveRing | null = null;
  protected finished = false;
  // Cancels the wait in progress when the loop ends; the caller's signal ends the loop.
  readonly #canceller: Canceller = { cancel: undefined };
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.finish();
  // A next() still on its way: the next one waits for it (one ring, one batch at a time).
  #pending: Promise<unknown> | undefined;

  constructor(receiver: BatchReceiver, signal: AbortSignal | undefined) {
    this.receiver = receiver;
    this.#signal = signal;
    if (signal?.aborted) this.finished = true;
    else signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    const previous = this.#pending;
    if (previous === undefined) {
      // What a turn can give without waiting needs no bookkeeping (the common case of for await).
      try {
        const now = this.now();
        if (now !== undefined) return Promise.resolve(now);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const run = (): Promise<IteratorResult<T, undefined>> => {
      try {
        return this.step();
      } catch (err) {
        return Promise.reject(err); // next() never throws: it rejects
      }
    };
    const step = previous === undefined ? run() : previous.then(run, run);
    const tracked: Promise<unknown> = step.then(
      () => {
        if (this.#pending === tracked) this.#pending = undefined;
      },
      () => {
        if (this.#pending === tracked) this.#pending = undefined;
      },
    );
    this.#pending = tracked;
    return step;
  }

  /** One turn of the loop (never two at once: see next()). */
  protected abstract step(): Promise<IteratorResult<T, undefined>>;

  /** A turn's result when it needs no wait (a datagram already read), else undefined. */
  protected now(): IteratorResult<T, undefined> | undefined {
    return undefined;
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.finish();
    return Promise.resolve(done);
  }

  throw(error?: unknown): Promise<IteratorResult<T, undefined>> {
    this.finish();
    return Promise.reject(error);
  }

  /** One batch into the ring, or the end: undefined when the loop is over. */
  protected async receiveBatch(slots: number, slotSize: number, pack: boolean): Promise<number | undefined> {
    try {
      // Registered at the first turn: an iterator never iterated holds no memory.
      const ring = (this.ring ??= this.receiver.register(slots, slotSize, pack));
      const count = await this.receiver.receive(ring, this.#canceller);
      if (!this.finished) return count;
      // The loop ended while the batch was on its way (return() without waiting for next()):
      // nobody saw it, so it goes back to the socket.
      this.keep(ring, 0);
      return undefined;
    } catch (err) {
      return this.#ended(err);
    }
  }

  protected async receiveOne(): Promise<BatchDatagram | undefined> {
    try {
      const datagram = await this.receiver.recvfrom(this.#canceller);
      if (this.finished) {
        // Taken from the front of the held datagrams: it goes back there.
        this.receiver.hold([datagram], true);
        return undefined;
      }
      return datagram;
    } catch (err) {
      return this.#ended(err);
    }
  }

  // A closed socket, or our own cancel, ends the loop quietly; any other error ends it with that error.
  #ended(err: unknown): undefined {
    const quiet = err instanceof SocketClosedError || (this.finished && err instanceof AbortError);
    this.finish();
    if (quiet) return undefined;
    throw err;
  }

  /** The datagrams of the ring's current batch from `first` on go back to the socket. */
  protected keep(ring: ReceiveRing, first: number): void {
    if (first >= ring.length) return;
    // Memory the caller transferred away holds nothing any more: there is nothing to give back.
    if (ring.packed ? ring.packedGone : ring.detached) return;
    const held: BatchDatagram[] = [];
    for (let i = first; i < ring.length; i++) {
      // A packed batch's bytes are the caller's already; a slot is reused, so copied.
      const data = ring.packed ? ring.data(i) : Buffer.from(ring.data(i));
      held.push({ data, from: ring.from(i), truncated: ring.truncated(i) });
    }
    this.receiver.hold(held);
  }

  protected finish(): void {
    if (this.finished && this.ring === null) return;
    this.finished = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    try {
      this.beforeRelease();
    } finally {
      this.#canceller.cancel?.();
      this.release();
    }
  }

  /** What a subclass must do with what it read before the ring goes. */
  protected beforeRelease(): void {}

  private release(): void {
    if (this.ring === null) return;
    this.receiver.release(this.ring);
    this.ring = null;
  }
}

/**
 * `for await (const d of socket)`: each wake-up's datagrams read together into a packing ring
 * (one Buffer of their bytes, one crossing into JavaScript), then yielded one by one; each
 * `d.data` a view of that Buffer which the caller may keep. While datagrams are held (a loop
 * ended before yielding them), one receive per datagram.
 * @internal
 */
export class DatagramIterator extends RingIterator<BatchDatagram> {
  readonly #slots: number;
  #index = 0;
  #count = 0;

  constructor(receiver: BatchReceiver, slots: number) {
    super(receiver, undefined);
    this.#slots = slots;
  }

  protected override now(): IteratorResult<BatchDatagram, undefined> | undefined {
    return this.#index < this.#count ? { value: this.#take(), done: false } : undefined;
  }

  protected step(): Promise<IteratorResult<BatchDatagram, undefined>> {
    if (this.#index < this.#count) return Promise.resolve({ value: this.#take(), done: false });
    if (this.finished) return Promise.resolve(done);
    return this.#refill();
  }

  async #refill(): Promise<IteratorResult<BatchDatagram, undefined>> {
    if (this.receiver.oneAtATime()) {
      const datagram = await this.receiveOne();
      return datagram === undefined ? done : { value: datagram, done: false };
    }
    const count = await this.receiveBatch(this.#slots, PACKED_SLOT_SIZE, true);
    if (count === undefined) return done;
    this.#count = count;
    this.#index = 0;
    return { value: this.#take(), done: false };
  }

  #take(): BatchDatagram {
    const ring = this.ring!;
    if (ring.packedGone) memoryGone();
    const i = this.#index++;
    return { data: ring.data(i), from: ring.from(i), truncated: ring.truncated(i) };
  }

  protected override beforeRelease(): void {
    // Read, not yielded: the socket's next receive of any kind gets them first, in order.
    const [index, count] = [this.#index, this.#count];
    this.#index = this.#count = 0;
    if (index < count) this.keep(this.ring!, index);
  }
}

/** {@link Socket.batches}: one {@link ReceivedBatch} per wake-up. @internal */
export class BatchIterator extends RingIterator<ReceivedBatch> {
  readonly #slots: number;
  readonly #slotSize: number;

  constructor(receiver: BatchReceiver, slots: number, slotSize: number, signal: AbortSignal | undefined) {
    super(receiver, signal);
    this.#slots = slots;
    this.#slotSize = slotSize;
  }

  protected async step(): Promise<IteratorResult<ReceivedBatch, undefined>> {
    if (this.finished) return done;
    const count = await this.receiveBatch(this.#slots, this.#slotSize, false);
    return count === undefined ? done : { value: new ReceivedBatch(this.ring!), done: false };
  }
}
