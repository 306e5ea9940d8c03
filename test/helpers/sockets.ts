// Small helpers over the public API, so that tests read like the C programs they mirror.
import {
  AF_INET,
  AF_INET6,
  SOCK_DGRAM,
  SOL_SOCKET,
  SO_RCVTIMEO,
  bind,
  close,
  connect,
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

const holders: number[] = [];

/**
 * A loopback UDP port that answers every datagram with ICMP port unreachable (ECONNREFUSED).
 *
 * Binding a port and closing it again is not enough: the kernel may hand the freed number to
 * the next socket anyone binds (another worker, another test), which then swallows the
 * datagrams and the awaited ECONNREFUSED never comes. So the port stays held by a socket
 * connected elsewhere (to the discard port): a connected UDP socket accepts only its peer's
 * datagrams, so for everyone else no socket matches and the kernel refuses, while no other
 * socket can take the number. The holders close when the test file ends (releaseHeldPorts).
 */
export function closedUdpPort(): InetAddress {
  const holder = socket(AF_INET, SOCK_DGRAM);
  holders.push(holder);
  bind(holder, { family: 'AF_INET', address: LOOPBACK4, port: 0 });
  connect(holder, { family: 'AF_INET', address: LOOPBACK4, port: DISCARD_PORT });
  return getsockname(holder) as InetAddress;
}

/** A loopback UDP port number free right now, for a test that binds it at once. */
export function freeUdpPort(): number {
  const probe = socket(AF_INET, SOCK_DGRAM);
  bind(probe, { family: 'AF_INET', address: LOOPBACK4, port: 0 });
  const { port } = getsockname(probe) as InetAddress;
  close(probe);
  return port;
}

/** The discard port (RFC 863): the holders' peer, to which nothing is ever sent. */
const DISCARD_PORT = 9;

/** Close the sockets that hold closedUdpPort()'s ports (the descriptor check runs after). */
export function releaseHeldPorts(): void {
  for (const fd of holders.splice(0)) close(fd);
}

/** Make blocking receives give up (EAGAIN) after `ms`, so that a test can show silence. */
export function receiveTimeout(fd: number, ms: number): void {
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, ms);
}

export function portOf(addr: SocketAddress): number {
  if (addr.family !== 'AF_INET' && addr.family !== 'AF_INET6') throw new Error(`not an IP address: ${addr.family}`);
  return addr.port;
}
