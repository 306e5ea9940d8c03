// The event-loop layer: the seed's points again, asynchronously, with abort, timeout, backpressure,
// TCP and ref/unref, on real loopback sockets. Close, use after close, garbage collection and
// descriptor reuse: test/lifetime.test.ts.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import {
  AF_INET,
  AF_UNIX,
  AbortError,
  AlreadyConnectedError,
  ConnectionRefusedError,
  DestinationAddressRequiredError,
  NotConnectedError,
  SOCK_DGRAM,
  SOCK_STREAM,
  SHUT_WR,
  Socket,
  SocketClosedError,
  TimedOutError,
  socketpair,
  type InetAddress,
} from '../lib';
import { closeSockets, trackSocket, udp } from './helpers/async-sockets';
import { sleep } from './helpers/time';
import { closedUdpPort } from './helpers/sockets';

afterEach(closeSockets);

const root = path.join(__dirname, '..');

describe('Socket: the notes, asynchronously', () => {
  it('echo: recvfrom resolves with the datagram and its sender; sendto answers it', async () => {
    const server = udp();
    const client = udp();
    const request = server.socket.recvfrom();
    expect(await client.socket.sendto(Buffer.from('ping'), server.addr)).toBe(4);
    const got = await request;
    expect(got).toEqual({ data: Buffer.from('ping'), from: client.addr, truncated: false });
    await server.socket.sendto(got.data, got.from);
    expect((await client.socket.recvfrom()).data.toString()).toBe('ping');
  });

  it('zero-length datagrams arrive as such, with or without a caller buffer', async () => {
    const server = udp();
    const client = udp();
    await client.socket.sendto(Buffer.alloc(0), server.addr);
    await client.socket.sendto(new Uint8Array(0), server.addr);
    expect(await server.socket.recvfrom()).toEqual({ data: Buffer.alloc(0), from: client.addr, truncated: false });
    expect(await server.socket.recvfrom(Buffer.alloc(8))).toEqual({ bytes: 0, from: client.addr, truncated: false });
  });

  it('receives into the caller buffer and reports truncation', async () => {
    const server = udp();
    const client = udp();
    const buf = Buffer.alloc(3);
    const pending = server.socket.recvfrom(buf);
    await client.socket.sendto(Buffer.from('abcdef'), server.addr);
    expect(await pending).toEqual({ bytes: 3, from: client.addr, truncated: true });
    expect(buf.toString()).toBe('abc');
  });

  it('ECONNREFUSED: a connected socket has its pending receive rejected; an unconnected one stays silent', async () => {
    const nobody = closedUdpPort();
    const unconnected = udp();
    await unconnected.socket.sendto(Buffer.from('x'), nobody);
    await expect(unconnected.socket.recvfrom({ timeout: 200 })).rejects.toBeInstanceOf(TimedOutError);

    const connected = udp();
    await connected.socket.connect(nobody);
    const pending = connected.socket.recv();
    await connected.socket.send(Buffer.from('x'));
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionRefusedError);
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    // Still open and usable: retarget at a live peer and talk.
    const server = udp();
    await connected.socket.connect(server.addr);
    await connected.socket.send(Buffer.from('alive'));
    expect((await server.socket.recvfrom()).data.toString()).toBe('alive');
  });

  it('with no receive pending, the ICMP error goes to the next send, once', async () => {
    const nobody = closedUdpPort();
    const connected = udp();
    await connected.socket.connect(nobody);
    await connected.socket.send(Buffer.from('1'));
    await sleep(20); // the ICMP error comes back through loopback
    await expect(connected.socket.send(Buffer.from('2'))).rejects.toBeInstanceOf(ConnectionRefusedError);
    expect(connected.socket.closed).toBe(false);
  });

  it('reconnect to a new peer, then disconnect (AF_UNSPEC)', async () => {
    const first = udp();
    const second = udp();
    const client = udp();
    await client.socket.connect(first.addr);
    await client.socket.send(Buffer.from('1'));
    await client.socket.connect(second.addr);
    await client.socket.send(Buffer.from('2'));
    expect((await first.socket.recvfrom()).data.toString()).toBe('1');
    expect((await second.socket.recvfrom()).data.toString()).toBe('2');
    client.socket.disconnect();
    expect(() => client.socket.getpeername()).toThrow(NotConnectedError);
    await expect(client.socket.send(Buffer.from('3'))).rejects.toBeInstanceOf(DestinationAddressRequiredError);
  });

  it('many concurrent receives resolve in FIFO order, each with its own datagram', async () => {
    const server = udp();
    const client = udp();
    const pending = Array.from({ length: 100 }, (_, i) => (i % 2 ? server.socket.recvfrom(Buffer.alloc(4)) : server.socket.recvfrom()));
    for (let i = 0; i < 100; i++) await client.socket.sendto(Buffer.from([i]), server.addr);
    const results = await Promise.all(pending);
    results.forEach((r, i) => {
      expect(r.from).toEqual(client.addr);
      if ('data' in r) expect(r.data[0]).toBe(i);
      else expect(r.bytes).toBe(1);
    });
    // One wake-up serves several receives: fewer crossings into JavaScript than datagrams.
    expect(server.socket.stats().jsCalls).toBeLessThan(100);
  });

  it('for await yields datagrams until the socket is closed', async () => {
    const server = udp();
    const client = udp();
    for (const m of ['a', 'b', 'c']) await client.socket.sendto(Buffer.from(m), server.addr);
    const seen: string[] = [];
    for await (const datagram of server.socket) {
      seen.push(datagram.data.toString());
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(server.socket.closed).toBe(false); // break leaves it open
    setTimeout(() => server.socket.close(), 20);
    for await (const _ of server.socket) throw new Error('no datagram was sent');
  });
});

describe('Socket: abort and timeout', () => {
  it('a timeout rejects with TimedOutError and leaves the socket usable', async () => {
    const server = udp();
    const client = udp();
    const err = await server.socket.recvfrom({ timeout: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimedOutError);
    expect(err).toMatchObject({ code: 'ETIMEDOUT', syscall: 'recvfrom' });
    const next = server.socket.recvfrom({ timeout: 5000 });
    await client.socket.sendto(Buffer.from('after'), server.addr);
    expect((await next).data.toString()).toBe('after');
  });

  it('an abort rejects that receive only; the ones queued behind it still get theirs, in order', async () => {
    const server = udp();
    const client = udp();
    const controller = new AbortController();
    const first = server.socket.recvfrom();
    const aborted = server.socket.recvfrom({ signal: controller.signal });
    const third = server.socket.recvfrom();
    controller.abort(new Error('changed my mind'));
    const err = await aborted.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(err).toMatchObject({ code: 'ABORT_ERR', cause: new Error('changed my mind') });
    await client.socket.sendto(Buffer.from('1'), server.addr);
    await client.socket.sendto(Buffer.from('2'), server.addr);
    expect((await first).data.toString()).toBe('1');
    expect((await third).data.toString()).toBe('2');
  });

  it('an already aborted signal rejects at once', async () => {
    const { socket } = udp();
    await expect(socket.recvfrom({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  });

  it('bad arguments reject (never throw) with typed errors', async () => {
    const { socket } = udp();
    await expect(socket.recvfrom('nope' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(socket.recvfrom({ timeout: -1 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(socket.recvfrom({ signal: {} as AbortSignal })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(socket.sendto(Buffer.from('x'), { family: 'AF_INET', address: '127.0.0.1', port: 70000 })).rejects.toMatchObject({
      code: 'ERR_SOCKET_BAD_PORT',
    });
    await expect(socket.send('x' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(() => Socket.from(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });
});

describe('Socket: sending honours backpressure', () => {
  it('a full AF_UNIX datagram queue makes sends wait, not fail or drop; all arrive in order', async () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
    const sender = trackSocket(Socket.from(a!));
    const receiver = trackSocket(Socket.from(b!));
    const count = 2000; // far more than the receiver's queue holds
    const sends = Array.from({ length: count }, (_, i) => {
      const payload = Buffer.alloc(64);
      payload.writeUInt32BE(i, 0);
      return sender.send(payload);
    });
    const received: number[] = [];
    while (received.length < count) received.push((await receiver.recv()).readUInt32BE(0));
    expect(await Promise.all(sends)).toEqual(Array(count).fill(64));
    expect(received).toEqual([...Array(count).keys()]);
  });
});

describe('Socket: TCP', () => {
  it('connect, accept, stream both ways, end of stream, and EISCONN', async () => {
    const listener = trackSocket(new Socket(AF_INET, SOCK_STREAM));
    listener.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
    listener.listen();
    const addr = listener.getsockname() as InetAddress;
    const accepting = listener.accept();
    const client = trackSocket(new Socket(AF_INET, SOCK_STREAM));
    await client.connect(addr);
    const { socket: server, from } = await accepting;
    trackSocket(server);
    expect(from).toEqual(client.getsockname());
    await client.send(Buffer.from('hello'));
    expect((await server.recv()).toString()).toBe('hello');
    await expect(client.connect(addr)).rejects.toBeInstanceOf(AlreadyConnectedError);
    client.shutdown(SHUT_WR);
    expect(await server.recv(Buffer.alloc(8))).toBe(0); // the peer closed its side
  });

  it('connect to a port where nothing listens rejects with ConnectionRefusedError', async () => {
    const client = trackSocket(new Socket(AF_INET, SOCK_STREAM));
    await expect(client.connect(closedUdpPort())).rejects.toBeInstanceOf(ConnectionRefusedError);
  });

  it('accept honours timeout and close', async () => {
    const listener = trackSocket(new Socket(AF_INET, SOCK_STREAM));
    listener.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
    listener.listen();
    await expect(listener.accept({ timeout: 30 })).rejects.toBeInstanceOf(TimedOutError);
    const pending = listener.accept();
    listener.close();
    await expect(pending).rejects.toBeInstanceOf(SocketClosedError);
  });
});

describe('Socket: the event loop', () => {
  it('stays responsive while a receive waits: timers keep firing', async () => {
    const { socket } = udp();
    let ticks = 0;
    const interval = setInterval(() => ticks++, 5);
    await socket.recvfrom({ timeout: 150 }).catch(() => undefined);
    clearInterval(interval);
    expect(ticks).toBeGreaterThan(3);
  });

  it('the watcher runs only while something waits', async () => {
    const server = udp();
    const client = udp();
    expect(server.socket.stats().watching).toBe(false);
    const pending = server.socket.recvfrom();
    expect(server.socket.stats()).toMatchObject({ watching: true, pendingReceives: 1 });
    await client.socket.sendto(Buffer.from('x'), server.addr);
    await pending;
    await sleep(0);
    expect(server.socket.stats()).toMatchObject({ watching: false, pendingReceives: 0 });
  });

  it('one receive path: a datagram already queued is received in the call, without a wake-up', async () => {
    const server = udp();
    const client = udp();
    await client.socket.sendto(Buffer.from('ready'), server.addr);
    await client.socket.sendto(Buffer.from('set'), server.addr);
    const before = server.socket.stats();
    const into = Buffer.alloc(16);
    await expect(server.socket.recvfrom()).resolves.toEqual({ data: Buffer.from('ready'), from: client.addr, truncated: false });
    await expect(server.socket.recvfrom(into)).resolves.toEqual({ bytes: 3, from: client.addr, truncated: false });
    expect(into.subarray(0, 3).toString()).toBe('set');
    const after = server.socket.stats();
    expect(after.wakeups).toBe(before.wakeups);
    expect(after.receiveSyscalls - before.receiveSyscalls).toBe(2);
    expect(after.watching).toBe(false);
  });

  it('a receive made in the callback of a drain that found the queue empty waits for readiness instead of a syscall', async () => {
    const server = udp();
    const client = udp();
    const batches = server.socket.batches({ count: 4 });
    const first = batches.next(); // found empty: one syscall (EAGAIN), then waits
    await client.socket.sendto(Buffer.from('one'), server.addr);
    expect((await first).value!.length).toBe(1); // one of four: the drain found the queue empty
    // Still in the wake-up's callback (this continuation is one of its microtasks).
    const before = server.socket.stats().receiveSyscalls;
    const second = batches.next();
    expect(server.socket.stats()).toMatchObject({ receiveSyscalls: before, pendingReceives: 1 });
    await client.socket.sendto(Buffer.from('two'), server.addr);
    expect((await second).value!.data(0).toString()).toBe('two');
    await batches.return!();
  });

  it('a receive made later tries at once: a datagram queued meanwhile is not missed', async () => {
    const server = udp();
    const client = udp();
    await expect(server.socket.recvfrom({ timeout: 1 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await client.socket.sendto(Buffer.from('queued'), server.addr);
    await sleep(5);
    const before = server.socket.stats().wakeups;
    // Made in a later turn: tried at once, so it completes with no wake-up (and before a timeout).
    await expect(server.socket.recvfrom({ timeout: 1 })).resolves.toMatchObject({ data: Buffer.from('queued') });
    expect(server.socket.stats().wakeups).toBe(before);
  });

  it('an unref()ed socket gets a datagram that was already queued before the process could exit', () => {
    // A background listener that must not keep the process alive: an earlier receive found
    // nothing and was withdrawn; a datagram comes; a receive made later gets it at once.
    const script = `
      const { Socket, AF_INET, SOCK_DGRAM } = require('bsdsock');
      const s = new Socket(AF_INET, SOCK_DGRAM);
      s.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
      s.unref();
      const peer = new Socket(AF_INET, SOCK_DGRAM);
      const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
      (async () => {
        const stop = new AbortController();
        const first = s.recvfrom({ signal: stop.signal }).catch(() => {});
        await sleep(10);
        stop.abort();
        await first;
        await peer.sendto(Buffer.from('queued'), s.getsockname());
        peer.close();
        await sleep(20);
        s.recvfrom().then((d) => { console.log('got ' + d.data); s.close(); });
      })();
    `;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 10000 }).trim();
    expect(out).toBe('got queued');
  });

  it('receives made while others wait complete in the order they were made', async () => {
    const server = udp();
    const client = udp();
    const into = Buffer.alloc(8);
    const results = [server.socket.recvfrom(), server.socket.recv(into), server.socket.recvfrom()];
    for (const text of ['a', 'bb', 'ccc']) await client.socket.sendto(Buffer.from(text), server.addr);
    const [a, b, c] = await Promise.all(results);
    expect((a as { data: Buffer }).data.toString()).toBe('a');
    expect(b).toBe(2);
    expect(into.subarray(0, 2).toString()).toBe('bb');
    expect((c as { data: Buffer }).data.toString()).toBe('ccc');
  });

  it('a pending receive keeps the process alive; unref() lets it exit', () => {
    const script = (unref: boolean): string => `
      const { Socket, AF_INET, SOCK_DGRAM } = require('bsdsock');
      const s = new Socket(AF_INET, SOCK_DGRAM);
      s.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
      ${unref ? 's.unref();' : ''}
      s.recvfrom().then((d) => { console.log('received ' + d.data); s.close(); });
      // An unref'd timer sends the datagram later: only a ref'd socket is still there to get it.
      const peer = new Socket(AF_INET, SOCK_DGRAM);
      setTimeout(() => peer.sendto(Buffer.from('late'), s.getsockname()).then(() => peer.close()), 300).unref();
      peer.unref();
    `;
    const run = (unref: boolean): string =>
      execFileSync(process.execPath, ['-e', script(unref)], { cwd: root, encoding: 'utf8', timeout: 10000 }).trim();
    expect(run(false)).toBe('received late');
    expect(run(true)).toBe('');
  });
});
