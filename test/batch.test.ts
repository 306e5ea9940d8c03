// Batches: sendmmsg/recvmmsg on the flat API, the batched send of Socket, the batched native
// drain of Socket receives, and Socket.recvmmsg.
import {
  AbortError,
  AF_UNIX,
  ConnectionRefusedError,
  MAX_BATCH,
  MSG_DONTWAIT,
  SOCK_DGRAM,
  SOL_SOCKET,
  SO_RCVBUF,
  MSG_TRUNC,
  PreparedBatch,
  Socket,
  SocketClosedError,
  TimedOutError,
  WouldBlockError,
  connect,
  constants,
  prepareBatch,
  recvmmsg,
  send,
  sendmmsg,
  sendto,
  setNonBlocking,
  setTrace,
  sockaddr,
  socketpair,
  type BatchMessage,
  MessageTooLongError,
  MSG_NOSIGNAL,
  buildInfo,
} from '../lib';
import { binding } from '../lib/native';
import { closeSockets, trackSocket as trackSocket, udp } from './helpers/async-sockets';
import { sleep } from './helpers/time';
import { resizable } from './helpers/memory';
import { boundUdp, closeAll, closedUdpPort, track } from './helpers/sockets';

// The kernel gets MSG_NOSIGNAL on every send where it exists, and the trace shows it.
const NOSIGNAL = MSG_NOSIGNAL !== undefined ? 'MSG_NOSIGNAL' : '0';
// sendmmsg/recvmmsg exist on Linux (not in the portable build); elsewhere a batch is a loop of
// sendmsg/recvmsg, and the trace prints each call of the loop (test/trace.test.ts).
const MMSG = process.platform === 'linux' && !buildInfo.portable;

afterEach(() => {
  closeAll();
  closeSockets();
});

function payload(i: number, size: number): Buffer {
  const buf = Buffer.alloc(size, i & 0xff);
  if (size >= 2) buf.writeUInt16BE(i, 0);
  return buf;
}

describe('flat sendmmsg / recvmmsg', () => {
  it.each([1, 64])('a batch of %i datagrams goes out and comes back in order', (count) => {
    const server = boundUdp();
    const client = boundUdp();
    const messages: BatchMessage[] = Array.from({ length: count }, (_, i) => ({ buf: payload(i, 2 + (i % 7) * 100), address: server.addr }));
    expect(sendmmsg(client.fd, messages)).toBe(count);
    const buffers = Array.from({ length: count }, () => Buffer.alloc(1000));
    const results = recvmmsg(server.fd, buffers, MSG_DONTWAIT);
    expect(results).toHaveLength(count);
    results.forEach((r, i) => {
      expect(r).toEqual({ bytes: 2 + (i % 7) * 100, from: client.addr, truncated: false });
      expect(buffers[i]!.readUInt16BE(0)).toBe(i);
    });
  });

  it('mixed sizes including zero-length, with truncation reported per message', () => {
    const server = boundUdp();
    const client = boundUdp();
    const sizes = [0, 5, 0, 300, 1];
    sendmmsg(client.fd, sizes.map((n, i) => ({ buf: payload(i, n), address: server.addr })));
    const results = recvmmsg(server.fd, sizes.map(() => Buffer.alloc(4)), MSG_DONTWAIT);
    expect(results.map((r) => [r.bytes, r.truncated])).toEqual([
      [0, false],
      [4, true],
      [0, false],
      [4, true],
      [1, false],
    ]);
  });

  it('a partial batch: fewer datagrams queued than buffers returns what was there', () => {
    const server = boundUdp();
    const client = boundUdp();
    sendmmsg(client.fd, [0, 1, 2].map((i) => ({ buf: payload(i, 8), address: server.addr })));
    const results = recvmmsg(server.fd, Array.from({ length: 10 }, () => Buffer.alloc(8)), MSG_DONTWAIT);
    expect(results).toHaveLength(3);
    expect(() => recvmmsg(server.fd, [Buffer.alloc(8)], MSG_DONTWAIT)).toThrow(WouldBlockError);
  });

  it('messages to different peers in one batch each reach their own', () => {
    const a = boundUdp();
    const b = boundUdp();
    const client = boundUdp();
    expect(sendmmsg(client.fd, [{ buf: Buffer.from('A'), address: a.addr }, { buf: Buffer.from('B'), address: b.addr }])).toBe(2);
    expect(recvmmsg(a.fd, [Buffer.alloc(1)], MSG_DONTWAIT)[0]).toMatchObject({ bytes: 1, from: client.addr });
    expect(recvmmsg(b.fd, [Buffer.alloc(1)], MSG_DONTWAIT)[0]).toMatchObject({ bytes: 1, from: client.addr });
  });

  it('sendmmsg stops at a full queue and says how many went; an empty batch sends nothing', () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM).map(track) as [number, number];
    setNonBlocking(a);
    expect(sendmmsg(a, [])).toBe(0);
    const sent = sendmmsg(a, Array.from({ length: MAX_BATCH }, (_, i) => ({ buf: payload(i, 64) })));
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(MAX_BATCH);
    // The queue is full: the next batch fails on its first message, so it throws.
    expect(() => sendmmsg(a, [{ buf: payload(0, 64) }])).toThrow(WouldBlockError);
    const first = recvmmsg(b, [Buffer.alloc(64)], MSG_DONTWAIT);
    expect(first).toHaveLength(1);
  });

  it('batches are traced like every flat call', () => {
    const server = boundUdp();
    const client = boundUdp();
    const lines: string[] = [];
    const previous = setTrace((line) => lines.push(line));
    try {
      sendmmsg(client.fd, [{ buf: Buffer.from('a'), address: server.addr }, { buf: Buffer.from('b'), address: server.addr }]);
      recvmmsg(server.fd, [Buffer.alloc(1), Buffer.alloc(1), Buffer.alloc(1)], MSG_DONTWAIT);
    } finally {
      setTrace(previous);
    }
    if (MMSG) {
      expect(lines).toEqual([
        `sendmmsg(${client.fd}, [2 messages, 127.0.0.1:${server.addr.port}, ...], 2, ${NOSIGNAL}) = 2`,
        // As strace prints it: the messages received, each with its msg_len.
        `recvmmsg(${server.fd}, [${['a', 'b']
          .map((data) => `{msg_hdr={msg_name=127.0.0.1:${client.addr.port}, msg_iov=[{iov_base="${data}", iov_len=1}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=1}`)
          .join(', ')}], 3, MSG_DONTWAIT, NULL) = 2`,
      ]);
    } else {
      expect(lines.map((l) => l.slice(0, l.indexOf('(')))).toEqual(['sendmsg', 'sendmsg', 'recvmsg', 'recvmsg', 'recvmsg']);
    }
  });

  it('bad input is refused before any syscall', () => {
    const server = boundUdp();
    expect(() => sendmmsg(server.fd, 'x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => sendmmsg(server.fd, [null as never])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => sendmmsg(server.fd, [{ buf: 'x' as never }])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => sendmmsg(server.fd, [{ buf: Buffer.alloc(1), address: { family: 'AF_INET', address: '1.2.3', port: 1 } }])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_IP_ADDRESS' }),
    );
    const tooMany = Array.from({ length: MAX_BATCH + 1 }, () => ({ buf: Buffer.alloc(1), address: server.addr }));
    expect(() => sendmmsg(server.fd, tooMany)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => recvmmsg(server.fd, [Buffer.alloc(1), 7 as never])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => recvmmsg(server.fd, {} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => recvmmsg(-1, [Buffer.alloc(1)])).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    // Without an address on an unconnected socket the kernel answers.
    expect(() => sendmmsg(server.fd, [{ buf: Buffer.alloc(1) }])).toThrow(expect.objectContaining({ code: 'EDESTADDRREQ' }));
  });

  it('a mix of messages with and without an address: each goes where it says', () => {
    const server = boundUdp();
    const client = boundUdp();
    connect(client.fd, server.addr);
    const other = boundUdp();
    expect(sendmmsg(client.fd, [{ buf: Buffer.from('a') }, { buf: Buffer.from('b'), address: server.addr }])).toBe(2);
    const unconnected = boundUdp();
    expect(sendmmsg(unconnected.fd, [{ buf: Buffer.from('c'), address: other.addr }, { buf: Buffer.from('d'), address: server.addr }])).toBe(2);
    const got = recvmmsg(server.fd, [Buffer.alloc(4), Buffer.alloc(4), Buffer.alloc(4)], MSG_DONTWAIT);
    expect(got.map((r) => r.from)).toEqual([client.addr, client.addr, unconnected.addr]);
    expect(recvmmsg(other.fd, [Buffer.alloc(4)], MSG_DONTWAIT).map((r) => r.from)).toEqual([unconnected.addr]);
  });

  it('native code reads every array element before it takes any buffer\'s address', () => {
    // A getter on an element (only a direct call to the binding can have one: the package copies
    // the array first) detaches an earlier buffer: the kernel is then given no room for that
    // buffer, never the memory it had.
    const server = boundUdp();
    const client = boundUdp();
    sendto(client.fd, Buffer.from('payload'), 0, server.addr);
    const first = new Uint8Array(new ArrayBuffer(8));
    const list: Uint8Array[] = [first];
    Object.defineProperty(list, 1, {
      enumerable: true,
      get() {
        structuredClone(first.buffer, { transfer: [first.buffer] });
        return new Uint8Array(4);
      },
    });
    const resultOut = new Int32Array(6);
    const addressOut = Buffer.alloc(2 * (constants.SOCKADDR_STORAGE_SIZE as number));
    expect(binding.recvmmsg(server.fd, list, MSG_DONTWAIT, resultOut, addressOut)).toBe(1);
    expect(first.byteLength).toBe(0);
    expect(resultOut[0]).toBe(0);
    expect(resultOut[1]! & MSG_TRUNC).toBe(MSG_TRUNC);
  });
});

describe('Socket batches', () => {
  it('a burst from several senders arrives complete, in order, with the right senders, in few wake-ups', async () => {
    const server = udp();
    // Room for the whole burst: this test is about the library losing nothing, not the kernel.
    server.socket.setsockopt(SOL_SOCKET, SO_RCVBUF, 1 << 20);
    const senders = [udp(), udp(), udp()];
    const total = 300;
    const receives = Array.from({ length: total }, () => server.socket.recvfrom());
    for (let i = 0; i < total; i += 30) {
      // Each batch round-robins over the senders, so order and sender both matter.
      await Promise.all(
        senders.map((s, k) =>
          s.socket.sendmmsg(Array.from({ length: 10 }, (_, j) => ({ buf: payload(i + k * 10 + j, 16), address: server.addr }))),
        ),
      );
    }
    const results = await Promise.all(receives);
    const byIndex = new Map(results.map((r) => [r.data.readUInt16BE(0), r.from]));
    expect(byIndex.size).toBe(total);
    for (let i = 0; i < total; i++) {
      const k = Math.floor((i % 30) / 10);
      expect(byIndex.get(i)).toEqual(senders[k]!.addr);
    }
    // Per sender, datagrams come out in the order that sender sent them.
    for (const s of senders) {
      const seq = results.filter((r) => (r.from as { port: number }).port === s.addr.port).map((r) => r.data.readUInt16BE(0));
      expect(seq).toEqual([...seq].sort((x, y) => x - y));
    }
    const stats = server.socket.stats();
    expect(stats.receiveSyscalls).toBeLessThan(total);
    expect(stats.jsCalls).toBeLessThan(total);
  });

  it('a send waiting for room whose buffer grows is refused, not sent with the new length', async () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
    const sender = trackSocket(Socket.from(a!));
    const receiver = trackSocket(Socket.from(b!));
    let queued = 0;
    const full = Buffer.alloc(64);
    for (;;) {
      try {
        send(a!, full, MSG_DONTWAIT);
        queued++;
      } catch {
        break;
      }
    }
    const memory = resizable(4, 1024);
    const waiting = sender.send(new Uint8Array(memory)); // length-tracking: grows with its memory
    memory.resize(1000);
    for (let i = 0; i < queued; i++) await receiver.recv();
    await expect(waiting).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
    await expect(receiver.recv({ timeout: 50 })).rejects.toBeInstanceOf(TimedOutError);
  });

  it('sendmmsg waits for room instead of dropping when the queue is full', async () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
    const sender = trackSocket(Socket.from(a!));
    const receiver = trackSocket(Socket.from(b!));
    const count = 3 * MAX_BATCH;
    const sending = Promise.all([0, 1, 2].map((k) => sender.sendmmsg(Array.from({ length: MAX_BATCH }, (_, i) => ({ buf: payload(k * MAX_BATCH + i, 32) })))));
    const got: number[] = [];
    while (got.length < count) got.push((await receiver.recv()).readUInt16BE(0));
    expect(await sending).toEqual([MAX_BATCH, MAX_BATCH, MAX_BATCH]);
    expect(got).toEqual([...Array(count).keys()]);
  });

  it('receives into caller buffers and exact-size Buffers mix in one batch', async () => {
    const server = udp();
    const client = udp();
    const mine = Buffer.alloc(4);
    const a = server.socket.recvfrom();
    const b = server.socket.recvfrom(mine);
    const c = server.socket.recvfrom();
    await client.socket.sendmmsg([Buffer.from('one'), Buffer.from('twotwo'), Buffer.alloc(0)].map((buf) => ({ buf, address: server.addr })));
    expect((await a).data.toString()).toBe('one');
    expect(await b).toEqual({ bytes: 4, from: client.addr, truncated: true });
    expect(mine.toString()).toBe('twot');
    expect((await c).data.length).toBe(0);
  });
});

describe('Socket.sendmmsg: a message that fails', () => {
  it('rejects with its typed error, says how many went before it, and sends none after it', async () => {
    const server = udp();
    const client = udp();
    const tooLong = Buffer.alloc(70000); // over UDP's 65507 bytes: EMSGSIZE
    const sending = client.socket.sendmmsg([Buffer.from('first'), tooLong, Buffer.from('after')].map((buf) => ({ buf, address: server.addr })));
    await expect(sending).rejects.toBeInstanceOf(MessageTooLongError);
    await expect(sending).rejects.toMatchObject({ code: 'EMSGSIZE', sent: 1 });
    expect((await server.socket.recvfrom()).data.toString()).toBe('first');
    // Nothing else arrives: 'after' was withdrawn with the failure. A marker sent now is next.
    await client.socket.sendto(Buffer.from('marker'), server.addr);
    expect((await server.socket.recvfrom()).data.toString()).toBe('marker');
  });

  it('a failing first message: sent is 0 and nothing goes out', async () => {
    const server = udp();
    const client = udp();
    const sending = client.socket.sendmmsg([Buffer.alloc(70000), Buffer.from('after')].map((buf) => ({ buf, address: server.addr })));
    await expect(sending).rejects.toMatchObject({ code: 'EMSGSIZE', sent: 0 });
    await client.socket.sendto(Buffer.from('marker'), server.addr);
    expect((await server.socket.recvfrom()).data.toString()).toBe('marker');
  });

  it('the socket goes on sending after a failed batch', async () => {
    const server = udp();
    const client = udp();
    await expect(client.socket.sendmmsg([{ buf: Buffer.alloc(70000), address: server.addr }])).rejects.toBeInstanceOf(MessageTooLongError);
    await expect(client.socket.sendmmsg(['x', 'y'].map((t) => ({ buf: Buffer.from(t), address: server.addr })))).resolves.toBe(2);
    expect((await server.socket.recvfrom()).data.toString()).toBe('x');
    expect((await server.socket.recvfrom()).data.toString()).toBe('y');
  });
});

describe('Socket.recvmmsg: one promise and one syscall per batch', () => {
  const buffers = (n: number, size = 64): Buffer[] => Array.from({ length: n }, () => Buffer.alloc(size));

  it('datagrams already queued: resolves at once with each in its own buffer, in order, senders and truncation per datagram', async () => {
    const server = udp();
    const a = udp();
    const b = udp();
    await a.socket.sendto(Buffer.from('first'), server.addr);
    await b.socket.sendto(Buffer.alloc(0), server.addr);
    await a.socket.sendto(Buffer.from('a long third one'), server.addr);
    const into = buffers(4, 8);
    const before = server.socket.stats();
    const results = await server.socket.recvmmsg(into);
    expect(results).toEqual([
      { bytes: 5, from: a.addr, truncated: false },
      { bytes: 0, from: b.addr, truncated: false },
      { bytes: 8, from: a.addr, truncated: true },
    ]);
    expect(into[0]!.subarray(0, 5).toString()).toBe('first');
    expect(into[2]!.toString()).toBe('a long t');
    // Nothing was waited for: no wake-up, no call from the watcher.
    expect(server.socket.stats().wakeups).toBe(before.wakeups);
  });

  it('with nothing queued it waits, then takes the whole burst of one wake-up, at most one per buffer', async () => {
    const server = udp();
    const client = udp();
    const pending = server.socket.recvmmsg(buffers(8));
    await sleep(20);
    await client.socket.sendmmsg(Array.from({ length: 12 }, (_, i) => ({ buf: payload(i, 16), address: server.addr })));
    const first = await pending;
    expect(first.length).toBeGreaterThanOrEqual(1);
    expect(first.length).toBeLessThanOrEqual(8);
    const rest: number[] = [];
    while (first.length + rest.length < 12) {
      const into = buffers(8);
      const more = await server.socket.recvmmsg(into);
      more.forEach((_, i) => rest.push(into[i]!.readUInt16BE(0)));
    }
    expect(first.every((r) => r.bytes === 16 && r.from.family === 'AF_INET')).toBe(true);
    expect(rest).toEqual([...Array(12).keys()].slice(first.length));
  });

  it('batches are served in the order asked; a pending recvfrom is served before them on a wake-up', async () => {
    const server = udp();
    const client = udp();
    const batch1 = server.socket.recvmmsg(buffers(2));
    const single = server.socket.recvfrom();
    const batch2 = server.socket.recvmmsg(buffers(2));
    await client.socket.sendmmsg(['a', 'b', 'c', 'd', 'e'].map((t) => ({ buf: Buffer.from(t), address: server.addr })));
    const [r1, s1, r2] = await Promise.all([batch1, single, batch2]);
    expect(s1.data.toString()).toBe('a');
    expect(r1).toHaveLength(2);
    expect(r2).toHaveLength(2);
  });

  it('timeout and abort reject with typed errors and leave the socket usable; close rejects what waits', async () => {
    const server = udp();
    const client = udp();
    await expect(server.socket.recvmmsg(buffers(2), { timeout: 30 })).rejects.toBeInstanceOf(TimedOutError);
    const controller = new AbortController();
    const aborted = server.socket.recvmmsg(buffers(2), { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    await expect(server.socket.recvmmsg(buffers(2), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    const next = server.socket.recvmmsg(buffers(2));
    await client.socket.sendto(Buffer.from('still here'), server.addr);
    expect((await next)[0]).toEqual({ bytes: 10, from: client.addr, truncated: false });
    await sleep(0);
    expect(server.socket.stats().watching).toBe(false);
    const closing = server.socket.recvmmsg(buffers(2));
    server.socket.close();
    await expect(closing).rejects.toBeInstanceOf(SocketClosedError);
    await expect(server.socket.recvmmsg(buffers(2))).rejects.toBeInstanceOf(SocketClosedError);
  });

  it('on a connected socket the ICMP port unreachable rejects the waiting batch with ConnectionRefusedError', async () => {
    const client = udp();
    await client.socket.connect(closedUdpPort());
    const waiting = client.socket.recvmmsg(buffers(4));
    await client.socket.send(Buffer.from('anyone?'));
    await expect(waiting).rejects.toBeInstanceOf(ConnectionRefusedError);
  });

  it('a buffer detached or resized while the batch waits fails it, and the datagram stays queued', async () => {
    const server = udp();
    const client = udp();
    const memory = new ArrayBuffer(16);
    const waiting = server.socket.recvmmsg([Buffer.alloc(16), new Uint8Array(memory)]);
    structuredClone(memory, { transfer: [memory] });
    await client.socket.sendto(Buffer.from('kept'), server.addr);
    await expect(waiting).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE', message: expect.stringContaining('buffers[1]') });
    const next = await server.socket.recvfrom();
    expect(next.data.toString()).toBe('kept');
  });

  it('bad input is refused with typed errors before anything waits', async () => {
    const { socket } = udp();
    await expect(socket.recvmmsg('x' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    await expect(socket.recvmmsg([])).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(socket.recvmmsg([Buffer.alloc(1), 'x' as never])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('buffers[1]') });
    await expect(socket.recvmmsg(buffers(MAX_BATCH + 1, 1))).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(socket.recvmmsg(buffers(1), { timeout: -1 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    expect(socket.stats().watching).toBe(false);
  });
});

describe('PreparedBatch: checked and encoded once, sent many times', () => {
  it('sends the current contents of its buffers each time, to the addresses it was made with', () => {
    const server = boundUdp();
    const other = boundUdp();
    const client = boundUdp();
    const to = sockaddr(server.addr);
    const toOther = sockaddr(other.addr);
    const bufs = [Buffer.from('a1'), Buffer.from('b1'), Buffer.from('c1'), Buffer.from('d1'), Buffer.from('e1')];
    // Destinations A A B B A: the same address object in neighbours is read once per send.
    const prepared = prepareBatch(bufs.map((buf, i) => ({ buf, address: [to, to, toOther, toOther, to][i]! })));
    expect(prepared).toBeInstanceOf(PreparedBatch);
    expect(prepared.length).toBe(5);
    expect(sendmmsg(client.fd, prepared)).toBe(5);
    bufs.forEach((b) => b.write('2', 1));
    expect(sendmmsg(client.fd, prepared)).toBe(5);
    const read = (fd: number, n: number): string[] => {
      const into = Array.from({ length: n }, () => Buffer.alloc(4));
      return recvmmsg(fd, into, MSG_DONTWAIT).map((r, i) => into[i]!.subarray(0, r.bytes).toString());
    };
    expect(read(server.fd, 7)).toEqual(['a1', 'b1', 'e1', 'a2', 'b2', 'e2']);
    expect(read(other.fd, 5)).toEqual(['c1', 'd1', 'c2', 'd2']);
  });

  it('on a connected socket, with the trace, and its errors as sendmmsg gives them', () => {
    const server = boundUdp();
    const client = boundUdp();
    const prepared = prepareBatch([{ buf: Buffer.from('x') }, { buf: Buffer.alloc(0) }]);
    expect(() => sendmmsg(client.fd, prepared)).toThrow(expect.objectContaining({ code: 'EDESTADDRREQ', syscall: 'sendmmsg' }));
    connect(client.fd, server.addr);
    const lines: string[] = [];
    setTrace((line) => lines.push(line));
    try {
      expect(sendmmsg(client.fd, prepared)).toBe(2);
    } finally {
      setTrace(false);
    }
    if (MMSG) expect(lines).toEqual([`sendmmsg(${client.fd}, [2 messages], 2, ${NOSIGNAL}) = 2`]);
    else expect(lines.map((l) => l.slice(l.lastIndexOf(' = ')))).toEqual([' = 1', ' = 0']);
    expect(recvmmsg(server.fd, [Buffer.alloc(4), Buffer.alloc(4)], MSG_DONTWAIT).map((r) => r.bytes)).toEqual([1, 0]);
  });

  it('bad messages are refused when the batch is made; a buffer detached later is sent as what it is now: empty', () => {
    expect(() => prepareBatch('x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => prepareBatch([{ buf: 'x' as never }])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('messages[0].buf') }));
    expect(() => prepareBatch([{ buf: Buffer.alloc(1), address: { family: 'AF_INET', address: '1.2.3', port: 1 } }])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_IP_ADDRESS' }),
    );
    expect(() => prepareBatch(Array.from({ length: MAX_BATCH + 1 }, () => ({ buf: Buffer.alloc(1) })))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    const server = boundUdp();
    const client = boundUdp();
    const memory = new ArrayBuffer(8);
    const prepared = prepareBatch([{ buf: new Uint8Array(memory), address: server.addr }]);
    structuredClone(memory, { transfer: [memory] });
    expect(sendmmsg(client.fd, prepared)).toBe(1);
    expect(recvmmsg(server.fd, [Buffer.alloc(8)], MSG_DONTWAIT)[0]!.bytes).toBe(0);
  });

  it('Socket.sendmmsg takes it too, and what finds the queue full waits for room', async () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
    const sender = trackSocket(Socket.from(a!));
    const receiver = trackSocket(Socket.from(b!));
    const bufs = Array.from({ length: MAX_BATCH }, (_, i) => payload(i, 32));
    const prepared = prepareBatch(bufs.map((buf) => ({ buf })));
    const sending = Promise.all([sender.sendmmsg(prepared), sender.sendmmsg(prepared)]);
    const got: number[] = [];
    while (got.length < 2 * MAX_BATCH) got.push((await receiver.recv()).readUInt16BE(0));
    expect(await sending).toEqual([MAX_BATCH, MAX_BATCH]);
    expect(got).toEqual([...Array(MAX_BATCH).keys(), ...Array(MAX_BATCH).keys()]);
  });
});

