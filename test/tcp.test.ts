// TCP, for the contrasts the course notes draw with UDP (points 4, 5 and 8).
import {
  AF_INET,
  AlreadyConnectedError,
  ConnectionRefusedError,
  NotConnectedError,
  SHUT_WR,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_REUSEADDR,
  accept,
  bind,
  connect,
  getpeername,
  getsockname,
  listen,
  read,
  recv,
  send,
  setsockopt,
  shutdown,
  socket,
  write,
  getNonBlocking,
  setNonBlocking,
  type InetAddress,
} from '../lib';
import { closeAll, closedUdpPort, LOOPBACK4, receiveTimeout, SAFETY_TIMEOUT_MS, track } from './helpers/sockets';

afterEach(closeAll);

function listener(): { fd: number; addr: InetAddress } {
  const fd = track(socket(AF_INET, SOCK_STREAM));
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, true);
  bind(fd, { family: 'AF_INET', address: LOOPBACK4, port: 0 });
  listen(fd, 16);
  return { fd, addr: getsockname(fd) as InetAddress };
}

/** A connected pair: [client, accepted server side]. */
function connectedPair(): { client: number; server: number; listenAddr: InetAddress } {
  const l = listener();
  const client = track(socket(AF_INET, SOCK_STREAM));
  connect(client, l.addr);
  const { fd: server, from } = accept(l.fd);
  track(server);
  receiveTimeout(server, SAFETY_TIMEOUT_MS);
  receiveTimeout(client, SAFETY_TIMEOUT_MS);
  expect(from).toEqual(getsockname(client));
  return { client, server, listenAddr: l.addr };
}

describe('TCP', () => {
  it('listen/accept/connect and a byte stream both ways', () => {
    const { client, server } = connectedPair();
    expect(write(client, Buffer.from('hello'))).toBe(5);
    const buf = Buffer.alloc(16);
    expect(read(server, buf)).toBe(5);
    expect(buf.toString('latin1', 0, 5)).toBe('hello');
    expect(send(server, Buffer.from('back'))).toBe(4);
    expect(recv(client, buf)).toBe(4);
  });

  it('point 4: read returning 0 means the peer closed the connection', () => {
    const { client, server } = connectedPair();
    write(client, Buffer.from('last words'));
    shutdown(client, SHUT_WR);
    const buf = Buffer.alloc(64);
    expect(read(server, buf)).toBe(10);
    expect(read(server, buf)).toBe(0);
    expect(read(server, buf)).toBe(0);
  });

  it('point 8: a second connect on a connected TCP socket fails with EISCONN', () => {
    const { client, listenAddr } = connectedPair();
    let caught: unknown;
    try {
      connect(client, listenAddr);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AlreadyConnectedError);
    expect(caught).toMatchObject({ code: 'EISCONN', syscall: 'connect', address: LOOPBACK4, port: listenAddr.port, socketAddress: listenAddr });
    expect((caught as Error).message).toBe(`connect EISCONN ${LOOPBACK4}:${listenAddr.port}`);
  });

  it('connect to a port where nothing listens is refused at once', () => {
    const nobody = closedUdpPort(); // no TCP listener on this port either
    const fd = track(socket(AF_INET, SOCK_STREAM));
    expect(() => connect(fd, nobody)).toThrow(ConnectionRefusedError);
  });

  it('getpeername on an unconnected TCP socket is ENOTCONN', () => {
    const fd = track(socket(AF_INET, SOCK_STREAM));
    expect(() => getpeername(fd)).toThrow(NotConnectedError);
  });

  it('point 5: one listening socket, a connection descriptor per client', () => {
    const l = listener();
    const clients = [0, 1, 2].map(() => {
      const c = track(socket(AF_INET, SOCK_STREAM));
      connect(c, l.addr);
      return c;
    });
    const accepted = clients.map(() => track(accept(l.fd).fd));
    expect(new Set(accepted).size).toBe(3);
    expect(accepted).not.toContain(l.fd);
  });

  it('accept returns a blocking descriptor even from a non-blocking listener', () => {
    const l = listener();
    setNonBlocking(l.fd, true);
    const c = track(socket(AF_INET, SOCK_STREAM));
    connect(c, l.addr);
    const { fd } = accept(l.fd);
    track(fd);
    expect(getNonBlocking(l.fd)).toBe(true);
    expect(getNonBlocking(fd)).toBe(false);
  });
});
