/**
 * Name lookup as C has it: `getaddrinfo` and `getnameinfo`, blocking the calling thread exactly
 * as in C, and `getaddrinfoAsync` / `getnameinfoAsync`, the same calls on the libuv thread pool
 * as promises that never block the event loop. Results are bsdsock address objects, ready for
 * `bind`, `connect` and `sendto`; failures are {@link AddressInfoError}s with the `EAI_*` name.
 *
 * The socket calls themselves (`bind`, `sendto`, ...) still take numeric addresses only, as
 * the syscalls do: resolve a name first.
 * @module
 */
import { EncodedAddress, sockaddr, type AddressInput, type SocketAddress } from './address';
import { AF_UNSPEC, constants } from './constants';
import { AddressInfoError } from './errors';
import { binding, type NativeAddrinfo, type NativeLookupFailure, type NativeNameinfo } from './native';
import { checkInt32, invalidType } from './validate';

/** `struct addrinfo` hints: each field a C constant, 0 (or `AF_UNSPEC`) when omitted. */
export interface AddrinfoHints {
  /** `AF_INET`, `AF_INET6` or `AF_UNSPEC` (either). */
  family?: number;
  /** `SOCK_DGRAM`, `SOCK_STREAM`, ... (0: any). */
  socktype?: number;
  /** `IPPROTO_UDP`, `IPPROTO_TCP`, ... (0: any). */
  protocol?: number;
  /** `AI_PASSIVE`, `AI_CANONNAME`, `AI_NUMERICHOST`, ... or'ed together. */
  flags?: number;
}

/** One entry of a {@link getaddrinfo} result (`struct addrinfo`). */
export interface AddrinfoEntry {
  /** `AF_INET` or `AF_INET6`. */
  family: number;
  /** `SOCK_DGRAM`, `SOCK_STREAM`, ... */
  socktype: number;
  /** `IPPROTO_UDP`, `IPPROTO_TCP`, ... */
  protocol: number;
  /** The address, with the service's port: `{ family: 'AF_INET', address: '127.0.0.1', port: 53 }`. */
  address: SocketAddress;
  /** The canonical name (first entry only, with `AI_CANONNAME`). */
  canonname?: string;
}

/** What {@link getnameinfo} returns. */
export interface NameinfoResult {
  /** The host name, or the numeric address with `NI_NUMERICHOST`. */
  host: string;
  /** The service name, or the numeric port with `NI_NUMERICSERV`. */
  service: string;
}

type LookupArgs = [node: string | null, service: string | null, family: number, socktype: number, protocol: number, flags: number];

// EAI_* numbers differ between platforms: names come from the platform's constants.
let eaiNames: Map<number, string> | undefined;
function eaiName(eai: number): string {
  if (eaiNames === undefined) {
    eaiNames = new Map();
    for (const [name, value] of Object.entries(constants)) {
      if (name.startsWith('EAI_') && typeof value === 'number' && !eaiNames.has(value)) eaiNames.set(value, name);
    }
  }
  return eaiNames.get(eai) ?? `EAI_${eai}`;
}

function lookupError(failure: NativeLookupFailure, syscall: string, hostname: string, cutoff: Function): AddressInfoError {
  const error = new AddressInfoError(eaiName(failure.eai), failure.eai, failure.errno, syscall, hostname);
  Error.captureStackTrace(error, cutoff);
  return error;
}

function lookupArgs(node: unknown, service: unknown, hints: unknown): LookupArgs {
  if (node !== null && node !== undefined && typeof node !== 'string') throw invalidType('node', 'a string or null', node);
  if (typeof service === 'number') {
    checkInt32(service, 'service');
    service = String(service);
  }
  if (service !== null && service !== undefined && typeof service !== 'string') {
    throw invalidType('service', 'a string, a port number or null', service);
  }
  if (hints === undefined || hints === null) hints = {};
  if (typeof hints !== 'object') throw invalidType('hints', 'an object', hints);
  const { family = AF_UNSPEC, socktype = 0, protocol = 0, flags = 0 } = hints as AddrinfoHints;
  checkInt32(family, 'hints.family');
  checkInt32(socktype, 'hints.socktype');
  checkInt32(protocol, 'hints.protocol');
  checkInt32(flags, 'hints.flags');
  return [(node as string | null | undefined) ?? null, (service as string | null | undefined) ?? null, family, socktype, protocol, flags];
}

function entries(result: NativeAddrinfo, args: LookupArgs, cutoff: Function): AddrinfoEntry[] {
  if (!Array.isArray(result)) throw lookupError(result, 'getaddrinfo', args[0] ?? args[1] ?? '', cutoff);
  return result.map(([family, socktype, protocol, address, canonname]) =>
    canonname === undefined ? { family, socktype, protocol, address } : { family, socktype, protocol, address, canonname },
  );
}

function nameArgs(address: AddressInput, flags: unknown): [EncodedAddress, number] {
  const encoded = address instanceof EncodedAddress ? address : sockaddr(address);
  checkInt32(flags, 'flags');
  return [encoded, flags];
}

function nameResult(result: NativeNameinfo, encoded: EncodedAddress, cutoff: Function): NameinfoResult {
  if (!Array.isArray(result)) {
    const where = encoded.toString();
    throw lookupError(result, 'getnameinfo', where, cutoff);
  }
  return { host: result[0], service: result[1] };
}

/**
 * `getaddrinfo(3)`: the addresses of `node` for `service`, blocking as C does (a DNS query can
 * take seconds: prefer {@link getaddrinfoAsync} on an event loop). `node` or `service` may be
 * null (not both); a number `service` is a port.
 */
export function getaddrinfo(node: string | null, service?: string | number | null, hints?: AddrinfoHints): AddrinfoEntry[] {
  const args = lookupArgs(node, service, hints);
  return entries(binding.getaddrinfo(...args), args, getaddrinfo);
}

/** {@link getaddrinfo} on the libuv thread pool: the event loop keeps running meanwhile. */
export async function getaddrinfoAsync(node: string | null, service?: string | number | null, hints?: AddrinfoHints): Promise<AddrinfoEntry[]> {
  const args = lookupArgs(node, service, hints);
  return entries(await binding.getaddrinfoAsync(...args), args, getaddrinfoAsync);
}

/** `getnameinfo(3)`: the host and service names of an address (`NI_*` flags), blocking as C does. */
export function getnameinfo(address: AddressInput, flags = 0): NameinfoResult {
  const [encoded, checked] = nameArgs(address, flags);
  return nameResult(binding.getnameinfo(encoded.bytes, checked), encoded, getnameinfo);
}

/** {@link getnameinfo} on the libuv thread pool: the event loop keeps running meanwhile. */
export async function getnameinfoAsync(address: AddressInput, flags = 0): Promise<NameinfoResult> {
  const [encoded, checked] = nameArgs(address, flags);
  return nameResult(await binding.getnameinfoAsync(encoded.bytes, checked), encoded, getnameinfoAsync);
}
