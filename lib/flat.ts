/**
 * The flat API: the socket syscalls as C has them, on plain integer descriptors, synchronous.
 * A blocking descriptor blocks the calling thread exactly as in C; make it non-blocking with
 * {@link setNonBlocking} to see `EAGAIN` instead. A failed call throws the typed error of its
 * errno ({@link SocketError} and subclasses); a bad argument throws before any syscall.
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
import { socketError } from './errors';
import { binding } from './native';
import { checkBoolean, checkBuffer, checkCount, checkFd, checkInt32, checkInteger, outOfRange } from './validate';

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

/** A syscall's result, or its typed error thrown (native returns -errno on failure). */
function check(result: number, syscall: string, address?: SocketAddress): number {
  if (result < 0) throw fail(-result, syscall, address, check);
  return result;
}

/** The same, for calls whose success is an object or array. */
function checkValue<T extends object>(result: T | number, syscall: string): T {
  if (typeof result === 'number') throw fail(-result, syscall, undefined, checkValue);
  return result;
}

// The stack of a socket error starts at the public function the user called.
function fail(errno: number, syscall: string, address: SocketAddress | undefined, cutoff: Function): Error {
  const error = socketError(errno, syscall, address);
  Error.captureStackTrace(error, cutoff);
  return error;
}

function checkFlags(flags: unknown): number {
  checkInt32(flags, 'flags');
  return flags;
}

function encoded(address: AddressInput): EncodedAddress {
  return address instanceof EncodedAddress ? address : sockaddr(address);
}

/** `socket(2)`: a new descriptor, always close-on-exec. Blocking, as in C. */
export function socket(domain: number, type: number, protocol = 0): number {
  checkInt32(domain, 'domain');
  checkInt32(type, 'type');
  checkInt32(protocol, 'protocol');
  return check(binding.socket(domain, type, protocol), 'socket');
}

/** `socketpair(2)`: two connected descriptors, both close-on-exec. */
export function socketpair(domain: number, type: number, protocol = 0): [number, number] {
  checkInt32(domain, 'domain');
  checkInt32(type, 'type');
  checkInt32(protocol, 'protocol');
  return checkValue(binding.socketpair(domain, type, protocol), 'socketpair');
}

/** `close(2)`. Never retried on EINTR (the descriptor is gone either way). */
export function close(fd: number): void {
  checkFd(fd);
  check(binding.close(fd), 'close');
}

/** `bind(2)`. */
export function bind(fd: number, address: AddressInput): void {
  checkFd(fd);
  const target = encoded(address);
  check(binding.bind(fd, target.bytes), 'bind', target.address);
}

/**
 * `connect(2)`. On a UDP socket it may be called again to point at a new peer, and
 * `connect(fd, { family: 'AF_UNSPEC' })` dissolves the association (on macOS too, where the
 * kernel reports an error although it worked: bsdsock reports success on both).
 */
export function connect(fd: number, address: AddressInput): void {
  checkFd(fd);
  const target = encoded(address);
  check(binding.connect(fd, target.bytes), 'connect', target.address);
}

/** `listen(2)`. */
export function listen(fd: number, backlog: number): void {
  checkFd(fd);
  checkInt32(backlog, 'backlog');
  check(binding.listen(fd, backlog), 'listen');
}

/** `accept(2)`: the new descriptor (blocking and close-on-exec on every platform) and the peer. */
export function accept(fd: number): AcceptResult {
  checkFd(fd);
  const [client, from] = checkValue(binding.accept(fd), 'accept');
  return { fd: client, from };
}

/** `shutdown(2)` with `SHUT_RD`, `SHUT_WR` or `SHUT_RDWR`. */
export function shutdown(fd: number, how: number): void {
  checkFd(fd);
  checkInt32(how, 'how');
  check(binding.shutdown(fd, how), 'shutdown');
}

/** `sendto(2)`: bytes sent. A zero-length buffer sends a zero-length datagram. */
export function sendto(fd: number, buf: ArrayBufferView, flags: number, address: AddressInput): number {
  checkFd(fd);
  const size = checkBuffer(buf, 'buf');
  checkFlags(flags);
  const target = encoded(address);
  return check(binding.sendto(fd, buf, 0, size, flags, target.bytes), 'sendto', target.address);
}

/** `send(2)` on a connected socket: bytes sent. */
export function send(fd: number, buf: ArrayBufferView, flags = 0): number {
  checkFd(fd);
  const size = checkBuffer(buf, 'buf');
  checkFlags(flags);
  return check(binding.send(fd, buf, 0, size, flags), 'send');
}

/** `write(2)`: the first `count` bytes of `buf` (all of it by default); bytes written. */
export function write(fd: number, buf: ArrayBufferView, count?: number): number {
  checkFd(fd);
  const length = checkCount(count, 'count', checkBuffer(buf, 'buf'));
  return check(binding.write(fd, buf, 0, length), 'write');
}

/**
 * `recvfrom(2)`: receives one datagram into `buf` (nothing else is allocated for the data).
 * `truncated` is true when the datagram was longer than `buf`.
 */
export function recvfrom(fd: number, buf: ArrayBufferView, flags = 0): RecvfromResult {
  checkFd(fd);
  const size = checkBuffer(buf, 'buf');
  checkFlags(flags);
  const bytes = check(binding.recvfrom(fd, buf, 0, size, flags, decoder.scratch, resultOut), 'recvfrom');
  return {
    bytes,
    from: decoder.decode(resultOut[0]!),
    truncated: (resultOut[1]! & MSG_TRUNC) !== 0,
  };
}

/** `recv(2)`: bytes received into `buf`. */
export function recv(fd: number, buf: ArrayBufferView, flags = 0): number {
  checkFd(fd);
  const size = checkBuffer(buf, 'buf');
  checkFlags(flags);
  return check(binding.recv(fd, buf, 0, size, flags), 'recv');
}

/** `read(2)`: at most `count` bytes (the buffer's size by default). 0 on a stream means end of file. */
export function read(fd: number, buf: ArrayBufferView, count?: number): number {
  checkFd(fd);
  const length = checkCount(count, 'count', checkBuffer(buf, 'buf'));
  return check(binding.read(fd, buf, 0, length), 'read');
}

/** `getsockname(2)`: the socket's own address. */
export function getsockname(fd: number): SocketAddress {
  checkFd(fd);
  return checkValue(binding.getsockname(fd), 'getsockname');
}

/** `getpeername(2)`: the connected peer's address (`NotConnectedError` when there is none). */
export function getpeername(fd: number): SocketAddress {
  checkFd(fd);
  return checkValue(binding.getpeername(fd), 'getpeername');
}

function isTimevalOption(level: number, name: number): boolean {
  return level === SOL_SOCKET && (name === SO_RCVTIMEO || name === SO_SNDTIMEO);
}

/**
 * `setsockopt(2)`. `value` is:
 * - a number or boolean for the integer options (passed as a C `int`);
 * - for `SO_RCVTIMEO` / `SO_SNDTIMEO`, milliseconds (converted to a `struct timeval`; 0 = never);
 * - a Buffer (or any TypedArray/DataView) to pass the raw option bytes unchanged.
 */
export function setsockopt(fd: number, level: number, name: number, value: number | boolean | ArrayBufferView): void {
  checkFd(fd);
  checkInt32(level, 'level');
  checkInt32(name, 'name');
  if (ArrayBuffer.isView(value)) {
    checkBuffer(value, 'value');
    check(binding.setsockopt(fd, level, name, value), 'setsockopt');
  } else if (isTimevalOption(level, name)) {
    checkInteger(value, 'value', 0, Number.MAX_SAFE_INTEGER);
    check(binding.setsockoptTimeval(fd, level, name, value), 'setsockopt');
  } else if (typeof value === 'boolean') {
    check(binding.setsockopt(fd, level, name, value), 'setsockopt');
  } else {
    checkInt32(value, 'value');
    check(binding.setsockopt(fd, level, name, value), 'setsockopt');
  }
}

/**
 * `getsockopt(2)`. Without `buf`: the option as an integer (milliseconds for `SO_RCVTIMEO` /
 * `SO_SNDTIMEO`). With `buf`: the raw option bytes are written into it and their count returned.
 */
export function getsockopt(fd: number, level: number, name: number, buf?: ArrayBufferView): number {
  checkFd(fd);
  checkInt32(level, 'level');
  checkInt32(name, 'name');
  if (buf !== undefined) {
    const size = checkBuffer(buf, 'buf');
    return check(binding.getsockoptRaw(fd, level, name, buf, 0, size), 'getsockopt');
  }
  if (isTimevalOption(level, name)) return check(binding.getsockoptTimeval(fd, level, name), 'getsockopt');
  check(binding.getsockoptInt(fd, level, name, intOut), 'getsockopt');
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
  return check(binding.fcntl(fd, cmd, arg), 'fcntl');
}

/** Switch a descriptor between blocking and non-blocking mode (`O_NONBLOCK`). */
export function setNonBlocking(fd: number, nonBlocking = true): void {
  checkFd(fd);
  checkBoolean(nonBlocking, 'nonBlocking');
  const flags = check(binding.fcntl(fd, F_GETFL, 0), 'fcntl');
  const wanted = nonBlocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
  if (wanted !== flags) check(binding.fcntl(fd, F_SETFL, wanted), 'fcntl');
}

/** True when the descriptor is in non-blocking mode. */
export function getNonBlocking(fd: number): boolean {
  checkFd(fd);
  return (check(binding.fcntl(fd, F_GETFL, 0), 'fcntl') & O_NONBLOCK) !== 0;
}
