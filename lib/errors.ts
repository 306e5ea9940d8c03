/**
 * Typed errors. A failed syscall throws a {@link SocketError} (or the subclass for its errno);
 * a bad argument throws an {@link ArgumentTypeError} or {@link ArgumentRangeError} before any
 * syscall is made.
 *
 * Errno numbers differ between platforms (`ECONNREFUSED` is 111 on Linux, 61 on macOS): names
 * come from the platform through `util.getSystemErrorName`, never from a table of numbers.
 * @module
 */
import * as os from 'node:os';
import * as util from 'node:util';

import type { SocketAddress } from './address-types';
import { formatAddress } from './format';
import { binding } from './native';

const errnoByName = os.constants.errno as Readonly<Record<string, number>>;

/** The errno name of a positive errno number on this platform (`111` → `'ECONNREFUSED'` on Linux). */
export function errnoName(errno: number): string {
  const name = util.getSystemErrorName(-errno);
  if (!name.startsWith('Unknown')) return name;
  // libuv names only the errnos it uses (not EINPROGRESS, ETIME, ...); the platform's own
  // table, os.constants.errno, has the rest.
  return nameByErrno().get(errno) ?? `E${errno}`;
}

let errnoNames: Map<number, string> | undefined;
function nameByErrno(): Map<number, string> {
  if (errnoNames === undefined) {
    errnoNames = new Map();
    for (const [name, number] of Object.entries(errnoByName)) if (!errnoNames.has(number)) errnoNames.set(number, name);
  }
  return errnoNames;
}

/** The platform's description of an errno (`'connection refused'`). */
export function strerror(errno: number): string {
  // libuv's text where it knows the errno, the C library's strerror(3) for the rest.
  return util.getSystemErrorMap().get(-errno)?.[1] ?? binding.strerror(errno);
}

/** An address as Node's `SystemError` carries it: `address` a string, `port` a number. */
function nodeStyleAddress(address: SocketAddress): { text?: string; port?: number } {
  switch (address.family) {
    case 'AF_INET':
    case 'AF_INET6':
      return { text: address.address, port: address.port };
    case 'AF_UNIX':
      return { text: address.path };
    default:
      return {};
  }
}

/** A failed syscall: `code` is the errno name, `errno` the platform's positive number. */
export class SocketError extends Error {
  /** The errno name, e.g. `'ECONNREFUSED'`. */
  readonly code: string;
  /** The platform's positive errno number. */
  readonly errno: number;
  /** The call that failed: `'connect'`, `'sendto'`, ... */
  readonly syscall: string;
  /**
   * The address the call was given, where there was one, as Node's `SystemError` has it: the
   * IP address as text, or the AF_UNIX path.
   */
  declare readonly address?: string;
  /** The port of the address the call was given (IP addresses), as Node's `SystemError` has it. */
  declare readonly port?: number;
  /** The address the call was given, as the address object it was. */
  declare readonly socketAddress?: SocketAddress;
  /** The platform's description of the errno. */
  readonly description: string;
  /** Of a failed `Socket.sendmmsg`: how many of the batch's messages went out before this one failed. */
  declare readonly sent?: number;

  constructor(errno: number, syscall: string, address?: SocketAddress) {
    const code = errnoName(errno);
    super(address ? `${syscall} ${code} ${formatAddress(address)}` : `${syscall} ${code}`);
    this.name = new.target.name;
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
    this.description = strerror(errno);
    if (address) {
      this.socketAddress = address;
      const { text, port } = nodeStyleAddress(address);
      if (text !== undefined) this.address = text;
      if (port !== undefined) this.port = port;
    }
  }
}

/* The errors a socket program meets most, each a class of its own so that `instanceof` and
 * `catch` clauses read like the man page. `code` is narrowed for TypeScript. */

/** `ECONNREFUSED`: nothing listens at the peer (for UDP: an ICMP port unreachable came back). */
export class ConnectionRefusedError extends SocketError { declare readonly code: 'ECONNREFUSED'; }
/** `ECONNRESET`: the peer reset the connection. */
export class ConnectionResetError extends SocketError { declare readonly code: 'ECONNRESET'; }
/** `EADDRINUSE`: the local address is taken. */
export class AddressInUseError extends SocketError { declare readonly code: 'EADDRINUSE'; }
/** `EADDRNOTAVAIL`: the local address is not one of this host's. */
export class AddressNotAvailableError extends SocketError { declare readonly code: 'EADDRNOTAVAIL'; }
/** `EAGAIN` / `EWOULDBLOCK`: a non-blocking call (or one with a timeout) found nothing to do. */
export class WouldBlockError extends SocketError { declare readonly code: 'EAGAIN' | 'EWOULDBLOCK'; }
/** `EMSGSIZE`: the datagram is too large to send at once. */
export class MessageTooLongError extends SocketError { declare readonly code: 'EMSGSIZE'; }
/** `ENOTCONN`: the socket has no peer. */
export class NotConnectedError extends SocketError { declare readonly code: 'ENOTCONN'; }
/** `EISCONN`: the socket is already connected (a second TCP connect). */
export class AlreadyConnectedError extends SocketError { declare readonly code: 'EISCONN'; }
/** `EDESTADDRREQ`: send on an unconnected datagram socket without an address. */
export class DestinationAddressRequiredError extends SocketError { declare readonly code: 'EDESTADDRREQ'; }
/** `EBADF`: not an open descriptor (closed already, or never opened). */
export class BadDescriptorError extends SocketError { declare readonly code: 'EBADF'; }
/** `EACCES` / `EPERM`: not allowed (a privileged port, broadcast without SO_BROADCAST, ...). */
export class PermissionDeniedError extends SocketError { declare readonly code: 'EACCES' | 'EPERM'; }
/** `EHOSTUNREACH`: no route to the host. */
export class HostUnreachableError extends SocketError { declare readonly code: 'EHOSTUNREACH'; }
/** `ENETUNREACH`: no route to the network. */
export class NetworkUnreachableError extends SocketError { declare readonly code: 'ENETUNREACH'; }
/** `EAFNOSUPPORT`: the address family does not fit this socket. */
export class AddressFamilyNotSupportedError extends SocketError { declare readonly code: 'EAFNOSUPPORT'; }
/** `EINVAL`: the kernel rejected an argument. */
export class InvalidArgumentError extends SocketError { declare readonly code: 'EINVAL'; }
/** `ETIMEDOUT`: the connection or operation timed out. */
export class TimedOutError extends SocketError { declare readonly code: 'ETIMEDOUT'; }
/** `EPIPE`: writing to a stream whose peer has gone. */
export class BrokenPipeError extends SocketError { declare readonly code: 'EPIPE'; }
/** `EMFILE` / `ENFILE`: no descriptor free, in this process (`ulimit -n`) or in the whole system. */
export class TooManyOpenFilesError extends SocketError { declare readonly code: 'EMFILE' | 'ENFILE'; }
/** `ENODEV` / `ENXIO`: no network interface of that name or index. */
export class NoSuchDeviceError extends SocketError { declare readonly code: 'ENODEV' | 'ENXIO'; }

/** The class each errno name maps to. */
export interface SocketErrorByCode {
  ECONNREFUSED: ConnectionRefusedError;
  ECONNRESET: ConnectionResetError;
  EADDRINUSE: AddressInUseError;
  EADDRNOTAVAIL: AddressNotAvailableError;
  EAGAIN: WouldBlockError;
  EWOULDBLOCK: WouldBlockError;
  EMSGSIZE: MessageTooLongError;
  ENOTCONN: NotConnectedError;
  EISCONN: AlreadyConnectedError;
  EDESTADDRREQ: DestinationAddressRequiredError;
  EBADF: BadDescriptorError;
  EACCES: PermissionDeniedError;
  EPERM: PermissionDeniedError;
  EHOSTUNREACH: HostUnreachableError;
  ENETUNREACH: NetworkUnreachableError;
  EAFNOSUPPORT: AddressFamilyNotSupportedError;
  EINVAL: InvalidArgumentError;
  ETIMEDOUT: TimedOutError;
  EPIPE: BrokenPipeError;
  EMFILE: TooManyOpenFilesError;
  ENFILE: TooManyOpenFilesError;
  ENODEV: NoSuchDeviceError;
  ENXIO: NoSuchDeviceError;
}

/**
 * The union of the named socket error classes. `switch (err.code)` on a value of this type
 * narrows `err` to one class; `isSocketError(err, 'ECONNREFUSED')` narrows a single code.
 */
export type KnownSocketError = SocketErrorByCode[keyof SocketErrorByCode];

type SocketErrorClass = new (errno: number, syscall: string, address?: SocketAddress) => SocketError;

const classByCode: { [C in keyof SocketErrorByCode]: SocketErrorClass } = {
  ECONNREFUSED: ConnectionRefusedError,
  ECONNRESET: ConnectionResetError,
  EADDRINUSE: AddressInUseError,
  EADDRNOTAVAIL: AddressNotAvailableError,
  EAGAIN: WouldBlockError,
  EWOULDBLOCK: WouldBlockError,
  EMSGSIZE: MessageTooLongError,
  ENOTCONN: NotConnectedError,
  EISCONN: AlreadyConnectedError,
  EDESTADDRREQ: DestinationAddressRequiredError,
  EBADF: BadDescriptorError,
  EACCES: PermissionDeniedError,
  EPERM: PermissionDeniedError,
  EHOSTUNREACH: HostUnreachableError,
  ENETUNREACH: NetworkUnreachableError,
  EAFNOSUPPORT: AddressFamilyNotSupportedError,
  EINVAL: InvalidArgumentError,
  ETIMEDOUT: TimedOutError,
  EPIPE: BrokenPipeError,
  EMFILE: TooManyOpenFilesError,
  ENFILE: TooManyOpenFilesError,
  ENODEV: NoSuchDeviceError,
  ENXIO: NoSuchDeviceError,
};

// Keyed by this platform's errno numbers, so aliases (EAGAIN == EWOULDBLOCK on Linux and
// macOS, but not everywhere) resolve to one class without assuming either way.
const classByErrno = new Map<number, SocketErrorClass>();
for (const [name, cls] of Object.entries(classByCode)) {
  const errno = errnoByName[name];
  if (errno !== undefined && !classByErrno.has(errno)) classByErrno.set(errno, cls);
}

/** The typed error for a failed syscall: the class of its errno, or {@link SocketError}. */
export function socketError(errno: number, syscall: string, address?: SocketAddress): SocketError {
  const cls = classByErrno.get(errno) ?? SocketError;
  return new cls(errno, syscall, address);
}

/**
 * True when `err` is a {@link SocketError}; with `code`, only when it carries that errno
 * (by number, so `'EWOULDBLOCK'` also matches an `EAGAIN` error where the two are equal).
 */
export function isSocketError(err: unknown): err is KnownSocketError | SocketError;
export function isSocketError<C extends keyof SocketErrorByCode>(err: unknown, code: C): err is SocketErrorByCode[C];
export function isSocketError(err: unknown, code: string): err is SocketError;
export function isSocketError(err: unknown, code?: string): boolean {
  if (!(err instanceof SocketError)) return false;
  if (code === undefined || err.code === code) return true;
  const errno = errnoByName[code];
  return errno !== undefined && errno === err.errno;
}

/** A bad argument of the wrong type, with a Node-style code (`ERR_INVALID_ARG_TYPE`, ...). */
export class ArgumentTypeError extends TypeError {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'TypeError';
    this.code = code;
  }
}

/** A bad argument value, with a Node-style code (`ERR_OUT_OF_RANGE`, `ERR_SOCKET_BAD_PORT`, ...). */
export class ArgumentRangeError extends RangeError {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'RangeError';
    this.code = code;
  }
}

/* Errors of the event-loop layer (lib/socket.ts): no syscall failed, so no errno. */

/** A feature this platform's kernel does not have (the error queue outside Linux). */
export class UnsupportedError extends Error {
  readonly code = 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM';
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedError';
  }
}

/** An operation on a closed socket, or pending when it was closed. */
export class SocketClosedError extends Error {
  readonly code = 'ERR_SOCKET_CLOSED';
  constructor(operation: string) {
    super(`${operation}: the socket is closed`);
    this.name = 'SocketClosedError';
  }
}

/** A wait ended by its AbortSignal. `cause` is the signal's reason. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(operation: string, cause: unknown) {
    super(`${operation}: the operation was aborted`, { cause });
    this.name = 'AbortError';
  }
}

/**
 * A failed name lookup (`getaddrinfo`, `getnameinfo`): `code` is the `EAI_*` name
 * (`'EAI_NONAME'`, `'EAI_AGAIN'`, ...), `eai` the platform's number for it. For `EAI_SYSTEM`
 * the underlying errno is in `errno`, its name in the message.
 */
export class AddressInfoError extends Error {
  /** The `EAI_*` name. */
  readonly code: string;
  /** The platform's `EAI_*` number (negative on Linux, positive on macOS). */
  readonly eai: number;
  /** For `EAI_SYSTEM`, the errno of the failure; otherwise 0. */
  readonly errno: number;
  /** `'getaddrinfo'` or `'getnameinfo'`. */
  readonly syscall: string;
  /** The name or address that was looked up. */
  readonly hostname: string;

  constructor(code: string, eai: number, errno: number, syscall: string, hostname: string) {
    super(`${syscall} ${code}${errno !== 0 ? ` (${errnoName(errno)})` : ''} ${hostname}`);
    this.name = 'AddressInfoError';
    this.code = code;
    this.eai = eai;
    this.errno = errno;
    this.syscall = syscall;
    this.hostname = hostname;
  }
}
