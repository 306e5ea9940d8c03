/**
 * Loads the compiled addon. Internal: the public API is in flat.ts and its neighbours.
 *
 * `BSDSOCK_ADDON` may name another build of the addon (a sanitizer or portable build) to load
 * instead of `build/Release/bsdsock.node`.
 * @internal
 * @module
 */
import * as path from 'node:path';

import type { SocketAddress } from './address';

/** Counters of one socket's watcher. */
export interface SocketHandleStats {
  /** Times the watcher woke up. */
  wakeups: number;
  /** Calls from the watcher into JavaScript. */
  jsCalls: number;
  /** Receive syscalls (recvmmsg or recvmsg) made by the watcher. */
  receiveSyscalls: number;
  /** Whether the watcher is running (only while an operation waits). */
  watching: boolean;
  /** Receives waiting in the native queue. */
  pendingReceives: number;
}

/** The event-loop side of one socket (native/socket_handle.h). */
export interface NativeSocketHandle {
  recv(id: number, buf: ArrayBufferView | undefined, offset: number, length: number, flags: number): boolean;
  cancelRecv(id: number): boolean;
  setInterest(readable: boolean, writable: boolean): void;
  setErrorReports(on: boolean): void;
  drainErrors(): number;
  close(): void;
  ref(): void;
  unref(): void;
  stats(): SocketHandleStats;
}

/** A batch prepared for many sends (native/prepared_batch.h). */
export interface NativePreparedBatch {
  /** `split`: segmented messages are split here, not by the kernel. */
  send(fd: number, flags: number, split?: boolean, progressOut?: Int32Array): number;
}

/** The functions native/addon.cc registers. Results are values, or a negative errno. */
export interface NativeBinding {
  readonly buildInfo: { buildSystem: 'node-gyp' | 'cmake-js'; napiVersion: number; portable: boolean };
  readonly constants: Readonly<Record<string, number>>;
  readonly SocketHandle: new (
    fd: number,
    onRecv: (this: NativeSocketHandle, results: unknown[]) => void,
    onReady: (this: NativeSocketHandle, events: number, error: number) => void,
    onErrors: (this: NativeSocketHandle, reports: unknown[]) => void,
  ) => NativeSocketHandle;
  readonly PreparedBatch: new (
    buffers: ArrayBufferView[], addresses: (Uint8Array | undefined)[] | undefined, segments?: number[] | undefined,
  ) => NativePreparedBatch;

  encodeAddress(family: number, hostOrPath: string, port: number, flowinfo: number, scopeId: number): Buffer;
  decodeAddress(bytes: Uint8Array, length: number): SocketAddress;

  socket(domain: number, type: number, protocol: number): number;
  socketpair(domain: number, type: number, protocol: number): [number, number] | number;
  close(fd: number): number;
  bind(fd: number, address: Uint8Array): number;
  connect(fd: number, address: Uint8Array): number;
  listen(fd: number, backlog: number): number;
  accept(fd: number): [number, SocketAddress] | number;
  shutdown(fd: number, how: number): number;
  /** The whole view is sent (and received into, below): the hot calls take no range. */
  sendto(fd: number, buf: ArrayBufferView, flags: number, address: Uint8Array): number;
  send(fd: number, buf: ArrayBufferView, flags: number): number;
  write(fd: number, buf: ArrayBufferView, offset: number, length: number): number;
  recvfrom(fd: number, buf: ArrayBufferView, flags: number, addressOut: Uint8Array, resultOut: Int32Array): number;
  recv(fd: number, buf: ArrayBufferView, flags: number): number;
  read(fd: number, buf: ArrayBufferView, offset: number, length: number): number;
  getsockname(fd: number): SocketAddress | number;
  getpeername(fd: number): SocketAddress | number;
  /**
   * sendmsg(2): `control` is encoded control data or an array of entries (native/cmsg.h). A
   * `segmentSize` sends datagrams of that size: `splitFrom` -1 by the kernel (UDP_SEGMENT), >= 0
   * split here from that byte on (native/segment.h).
   */
  sendmsg(
    fd: number, buffers: readonly ArrayBufferView[], flags: number, address: Uint8Array | null,
    control: Uint8Array | readonly object[] | null, segmentSize?: number, splitFrom?: number,
  ): number;
  /** recvmsg(2): sender length, msg_flags and msg_controllen go to resultOut[0..2]. */
  recvmsg(
    fd: number, buffers: readonly ArrayBufferView[], flags: number, addressOut: Uint8Array, resultOut: Int32Array,
    control: Uint8Array, controlOffset: number, controlLength: number,
  ): number;
  encodeControl(entries: readonly object[]): Buffer;
  /** Entries as native/cmsg.cc builds them; lib/msg.ts completes the error-queue ones. */
  parseControl(bytes: Uint8Array, length: number): Array<{ kind: string; [field: string]: unknown }>;
  cmsgSpace(length: number): number;
  cmsgLen(length: number): number;
  /**
   * `addresses` undefined: no message has one (a connected socket). `segments`: each message's
   * datagram size (0: none), split by the kernel unless `split`.
   */
  sendmmsg(
    fd: number, buffers: ArrayBufferView[], addresses: (Uint8Array | undefined)[] | undefined, flags: number,
    segments?: number[] | undefined, split?: boolean, progressOut?: Int32Array,
  ): number;
  recvmmsg(fd: number, buffers: ArrayBufferView[], flags: number, resultOut: Int32Array, addressOut: Uint8Array): number;

  setsockopt(fd: number, level: number, name: number, value: number | boolean | ArrayBufferView): number;
  getsockoptInt(fd: number, level: number, name: number, out: Int32Array): number;
  getsockoptRaw(fd: number, level: number, name: number, buf: ArrayBufferView, offset: number, length: number): number;
  setsockoptTimeval(fd: number, level: number, name: number, milliseconds: number): number;
  getsockoptTimeval(fd: number, level: number, name: number): number;
  fcntl(fd: number, cmd: number, arg: number): number;
}

function load(): NativeBinding {
  const override = process.env.BSDSOCK_ADDON;
  const file = override ? path.resolve(override) : path.join(__dirname, '..', 'build', 'Release', 'bsdsock.node');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as NativeBinding;
  } catch (cause) {
    throw new Error(
      `bsdsock: cannot load the native addon ${file}; build it with 'npm run build:gyp' ` +
        `(or 'npm run build:cmake')`,
      { cause },
    );
  }
}

/** @internal */
export const binding: NativeBinding = load();
