/**
 * Multicast and broadcast with `node:dgram`'s names and meanings, on a descriptor: what the
 * `Socket` methods of the same names call. Each is one or two `setsockopt` calls with the
 * struct-valued options of options.ts, chosen by the family of the group (memberships) or of
 * the socket (interface, TTL, loopback), so its errors are that call's typed errors.
 *
 * An interface is an IPv4 address of it, its name (`'eth0'`) or its index; for IPv6 a name or
 * an index (or dgram's `'::%eth0'` form). They work on a bound or an unbound socket.
 * @internal
 * @module
 */
import * as net from 'node:net';

import {
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPV6_JOIN_GROUP,
  IPV6_LEAVE_GROUP,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  IPV6_UNICAST_HOPS,
  IP_ADD_MEMBERSHIP,
  IP_ADD_SOURCE_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_DROP_SOURCE_MEMBERSHIP,
  IP_MULTICAST_IF,
  IP_MULTICAST_IFINDEX,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IP_TTL,
  MCAST_JOIN_GROUP,
  MCAST_JOIN_SOURCE_GROUP,
  MCAST_LEAVE_GROUP,
  MCAST_LEAVE_SOURCE_GROUP,
  SOL_SOCKET,
  SO_BROADCAST,
} from './constants';
import { ArgumentRangeError } from './errors';
import { getsockname, setsockopt } from './flat';
import { interfaceRef, numericAddress } from './options';
import { checkBoolean, checkInt32 } from './validate';

/** A network interface: an IPv4 address of it, its name, or its index. */
export type InterfaceSpec = string | number;

function isIpv6Socket(fd: number): boolean {
  return getsockname(fd).family === 'AF_INET6';
}

function groupFamily(group: unknown, name: string): 4 | 6 {
  return net.isIP(numericAddress(group, name)) as 4 | 6;
}

/** dgram names an IPv6 interface as `'::%eth0'`: the zone is the interface. */
function ipv6Interface(iface: InterfaceSpec | undefined): InterfaceSpec | undefined {
  if (typeof iface === 'string' && iface.includes('%')) return iface.slice(iface.indexOf('%') + 1);
  return iface;
}

/** An IPv4 interface given by address (or not at all): the classic ip_mreq options serve. */
function byAddress(iface: InterfaceSpec | undefined): boolean {
  return iface === undefined || (typeof iface === 'string' && net.isIPv4(iface));
}

function membership(fd: number, join: boolean, group: string, iface: InterfaceSpec | undefined): void {
  if (groupFamily(group, 'multicastAddress') === 6) {
    setsockopt(fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, { multiaddr: group, interface: ipv6Interface(iface) });
  } else if (byAddress(iface)) {
    setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, { multiaddr: group, interface: iface });
  } else {
    // An index or name: group_req carries one on every platform (ip_mreqn only on Linux).
    setsockopt(fd, IPPROTO_IP, (join ? MCAST_JOIN_GROUP : MCAST_LEAVE_GROUP)!, { multiaddr: group, interface: iface });
  }
}

function sourceMembership(fd: number, join: boolean, source: string, group: string, iface: InterfaceSpec | undefined): void {
  const family = groupFamily(group, 'groupAddress');
  groupFamily(source, 'sourceAddress');
  if (family === 4 && byAddress(iface)) {
    setsockopt(fd, IPPROTO_IP, (join ? IP_ADD_SOURCE_MEMBERSHIP : IP_DROP_SOURCE_MEMBERSHIP)!, { multiaddr: group, sourceaddr: source, interface: iface });
  } else {
    const level = family === 6 ? IPPROTO_IPV6 : IPPROTO_IP;
    const value = { multiaddr: group, sourceaddr: source, interface: family === 6 ? ipv6Interface(iface) : iface };
    setsockopt(fd, level, (join ? MCAST_JOIN_SOURCE_GROUP : MCAST_LEAVE_SOURCE_GROUP)!, value);
  }
}

/** Joins `group` on `iface` (the kernel's choice when omitted). */
export function addMembership(fd: number, group: string, iface?: InterfaceSpec): void {
  membership(fd, true, group, iface);
}

/** Leaves `group` on `iface`. */
export function dropMembership(fd: number, group: string, iface?: InterfaceSpec): void {
  membership(fd, false, group, iface);
}

/** Joins `group` for datagrams from `source` only (SSM, RFC 4607). */
export function addSourceSpecificMembership(fd: number, source: string, group: string, iface?: InterfaceSpec): void {
  sourceMembership(fd, true, source, group, iface);
}

/** Leaves a source-specific membership. */
export function dropSourceSpecificMembership(fd: number, source: string, group: string, iface?: InterfaceSpec): void {
  sourceMembership(fd, false, source, group, iface);
}

/** The interface outgoing multicast leaves by. */
export function setMulticastInterface(fd: number, iface: InterfaceSpec): void {
  if (isIpv6Socket(fd)) {
    const ref = interfaceRef(ipv6Interface(iface), 'multicastInterface');
    if (ref.address !== '') throw new ArgumentRangeError('ERR_INVALID_ARG_VALUE', 'An IPv6 multicast interface is a name or an index');
    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ref.index);
  } else if (byAddress(iface) || process.platform === 'linux' || IP_MULTICAST_IFINDEX === undefined) {
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, iface);
  } else {
    // macOS: ip_mreqn is not taken for IP_MULTICAST_IF; IP_MULTICAST_IFINDEX takes the index.
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IFINDEX, interfaceRef(iface, 'multicastInterface').index);
  }
}

/** The TTL (IPv4) or hop limit (IPv6) of outgoing multicast. Returns `ttl`, as dgram does. */
export function setMulticastTTL(fd: number, ttl: number): number {
  checkInt32(ttl, 'ttl');
  if (isIpv6Socket(fd)) setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl);
  else setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, ttl);
  return ttl;
}

/** Whether this host's own multicast comes back to its members. Returns `on`, as dgram does. */
export function setMulticastLoopback(fd: number, on: boolean): boolean {
  checkBoolean(on, 'flag');
  if (isIpv6Socket(fd)) setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, on);
  else setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, on);
  return on;
}

/** `SO_BROADCAST`: without it a send to a broadcast address is `EACCES`. */
export function setBroadcast(fd: number, on: boolean): void {
  checkBoolean(on, 'flag');
  setsockopt(fd, SOL_SOCKET, SO_BROADCAST, on);
}

/** The TTL (IPv4) or hop limit (IPv6) of outgoing unicast. Returns `ttl`, as dgram does. */
export function setTTL(fd: number, ttl: number): number {
  checkInt32(ttl, 'ttl');
  if (isIpv6Socket(fd)) setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl);
  else setsockopt(fd, IPPROTO_IP, IP_TTL, ttl);
  return ttl;
}
