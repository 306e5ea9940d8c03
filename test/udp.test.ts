// The points of the UDP course notes (docs/notes/udp-notes.en.md), each shown with real
// kernel sockets on loopback through the flat, C-like API.
import {
  bind,
  AF_UNSPEC,
  ConnectionRefusedError,
  DestinationAddressRequiredError,
  MSG_PEEK,
  NotConnectedError,
  SOL_SOCKET,
  SO_ERROR,
  SO_RCVBUF,
  WouldBlockError,
  connect,
  getpeername,
  getsockname,
  getsockopt,
  read,
  recv,
  recvfrom,
  send,
  sendto,
  setNonBlocking,
  setsockopt,
  write,
} from '../lib';
import { itOnLinux } from './helpers/platform';
import { boundUdp, closeAll, closedUdpPort, freeUdpPort, LOOPBACK4, receiveTimeout, udpSocket } from './helpers/sockets';

afterEach(closeAll);

describe('point 2: the UDP client/server sequence', () => {
  it('server bind/recvfrom/sendto and client sendto/recvfrom exchange a request and its reply', () => {
    const server = boundUdp();
    const client = udpSocket();

    expect(sendto(client, Buffer.from('ping'), 0, server.addr)).toBe(4);

    const request = Buffer.alloc(64);
    const got = recvfrom(server.fd, request);
    expect(request.toString('latin1', 0, got.bytes)).toBe('ping');
    // The server replies to whoever asked: the address recvfrom reported.
    expect(sendto(server.fd, Buffer.from('PING'), 0, got.from)).toBe(4);

    const reply = Buffer.alloc(64);
    const answer = recvfrom(client, reply);
    expect(reply.toString('latin1', 0, answer.bytes)).toBe('PING');
    expect(answer.from).toEqual(server.addr);
  });
});

describe('point 3.1: sendto names the receiver, recvfrom reports the sender', () => {
  it('recvfrom reports the exact address and port of the sending socket', () => {
    const receiver = boundUdp();
    const senderA = boundUdp();
    const senderB = boundUdp();
    sendto(senderA.fd, Buffer.from('a'), 0, receiver.addr);
    sendto(senderB.fd, Buffer.from('b'), 0, receiver.addr);
    const buf = Buffer.alloc(8);
    const first = recvfrom(receiver.fd, buf);
    expect(buf[0]).toBe('a'.charCodeAt(0));
    expect(first.from).toEqual({ family: 'AF_INET', address: LOOPBACK4, port: senderA.addr.port });
    const second = recvfrom(receiver.fd, buf);
    expect(buf[0]).toBe('b'.charCodeAt(0));
    expect(second.from).toEqual(senderB.addr);
  });

  it('an unbound client gets an ephemeral port at its first sendto', () => {
    const server = boundUdp();
    const client = udpSocket();
    expect(getsockname(client)).toEqual({ family: 'AF_INET', address: '0.0.0.0', port: 0 });
    sendto(client, Buffer.from('x'), 0, server.addr);
    const local = getsockname(client);
    expect(local.family === 'AF_INET' && local.port).toBeGreaterThan(0);
    expect(recvfrom(server.fd, Buffer.alloc(1)).from).toMatchObject({ port: (local as { port: number }).port });
  });
});

describe('point 3.2 and 4: zero-length datagrams', () => {
  it('sendto of an empty buffer sends a datagram that recvfrom returns as 0 bytes, with its sender', () => {
    const server = boundUdp();
    const client = boundUdp();
    expect(sendto(client.fd, Buffer.alloc(0), 0, server.addr)).toBe(0);
    const got = recvfrom(server.fd, Buffer.alloc(16));
    expect(got).toEqual({ bytes: 0, from: client.addr, truncated: false });
  });

  it('zero-length datagrams travel both ways and keep their place in the queue', () => {
    const a = boundUdp();
    const b = boundUdp();
    sendto(a.fd, Buffer.alloc(0), 0, b.addr);
    sendto(a.fd, Buffer.from('after'), 0, b.addr);
    sendto(b.fd, new Uint8Array(0), 0, a.addr);
    const buf = Buffer.alloc(16);
    expect(recvfrom(b.fd, buf).bytes).toBe(0);
    expect(recvfrom(b.fd, buf).bytes).toBe(5);
    expect(recvfrom(a.fd, buf)).toEqual({ bytes: 0, from: b.addr, truncated: false });
  });

  it('a zero-length datagram on a connected socket: send() of nothing, recv() of 0', () => {
    const server = boundUdp();
    const client = boundUdp();
    connect(client.fd, server.addr);
    expect(send(client.fd, Buffer.alloc(0))).toBe(0);
    expect(recv(server.fd, Buffer.alloc(8))).toBe(0);
  });
});

describe('truncation', () => {
  it('a datagram longer than the buffer fills it, reports truncated, and the rest is discarded', () => {
    const server = boundUdp();
    const client = boundUdp();
    sendto(client.fd, Buffer.from('0123456789'), 0, server.addr);
    sendto(client.fd, Buffer.from('next'), 0, server.addr);
    const small = Buffer.alloc(4);
    expect(recvfrom(server.fd, small)).toEqual({ bytes: 4, from: client.addr, truncated: true });
    expect(small.toString()).toBe('0123');
    // The tail is gone: the next receive is the next datagram.
    const got = recvfrom(server.fd, Buffer.alloc(16));
    expect(got).toMatchObject({ bytes: 4, truncated: false });
  });

  it('recvfrom into an empty buffer consumes the whole datagram', () => {
    const server = boundUdp();
    const client = boundUdp();
    sendto(client.fd, Buffer.from('abc'), 0, server.addr);
    sendto(client.fd, Buffer.from('de'), 0, server.addr);
    expect(recvfrom(server.fd, Buffer.alloc(0))).toEqual({ bytes: 0, from: client.addr, truncated: true });
    expect(recvfrom(server.fd, Buffer.alloc(8)).bytes).toBe(2);
  });

  it('recvfrom writes into the view it is given and not around it', () => {
    const server = boundUdp();
    const client = boundUdp();
    sendto(client.fd, Buffer.from('XYZW'), 0, server.addr);
    const backing = Buffer.alloc(10, '.');
    const view = backing.subarray(3, 5);
    expect(recvfrom(server.fd, view)).toMatchObject({ bytes: 2, truncated: true });
    expect(backing.toString()).toBe('...XY.....');
  });

  it('MSG_PEEK leaves the datagram queued', () => {
    const server = boundUdp();
    const client = boundUdp();
    sendto(client.fd, Buffer.from('peek'), 0, server.addr);
    const buf = Buffer.alloc(8);
    expect(recvfrom(server.fd, buf, MSG_PEEK).bytes).toBe(4);
    expect(recvfrom(server.fd, buf).bytes).toBe(4);
    setNonBlocking(server.fd);
    expect(() => recvfrom(server.fd, buf)).toThrow(WouldBlockError);
  });
});

describe('point 3.3: asynchronous ICMP errors', () => {
  it('sendto to a port where nothing listens succeeds, and the unconnected socket hears nothing', () => {
    const nobody = closedUdpPort();
    const client = boundUdp();
    // Success only means there was room in the send buffer.
    expect(sendto(client.fd, Buffer.from('hello?'), 0, nobody)).toBe(6);
    receiveTimeout(client.fd, 300);
    // The ICMP port unreachable came back, but an unconnected socket is not told: recvfrom
    // simply times out, and no error is pending.
    expect(() => recvfrom(client.fd, Buffer.alloc(16))).toThrow(WouldBlockError);
    expect(getsockopt(client.fd, SOL_SOCKET, SO_ERROR)).toBe(0);
  });

  it('the same send on a connected socket is answered by ECONNREFUSED at the next receive', () => {
    const nobody = closedUdpPort();
    const client = boundUdp();
    connect(client.fd, nobody);
    expect(send(client.fd, Buffer.from('hello?'))).toBe(6);
    receiveTimeout(client.fd, 5000);
    let caught: unknown;
    try {
      recv(client.fd, Buffer.alloc(16));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConnectionRefusedError);
    expect(caught).toMatchObject({ code: 'ECONNREFUSED', syscall: 'recv' });
    // The error is reported once; the socket stays usable.
    expect(getsockopt(client.fd, SOL_SOCKET, SO_ERROR)).toBe(0);
    expect(send(client.fd, Buffer.from('again'))).toBe(5);
  });

  it('a pending ECONNREFUSED can be read (and cleared) with getsockopt(SO_ERROR)', () => {
    const nobody = closedUdpPort();
    const client = boundUdp();
    connect(client.fd, nobody);
    send(client.fd, Buffer.from('x'));
    // Loopback delivers the ICMP error during send(); poll SO_ERROR briefly all the same.
    let error = 0;
    for (let i = 0; i < 100 && error === 0; i++) {
      error = getsockopt(client.fd, SOL_SOCKET, SO_ERROR);
      if (error === 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
    expect(error).toBe(require('node:os').constants.errno.ECONNREFUSED);
    expect(getsockopt(client.fd, SOL_SOCKET, SO_ERROR)).toBe(0);
  });
});

describe('point 6: the receive buffer queues datagrams in FIFO order and drops when full', () => {
  it('datagrams come out in the order they were sent', () => {
    const server = boundUdp();
    const client = boundUdp();
    for (let i = 0; i < 50; i++) sendto(client.fd, Buffer.from([i]), 0, server.addr);
    const buf = Buffer.alloc(1);
    const order: number[] = [];
    for (let i = 0; i < 50; i++) {
      recvfrom(server.fd, buf);
      order.push(buf[0]!);
    }
    expect(order).toEqual([...Array(50).keys()]);
  });

  it('a small receive buffer overflows: later datagrams are dropped, not queued', () => {
    const server = boundUdp();
    setsockopt(server.fd, SOL_SOCKET, SO_RCVBUF, 4096);
    const client = boundUdp();
    const sent = 500;
    const payload = Buffer.alloc(512, 1);
    for (let i = 0; i < sent; i++) sendto(client.fd, payload, 0, server.addr);
    setNonBlocking(server.fd);
    let received = 0;
    for (;;) {
      try {
        recvfrom(server.fd, Buffer.alloc(1024));
        received++;
      } catch (err) {
        expect(err).toBeInstanceOf(WouldBlockError);
        break;
      }
    }
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(sent);
  });
});

describe('point 7: connect on UDP', () => {
  it('after connect, write/read (and send/recv) talk to the peer without addresses', () => {
    const server = boundUdp();
    const client = boundUdp();
    connect(client.fd, server.addr);
    expect(getpeername(client.fd)).toEqual(server.addr);
    expect(write(client.fd, Buffer.from('via write'))).toBe(9);
    const got = recvfrom(server.fd, Buffer.alloc(32));
    expect(got.bytes).toBe(9);
    expect(got.from).toEqual(client.addr);
    sendto(server.fd, Buffer.from('reply'), 0, client.addr);
    const buf = Buffer.alloc(32);
    expect(read(client.fd, buf)).toBe(5);
    expect(buf.toString('latin1', 0, 5)).toBe('reply');
  });

  it('a connected socket only receives from its peer', () => {
    const server = boundUdp();
    const stranger = boundUdp();
    const client = boundUdp();
    connect(client.fd, server.addr);
    sendto(stranger.fd, Buffer.from('stranger'), 0, client.addr);
    sendto(server.fd, Buffer.from('peer'), 0, client.addr);
    const got = recvfrom(client.fd, Buffer.alloc(16));
    expect(got.from).toEqual(server.addr);
    expect(got.bytes).toBe(4);
  });

  it('write/read with a count use only the first bytes of the buffer', () => {
    const server = boundUdp();
    const client = boundUdp();
    connect(client.fd, server.addr);
    expect(write(client.fd, Buffer.from('abcdef'), 3)).toBe(3);
    const buf = Buffer.alloc(8, 0);
    connect(server.fd, client.addr);
    expect(read(server.fd, buf, 2)).toBe(2);
    expect(buf.toString('latin1', 0, 3)).toBe('ab\0');
  });
});

describe('point 8: UDP connect can be called again', () => {
  it('connect to a second peer retargets the socket', () => {
    const first = boundUdp();
    const second = boundUdp();
    const client = boundUdp();
    connect(client.fd, first.addr);
    send(client.fd, Buffer.from('1'));
    connect(client.fd, second.addr);
    expect(getpeername(client.fd)).toEqual(second.addr);
    send(client.fd, Buffer.from('2'));
    const buf = Buffer.alloc(4);
    expect(recvfrom(first.fd, buf)).toMatchObject({ bytes: 1, from: client.addr });
    expect(buf[0]).toBe('1'.charCodeAt(0));
    expect(recvfrom(second.fd, buf)).toMatchObject({ bytes: 1, from: client.addr });
    expect(buf[0]).toBe('2'.charCodeAt(0));
  });

  it('connect with AF_UNSPEC dissolves the association', () => {
    const server = boundUdp();
    const client = boundUdp();
    connect(client.fd, server.addr);
    connect(client.fd, { family: 'AF_UNSPEC' });
    expect(() => getpeername(client.fd)).toThrow(NotConnectedError);
    expect(() => send(client.fd, Buffer.from('x'))).toThrow(DestinationAddressRequiredError);
    // Unconnected again: it can send to anyone, and anyone's datagrams arrive.
    const other = boundUdp();
    sendto(client.fd, Buffer.from('hi'), 0, other.addr);
    const got = recvfrom(other.fd, Buffer.alloc(4));
    sendto(other.fd, Buffer.from('yo'), 0, got.from);
    expect(recvfrom(client.fd, Buffer.alloc(4)).from).toEqual(other.addr);
  });

  // BSD keeps the local port in both cases.
  itOnLinux('on Linux, dissolving also releases a port the kernel chose; an explicit port is kept', () => {
    const server = boundUdp();
    // Bound to port 0: the kernel chose the port, and disconnect gives it back.
    const chosen = boundUdp();
    connect(chosen.fd, server.addr);
    connect(chosen.fd, { family: 'AF_UNSPEC' });
    expect(getsockname(chosen.fd)).toEqual({ family: 'AF_INET', address: LOOPBACK4, port: 0 });
    // Bound to a port the program named: the port stays.
    const named = udpSocket();
    const port = freeUdpPort();
    bind(named, { family: 'AF_INET', address: LOOPBACK4, port });
    connect(named, server.addr);
    connect(named, { family: 'AF_UNSPEC' });
    expect(getsockname(named)).toEqual({ family: 'AF_INET', address: LOOPBACK4, port });
  });

  it('the numeric AF_UNSPEC constant works as well, and on a never-connected socket too', () => {
    const client = boundUdp();
    expect(() => connect(client.fd, { family: AF_UNSPEC })).not.toThrow();
    expect(() => getpeername(client.fd)).toThrow(NotConnectedError);
  });

  it('after AF_UNSPEC, an ICMP error is no longer reported', () => {
    const nobody = closedUdpPort();
    const client = boundUdp();
    connect(client.fd, nobody);
    connect(client.fd, { family: 'AF_UNSPEC' });
    sendto(client.fd, Buffer.from('x'), 0, nobody);
    receiveTimeout(client.fd, 200);
    expect(() => recvfrom(client.fd, Buffer.alloc(4))).toThrow(WouldBlockError);
  });
});

describe('non-blocking descriptors', () => {
  it('recvfrom on an empty non-blocking socket throws WouldBlockError (EAGAIN)', () => {
    const server = boundUdp();
    setNonBlocking(server.fd, true);
    let caught: unknown;
    try {
      recvfrom(server.fd, Buffer.alloc(4));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(WouldBlockError);
    expect(caught).toMatchObject({ syscall: 'recvfrom', message: expect.stringMatching(/^recvfrom E(AGAIN|WOULDBLOCK)$/) });
  });

  it('MSG_DONTWAIT makes a single call non-blocking on a blocking socket', () => {
    const server = boundUdp();
    const { MSG_DONTWAIT } = require('../lib') as typeof import('../lib');
    expect(() => recv(server.fd, Buffer.alloc(4), MSG_DONTWAIT)).toThrow(WouldBlockError);
  });
});

describe('sendto limits', () => {
  it('the largest IPv4 datagram (65507 bytes) is sent; one byte more is EMSGSIZE', () => {
    const server = boundUdp();
    setsockopt(server.fd, SOL_SOCKET, SO_RCVBUF, 1 << 20);
    const client = boundUdp();
    expect(sendto(client.fd, Buffer.alloc(65507), 0, server.addr)).toBe(65507);
    expect(recvfrom(server.fd, Buffer.alloc(70000))).toMatchObject({ bytes: 65507, truncated: false });
    expect(() => sendto(client.fd, Buffer.alloc(65508), 0, server.addr)).toThrow(
      expect.objectContaining({ code: 'EMSGSIZE', syscall: 'sendto' }),
    );
  });
});
