// Small helpers over the public API, so that tests read like the C programs they mirror.
import {
  AF_INET,
  AF_INET6,
  SOCK_DGRAM,
  SOL_SOCKET,
  SO_RCVTIMEO,
  bind,
  close,
  getsockname,
  setsockopt,
  socket,
  type InetAddress,
  type Inet6Address,
  type SocketAddress,
} from '../../lib';

const open = new Set<number>();

/** A socket that `closeAll()` closes if the test did not. */
export function track(fd: number): number {
  open.add(fd);
  return fd;
}

/** close() a tracked socket. */
export function closeTracked(fd: number): void {
  open.delete(fd);
  close(fd);
}

/** Close every socket a test opened and left open (runs in afterEach). */
export function closeAll(): void {
  for (const fd of open) {
    try {
      close(fd);
    } catch {
      // already closed by the test itself
    }
  }
  open.clear();
}

export const LOOPBACK4 = '127.0.0.1';
export const LOOPBACK6 = '::1';

/**
 * A blocking receive in a test that fails would hang the whole run (a synchronous call cannot
 * be interrupted by jest's timeout): sockets made here give up after this long instead.
 */
export const SAFETY_TIMEOUT_MS = 5000;

/** A UDP socket (tracked, with the safety receive timeout). */
export function udpSocket(domain = AF_INET): number {
  const fd = track(socket(domain, SOCK_DGRAM));
  receiveTimeout(fd, SAFETY_TIMEOUT_MS);
  return fd;
}

/** A UDP socket bound to an ephemeral port on loopback, with its address. */
export function boundUdp(): { fd: number; addr: InetAddress } {
  const fd = udpSocket(AF_INET);
  bind(fd, { family: 'AF_INET', address: LOOPBACK4, port: 0 });
  return { fd, addr: getsockname(fd) as InetAddress };
}

export function boundUdp6(): { fd: number; addr: Inet6Address } {
  const fd = udpSocket(AF_INET6);
  bind(fd, { family: 'AF_INET6', address: LOOPBACK6, port: 0 });
  return { fd, addr: getsockname(fd) as Inet6Address };
}

/** A loopback UDP port with nothing bound to it: bound once to learn a free port, then closed. */
export function closedUdpPort(): InetAddress {
  const probe = socket(AF_INET, SOCK_DGRAM);
  bind(probe, { family: 'AF_INET', address: LOOPBACK4, port: 0 });
  const addr = getsockname(probe) as InetAddress;
  close(probe);
  return addr;
}

/** Make blocking receives give up (EAGAIN) after `ms`, so that a test can show silence. */
export function receiveTimeout(fd: number, ms: number): void {
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, ms);
}

export function portOf(addr: SocketAddress): number {
  if (addr.family !== 'AF_INET' && addr.family !== 'AF_INET6') throw new Error(`not an IP address: ${addr.family}`);
  return addr.port;
}
