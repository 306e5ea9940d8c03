// Confining well-formed addresses and options to this machine and this test: nothing a
// fuzzed call does can reach another host or another local service.
import * as net from 'node:net';
import * as path from 'node:path';

import { AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC, EncodedAddress, IPPROTO_IP, IPPROTO_IPV6, SOL_SOCKET, constants } from '../../lib';

import { PRIVATE, ownPorts, tmpdir } from './world';

const AF_NAMES: Record<string, number> = { AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC };
const familyNumber = (family: unknown): number | undefined =>
  typeof family === 'number' ? family : typeof family === 'string' ? AF_NAMES[family] : undefined;

function safeHost4(host: unknown): unknown {
  if (typeof host !== 'string' || !net.isIPv4(host)) return host;
  return host.startsWith('127.') || host === '0.0.0.0' ? host : '127.0.0.1';
}

function safeHost6(host: unknown): unknown {
  if (typeof host !== 'string' || !net.isIPv6(host)) return host;
  return host === '::1' || host === '::' || /^::ffff:127\./i.test(host) ? host : '::1';
}

function safePort(port: unknown): unknown {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535 || port === 0) return port;
  return ownPorts[port % ownPorts.length];
}

function safePath(p: unknown): unknown {
  if (typeof p !== 'string' || p === '') return p;
  const limit = (constants.SUN_PATH_SIZE as number) - 1;
  if (p.startsWith('\0')) return `\0${PRIVATE}${p.slice(1)}`.slice(0, limit + 1);
  if (p.includes('\0') || Buffer.byteLength(p) > limit) return p; // refused before the kernel anyway
  return path.join(tmpdir, p.replace(/[/.]/g, '_')).slice(0, limit);
}

/** Raw sockaddr bytes (AF_UNKNOWN, forged EncodedAddress): loopback wherever an address could be. */
export function safeBytes(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  const family = out.length >= 2 ? out.readUInt16LE(0) : -1;
  if (family === AF_UNIX && out.length > 2) {
    // An abstract name of our own.
    const name = Buffer.from(`\0${PRIVATE}`);
    name.copy(out, 2, 0, Math.min(name.length, out.length - 2));
  }
  // Linux treats AF_UNSPEC as AF_INET in sendto, and an IPv6 socket takes AF_INET too.
  if (out.length >= 8) Buffer.from([127, 0, 0, 1]).copy(out, 4);
  if (out.length >= 24) Buffer.from('00000000000000000000000000000001', 'hex').copy(out, 8);
  if (out.length >= 4 && (family === AF_INET || family === AF_INET6 || family === AF_UNSPEC)) {
    out.writeUInt16BE(ownPorts[out.readUInt16BE(2) % ownPorts.length]!, 2);
  }
  return out;
}

export function safeAddress(address: unknown): unknown {
  if (address instanceof EncodedAddress) return address;
  if (typeof address !== 'object' || address === null) return address;
  const raw = address as Record<string, unknown>;
  const out: Record<string, unknown> = { ...raw };
  const family = familyNumber(raw.family);
  if (family === AF_INET) Object.assign(out, { address: safeHost4(raw.address), port: safePort(raw.port) });
  else if (family === AF_INET6) Object.assign(out, { address: safeHost6(raw.address), port: safePort(raw.port) });
  else if (family === AF_UNIX) out.path = safePath(raw.path);
  if (Buffer.isBuffer(raw.bytes)) out.bytes = safeBytes(raw.bytes);
  return out;
}

// setsockopt options that could send traffic anywhere but here, or bind to a real interface.
export const LINUX = process.platform === 'linux';
export const LOOPBACK_IF = LINUX ? 'lo' : 'lo0';
const UNSAFE_OPTIONS = LINUX
  ? new Set([
      `${SOL_SOCKET}:25`, // SO_BINDTODEVICE
      `${SOL_SOCKET}:62`, // SO_BINDTOIFINDEX
      `${IPPROTO_IP}:4`, // IP_OPTIONS (source routes)
      `${IPPROTO_IP}:50`, // IP_UNICAST_IF
      `${IPPROTO_IPV6}:6`, // IPV6_2292PKTOPTIONS
      `${IPPROTO_IPV6}:5`, // IPV6_2292RTHDR
      `${IPPROTO_IPV6}:9`, // IPV6_NEXTHOP
      `${IPPROTO_IPV6}:57`, // IPV6_RTHDR
      `${IPPROTO_IPV6}:76`, // IPV6_UNICAST_IF
    ])
  : new Set<string>();
// Multicast joins: raw bytes could join a group on a real interface, which reports it on the
// link (IGMP / MLD). The struct forms are fuzzed with safe groups in the Socket cases.
const JOIN_OPTIONS = new Set(
  [
    [IPPROTO_IP, constants.IP_ADD_MEMBERSHIP],
    [IPPROTO_IP, constants.IP_ADD_SOURCE_MEMBERSHIP],
    [IPPROTO_IP, constants.MCAST_JOIN_GROUP],
    [IPPROTO_IP, constants.MCAST_JOIN_SOURCE_GROUP],
    [IPPROTO_IPV6, constants.IPV6_JOIN_GROUP],
    [IPPROTO_IPV6, constants.MCAST_JOIN_GROUP],
    [IPPROTO_IPV6, constants.MCAST_JOIN_SOURCE_GROUP],
  ].map(([level, name]) => `${level}:${name}`),
);
export const UNKNOWN_OPTION = 9999;
/**
 * The option name a setsockopt case may use: an unsafe one becomes an unknown one, and so does a
 * multicast join whose value is not one of the struct objects (whose interface is always
 * loopback's or nonsense): raw bytes could join a group on a real interface, and the kernel
 * would announce it on that link.
 */
export const safeOption = (level: unknown, name: unknown, value: unknown): unknown => {
  const key = `${String(level)}:${String(name)}`;
  if (UNSAFE_OPTIONS.has(key)) return UNKNOWN_OPTION;
  const structValue = typeof value === 'object' && value !== null && !ArrayBuffer.isView(value);
  return JOIN_OPTIONS.has(key) && !structValue ? UNKNOWN_OPTION : name;
};
