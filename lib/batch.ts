/**
 * Batches: many datagrams in one call from JavaScript. On Linux `sendmmsg(2)` and
 * `recvmmsg(2)` make it one syscall too; on other platforms (and in the portable build) the
 * same functions loop over `sendmsg`/`recvmsg` in native code, with the same results.
 * @module
 */
import * as os from 'node:os';

import { AddressDecoder, EncodedAddress, sockaddr, type AddressInput } from './address';
import { constants } from './constants';
import { check, checkValue } from './result';
import type { RecvfromResult } from './flat';
import { binding, type NativePreparedBatch } from './native';
import { checkSegmentSize, modeOf, type SegmentationState } from './segment';
import * as trace from './trace';
import { checkBuffer, checkFd, checkFlags, invalidType, isBuffer, outOfRange } from './validate';

/** One datagram of a {@link sendmmsg} batch. */
export interface BatchMessage {
  buf: ArrayBufferView;
  /** The destination; omitted on a connected socket. */
  address?: AddressInput;
  /**
   * Send `buf` as datagrams of this size, the last one shorter (UDP GSO, as `sendmsg`'s
   * `{ kind: 'segment', size }`): 1 to 65535. The message counts as one in the result.
   */
  segmentSize?: number;
}

/** The most datagrams one batch takes (Linux's UIO_MAXIOV). */
export const MAX_BATCH: number = binding.limits.maxBatch;

const STORAGE = constants.SOCKADDR_STORAGE_SIZE;
const { EIO } = os.constants.errno;
const MSG_TRUNC = constants.MSG_TRUNC;

// Per module instance (per thread), grown to the largest batch seen.
const decoder = new AddressDecoder();
let resultOut = new Int32Array(3 * 64);
let addressOut = Buffer.alloc(STORAGE * 64);

function checkBatch(value: unknown, name: string): asserts value is unknown[] {
  if (!Array.isArray(value)) throw invalidType(name, 'an Array', value);
  if (value.length > MAX_BATCH) throw outOfRange(`${name}.length`, `<= ${MAX_BATCH}`, value.length);
}

/** @internal A batch as native code takes it. */
export interface EncodedBatch {
  buffers: ArrayBufferView[];
  /** The encoded destinations; undefined when no message has one (nothing to look up). */
  addresses: (Buffer | undefined)[] | undefined;
  /** The same destinations with their addresses (for errors and the trace), or undefined. */
  targets: (EncodedAddress | undefined)[] | undefined;
  /** Each message's datagram size (0: one datagram); undefined when no message is segmented. */
  segments: number[] | undefined;
}

/** @internal Encode a batch once: the buffers and addresses as native code takes them. */
export function encodeBatch(messages: readonly BatchMessage[]): EncodedBatch {
  checkBatch(messages, 'messages');
  const count = messages.length;
  const buffers: ArrayBufferView[] = new Array(count);
  let addresses: (Buffer | undefined)[] | undefined;
  let targets: (EncodedAddress | undefined)[] | undefined;
  let segments: number[] | undefined;
  for (let i = 0; i < count; i++) {
    const message = messages[i];
    if (typeof message !== 'object' || message === null) throw invalidType(`messages[${i}]`, 'an object { buf, address? }', message);
    buffers[i] = message.buf;
    const segmentSize = message.segmentSize;
    if (segmentSize !== undefined) {
      checkSegmentSize(segmentSize, `messages[${i}].segmentSize`);
      segments ??= new Array<number>(count).fill(0);
      segments[i] = segmentSize;
    }
    const address = message.address;
    if (address === undefined) continue;
    const target = sockaddr(address);
    targets ??= new Array(count);
    addresses ??= new Array(count);
    targets[i] = target;
    addresses[i] = target.bytes;
  }
  // The buffers are checked once every message was read: reading a message may run user code
  // (getters), which could detach a buffer checked before it.
  for (let i = 0; i < count; i++) {
    // The argument's name is built only for the error (this loop runs per datagram).
    if (!isBuffer(buffers[i])) checkBuffer(buffers[i], `messages[${i}].buf`);
  }
  return { buffers, addresses, targets, segments };
}

/**
 * A batch checked and encoded once, for a loop that sends the same buffers again and again
 * (their contents may change between sends; the buffers and addresses do not). Made by
 * {@link prepareBatch}; {@link sendmmsg} and `Socket.sendmmsg` take it in place of the
 * messages, and then read no JavaScript array at all: the send loop of C, which fills its
 * `mmsghdr` array once.
 */
export class PreparedBatch {
  /** How many datagrams each send sends. */
  readonly length: number;
  /** @internal */
  readonly native: NativePreparedBatch;
  /** @internal */
  readonly encoded: EncodedBatch;

  /** @internal */
  constructor(encoded: EncodedBatch) {
    this.encoded = encoded;
    this.native = new binding.PreparedBatch(encoded.buffers, encoded.addresses, encoded.segments);
    this.length = encoded.buffers.length;
    Object.freeze(this);
  }
}

/** Check and encode `messages` once for many {@link sendmmsg} calls (see {@link PreparedBatch}). */
export function prepareBatch(messages: readonly BatchMessage[]): PreparedBatch {
  return new PreparedBatch(encodeBatch(messages));
}

/**
 * @internal After {@link sendBatch}: the bytes of the first message not counted as sent whose
 * datagrams went all the same (a split segmented message stopped part way), else 0. Per module
 * instance (per thread), overwritten by the next batch.
 */
export const batchProgress = new Int32Array(1);

/**
 * @internal Send a batch, prepared or not: the count, or a negative errno. Segmented messages
 * go by `segmentation` (a Socket's; a flat call asks each time, lib/segment.ts): split by the
 * kernel, or by hand after an EIO.
 */
export function sendBatch(fd: number, batch: EncodedBatch | PreparedBatch, flags: number, segmentation: SegmentationState = { mode: undefined }): number {
  batchProgress[0] = 0;
  const send = (split: boolean): number =>
    batch instanceof PreparedBatch
      ? batch.native.send(fd, flags, split, batchProgress)
      : binding.sendmmsg(fd, batch.buffers, batch.addresses, flags, batch.segments, split, batchProgress);
  if (encodedOf(batch).segments === undefined) return send(false);
  if (modeOf(fd, segmentation) === 'fallback') return send(true);
  const result = send(false);
  if (result !== -EIO) return result;
  segmentation.mode = 'fallback';
  return send(true);
}

/** @internal The buffers and destinations of a batch, prepared or not. */
export function encodedOf(batch: EncodedBatch | PreparedBatch): EncodedBatch {
  return batch instanceof PreparedBatch ? batch.encoded : batch;
}

/** @internal The messages of a sendmmsg call, encoded (or as prepared). */
export function batchOf(messages: readonly BatchMessage[] | PreparedBatch): EncodedBatch | PreparedBatch {
  return messages instanceof PreparedBatch ? messages : encodeBatch(messages);
}

/**
 * `sendmmsg(2)`: sends the messages in order and returns how many went. Like the syscall it
 * stops at the first message that fails; it throws only when the very first one fails.
 * `messages` may be a {@link PreparedBatch}. A message with a `segmentSize` goes out as
 * datagrams of that size (UDP GSO, split by bsdsock where the kernel cannot; a message of which
 * only some datagrams went then counts as not sent, and sending it again repeats those).
 */
export function sendmmsg(fd: number, messages: readonly BatchMessage[] | PreparedBatch, flags?: number): number {
  checkFd(fd);
  const callFlags = checkFlags(flags, arguments.length > 2);
  const batch = batchOf(messages);
  const { buffers, targets } = encodedOf(batch);
  // An empty batch makes no syscall (native/batch.cc), so it prints nothing.
  const traced = trace.enabled && buffers.length > 0;
  const blocked = traced && trace.begins('sendmmsg', fd, false, callFlags);
  const result = sendBatch(fd, batch, callFlags);
  if (traced) trace.sendmmsg(fd, buffers, targets?.map((t) => t?.address), callFlags, result, blocked);
  return check(result, 'sendmmsg', targets?.[0]?.address);
}

/**
 * `recvmmsg(2)`: receives up to `buffers.length` datagrams, one into each buffer, and returns
 * one result per datagram received (fewer than the buffers when fewer were queued). Flags as in
 * C: on a blocking socket Linux waits for all of them unless `MSG_WAITFORONE` (or
 * `MSG_DONTWAIT`) is given; without recvmmsg the datagrams after the first are taken only if
 * already queued.
 */
export function recvmmsg(fd: number, buffers: readonly ArrayBufferView[], flags?: number): RecvfromResult[] {
  checkFd(fd);
  const list = checkReceiveBatch(buffers);
  const callFlags = checkFlags(flags, arguments.length > 2);
  const traced = trace.enabled && list.length > 0; // an empty batch makes no syscall
  const blocked = traced && trace.begins('recvmmsg', fd, true, callFlags);
  const results = receiveBatch(fd, list, callFlags);
  if (traced) trace.recvmmsg(fd, list, callFlags, results, blocked);
  return checkValue(results, 'recvmmsg');
}

/**
 * @internal The buffers of a receive batch, checked, as a plain copy: native code then reads
 * elements no getter can run on, so no JavaScript can detach a buffer between the check and
 * the kernel's write.
 */
export function checkReceiveBatch(buffers: readonly ArrayBufferView[]): ArrayBufferView[] {
  checkBatch(buffers, 'buffers');
  const list = Array.from(buffers as readonly ArrayBufferView[]);
  for (let i = 0; i < list.length; i++) {
    if (!isBuffer(list[i])) checkBuffer(list[i], `buffers[${i}]`);
  }
  return list;
}

/** @internal One recvmmsg on checked arguments: the results, or a negative errno. */
export function receiveBatch(fd: number, list: ArrayBufferView[], flags: number): RecvfromResult[] | number {
  const count = list.length;
  if (resultOut.length < 3 * count) {
    resultOut = new Int32Array(3 * count);
    addressOut = Buffer.alloc(STORAGE * count);
  }
  const received = binding.recvmmsg(fd, list, flags, resultOut, addressOut);
  if (received < 0) return received;
  const results: RecvfromResult[] = new Array(received);
  for (let i = 0; i < received; i++) {
    results[i] = {
      bytes: resultOut[3 * i]!,
      from: decoder.decodeAt(addressOut, i * STORAGE, resultOut[3 * i + 2]!),
      truncated: (resultOut[3 * i + 1]! & MSG_TRUNC) !== 0,
    };
  }
  return results;
}
