/**
 * `sendmsg(2)` and `recvmsg(2)`: scatter/gather I/O, an optional address, ancillary data
 * (control messages), and on Linux the socket's error queue (`MSG_ERRQUEUE`).
 *
 * ```ts
 * setsockopt(fd, IPPROTO_IP, IP_PKTINFO!, true);
 * const { bytes, from, control } = recvmsg(fd, [buf]);
 * const pktinfo = control.find((c) => c.kind === 'pktinfo');
 * sendmsg(fd, [buf.subarray(0, bytes)], 0, { address: from, control: pktinfo ? [pktinfo] : [] });
 * ```
 *
 * Control messages are plain objects that narrow on `kind`. What bsdsock does not parse comes
 * back as `{ kind: 'raw', level, type, data }`, and can be sent the same way.
 * @module
 */
import * as net from 'node:net';

import { AddressDecoder, EncodedAddress, sockaddr, type AddressInput, type SocketAddress } from './address';
import { constants, MSG_CTRUNC, MSG_TRUNC } from './constants';
import { ArgumentRangeError, ArgumentTypeError, socketError, type SocketError } from './errors';
import { binding } from './native';
import { check } from './result';
import { checkSegmentSize, sendSegmented, type SegmentationState } from './segment';
import * as trace from './trace';
import { checkBuffer, checkFd, checkFlags, checkInt32, checkInteger, invalidType, outOfRange } from './validate';

/* ---------------------------------------------------------------------------------------------
 * Control messages
 * ------------------------------------------------------------------------------------------- */

/**
 * `IP_PKTINFO` / `IPV6_PKTINFO`: where a datagram was addressed and on which interface it
 * arrived. Enable with `IP_PKTINFO` (IPv4) or `IPV6_RECVPKTINFO` (IPv6). Sent back with
 * {@link sendmsg}, it chooses the source address (and interface) of the reply.
 */
export interface PktinfoMessage {
  kind: 'pktinfo';
  family: 'AF_INET' | 'AF_INET6';
  /** The destination address in the datagram's header (`ipi_addr` / `ipi6_addr`). */
  address: string;
  /** The interface index it arrived on (0 when sending: let routing choose). */
  ifindex: number;
  /**
   * IPv4 only (`ipi_spec_dst`): the local address the datagram was received on, which is the
   * source a reply should use (for a broadcast, `address` is the broadcast address instead).
   */
  specDst?: string;
}

/** `IP_RECVDSTADDR` (BSD, macOS): the destination address of an IPv4 datagram. */
export interface DstaddrMessage {
  kind: 'dstaddr';
  address: string;
}

/** `IP_RECVIF` (BSD, macOS): the index of the interface an IPv4 datagram arrived on. */
export interface InterfaceMessage {
  kind: 'interface';
  ifindex: number;
}

/**
 * The kernel's receive time, in nanoseconds since the Unix epoch: from `SO_TIMESTAMPNS`
 * (Linux, nanosecond resolution) or `SO_TIMESTAMP` (everywhere, a `timeval`: microseconds).
 */
export interface TimestampMessage {
  kind: 'timestamp';
  ns: bigint;
}

/**
 * `SO_RXQ_OVFL` (Linux): how many datagrams the kernel had dropped on this socket (receive
 * buffer full) when this one was queued. Absent while the count is 0.
 */
export interface DroppedMessage {
  kind: 'dropped';
  count: number;
}

/** The IPv4 TTL of a received datagram (`IP_RECVTTL`), or the TTL to send with. */
export interface TtlMessage {
  kind: 'ttl';
  ttl: number;
}

/** The IPv6 hop limit of a received datagram (`IPV6_RECVHOPLIMIT`), or the one to send with. */
export interface HopLimitMessage {
  kind: 'hopLimit';
  hopLimit: number;
}

/** The IPv4 TOS byte of a received datagram (`IP_RECVTOS`), or the one to send with. */
export interface TosMessage {
  kind: 'tos';
  tos: number;
}

/**
 * `SCM_RIGHTS` (`AF_UNIX`): descriptors passed between processes. Received descriptors are
 * new, close-on-exec and yours to close.
 */
export interface RightsMessage {
  kind: 'rights';
  fds: number[];
}

/** Where an error-queue report comes from (`ee_origin`, `SO_EE_ORIGIN_*` without the prefix). */
export type ErrorOrigin = 'NONE' | 'LOCAL' | 'ICMP' | 'ICMP6' | 'TXSTATUS' | 'ZEROCOPY' | 'TXTIME' | 'UNKNOWN';

/**
 * One report from the socket's error queue (Linux, `IP_RECVERR` / `IPV6_RECVERR`, read with
 * `MSG_ERRQUEUE`): a `struct sock_extended_err` and what came with it.
 */
export interface ErrorQueueMessage {
  kind: 'error';
  /** The error as a typed {@link SocketError} (`ConnectionRefusedError`, `HostUnreachableError`, ...). */
  error: SocketError;
  /** Who reported it: `'ICMP'` / `'ICMP6'` (a host sent an ICMP error), `'LOCAL'` (this kernel). */
  origin: ErrorOrigin;
  /** The ICMP type and code (`ee_type`, `ee_code`); 0 for a local error. */
  icmpType: number;
  icmpCode: number;
  /** `ee_info`: the path MTU for `EMSGSIZE` (ICMP fragmentation needed, or a local check). */
  info: number;
  /** `ee_data`. */
  data: number;
  /** The host that sent the ICMP error (`SO_EE_OFFENDER`), or `null` for a local error. */
  offender: SocketAddress | null;
  /** Where the datagram that failed was going (`msg_name`): the same object as `from`. */
  destination: SocketAddress;
}

/**
 * `UDP_SEGMENT` (GSO): send the buffers as datagrams of `size` bytes each, the last one shorter
 * (1 to 65535; at most 128 datagrams and 65507 bytes in all over IPv4, as the kernel allows).
 * Where the kernel cannot segment, bsdsock sends one datagram per segment itself.
 */
export interface SegmentMessage {
  kind: 'segment';
  size: number;
}

/**
 * `UDP_GRO` (Linux): this receive holds several datagrams of one sender, coalesced, each
 * `segmentSize` bytes but the last. `Socket` splits them back; the flat {@link recvmsg} does not.
 */
export interface GroMessage {
  kind: 'gro';
  segmentSize: number;
}

/** Any control message bsdsock does not parse: the `cmsg_level`, `cmsg_type` and data bytes. */
export interface RawControlMessage {
  kind: 'raw';
  level: number;
  type: number;
  data: Buffer;
}

/** A received control message. Narrow on `kind`. */
export type ControlMessage =
  | PktinfoMessage
  | DstaddrMessage
  | InterfaceMessage
  | TimestampMessage
  | DroppedMessage
  | TtlMessage
  | HopLimitMessage
  | TosMessage
  | RightsMessage
  | ErrorQueueMessage
  | GroMessage
  | RawControlMessage;

/**
 * A control message to send. A received `pktinfo`, `ttl`, `hopLimit`, `tos`, `rights` or `raw`
 * entry can be passed back as it is.
 */
export type ControlInput =
  | {
      kind: 'pktinfo';
      /** Inferred from the address when absent. */
      family?: 'AF_INET' | 'AF_INET6';
      /** The source address to send from (IPv4: used when `specDst` is absent). */
      address?: string;
      /** IPv4: the source address to send from (`ipi_spec_dst`); wins over `address`. */
      specDst?: string;
      /** The interface to send on; 0 or absent lets routing choose. */
      ifindex?: number;
    }
  | TtlMessage
  | HopLimitMessage
  | TosMessage
  | RightsMessage
  | SegmentMessage
  | { kind: 'raw'; level: number; type: number; data: ArrayBufferView };

/** The most bytes of control data one call builds or receives into. */
export const CONTROL_SIZE_MAX: number = binding.limits.maxControlSize;

/** How much control data {@link recvmsg} makes room for when `controlSize` is not given. */
export const CONTROL_SIZE_DEFAULT = 512;

/** `CMSG_SPACE(length)`: the bytes one control message with `length` bytes of data takes. */
export function CMSG_SPACE(length: number): number {
  checkInteger(length, 'length', 0, CONTROL_SIZE_MAX);
  return binding.cmsgSpace(length);
}

/** `CMSG_LEN(length)`: the `cmsg_len` of a control message with `length` bytes of data. */
export function CMSG_LEN(length: number): number {
  checkInteger(length, 'length', 0, CONTROL_SIZE_MAX);
  return binding.cmsgLen(length);
}

/**
 * Control data encoded once by {@link encodeControl}, to pass to {@link sendmsg} any number of
 * times without encoding it again.
 */
export class EncodedControl {
  /** The entries it encodes. */
  readonly entries: readonly ControlInput[];
  /** @internal The control bytes, as the kernel takes them (`msg_control`), without the segment size. */
  readonly bytes: Buffer;
  /** @internal The size of a `segment` entry (0: none), applied at each send (native/segment.h). */
  readonly segmentSize: number;

  /** @internal */
  constructor(entries: readonly ControlInput[], bytes: Buffer, segmentSize: number) {
    this.entries = entries;
    this.bytes = bytes;
    this.segmentSize = segmentSize;
    Object.freeze(this);
  }
}

/** Validate control messages and encode them once into the platform's `cmsghdr` chain. */
export function encodeControl(entries: readonly ControlInput[]): EncodedControl {
  checkControl(entries);
  const { rest, segmentSize } = withoutSegment(entries);
  const bytes = binding.encodeControl(rest);
  return new EncodedControl(Object.freeze([...entries]), bytes, segmentSize);
}

/**
 * A `segment` entry is not encoded with the others: whether the kernel gets it (`UDP_SEGMENT`)
 * or bsdsock splits the datagrams is decided at each send. The last one counts, as in the kernel.
 */
function withoutSegment(entries: readonly ControlInput[]): { rest: readonly ControlInput[]; segmentSize: number } {
  let segmentSize = 0;
  for (const entry of entries) if (entry.kind === 'segment') segmentSize = entry.size;
  return { rest: segmentSize === 0 ? entries : entries.filter((entry) => entry.kind !== 'segment'), segmentSize };
}

const sendable = new Set(['pktinfo', 'ttl', 'hopLimit', 'tos', 'rights', 'segment', 'raw']);

function checkIp(value: unknown, name: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string') throw invalidType(name, 'of type string', value);
  if (net.isIP(value) === 0) throw new ArgumentTypeError('ERR_INVALID_IP_ADDRESS', `Invalid IP address in "${name}": '${value}'`);
}

function checkControl(entries: unknown): asserts entries is readonly ControlInput[] {
  if (!Array.isArray(entries)) throw invalidType('options.control', 'an array of control messages or an EncodedControl', entries);
  entries.forEach((entry: unknown, i) => {
    const name = `options.control[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw invalidType(name, 'a control message object', entry);
    const e = entry as Record<string, unknown>;
    if (typeof e.kind !== 'string') throw invalidType(`${name}.kind`, 'of type string', e.kind);
    if (!sendable.has(e.kind)) {
      throw new ArgumentTypeError(
        'ERR_INVALID_ARG_VALUE',
        `The "${name}.kind" property '${e.kind}' is not a control message that can be sent ` +
          `(pktinfo, ttl, tos, hopLimit, rights, segment or raw)`,
      );
    }
    switch (e.kind) {
      case 'pktinfo': {
        checkIp(e.address, `${name}.address`);
        checkIp(e.specDst, `${name}.specDst`);
        if (e.ifindex !== undefined) checkInteger(e.ifindex, `${name}.ifindex`, 0, 2 ** 31 - 1);
        if (e.family !== undefined && e.family !== 'AF_INET' && e.family !== 'AF_INET6') {
          throw new ArgumentRangeError('ERR_INVALID_ADDRESS_FAMILY', `The "${name}.family" property must be 'AF_INET' or 'AF_INET6'`);
        }
        // The family native code will use (given, or the address's), and addresses of it: an
        // in6_pktinfo holds no zone, an in_pktinfo no IPv6 address.
        const given = (e.address ?? e.specDst) as string | undefined;
        const family = e.family ?? (given !== undefined && net.isIPv6(given) ? 'AF_INET6' : 'AF_INET');
        for (const field of ['address', 'specDst'] as const) {
          const value = e[field] as string | undefined;
          if (value === undefined) continue;
          if (family === 'AF_INET' ? !net.isIPv4(value) : !net.isIPv6(value) || value.includes('%')) {
            throw new ArgumentTypeError(
              'ERR_INVALID_IP_ADDRESS',
              `Invalid IP address in "${name}.${field}": '${value}' is not an ${family === 'AF_INET' ? 'IPv4' : 'IPv6 (without a zone)'} address`,
            );
          }
        }
        break;
      }
      case 'ttl':
      case 'hopLimit':
      case 'tos':
        checkInt32(e[e.kind], `${name}.${e.kind}`);
        break;
      case 'segment':
        checkSegmentSize(e.size, `${name}.size`);
        break;
      case 'rights':
        if (!Array.isArray(e.fds)) throw invalidType(`${name}.fds`, 'an array of descriptors', e.fds);
        e.fds.forEach((fd: unknown, j) => checkInteger(fd, `${name}.fds[${j}]`, 0, 2 ** 31 - 1));
        break;
      case 'raw': {
        checkInt32(e.level, `${name}.level`);
        checkInt32(e.type, `${name}.type`);
        const size = checkBuffer(e.data, `${name}.data`);
        // One entry's cmsghdr must fit the control data; native code also checks the total.
        if (binding.cmsgSpace(Math.min(size, CONTROL_SIZE_MAX)) > CONTROL_SIZE_MAX) {
          throw outOfRange(`${name}.data.byteLength`, `<= ${CONTROL_SIZE_MAX - binding.cmsgSpace(0)} (the room control data has)`, size);
        }
        break;
      }
    }
  });
}

/* ---------------------------------------------------------------------------------------------
 * sendmsg and recvmsg
 * ------------------------------------------------------------------------------------------- */

/** Options of {@link sendmsg}. */
export interface SendmsgOptions {
  /** Where to send (`msg_name`); absent on a connected socket. */
  address?: AddressInput;
  /** Ancillary data: entries, or control data encoded once with {@link encodeControl}. */
  control?: readonly ControlInput[] | EncodedControl;
}

/** Options of {@link recvmsg}. */
export interface RecvmsgOptions {
  /**
   * Bytes of room for control data (`msg_controllen`), from 0 to {@link CONTROL_SIZE_MAX};
   * {@link CONTROL_SIZE_DEFAULT} by default. `CMSG_SPACE(n)` per expected message is exact.
   * The room is one buffer per thread, reused by every call.
   */
  controlSize?: number;
}

/** What {@link recvmsg} returns. */
export interface RecvmsgResult {
  /** Bytes written into the buffers, in order (with the `MSG_TRUNC` flag on Linux: the real length). */
  bytes: number;
  /** The sender (`msg_name`); for a `MSG_ERRQUEUE` read, the failed datagram's destination. */
  from: SocketAddress;
  /** `msg_flags` as the kernel set them. */
  flags: number;
  /** The datagram was longer than the buffers together, and its tail was discarded (`MSG_TRUNC`). */
  truncated: boolean;
  /** Control data did not fit in `controlSize` bytes and some was discarded (`MSG_CTRUNC`). */
  controlTruncated: boolean;
  /** The control messages, parsed. An empty (frozen, shared) array when there were none. */
  control: readonly ControlMessage[];
}

/** An error-queue entry as native/cmsg.cc returns it: numbers, which {@link errorEntry} names. */
/** @internal An error-queue entry as native code parses it. */
export interface NativeErrorEntry {
  kind: 'error';
  errno: number;
  origin: number;
  icmpType: number;
  icmpCode: number;
  info: number;
  data: number;
  offender: SocketAddress | null;
}

// Per module instance, so per thread: each worker loads its own copy.
const decoder = new AddressDecoder();
const resultOut = new Int32Array(3);
let controlScratch = Buffer.alloc(CONTROL_SIZE_DEFAULT);
const noControl: readonly ControlMessage[] = Object.freeze([]);
const iovMax = constants.IOV_MAX ?? 16;

const originNames = new Map<number, ErrorOrigin>();
for (const name of ['NONE', 'LOCAL', 'ICMP', 'ICMP6', 'TXSTATUS', 'ZEROCOPY', 'TXTIME'] as const) {
  const value = (constants as unknown as Record<string, number | undefined>)[`SO_EE_ORIGIN_${name}`];
  if (value !== undefined && !originNames.has(value)) originNames.set(value, name);
}

/** @internal The buffers of one sendmsg/recvmsg: an array of at most IOV_MAX views. */
export function checkBuffers(buffers: unknown): asserts buffers is readonly ArrayBufferView[] {
  if (!Array.isArray(buffers)) throw invalidType('buffers', 'an array of Buffer, TypedArray or DataView', buffers);
  if (buffers.length > iovMax) {
    throw new ArgumentRangeError(
      'ERR_OUT_OF_RANGE',
      `The "buffers" array has ${buffers.length} buffers; at most IOV_MAX (${iovMax}) fit in one call`,
    );
  }
  for (let i = 0; i < buffers.length; i++) checkBuffer(buffers[i], `buffers[${i}]`);
}

/** A sendmsg call checked and encoded, ready for {@link trySendmsg} (now or later); not exported from the package root. */
export interface SendmsgCall {
  buffers: readonly ArrayBufferView[];
  flags: number;
  target: EncodedAddress | undefined;
  control: Buffer | readonly ControlInput[] | null;
  /** The datagram size of a segmented send (0: one datagram). */
  segmentSize: number;
}

/**
 * @internal Checks and encodes a sendmsg call. `segmentSize` is the `Socket.sendmsg` shorthand,
 * which counts as a last `segment` entry.
 */
export function prepareSendmsg(buffers: readonly ArrayBufferView[], flags: number, options: SendmsgOptions | undefined, segmentSize?: unknown): SendmsgCall {
  let target: EncodedAddress | undefined;
  let control: Buffer | readonly ControlInput[] | null = null;
  let segment = 0;
  if (options !== undefined) {
    if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options);
    if (options.address !== undefined) target = options.address instanceof EncodedAddress ? options.address : sockaddr(options.address);
    if (options.control instanceof EncodedControl) {
      control = options.control.bytes;
      segment = options.control.segmentSize;
    } else if (options.control !== undefined) {
      checkControl(options.control);
      const { rest, segmentSize: size } = withoutSegment(options.control);
      control = rest;
      segment = size;
    }
  }
  if (segmentSize !== undefined) {
    checkSegmentSize(segmentSize, 'options.segmentSize');
    segment = segmentSize;
  }
  // The buffers again, last: reading the options ran user code (getters).
  checkBuffers(buffers);
  return { buffers, flags, target, control, segmentSize: segment };
}

/**
 * @internal One non-blocking attempt at a prepared call: the bytes sent, or a negative errno.
 * `from` > 0 continues a split segmented send that went part way. `segmentation` is the
 * socket's; a flat call has none of its own (a descriptor number says nothing lasting), so it
 * asks the kernel each time (lib/segment.ts remembers a kernel that knows UDP_SEGMENT) and a
 * device's EIO makes only that call fall back.
 */
export function trySendmsg(fd: number, call: SendmsgCall, segmentation: SegmentationState = { mode: undefined }, from = 0): number {
  const address = call.target ? call.target.bytes : null;
  if (call.segmentSize === 0) return binding.sendmsg(fd, call.buffers, call.flags, address, call.control);
  return sendSegmented(fd, call.buffers, call.flags, address, call.control, call.segmentSize, segmentation, from);
}

/**
 * `sendmsg(2)`: sends one message gathered from `buffers` (in order; zero-length parts are fine),
 * to `options.address` or the connected peer, with `options.control` as ancillary data. Returns
 * the bytes sent. `MSG_NOSIGNAL` is added where it exists, as for `send` and `sendto`.
 *
 * With a `{ kind: 'segment', size }` entry the bytes go out as datagrams of `size` bytes (UDP
 * GSO; see {@link SegmentMessage}): the kernel splits them where it can, bsdsock where it cannot
 * (`udpOffload()` says which). A split send on a non-blocking socket whose buffer fills part way
 * returns the bytes of the datagrams that went.
 */
export function sendmsg(fd: number, buffers: readonly ArrayBufferView[], flags?: number, options?: SendmsgOptions): number {
  checkFd(fd);
  checkBuffers(buffers);
  const callFlags = checkFlags(flags, arguments.length > 2);
  const call = prepareSendmsg(buffers, callFlags, options);
  const blocked = trace.enabled && trace.begins('sendmsg', fd, false, callFlags);
  const result = trySendmsg(fd, call);
  if (trace.enabled) trace.sendmsg(fd, buffers, callFlags, call.target?.address, call.control, result, blocked);
  return check(result, 'sendmsg', call.target?.address);
}

/**
 * `recvmsg(2)`: receives one message, scattered over `buffers` in order (nothing is allocated
 * for the data), with its sender and its ancillary data parsed into {@link ControlMessage}s.
 *
 * With `MSG_ERRQUEUE` (Linux) it reads the socket's error queue instead: one `{ kind: 'error' }`
 * entry, `from` the failed datagram's destination and the buffers its payload. An empty queue
 * is `WouldBlockError` at once; the call never blocks.
 */
export function recvmsg(fd: number, buffers: readonly ArrayBufferView[], flags?: number, options?: RecvmsgOptions): RecvmsgResult {
  checkFd(fd);
  checkBuffers(buffers);
  const callFlags = checkFlags(flags, arguments.length > 2);
  const controlSize = checkRecvmsgOptions(options);
  // The error queue never blocks (and is not what POLLIN reports): no unfinished line for it.
  const errorQueue = constants.MSG_ERRQUEUE !== undefined && (callFlags & constants.MSG_ERRQUEUE) !== 0;
  const blocked = trace.enabled && !errorQueue && trace.begins('recvmsg', fd, true, callFlags);
  const result = tryRecvmsg(fd, buffers, callFlags, controlSize);
  if (trace.enabled) traceRecvmsg(fd, buffers, callFlags, result, blocked);
  if (typeof result === 'number') check(result, 'recvmsg');
  return result as RecvmsgResult;
}

/** @internal Prints the recvmsg that {@link tryRecvmsg} made just now (its control length is still in resultOut). */
export function traceRecvmsg(fd: number, buffers: readonly ArrayBufferView[], flags: number, result: RecvmsgResult | number, blocked: boolean): void {
  if (typeof result === 'number') trace.recvmsg(fd, buffers, flags, undefined, noControl, 0, 0, result, blocked);
  else trace.recvmsg(fd, buffers, flags, result.from, result.control, result.flags, resultOut[2]!, result.bytes, blocked);
}

/** @internal The `controlSize` of recvmsg options, checked (the default when absent). */
export function checkRecvmsgOptions(options: RecvmsgOptions | undefined): number {
  if (options === undefined) return CONTROL_SIZE_DEFAULT;
  if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options);
  if (options.controlSize === undefined) return CONTROL_SIZE_DEFAULT;
  checkInteger(options.controlSize, 'options.controlSize', 0, CONTROL_SIZE_MAX);
  return options.controlSize;
}

/** @internal One recvmsg on checked arguments: the result, or a negative errno. */
export function tryRecvmsg(fd: number, buffers: readonly ArrayBufferView[], flags: number, controlSize: number): RecvmsgResult | number {
  if (controlSize > controlScratch.length) controlScratch = Buffer.alloc(controlSize);
  const result = binding.recvmsg(fd, buffers, flags, decoder.scratch, resultOut, controlScratch, 0, controlSize);
  if (result < 0) return result;
  const from = decoder.decode(resultOut[0]!);
  const msgFlags = resultOut[1]!;
  const controlLength = resultOut[2]!;
  const control = controlLength > 0 ? parse(controlLength, from) : noControl;
  return {
    bytes: result,
    from,
    flags: msgFlags,
    truncated: (msgFlags & MSG_TRUNC) !== 0,
    controlTruncated: (msgFlags & MSG_CTRUNC) !== 0,
    control,
  };
}

function parse(length: number, from: SocketAddress): ControlMessage[] {
  const entries = binding.parseControl(controlScratch, length) as unknown as ControlMessage[];
  for (let i = 0; i < entries.length; i++) {
    if (entries[i]!.kind === 'error') entries[i] = errorEntry(entries[i] as unknown as NativeErrorEntry, from);
  }
  return entries;
}

/** @internal The typed form of a native error-queue entry; `from` is the original destination. */
export function errorEntry(raw: NativeErrorEntry, from: SocketAddress): ErrorQueueMessage {
  const error = socketError(raw.errno, 'recvmsg', from.family === 'AF_UNSPEC' ? undefined : from);
  // The error happened earlier, elsewhere; its stack shows where it was read.
  Error.captureStackTrace(error, recvmsg);
  return {
    kind: 'error',
    error,
    origin: originNames.get(raw.origin) ?? 'UNKNOWN',
    icmpType: raw.icmpType,
    icmpCode: raw.icmpCode,
    info: raw.info,
    data: raw.data,
    offender: raw.offender === null ? null : Object.freeze(raw.offender),
    destination: from,
  };
}
