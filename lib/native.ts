/**
 * Loads the compiled addon. Internal: the public API is in flat.ts and its neighbours.
 *
 * Which file: `BSDSOCK_ADDON` when set (a sanitizer or portable build); otherwise a build made
 * here from the sources (`build/Release/bsdsock.node`, by node-gyp or cmake-js) before a
 * prebuilt binary shipped in the package (`prebuilds/<platform>-<arch>/`), so that a source
 * checkout tests what it builds. node-gyp-build picks the prebuild whose tags (Node-API,
 * libc) match this process, the same rule its install script uses to decide whether to build.
 * @internal
 * @module
 */
import * as path from 'node:path';

import type { SocketAddress } from './address-types';

// node-gyp-build ships no type declarations: this is the one function used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeGypBuild = require('node-gyp-build') as { path(dir: string): string };

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
  /**
   * One receive: made at once when `tryNow` and nothing waits natively (bytes or -errno; out[0]
   * the sender, out[1] whether truncated, out[2] the Buffer when `buf` is undefined), else
   * queued under `id` for the drain (undefined).
   */
  recv(id: number, buf: ArrayBufferView | undefined, length: number, flags: number, tryNow: boolean, out: unknown[]): number | undefined;
  /** Memory for batch receives: its id; out[0] the memory, out[1] the offset of its Int32 meta area; `senders` (every element present) gets the senders by the meta's index. */
  registerRing(slots: number, slotSize: number, pack: boolean, senders: SocketAddress[], out: unknown[]): number;
  releaseRing(ring: number): void;
  /** One batch into a ring, as recv(): messages or -errno at once, or queued (undefined); a packed batch's Buffer in out[2]. `gro`: UDP_GRO is on. */
  recvBatch(id: number, ring: number, flags: number, tryNow: boolean, out: unknown[], gro: boolean): number | undefined;
  cancelRecv(id: number): boolean;
  setInterest(readable: boolean, writable: boolean): void;
  setErrorReports(on: boolean): void;
  drainErrors(): number;
  /** While on, onRecv also gets the drain's receive syscalls, for the trace. */
  traceCalls(on: boolean): void;
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
  /** Limits native code enforces, for lib/ to check and document (native/addon.cc). */
  readonly limits: { maxBatch: number; maxControlSize: number };
  readonly SocketHandle: {
    /** The numbers of the handle's protocol with lib/socket.ts (native/socket_handle.h). */
    readonly limits: { scratchSize: number; readable: number; writable: number; deliveryStride: number; ringMetaStride: number; errorReportStride: number; traceCallStride: number };
  } & (new (
    fd: number,
    onRecv: (this: NativeSocketHandle, results: unknown[], calls: number[] | undefined) => void,
    onReady: (this: NativeSocketHandle, events: number, error: number) => void,
    onErrors: (this: NativeSocketHandle, reports: unknown[]) => void,
  ) => NativeSocketHandle);
  /** Whether an open SocketHandle of this thread owns `fd` (until it is really closed). */
  descriptorOwned(fd: number): boolean;
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

  /** Struct-valued options (native/option_struct.h): strings '' and index 0 when absent. */
  isStructOption(level: number, name: number): boolean;
  setsockoptStruct(
    fd: number, level: number, name: number, group: string, source: string,
    interfaceAddress: string, interfaceIndex: number, onoff: number, linger: number,
  ): number;
  getsockoptStruct(fd: number, level: number, name: number): { onoff: number; linger: number } | string | number;
  ifNametoindex(name: string): number;
  ifIndextoname(index: number): string | number;
  ifNameindex(): Array<{ index: number; name: string }> | number;
  /** Entries as [family, socktype, protocol, address, canonname]; a failure as { eai, errno }. */
  getaddrinfo(node: string | null, service: string | null, family: number, socktype: number, protocol: number, flags: number): NativeAddrinfo;
  getaddrinfoAsync(node: string | null, service: string | null, family: number, socktype: number, protocol: number, flags: number): Promise<NativeAddrinfo>;
  getnameinfo(address: Uint8Array, flags: number): NativeNameinfo;
  getnameinfoAsync(address: Uint8Array, flags: number): Promise<NativeNameinfo>;
  /** poll(2) on (fd, events, revents) triples; revents written back. */
  poll(entries: Int32Array, count: number, timeout: number): number;
  /** select(2): readyOut[i] = 1 for each ready descriptor of the three sets laid end to end. */
  select(readfds: Int32Array, writefds: Int32Array, exceptfds: Int32Array, timeout: number, readyOut: Uint8Array): number;
  /** 1 when a call waiting for `events` on fd would block now, 0 when not, or -errno (the trace's probe). */
  wouldWait(fd: number, events: number): number;
  /** strerror(3): the platform's text for an errno. */
  strerror(errno: number): string;
  /** What the trace needs to print each call as the kernel got it (native/addon.cc). */
  readonly kernelCalls: {
    poll: string;
    select: string;
    /** Linux: the sigsetsize glibc passes to pselect6. */
    sigsetSize?: number;
    accept: string;
    sendFlags: number;
    /** Whether sendmmsg/recvmmsg exist; elsewhere a batch is a loop of sendmsg/recvmsg. */
    mmsg: boolean;
    socketTypeFlags: number;
    recvmsgFlags: number;
  };
}

/** A lookup's failure: the EAI_* code, and errno for EAI_SYSTEM. */
export interface NativeLookupFailure {
  eai: number;
  errno: number;
}
/** What native getaddrinfo returns. */
export type NativeAddrinfo = Array<[number, number, number, SocketAddress, string | undefined]> | NativeLookupFailure;
/** What native getnameinfo returns: [host, service]. */
export type NativeNameinfo = [string, string] | NativeLookupFailure;

/** Where the loaded addon came from. */
export interface LoadedAddon {
  /** The absolute path of the `.node` file. */
  readonly file: string;
  /** Whether it is a binary shipped in the package's `prebuilds/` rather than built here. */
  readonly prebuilt: boolean;
}

const packageRoot = path.join(__dirname, '..');

/** The addon file to load, or an error naming the platform, the Node-API version and the remedy. */
function locate(): string {
  const override = process.env.BSDSOCK_ADDON;
  if (override) return path.resolve(override);
  try {
    return nodeGypBuild.path(packageRoot);
  } catch (cause) {
    const platform = `${process.platform}-${process.arch}`;
    throw new Error(
      `bsdsock: no build of the native addon for ${platform} (Node ${process.version}, Node-API ` +
        `${process.versions.napi ?? 'unknown'}; bsdsock needs Node-API 8): no prebuilt binary in ` +
        `${path.join(packageRoot, 'prebuilds', platform)} matches, and none was built in ` +
        `${path.join(packageRoot, 'build', 'Release')}. To build it, install a C++ toolchain ` +
        `(g++ or clang++, make and python3; on macOS the Xcode command line tools) and run ` +
        `'npm rebuild bsdsock' (in a source checkout: 'npm run build:gyp').`,
      { cause },
    );
  }
}

function load(): { binding: NativeBinding; loaded: LoadedAddon } {
  const file = locate();
  // The layout prebuildify writes and node-gyp-build reads: prebuilds/<platform>-<arch>/<file>.
  const prebuilt = path.basename(path.dirname(path.dirname(file))) === 'prebuilds';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return { binding: require(file) as NativeBinding, loaded: { file, prebuilt } };
  } catch (cause) {
    throw new Error(
      `bsdsock: cannot load the native addon ${file}` +
        (prebuilt
          ? `; build it from the sources instead: 'npm_config_build_from_source=true npm rebuild bsdsock'`
          : `; build it again with 'npm run build:gyp' (or 'npm run build:cmake')`),
      { cause },
    );
  }
}

const addon = load();

/** @internal */
export const binding: NativeBinding = addon.binding;

/** Which file was loaded, and whether it is a prebuilt binary. @internal */
export const loaded: LoadedAddon = addon.loaded;
