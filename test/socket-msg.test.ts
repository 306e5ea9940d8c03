// Socket.sendmsg and Socket.recvmsg: ancillary data on the event loop. The results are the flat
// calls' (the same parsed control messages); what differs is that nothing blocks: a receive
// waits for the datagram, a send for room, each with the usual abort, timeout and close rules.
import {
  AF_INET,
  AF_UNIX,
  AbortError,
  ArgumentRangeError,
  IPPROTO_IP,
  IP_PKTINFO,
  IP_RECVTTL,
  MSG_ERRQUEUE,
  MSG_PEEK,
  SCM_RIGHTS,
  SOCK_DGRAM,
  SOL_SOCKET,
  SO_SNDBUF,
  Socket,
  SocketClosedError,
  TimedOutError,
  close,
  fcntl,
  F_GETFD,
  socketpair,
  type InetAddress,
  type RightsMessage,
} from '../lib';
import { closeSockets, trackSocket, udp } from './helpers/async-sockets';
import { itOnLinux } from './helpers/platform';

afterEach(closeSockets);

const pktinfoIt = IP_PKTINFO !== undefined ? it : it.skip; // IP_PKTINFO: Linux and macOS
const recvTtlIt = IP_RECVTTL !== undefined ? it : it.skip; // IP_RECVTTL: Linux and macOS

describe('Socket.recvmsg', () => {
  pktinfoIt('waits for a datagram, then resolves with its sender and parsed control messages', async () => {
    const { socket: server, addr } = udp();
    server.setsockopt(IPPROTO_IP, IP_PKTINFO!, true);
    const { socket: client } = udp();
    const buf = Buffer.alloc(64);
    const receiving = server.recvmsg([buf.subarray(0, 2), buf.subarray(2)]); // nothing there yet: it waits
    await client.sendto(Buffer.from('hello'), addr);
    const result = await receiving;
    expect(result.bytes).toBe(5);
    expect(buf.toString('latin1', 0, 5)).toBe('hello');
    expect(result.from).toEqual(client.getsockname());
    expect(result.truncated).toBe(false);
    expect(result.control).toEqual([expect.objectContaining({ kind: 'pktinfo', family: 'AF_INET', address: '127.0.0.1', specDst: '127.0.0.1' })]);
  });

  it('takes a datagram that is already queued at once, and passes flags (MSG_PEEK leaves it queued)', async () => {
    const { socket: server, addr } = udp();
    const { socket: client } = udp();
    await client.sendto(Buffer.from('twice'), addr);
    const buf = Buffer.alloc(8);
    const peeked = await server.recvmsg([buf], { flags: MSG_PEEK });
    const read = await server.recvmsg([buf], { controlSize: 0 });
    expect([peeked.bytes, read.bytes]).toEqual([5, 5]);
    expect(read.control).toEqual([]);
  });

  it('reports truncation as the flat call does', async () => {
    const { socket: server, addr } = udp();
    const { socket: client } = udp();
    await client.sendto(Buffer.from('0123456789'), addr);
    const result = await server.recvmsg([Buffer.alloc(4)]);
    expect(result).toMatchObject({ bytes: 4, truncated: true });
  });

  it('is served in order with recvmmsg, each receive getting its own datagram', async () => {
    const { socket: server, addr } = udp();
    const { socket: client } = udp();
    const first = server.recvmsg([Buffer.alloc(16)]);
    const batchBuffers = [Buffer.alloc(16), Buffer.alloc(16)];
    const second = server.recvmmsg(batchBuffers);
    const third = Buffer.alloc(16);
    const last = server.recvmsg([third]);
    for (const text of ['one', 'two', 'three']) await client.sendto(Buffer.from(text), addr);
    expect((await first).bytes).toBe(3);
    const batch = await second;
    const got = batch.map((r, i) => batchBuffers[i]!.toString('latin1', 0, r.bytes));
    if (batch.length === 1) {
      // the batch took what was queued at its wake-up; the last receive gets the rest
      expect(got).toEqual(['two']);
      expect(third.toString('latin1', 0, (await last).bytes)).toBe('three');
    } else {
      expect(got).toEqual(['two', 'three']);
      await client.sendto(Buffer.from('four'), addr);
      expect(third.toString('latin1', 0, (await last).bytes)).toBe('four');
    }
  });

  it('rejects on timeout, abort and close, and the socket stays usable after the first two', async () => {
    const { socket: server, addr } = udp();
    await expect(server.recvmsg([Buffer.alloc(8)], { timeout: 10 })).rejects.toBeInstanceOf(TimedOutError);
    const controller = new AbortController();
    const aborted = server.recvmsg([Buffer.alloc(8)], { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    const { socket: client } = udp();
    await client.sendto(Buffer.from('still'), addr);
    expect((await server.recvmsg([Buffer.alloc(8)])).bytes).toBe(5);
    const pending = server.recvmsg([Buffer.alloc(8)]);
    server.close();
    await expect(pending).rejects.toBeInstanceOf(SocketClosedError);
    await expect(server.recvmsg([Buffer.alloc(8)])).rejects.toBeInstanceOf(SocketClosedError);
  });

  it('refuses bad arguments with typed errors, before any syscall', async () => {
    const { socket } = udp();
    await expect(socket.recvmsg('x' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(socket.recvmsg([Buffer.alloc(1), 5 as never])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(socket.recvmsg([Buffer.alloc(1)], { controlSize: -1 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(socket.recvmsg([Buffer.alloc(1)], { flags: 1.5 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(socket.recvmsg([Buffer.alloc(1)], { timeout: -1 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(socket.recvmsg([Buffer.alloc(1)], null as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });

  itOnLinux('sends the error queue to errors(): MSG_ERRQUEUE is refused', async () => {
    const { socket } = udp();
    await expect(socket.recvmsg([Buffer.alloc(1)], { flags: MSG_ERRQUEUE! })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
  });
});

describe('Socket.sendmsg', () => {
  recvTtlIt('gathers buffers, sends to an address with control messages, and resolves to the bytes sent', async () => {
    const { socket: server, addr } = udp();
    server.setsockopt(IPPROTO_IP, IP_RECVTTL!, true);
    const { socket: client } = udp();
    const sent = await client.sendmsg([Buffer.from('he'), Buffer.from('llo')], { address: addr, control: [{ kind: 'ttl', ttl: 9 }] });
    expect(sent).toBe(5);
    const buf = Buffer.alloc(16);
    const { bytes, from, control } = await server.recvmsg([buf]);
    expect(buf.toString('latin1', 0, bytes)).toBe('hello');
    expect(from).toEqual(client.getsockname());
    expect(control).toContainEqual({ kind: 'ttl', ttl: 9 });
  });

  it('passes descriptors (SCM_RIGHTS) between Sockets, received close-on-exec', async () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
    const sender = trackSocket(Socket.from(a!));
    const receiver = trackSocket(Socket.from(b!));
    const { socket: passed } = udp();
    const receiving = receiver.recvmsg([Buffer.alloc(8)]);
    await sender.sendmsg([Buffer.from('fd')], { control: [{ kind: 'rights', fds: [passed.fd] }] });
    const { bytes, control } = await receiving;
    expect(bytes).toBe(2);
    const rights = control.find((c): c is RightsMessage => c.kind === 'rights');
    expect(rights?.fds).toHaveLength(1);
    const fd = rights!.fds[0]!;
    try {
      expect(fd).not.toBe(passed.fd);
      expect(fcntl(fd, F_GETFD) & 1).toBe(1); // FD_CLOEXEC
    } finally {
      close(fd);
    }
  });

  it('waits for room when the peer queue is full, and every message arrives in order', async () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
    const sender = trackSocket(Socket.from(a!));
    const receiver = trackSocket(Socket.from(b!));
    const count = 1500; // far more than an AF_UNIX datagram queue holds
    const sends = Array.from({ length: count }, (_, i) => {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(i, 0);
      return sender.sendmsg([head, Buffer.alloc(60)]);
    });
    const received: number[] = [];
    while (received.length < count) received.push((await receiver.recv()).readUInt32BE(0));
    expect(await Promise.all(sends)).toEqual(Array(count).fill(64));
    expect(received).toEqual([...Array(count).keys()]);
  });

  it('a waiting message is the one asked for: changing the array or the control entries afterwards changes nothing', async () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
    const sender = trackSocket(Socket.from(a!));
    const receiver = trackSocket(Socket.from(b!));
    // Fill the peer's queue until a send has to wait.
    const filler: Promise<number>[] = [];
    while (filler.length < 5000) {
      filler.push(sender.send(Buffer.alloc(1)));
      if (sender.stats().watching) break;
    }
    const list = [Buffer.from('asked')];
    const control = [{ kind: 'raw' as const, level: SOL_SOCKET, type: SCM_RIGHTS!, data: Buffer.alloc(0) }];
    const waiting = sender.sendmsg(list, { control });
    list[0] = Buffer.from('other');
    (control[0] as { level: unknown }).level = 'not a number';
    let last = '';
    for (let i = 0; i < filler.length + 1; i++) last = (await receiver.recv()).toString();
    expect(last).toBe('asked');
    expect(await waiting).toBe(5);
  });

  it('a split segmented send that finds the queue full part way goes on from where it stopped: every datagram once, in order', async () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
    const sender = trackSocket(Socket.from(a!)).useSegmentationFallback();
    const receiver = trackSocket(Socket.from(b!));
    // A small send buffer: a few datagrams in flight at a time, so the 128 go in many parts.
    sender.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
    const filler: Promise<number>[] = [];
    while (filler.length < 5000) {
      filler.push(sender.send(Buffer.from([255])));
      if (sender.stats().watching) break;
    }
    const segments = Buffer.alloc(128 * 10);
    for (let i = 0; i < 128; i++) segments.fill(i, i * 10, i * 10 + 10);
    const waiting = sender.sendmsg([segments], { segmentSize: 10 });
    const got: number[] = [];
    // Reading one datagram per turn of the event loop makes room for one at a time.
    while (got.length < filler.length + 128) {
      await new Promise(setImmediate);
      const data = await receiver.recv();
      got.push(data.length === 10 ? data[0]! : -1);
    }
    expect(await waiting).toBe(1280);
    expect(got.slice(filler.length)).toEqual([...Array(128).keys()]);
    expect(got.slice(0, filler.length).every((x) => x === -1)).toBe(true);
  });

  it('a batch with segmented messages that has to wait sends each message whole, in order, once', async () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
    const sender = trackSocket(Socket.from(a!)).useSegmentationFallback();
    const receiver = trackSocket(Socket.from(b!));
    sender.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
    const filler: Promise<number>[] = [];
    while (filler.length < 5000) {
      filler.push(sender.send(Buffer.from([255])));
      if (sender.stats().watching) break;
    }
    const numbered = (base: number, count: number): Buffer => {
      const buf = Buffer.alloc(count * 10);
      for (let i = 0; i < count; i++) buf.fill(base + i, i * 10, i * 10 + 10);
      return buf;
    };
    const waiting = sender.sendmmsg([
      { buf: numbered(0, 30), segmentSize: 10 },
      { buf: Buffer.alloc(10, 100) },
      { buf: numbered(101, 30), segmentSize: 10 },
    ]);
    const got: number[] = [];
    while (got.length < filler.length + 61) {
      await new Promise(setImmediate);
      const data = await receiver.recv();
      got.push(data.length === 10 ? data[0]! : -1);
    }
    expect(await waiting).toBe(3);
    expect(got.slice(filler.length)).toEqual([...Array(30).keys(), 100, ...Array.from({ length: 30 }, (_, i) => 101 + i)]);
  });

  it('a batch whose split segmented message goes out in part goes on from its next datagram, sending none twice', async () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
    const sender = trackSocket(Socket.from(a!)).useSegmentationFallback();
    const receiver = trackSocket(Socket.from(b!));
    sender.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096); // room for a few datagrams only
    const buf = Buffer.alloc(128 * 10);
    for (let i = 0; i < 128; i++) buf.fill(i, i * 10, i * 10 + 10);
    const waiting = sender.sendmmsg([{ buf: Buffer.alloc(10, 200) }, { buf, segmentSize: 10 }]);
    const got: number[] = [];
    while (got.length < 129) {
      await new Promise(setImmediate);
      got.push((await receiver.recv())[0]!);
    }
    expect(await waiting).toBe(2);
    expect(got).toEqual([200, ...Array(128).keys()]);
  });

  it('rejects with the typed error of the syscall, and when closed', async () => {
    const { socket } = udp();
    await expect(socket.sendmsg([Buffer.from('x')])).rejects.toMatchObject({ code: 'EDESTADDRREQ', syscall: 'sendmsg' });
    socket.close();
    await expect(socket.sendmsg([Buffer.from('x')], { address: { family: 'AF_INET', address: '127.0.0.1', port: 9 } })).rejects.toBeInstanceOf(SocketClosedError);
  });

  it('refuses bad arguments with typed errors, segment sizes included', async () => {
    const { socket } = udp();
    const address: InetAddress = { family: 'AF_INET', address: '127.0.0.1', port: 9 };
    await expect(socket.sendmsg('x' as never, { address })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(socket.sendmsg([Buffer.alloc(1)], { address, flags: 'x' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(socket.sendmsg([Buffer.alloc(1)], { address: { family: 'AF_INET', address: 'nope', port: 1 } })).rejects.toMatchObject({ code: 'ERR_INVALID_IP_ADDRESS' });
    await expect(socket.sendmsg([Buffer.alloc(1)], { address, control: [{ kind: 'nope' } as never] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    for (const segmentSize of [0, -1, 65536, 1.5]) {
      await expect(socket.sendmsg([Buffer.alloc(1)], { address, segmentSize })).rejects.toBeInstanceOf(ArgumentRangeError);
      await expect(socket.sendmsg([Buffer.alloc(1)], { address, segmentSize })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
      await expect(socket.sendmsg([Buffer.alloc(1)], { address, control: [{ kind: 'segment', size: segmentSize }] })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    }
    await expect(socket.sendmsg([Buffer.alloc(1)], { address, segmentSize: '8' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(socket.fd).toBeGreaterThanOrEqual(0);
  });

  it('sendmsg to port 0 is EINVAL, as the flat call says', async () => {
    const socket = trackSocket(new Socket(AF_INET, SOCK_DGRAM));
    await expect(socket.sendmsg([Buffer.alloc(1)], { address: { family: 'AF_INET', address: '127.0.0.1', port: 0 } })).rejects.toMatchObject({ code: 'EINVAL' });
  });
});
