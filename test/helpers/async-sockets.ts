// Helpers for the Socket class tests: every Socket made here is closed after each test.
import { AF_INET, SOCK_DGRAM, Socket, type InetAddress } from '../../lib';

const sockets = new Set<Socket>();

export function trackSocket<S extends Socket>(socket: S): S {
  sockets.add(socket);
  return socket;
}

export function closeSockets(): void {
  for (const s of sockets) s.close();
  sockets.clear();
}

/** A non-blocking UDP Socket bound to an ephemeral loopback port. */
export function udp(): { socket: Socket; addr: InetAddress } {
  const socket = trackSocket(new Socket(AF_INET, SOCK_DGRAM));
  socket.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
  return { socket, addr: socket.getsockname() as InetAddress };
}

