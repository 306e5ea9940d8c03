/**
 * Socket options whose value is a C structure, as plain objects. {@link setsockopt} takes them
 * and {@link getsockopt} returns them; native code (native/option_struct.cc) builds each
 * platform's own structure, so the field orders that differ between Linux and macOS never reach
 * JavaScript. Raw bytes (a Buffer) still pass through unchanged.
 *
 * | option | value |
 * | --- | --- |
 * | `IP_ADD_MEMBERSHIP`, `IP_DROP_MEMBERSHIP` | {@link GroupMembership}: interface an IPv4 address, a name or an index (Linux) |
 * | `IP_ADD_SOURCE_MEMBERSHIP`, `IP_DROP_SOURCE_MEMBERSHIP`, `IP_BLOCK_SOURCE`, `IP_UNBLOCK_SOURCE` | {@link SourceMembership}: interface an IPv4 address |
 * | `IPV6_JOIN_GROUP`, `IPV6_LEAVE_GROUP` | {@link GroupMembership}: interface a name or an index |
 * | `MCAST_JOIN_GROUP`, `MCAST_LEAVE_GROUP` (level `IPPROTO_IP` or `IPPROTO_IPV6`) | {@link GroupMembership}: interface a name or an index |
 * | `MCAST_JOIN_SOURCE_GROUP`, `MCAST_LEAVE_SOURCE_GROUP`, `MCAST_BLOCK_SOURCE`, `MCAST_UNBLOCK_SOURCE` | {@link SourceMembership}: interface a name or an index |
 * | `IP_MULTICAST_IF` | an IPv4 address, an interface name or an index (Linux); reads back as the address |
 * | `IPV6_MULTICAST_IF` | an interface name or an index; reads back as the index |
 * | `SO_LINGER` | {@link Linger} |
 * | `SO_BINDTODEVICE` (Linux) | an interface name (its bytes, as C passes them) |
 * | `IP_BOUND_IF`, `IPV6_BOUND_IF` (macOS) | an interface name, or its index |
 * @module
 */
import * as net from 'node:net';

import { IPPROTO_IP, IPPROTO_IPV6, IPV6_BOUND_IF, IPV6_MULTICAST_IF, IP_BOUND_IF, IP_MULTICAST_IF, SOL_SOCKET, SO_BINDTODEVICE, SO_LINGER } from './constants';
import { ArgumentRangeError } from './errors';
import { if_nametoindex } from './interfaces';
import { binding } from './native';
import { checkInteger, invalidType } from './validate';

/** A multicast group to join or leave (`ip_mreq`, `ip_mreqn`, `ipv6_mreq`, `group_req`). */
export interface GroupMembership {
  /** The group: a numeric multicast address. */
  multiaddr: string;
  /**
   * The interface: an IPv4 address of it (IPv4 options only), its name (`'eth0'`) or its index.
   * Omitted (or 0): the kernel chooses by its routes.
   */
  interface?: string | number;
}

/** A source-specific membership or a source filter (`ip_mreq_source`, `group_source_req`). */
export interface SourceMembership extends GroupMembership {
  /** The source: a numeric address of the group's family. */
  sourceaddr: string;
}

/** `struct linger` (`SO_LINGER`). */
export interface Linger {
  /** Whether close() lingers (a C int: reads back as 0 or 1). */
  onoff: boolean | number;
  /** How long close() lingers, in seconds. */
  linger: number;
}

/** Any value of a struct-valued option. */
export type StructOptionValue = GroupMembership | SourceMembership | Linger | string | number;

/** An interface given as an address, a name or an index: what native code takes. */
export interface InterfaceRef {
  /** An IPv4 address of the interface, or ''. */
  address: string;
  /** The interface index, or 0. */
  index: number;
}

/**
 * An interface as a user gives it: a number is an index, an IPv4 literal an address, and any
 * other string a name (looked up now: an unknown name is a typed `ENODEV` error).
 * @internal
 */
export function interfaceRef(value: unknown, name: string): InterfaceRef {
  if (value === undefined || value === null) return { address: '', index: 0 };
  if (typeof value === 'number') {
    checkInteger(value, name, 0, 2 ** 32 - 1);
    return { address: '', index: value };
  }
  if (typeof value !== 'string') throw invalidType(name, 'an interface address, name or index', value);
  if (net.isIPv4(value)) return { address: value, index: 0 };
  if (net.isIPv6(value)) {
    throw new ArgumentRangeError('ERR_INVALID_ARG_VALUE', `The "${name}" argument names an IPv6 interface by address ('${value}'): give its name or index`);
  }
  return { address: '', index: if_nametoindex(value) };
}

/** A numeric IPv4 or IPv6 address (names are for getaddrinfo), or a typed error. @internal */
export function numericAddress(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidType(name, 'of type string', value);
  if (net.isIP(value) === 0) {
    throw new ArgumentRangeError('ERR_INVALID_IP_ADDRESS', `The "${name}" argument must be a numeric IP address. Received '${value}'`);
  }
  return value;
}

/**
 * Whether setsockopt should take `value` as a struct-valued option's value: a plain object or
 * a string for the options of the table above, or a number for `IP_MULTICAST_IF` (an index
 * there, not an int). Anything else keeps its integer or raw meaning.
 * @internal
 */
export function isStructValue(level: number, name: number, value: unknown): boolean {
  if (typeof value === 'string') return takesIndexByName(level, name) || isBindToDevice(level, name) || binding.isStructOption(level, name);
  if (typeof value === 'number') return isMulticastIf(level, name);
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) return binding.isStructOption(level, name);
  return false;
}

/** Whether getsockopt reads the option as an object or string (`SO_LINGER`, `IP_MULTICAST_IF`). @internal */
export function isStructReadable(level: number, name: number): boolean {
  return isLinger(level, name) || isMulticastIf(level, name);
}

/** Options whose value is an interface index as a C int, which a name may stand for. */
function takesIndexByName(level: number, name: number): boolean {
  return (level === IPPROTO_IPV6 && (name === IPV6_MULTICAST_IF || name === IPV6_BOUND_IF)) || (level === IPPROTO_IP && name === IP_BOUND_IF);
}

function isBindToDevice(level: number, name: number): boolean {
  return level === SOL_SOCKET && name === SO_BINDTODEVICE;
}

function isMulticastIf(level: number, name: number): boolean {
  return level === IPPROTO_IP && name === IP_MULTICAST_IF;
}

function isLinger(level: number, name: number): boolean {
  return level === SOL_SOCKET && name === SO_LINGER;
}

/**
 * setsockopt with a value {@link isStructValue} accepted: 0 or -errno, as the native calls.
 * Each property is read once, before native code runs.
 * @internal
 */
export function setStructOption(fd: number, level: number, name: number, value: StructOptionValue): number {
  if (typeof value === 'string' && takesIndexByName(level, name)) {
    // An int (the index) to the kernel: only the name needs resolving.
    return binding.setsockopt(fd, level, name, if_nametoindex(value));
  }
  if (typeof value === 'string' && isBindToDevice(level, name)) {
    // The name's bytes, as C passes them ('' unbinds); the kernel says whether it exists.
    if (value.includes('\0')) throw new ArgumentRangeError('ERR_INVALID_ARG_VALUE', 'An interface name must not contain null bytes');
    return binding.setsockopt(fd, level, name, Buffer.from(value));
  }
  if (isMulticastIf(level, name)) {
    if (typeof value === 'object') throw invalidType('value', 'an interface address, name or index', value);
    const ref = interfaceRef(value, 'value');
    return encodeAndSet(fd, level, name, '', '', ref, 0, 0);
  }
  if (typeof value !== 'object' || value === null) throw invalidType('value', 'an object', value);
  if (isLinger(level, name)) {
    const { onoff, linger } = value as Linger;
    if (typeof onoff !== 'boolean') checkInteger(onoff, 'value.onoff', -(2 ** 31), 2 ** 31 - 1);
    checkInteger(linger, 'value.linger', -(2 ** 31), 2 ** 31 - 1);
    return encodeAndSet(fd, level, name, '', '', { address: '', index: 0 }, onoff === true ? 1 : onoff === false ? 0 : onoff, linger);
  }
  const { multiaddr, sourceaddr, interface: iface } = value as SourceMembership;
  const group = numericAddress(multiaddr, 'value.multiaddr');
  const source = sourceaddr === undefined ? '' : numericAddress(sourceaddr, 'value.sourceaddr');
  return encodeAndSet(fd, level, name, group, source, interfaceRef(iface, 'value.interface'), 0, 0);
}

function encodeAndSet(fd: number, level: number, name: number, group: string, source: string, ref: InterfaceRef, onoff: number, linger: number): number {
  try {
    return binding.setsockoptStruct(fd, level, name, group, source, ref.address, ref.index, onoff, linger);
  } catch (error) {
    // Native code says which field does not fit the option (a family, an index where the
    // platform's structure has none): the same class as the checks above.
    // (By name, not instanceof: the addon's errors come from Node's own realm.)
    const { name: kind, code, message } = error as Error & { code?: string };
    if (kind === 'RangeError' && code === 'ERR_INVALID_ARG_VALUE') {
      throw new ArgumentRangeError('ERR_INVALID_ARG_VALUE', `setsockopt: ${message}`);
    }
    throw error;
  }
}

/** getsockopt of an option {@link isStructReadable} accepted: its value, or -errno. @internal */
export function getStructOption(fd: number, level: number, name: number): Linger | string | number {
  return binding.getsockoptStruct(fd, level, name);
}
