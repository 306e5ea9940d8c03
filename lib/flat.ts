/**
 * The flat API: the socket syscalls as C has them, on plain integer descriptors, synchronous.
 * A blocking descriptor blocks the calling thread exactly as in C; make it non-blocking with
 * {@link setNonBlocking} to see `EAGAIN` instead. A failed call throws the typed error of its
 * errno ({@link SocketError} and subclasses); a bad argument throws before any syscall.
 *
 * Every syscall is traced when tracing is on (`BSDSOCK_TRACE=1`, or `setTrace` in trace.ts):
 * each function keeps the native result, hands it to its printer if `trace.enabled`, and only
 * then checks it, so the line shows the kernel's answer, errors included. When tracing is off
 * that is one boolean test per call.
 * @module
 */
import {
  AddressDecoder,
  EncodedAddress,
  sockaddr,
  type AddressInput,
  type SocketAddress,
} from './address';
import { F_GETFD, F_GETFL, F_SETFD, F_SETFL, MSG_TRUNC, O_NONBLOCK, SOL_SOCKET, SO_RCVTIMEO, SO_SNDTIMEO } from './constants';
import { getStructOption, isStructReadable, isStructValue, setStructOption, type Linger, type StructOptionValue } from './options';
import { check, checkValue } from './result';
import { binding } from './native';
import { refuseOwned } from './ownership';
import * as trace from './trace';
import { checkBoolean, checkBuffer, checkConstant, checkCount, checkFd, checkFlags, checkInt32, checkInteger, invalidType, outOfRange } from './validate';

/** What {@link recvfrom} returns. */
export interface RecvfromResult {
  /**
   * Bytes written into the buffer (0 for a zero-length datagram). With the `MSG_TRUNC` flag
   * (Linux) it is the datagram's real length, as in C, which may exceed the buffer.
   */
  bytes: number;
  /** The sender's address. */
  from: SocketAddress;
  /** True when the datagram was longer than the buffer and its tail was discarded (MSG_TRUNC). */
  truncated: boolean;
}

/** What {@link accept} returns. */
export interface AcceptResult {
  /** The new connection's descriptor (blocking, close-on-exec). */
  fd: number;
  /** The peer's address. */
  from: SocketAddress;
}

// Per module instance, so per thread: each worker loads its own copy.
const decoder = new AddressDecoder();
const resultOut = new Int32Array(2);
const intOut = new Int32Array(1);

function encoded(address: AddressInput): EncodedAddress {
  return address instanceof EncodedAddress ? address : sockaddr(address);
}

/** `socket(2)`: a new descriptor, always close-on-exec. Blocking, as in C. */
export function socket(domain: number, type: number, protocol = 0): number {
  checkConstant(domain, 'domain', 'AF_INET, AF_INET6 or AF_UNIX');
  checkConstant(type, 'type', 'SOCK_DGRAM, SOCK_STREAM or SOCK_RAW');
  checkConstant(protocol, 'protocol', '0, IPPROTO_UDP or IPPROTO_ICMP');
  const result = binding.socket(domain, type, protocol);
  if (trace.enabled) trace.socket(domain, type, protocol, result);
  return check(result, 'socket');
}

/** `socketpair(2)`: two connected descriptors, both close-on-exec. */
export function socketpair(domain: number, type: number, protocol = 0): [number, number] {
  checkConstant(domain, 'domain', 'AF_INET, AF_INET6 or AF_UNIX');
  checkConstant(type, 'type', 'SOCK_DGRAM, SOCK_STREAM or SOCK_RAW');
  checkConstant(protocol, 'protocol', '0, IPPROTO_UDP or IPPROTO_ICMP');
  const result = binding.socketpair(domain, type, protocol);
  if (trace.enabled) trace.socketpair(domain, type, protocol, result);
  return checkValue(result, 'socketpair');
}

/**
 * `close(2)`. Never retried on EINTR (the descriptor is gone either way). A descriptor owned by
 * a live `Socket` is refused (`ERR_SOCKET_OWNED`): close the Socket instead.
 */
export function close(fd: number): void {
  checkFd(fd);
  refuseOwned(fd, 'close', 'call socket.close() instead');
  const result = binding.close(fd);
  if (trace.enabled) trace.close(fd, result);
  check(result, 'close');
}

/** `bind(2)`. */
export function bind(fd: number, address: AddressInput): void {
  checkFd(fd);
  const target = encoded(address);
  const result = binding.bind(fd, target.bytes);
  if (trace.enabled) trace.bind(fd, target.address, result);
  check(result, 'bind', target.address);
}

/**
 * `connect(2)`. On a UDP socket it may be called again to point at a new peer, and
 * `connect(fd, { family: 'AF_UNSPEC' })` dissolves the association (on macOS too, where the
 * kernel reports an error although it worked: bsdsock reports success on both).
 */
export function connect(fd: number, address: AddressInput): void {
  checkFd(fd);
  const target = encoded(address);
  const result = binding.connect(fd, target.bytes);
  if (trace.enabled) trace.connect(fd, target.address, result);
  check(result, 'connect', target.address);
}

/** `listen(2)`. */
export function listen(fd: number, backlog: number): void {
  checkFd(fd);
  checkInt32(backlog, 'backlog');
  const result = binding.listen(fd, backlog);
  if (trace.enabled) trace.listen(fd, backlog, result);
  check(result, 'listen');
}

/** `accept(2)`: the new descriptor (blocking and close-on-exec on every platform) and the peer. */
export function accept(fd: number): AcceptResult {
  checkFd(fd);
  const blocked = trace.enabled && trace.begins('accept', fd, true);
  const result = binding.accept(fd);
  if (trace.enabled) trace.accept(fd, result, blocked);
  const [client, from] = checkValue(result, 'accept');
  return { fd: client, from };
}

/** `shutdown(2)` with `SHUT_RD`, `SHUT_WR` or `SHUT_RDWR`. */
export function shutdown(fd: number, how: number): void {
  checkFd(fd);
  checkInt32(how, 'how');
  const result = binding.shutdown(fd, how);
  if (trace.enabled) trace.shutdown(fd, how, result);
  check(result, 'shutdown');
}

/** `sendto(2)`: bytes sent. A zero-length buffer sends a zero-length datagram. */
export function sendto(fd: number, buf: ArrayBufferView, flags: number, address: AddressInput): number {
  checkFd(fd);
  if (typeof flags === 'object' && flags !== null && address === undefined) {
    // sendto(fd, buf, addr): the order of node:dgram and of Socket.sendto, not C's.
    throw invalidType('flags', "a number: the flat sendto takes C's order, (fd, buf, flags, address), so the flags come third (0 for none)", flags);
  }
  // The address first: reading it may run user code (getters), which could detach the buffer
  // after its check. Between the buffer's check and the syscall no user code runs.
  const target = encoded(address);
  checkFlags(flags, true);
  const size = checkBuffer(buf, 'buf');
  const blocked = trace.enabled && trace.begins('sendto', fd, false, flags);
  const result = binding.sendto(fd, buf, flags, target.bytes);
  if (trace.enabled) trace.sendto(fd, buf, size, flags, target.address, result, blocked);
  return check(result, 'sendto', target.address);
}

/** `send(2)` on a connected socket: bytes sent. */
export function send(fd: number, buf: ArrayBufferView, flags?: number): number {
  checkFd(fd);
  const size = checkBuffer(buf, 'buf');
  const callFlags = checkFlags(flags, arguments.length > 2);
  const blocked = trace.enabled && trace.begins('send', fd, false, callFlags);
  const result = binding.send(fd, buf, callFlags);
  if (trace.enabled) trace.send(fd, buf, size, callFlags, result, blocked);
  return check(result, 'send');
}

/** `write(2)`: the first `count` bytes of `buf` (all of it by default); bytes written. */
export function write(fd: number, buf: ArrayBufferView, count?: number): number {
  checkFd(fd);
  const length = checkCount(count, 'count', checkBuffer(buf, 'buf'));
  const blocked = trace.enabled && trace.begins('write', fd, false);
  const result = binding.write(fd, buf, 0, length);
  if (trace.enabled) trace.write(fd, buf, length, result, blocked);
  return check(result, 'write');
}

/**
 * `recvfrom(2)`: receives one datagram into `buf` (nothing else is allocated for the data).
 * `truncated` is true when the datagram was longer than `buf`.
 */
export function recvfrom(fd: number, buf: ArrayBufferView, flags?: number): RecvfromResult {
  checkFd(fd);
  checkBuffer(buf, 'buf');
  const callFlags = checkFlags(flags, arguments.length > 2);
  const blocked = trace.enabled && trace.begins('recvfrom', fd, true, callFlags);
  const result = binding.recvfrom(fd, buf, callFlags, decoder.scratch, resultOut);
  // The decoder caches the last sender: decoding here for the trace and below costs one decode.
  if (trace.enabled) {
    trace.recvfrom(fd, buf, callFlags, result, result < 0 ? undefined : decoder.decode(resultOut[0]!), resultOut[1]!, blocked);
  }
  const bytes = check(result, 'recvfrom');
  return {
    bytes,
    from: decoder.decode(resultOut[0]!),
    truncated: (resultOut[1]! & MSG_TRUNC) !== 0,
  };
}

/** `recv(2)`: bytes received into `buf`. */
export function recv(fd: number, buf: ArrayBufferView, flags?: number): number {
  checkFd(fd);
  const size = checkBuffer(buf, 'buf');
  const callFlags = checkFlags(flags, arguments.length > 2);
  const blocked = trace.enabled && trace.begins('recv', fd, true, callFlags);
  const result = binding.recv(fd, buf, callFlags);
  if (trace.enabled) trace.recv(fd, buf, size, callFlags, result, blocked);
  return check(result, 'recv');
}

/** `read(2)`: at most `count` bytes (the buffer's size by default). 0 on a stream means end of file. */
export function read(fd: number, buf: ArrayBufferView, count?: number): number {
  checkFd(fd);
  const length = checkCount(count, 'count', checkBuffer(buf, 'buf'));
  const blocked = trace.enabled && trace.begins('read', fd, true);
  const result = binding.read(fd, buf, 0, length);
  if (trace.enabled) trace.read(fd, buf, length, result, blocked);
  return check(result, 'read');
}

/** `getsockname(2)`: the socket's own address. */
export function getsockname(fd: number): SocketAddress {
  checkFd(fd);
  const result = binding.getsockname(fd);
  if (trace.enabled) trace.sockname('getsockname', fd, result);
  return checkValue(result, 'getsockname');
}

/** `getpeername(2)`: the connected peer's address (`NotConnectedError` when there is none). */
export function getpeername(fd: number): SocketAddress {
  checkFd(fd);
  const result = binding.getpeername(fd);
  if (trace.enabled) trace.sockname('getpeername', fd, result);
  return checkValue(result, 'getpeername');
}

function isTimevalOption(level: number, name: number): boolean {
  return level === SOL_SOCKET && (name === SO_RCVTIMEO || name === SO_SNDTIMEO);
}

/**
 * `setsockopt(2)`. `value` is:
 * - a number or boolean for the integer options (passed as a C `int`);
 * - for `SO_RCVTIMEO` / `SO_SNDTIMEO`, milliseconds (converted to a `struct timeval`; 0 = never);
 * - a Buffer (or any TypedArray/DataView) to pass the raw option bytes unchanged;
 * - for the options whose value is a C structure (multicast memberships, `IP_MULTICAST_IF`,
 *   `IPV6_MULTICAST_IF` by name, `SO_LINGER`), a plain object or an interface: see the table
 *   in {@link GroupMembership}'s module.
 */
export function setsockopt(fd: number, level: number, name: number, value: number | boolean | ArrayBufferView | StructOptionValue): void {
  checkFd(fd);
  checkConstant(level, 'level', 'SOL_SOCKET, IPPROTO_IP or IPPROTO_IPV6');
  checkConstant(name, 'name', 'SO_REUSEADDR, IP_TTL or IPV6_V6ONLY');
  let result: number;
  if (ArrayBuffer.isView(value)) {
    checkBuffer(value, 'value');
    result = binding.setsockopt(fd, level, name, value);
  } else if (isStructValue(level, name, value)) {
    result = setStructOption(fd, level, name, value as StructOptionValue);
  } else if (isTimevalOption(level, name)) {
    checkInteger(value, 'value', 0, Number.MAX_SAFE_INTEGER);
    result = binding.setsockoptTimeval(fd, level, name, value);
  } else if (typeof value === 'boolean') {
    result = binding.setsockopt(fd, level, name, value);
  } else {
    checkInt32(value, 'value');
    result = binding.setsockopt(fd, level, name, value);
  }
  if (trace.enabled) trace.setsockopt(fd, level, name, value, result);
  check(result, 'setsockopt');
}

/**
 * `getsockopt(2)`. Without `buf`: the option as an integer (milliseconds for `SO_RCVTIMEO` /
 * `SO_SNDTIMEO`), except `SO_LINGER` ({@link Linger}) and `IP_MULTICAST_IF` (the interface's
 * address): name their type, `getsockopt<Linger>(fd, SOL_SOCKET, SO_LINGER)`. With `buf`: the
 * raw option bytes are written into it and their count returned.
 */
export function getsockopt<T extends number | Linger | string = number>(fd: number, level: number, name: number): T;
export function getsockopt(fd: number, level: number, name: number, buf: ArrayBufferView | undefined): number;
export function getsockopt(fd: number, level: number, name: number, buf?: ArrayBufferView): number | Linger | string {
  checkFd(fd);
  checkConstant(level, 'level', 'SOL_SOCKET, IPPROTO_IP or IPPROTO_IPV6');
  checkConstant(name, 'name', 'SO_REUSEADDR, IP_TTL or IPV6_V6ONLY');
  if (buf !== undefined) {
    const size = checkBuffer(buf, 'buf');
    const length = binding.getsockoptRaw(fd, level, name, buf, 0, size);
    if (trace.enabled) trace.getsockoptRaw(fd, level, name, buf, length);
    return check(length, 'getsockopt');
  }
  if (isStructReadable(level, name)) {
    const value = getStructOption(fd, level, name);
    if (trace.enabled) trace.getsockoptStruct(fd, level, name, value);
    return typeof value === 'number' ? check(value, 'getsockopt') : value;
  }
  if (isTimevalOption(level, name)) {
    const ms = binding.getsockoptTimeval(fd, level, name);
    // As the syscall would: 0 with the value, or -errno.
    if (trace.enabled) trace.getsockopt(fd, level, name, ms < 0 ? ms : 0, ms);
    return check(ms, 'getsockopt');
  }
  const result = binding.getsockoptInt(fd, level, name, intOut);
  if (trace.enabled) trace.getsockopt(fd, level, name, result, intOut[0]!);
  check(result, 'getsockopt');
  return intOut[0]!;
}

/**
 * `fcntl(2)` for the integer commands `F_GETFD`, `F_SETFD`, `F_GETFL` and `F_SETFL` (others
 * take pointers and are refused).
 */
export function fcntl(fd: number, cmd: number, arg = 0): number {
  checkFd(fd);
  checkInt32(cmd, 'cmd');
  if (cmd !== F_GETFD && cmd !== F_SETFD && cmd !== F_GETFL && cmd !== F_SETFL) {
    throw outOfRange('cmd', 'F_GETFD, F_SETFD, F_GETFL or F_SETFL', cmd);
  }
  checkInt32(arg, 'arg');
  const result = binding.fcntl(fd, cmd, arg);
  if (trace.enabled) trace.fcntl(fd, cmd, arg, result);
  return check(result, 'fcntl');
}

/** Switch a descriptor between blocking and non-blocking mode (`O_NONBLOCK`). */
export function setNonBlocking(fd: number, nonBlocking = true): void {
  checkFd(fd);
  checkBoolean(nonBlocking, 'nonBlocking');
  const got = binding.fcntl(fd, F_GETFL, 0);
  if (trace.enabled) trace.fcntl(fd, F_GETFL, 0, got);
  const flags = check(got, 'fcntl');
  const wanted = nonBlocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
  if (wanted === flags) return;
  const result = binding.fcntl(fd, F_SETFL, wanted);
  if (trace.enabled) trace.fcntl(fd, F_SETFL, wanted, result);
  check(result, 'fcntl');
}

/** True when the descriptor is in non-blocking mode. */
export function getNonBlocking(fd: number): boolean {
  checkFd(fd);
  const result = binding.fcntl(fd, F_GETFL, 0);
  if (trace.enabled) trace.fcntl(fd, F_GETFL, 0, result);
  return (check(result, 'fcntl') & O_NONBLOCK) !== 0;
}
