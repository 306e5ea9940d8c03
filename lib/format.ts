/**
 * Addresses as text: `127.0.0.1:9000`, `[::1]:9000`, `/tmp/sock`, `@abstract`.
 * @module
 */
import type { SocketAddress } from './address-types';

/** An address as one would write it in a log line or an error message. */
export function formatAddress(address: SocketAddress): string {
  switch (address.family) {
    case 'AF_INET':
      return `${address.address}:${address.port}`;
    case 'AF_INET6':
      return `[${address.address}${address.scopeId ? `%${address.scopeId}` : ''}]:${address.port}`;
    case 'AF_UNIX':
      // Abstract names (Linux) start with a NUL byte; ss and lsof show it as '@'.
      if (address.path.startsWith('\0')) return `@${address.path.slice(1)}`;
      return address.path === '' ? '(unnamed)' : address.path;
    case 'AF_UNSPEC':
      return 'AF_UNSPEC';
    default:
      return `AF_${address.af}`;
  }
}
