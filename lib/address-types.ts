/**
 * The address types, in a module that imports nothing: the errors, the trace and the native
 * binding name addresses without depending on the code that encodes them (lib/address.ts).
 * @module
 */

/** An IPv4 socket address (`struct sockaddr_in`). */
export interface InetAddress {
  family: 'AF_INET';
  address: string;
  port: number;
}

/** An IPv6 socket address (`struct sockaddr_in6`); a zone may also be written `fe80::1%eth0`. */
export interface Inet6Address {
  family: 'AF_INET6';
  address: string;
  port: number;
  flowinfo?: number;
  scopeId?: number;
}

/** A local (unix-domain) socket address; a leading `'\0'` makes it a Linux abstract name. */
export interface UnixAddress {
  family: 'AF_UNIX';
  path: string;
}

/** No address: the `AF_UNSPEC` of `connect()` to dissolve a UDP association. */
export interface UnspecAddress {
  family: 'AF_UNSPEC';
}

/** An address of a family bsdsock does not decode (from `getsockname` on a raw socket, say). */
export interface UnknownAddress {
  family: 'AF_UNKNOWN';
  /** The numeric family. */
  af: number;
  /** The raw sockaddr bytes. */
  bytes: Buffer;
}

/** Any address the kernel can hand back. */
export type SocketAddress = InetAddress | Inet6Address | UnixAddress | UnspecAddress | UnknownAddress;

/** An address whose family is given by the numeric `AF_*` constant. */
export interface NumericFamilyAddress {
  family: number;
  address?: string;
  port?: number;
  flowinfo?: number;
  scopeId?: number;
  path?: string;
}
