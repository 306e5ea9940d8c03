/**
 * Socket addresses. Returned addresses are plain objects that narrow on `family`:
 *
 * ```ts
 * { family: 'AF_INET', address: '127.0.0.1', port: 9000 }
 * { family: 'AF_INET6', address: '::1', port: 9000, flowinfo: 0, scopeId: 0 }
 * { family: 'AF_UNIX', path: '/tmp/echo.sock' }     // '\0name' for a Linux abstract name
 * { family: 'AF_UNSPEC' }                           // no address (an unbound AF_UNIX sender)
 * ```
 *
 * Input also accepts the numeric `AF_*` constant as `family`, and an {@link EncodedAddress}
 * made once by {@link sockaddr} for hot loops.
 * @module
 */
import * as net from 'node:net';

import { AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC, constants } from './constants';
import { ArgumentRangeError, ArgumentTypeError } from './errors';
import { formatAddress } from './format';
import { binding } from './native';
import { invalidType } from './validate';
import type { Inet6Address, NumericFamilyAddress, SocketAddress } from './address-types';

export type { Inet6Address, InetAddress, NumericFamilyAddress, SocketAddress, UnixAddress, UnknownAddress, UnspecAddress } from './address-types';

/** What bind/connect/sendto accept. */
export type AddressInput = SocketAddress | NumericFamilyAddress | EncodedAddress;

/**
 * An address encoded once into the platform's `struct sockaddr`, to pass to `sendto` or
 * `connect` any number of times without parsing it again. Make one with {@link sockaddr}.
 */
export class EncodedAddress {
  /** The address it encodes. */
  readonly address: SocketAddress;
  /** @internal The sockaddr bytes, as the kernel takes them. */
  readonly bytes: Buffer;

  /** @internal */
  constructor(address: SocketAddress, bytes: Buffer) {
    this.address = address;
    this.bytes = bytes;
    Object.freeze(this);
  }

  toString(): string {
    return formatAddress(this.address);
  }
}

const familyByNumber = new Map<number, 'AF_INET' | 'AF_INET6' | 'AF_UNIX' | 'AF_UNSPEC'>([
  [AF_INET, 'AF_INET'],
  [AF_INET6, 'AF_INET6'],
  [AF_UNIX, 'AF_UNIX'],
  [AF_UNSPEC, 'AF_UNSPEC'],
]);

function familyOf(value: unknown): SocketAddress['family'] {
  if (typeof value === 'number' && familyByNumber.has(value)) return familyByNumber.get(value)!;
  if (value === 'AF_INET' || value === 'AF_INET6' || value === 'AF_UNIX' || value === 'AF_UNSPEC' || value === 'AF_UNKNOWN') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'string') {
    throw new ArgumentRangeError(
      'ERR_INVALID_ADDRESS_FAMILY',
      `Invalid address family: ${String(value)} (expected AF_INET, AF_INET6, AF_UNIX or AF_UNSPEC)`,
    );
  }
  throw invalidType('address.family', 'an AF_* name or number', value);
}

function checkPort(port: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ArgumentRangeError(
      'ERR_SOCKET_BAD_PORT',
      `Port should be >= 0 and < 65536. Received ${typeof port === 'number' ? port : `type ${typeof port}`}.`,
    );
  }
  return port;
}

function checkUint32(value: unknown, name: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number') throw invalidType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new ArgumentRangeError('ERR_OUT_OF_RANGE', `The value of "${name}" must be an integer from 0 to 2^32-1. Received ${value}`);
  }
  return value;
}

function checkHost(value: unknown, v6: boolean): string {
  if (typeof value !== 'string') throw invalidType('address.address', 'of type string', value);
  // net.isIPv6 accepts a zone ('fe80::1%eth0'); native code resolves the interface name.
  if (!(v6 ? net.isIPv6(value) : net.isIPv4(value))) {
    throw new ArgumentTypeError('ERR_INVALID_IP_ADDRESS', `Invalid IPv${v6 ? 6 : 4} address: '${value}'`);
  }
  return value;
}

function checkPath(value: unknown): string {
  if (typeof value !== 'string') throw invalidType('address.path', 'of type string', value);
  const abstract = value.startsWith('\0');
  const limit = abstract ? constants.SUN_PATH_SIZE : constants.SUN_PATH_SIZE - 1;
  const bytes = Buffer.byteLength(value);
  if (bytes > limit) {
    throw new ArgumentRangeError(
      'ERR_OUT_OF_RANGE',
      `AF_UNIX path is ${bytes} bytes; at most ${limit} fit in sun_path`,
    );
  }
  if (!abstract && value.includes('\0')) {
    throw new ArgumentTypeError('ERR_INVALID_ARG_VALUE', 'AF_UNIX path must not contain NUL bytes');
  }
  return value;
}

/** Validate an address and put it in the canonical (string-family) form. */
export function normalizeAddress(input: unknown): SocketAddress {
  if (input instanceof EncodedAddress) return input.address;
  if (typeof input !== 'object' || input === null) throw invalidType('address', 'an address object', input);
  const raw = input as Record<string, unknown>;
  const family = familyOf(raw.family);
  switch (family) {
    case 'AF_INET':
      return { family, address: checkHost(raw.address, false), port: checkPort(raw.port) };
    case 'AF_INET6': {
      const address: Inet6Address = { family, address: checkHost(raw.address, true), port: checkPort(raw.port) };
      if (raw.flowinfo !== undefined) address.flowinfo = checkUint32(raw.flowinfo, 'address.flowinfo');
      if (raw.scopeId !== undefined) address.scopeId = checkUint32(raw.scopeId, 'address.scopeId');
      return address;
    }
    case 'AF_UNIX':
      return { family, path: checkPath(raw.path) };
    case 'AF_UNSPEC':
      return { family };
    case 'AF_UNKNOWN':
      // An address of another family, as getsockname() returned it: passed back byte for byte.
      if (!Buffer.isBuffer(raw.bytes) || typeof raw.af !== 'number') {
        throw invalidType('address', 'an AF_UNKNOWN address as returned by bsdsock', input);
      }
      if (raw.bytes.length < 2 || raw.bytes.length > constants.SOCKADDR_STORAGE_SIZE) {
        throw new ArgumentRangeError('ERR_OUT_OF_RANGE', `An AF_UNKNOWN address must be 2 to ${constants.SOCKADDR_STORAGE_SIZE} bytes`);
      }
      return { family, af: raw.af, bytes: raw.bytes };
  }
}

/**
 * Native code re-checks what it encodes and resolves IPv6 zones (`%eth0`) itself; its argument
 * errors are re-thrown as this library's typed ones.
 */
function encodeNormalized(address: SocketAddress): Buffer {
  try {
    return encodeChecked(address);
  } catch (err) {
    // Duck-typed: the addon's errors may come from another realm (a vm context, jest).
    const { code, name, message } = (err ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code !== 'string' || typeof message !== 'string') throw err;
    throw name === 'RangeError' ? new ArgumentRangeError(code, message) : new ArgumentTypeError(code, message);
  }
}

function encodeChecked(address: SocketAddress): Buffer {
  switch (address.family) {
    case 'AF_INET':
      return binding.encodeAddress(AF_INET, address.address, address.port, 0, 0);
    case 'AF_INET6':
      return binding.encodeAddress(AF_INET6, address.address, address.port, address.flowinfo ?? 0, address.scopeId ?? 0);
    case 'AF_UNIX':
      return binding.encodeAddress(AF_UNIX, address.path, 0, 0, 0);
    case 'AF_UNSPEC':
      return binding.encodeAddress(AF_UNSPEC, '', 0, 0, 0);
    case 'AF_UNKNOWN':
      return Buffer.from(address.bytes);
  }
}

// The address objects encoded last, per module instance (so per thread): a program that sends
// to the same object again and again, as users write it, has it encoded once. An entry keeps
// the values it was encoded from and serves only while the object still holds exactly those,
// so a caller who changes the object afterwards gets the new address. Only plain objects with
// data properties are remembered (reading a getter could run user code each time), never
// AF_UNKNOWN ones (their bytes are a Buffer the caller may change).
const RECENT = 4;
interface Recent {
  input: object;
  family: unknown;
  address: unknown;
  port: unknown;
  flowinfo: unknown;
  scopeId: unknown;
  path: unknown;
  encoded: EncodedAddress;
}
const recent: (Recent | undefined)[] = [undefined, undefined, undefined, undefined];
let nextRecent = 0;

function recentEncoding(input: Record<string, unknown>): EncodedAddress | undefined {
  for (let i = 0; i < RECENT; i++) {
    const r = recent[i];
    if (
      r !== undefined &&
      r.input === input &&
      r.family === input.family &&
      r.address === input.address &&
      r.port === input.port &&
      r.flowinfo === input.flowinfo &&
      r.scopeId === input.scopeId &&
      r.path === input.path
    ) {
      return r.encoded;
    }
  }
  return undefined;
}

const FIELDS = ['family', 'address', 'port', 'flowinfo', 'scopeId', 'path'];

function remember(input: Record<string, unknown>, encoded: EncodedAddress): void {
  const prototype = Object.getPrototypeOf(input);
  if (prototype !== Object.prototype && prototype !== null) return;
  for (const field of FIELDS) {
    const descriptor = Object.getOwnPropertyDescriptor(input, field);
    if (descriptor !== undefined && !('value' in descriptor)) return;
  }
  const { family, address, port, flowinfo, scopeId, path } = input;
  recent[nextRecent] = { input, family, address, port, flowinfo, scopeId, path, encoded };
  nextRecent = (nextRecent + 1) % RECENT;
}

/**
 * Encode an address once into the platform's `struct sockaddr`. Pass the result to `sendto`,
 * `connect` or `bind` in place of the object: the per-call parsing is skipped.
 *
 * ```ts
 * const peer = sockaddr({ family: 'AF_INET', address: '127.0.0.1', port: 9000 });
 * for (const msg of messages) sendto(fd, msg, 0, peer);
 * ```
 *
 * Every call that takes an address object goes through here. The last few objects encoded are
 * remembered with the values they held, so passing the same unchanged object again costs a
 * few comparisons instead of an encoding; a changed object is encoded again.
 */
export function sockaddr(input: AddressInput): EncodedAddress {
  if (input instanceof EncodedAddress) return input;
  if (typeof input === 'object' && input !== null) {
    const known = recentEncoding(input as unknown as Record<string, unknown>);
    if (known !== undefined) return known;
  }
  const address = normalizeAddress(input);
  const encoded = new EncodedAddress(Object.freeze(address), encodeNormalized(address));
  if (address.family !== 'AF_UNKNOWN') remember(input as unknown as Record<string, unknown>, encoded);
  return encoded;
}

/**
 * Decodes the sender addresses recvfrom() writes into one scratch buffer. Consecutive
 * datagrams usually come from the same peer: when the sockaddr bytes are unchanged the previous
 * (frozen) object is returned, so a steady receive loop allocates no address objects.
 * @internal
 */
export class AddressDecoder {
  readonly scratch = Buffer.alloc(constants.SOCKADDR_STORAGE_SIZE);
  private readonly lastBytes = Buffer.alloc(constants.SOCKADDR_STORAGE_SIZE);
  private lastLength = -1;
  private last: SocketAddress = Object.freeze({ family: 'AF_UNSPEC' });

  /** The address in `scratch[0, length)`. */
  decode(length: number): SocketAddress {
    return this.decodeAt(this.scratch, 0, length);
  }

  /** The address in `source[offset, offset + length)` (a batch writes one per datagram). */
  decodeAt(source: Buffer, offset: number, length: number): SocketAddress {
    if (length === this.lastLength && this.sameAsLast(source, offset, length)) return this.last;
    source.copy(this.lastBytes, 0, offset, offset + length);
    this.lastLength = length;
    this.last = Object.freeze(binding.decodeAddress(this.lastBytes, length));
    return this.last;
  }

  private sameAsLast(source: Buffer, offset: number, length: number): boolean {
    const b = this.lastBytes;
    for (let i = 0; i < length; i++) if (source[offset + i] !== b[i]) return false;
    return true;
  }
}
