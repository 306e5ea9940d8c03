/**
 * `Socket.sendmsg` and `Socket.recvmsg`: the flat calls of lib/msg.ts (the same checks, the
 * same encoding, the same parsed control messages) made on the event loop, never blocking.
 * This file holds what the `Socket` methods need beyond lib/msg.ts; socket.ts only queues.
 * @internal
 * @module
 */
import * as os from 'node:os';

import { MSG_ERRQUEUE } from './constants';
import { ArgumentTypeError } from './errors';
import * as trace from './trace';
import { checkBuffers, trySendmsg, type RecvmsgOptions, type SendmsgCall, type SendmsgOptions } from './msg';
import type { SegmentationState } from './segment';
import { binding } from './native';
import { checkInt32, currentSize } from './validate';

/** Options of `Socket.sendmsg`: those of the flat {@link sendmsg}, with the flags and a shorthand. */
export interface SocketSendmsgOptions extends SendmsgOptions {
  /** `MSG_*` flags (0 by default). */
  flags?: number;
  /**
   * Send the bytes as datagrams of this size, the last one shorter (UDP GSO): the same as a
   * last `{ kind: 'segment', size }` control entry. 1 to 65535.
   */
  segmentSize?: number;
}

/** Options of `Socket.recvmsg`: those of the flat {@link recvmsg}, the flags, and a wait's. */
export interface SocketRecvmsgOptions extends RecvmsgOptions {
  /** `MSG_*` flags (0 by default). The error queue is read with `Socket.errors()` instead. */
  flags?: number;
  /** Abort the wait: the promise rejects with an `AbortError`; the socket stays usable. */
  signal?: AbortSignal;
  /** Give up after this many milliseconds: the promise rejects with a `TimedOutError` (ETIMEDOUT). */
  timeout?: number;
}

const { EAGAIN } = os.constants.errno;

/** The flags of a Socket sendmsg/recvmsg option object (0 when absent). */
export function flagsOf(options: { flags?: number } | undefined, receive: boolean): number {
  const flags = options?.flags ?? 0;
  checkInt32(flags, 'options.flags');
  if (receive && MSG_ERRQUEUE !== undefined && (flags & MSG_ERRQUEUE) !== 0) {
    // The watcher empties the error queue on every POLLERR, so a waiting read would never see it.
    throw new ArgumentTypeError('ERR_INVALID_ARG_VALUE', 'Socket.recvmsg does not read the error queue (MSG_ERRQUEUE): use socket.errors()');
  }
  return flags;
}

/** The buffers of a receive, checked, as a plain copy (no getter runs when the kernel writes). */
export function receiveBuffers(buffers: readonly ArrayBufferView[]): ArrayBufferView[] {
  checkBuffers(buffers);
  const list = Array.from(buffers);
  checkBuffers(list);
  return list;
}

/** The bytes of a message's buffers together. */
export function bytesOf(buffers: readonly ArrayBufferView[]): number {
  let total = 0;
  for (let i = 0; i < buffers.length; i++) total += currentSize(buffers[i]!);
  return total;
}

/** One attempt at a Socket's sendmsg, printed by the trace unless it found no room (lib/trace.ts). */
export function socketSendmsg(fd: number, call: SendmsgCall, segmentation: SegmentationState, from = 0): number {
  const result = trySendmsg(fd, call, segmentation, from);
  if (trace.socketCall(result)) trace.sendmsg(fd, call.buffers, call.flags, call.target?.address, call.control, result, false);
  return result;
}

/**
 * The attempts of one `Socket.sendmsg` waiting for room: the bytes sent once all went, a
 * negative errno (`EAGAIN`: wait for more room), or an error for a buffer that changed while
 * the send waited. A split segmented send that went part way (`from` bytes, already) goes on
 * from where it stopped, so no datagram is sent twice.
 */
export function sendmsgAttempts(waiting: SendmsgCall, segmentation: SegmentationState, from = 0): (fd: number) => number | Error {
  // What the caller gave, fixed now: the buffer list copied, the control entries encoded (they
  // were checked; encoding them later would read objects the caller may have changed since).
  const call: SendmsgCall = {
    ...waiting,
    buffers: Array.from(waiting.buffers),
    control: Array.isArray(waiting.control) ? binding.encodeControl(waiting.control) : waiting.control,
  };
  const sizes = call.buffers.map(currentSize);
  const total = bytesOf(call.buffers);
  return (fd) => {
    for (let i = 0; i < sizes.length; i++) {
      if (currentSize(call.buffers[i]!) !== sizes[i]) {
        return new ArgumentTypeError('ERR_INVALID_STATE', `sendmsg: buffers[${i}] was detached or resized while the send waited`);
      }
    }
    const result = socketSendmsg(fd, call, segmentation, from);
    if (result < 0 || call.segmentSize === 0 || from + result >= total) return result < 0 ? result : from + result;
    from += result;
    return -EAGAIN;
  };
}
