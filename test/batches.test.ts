// Socket.batches() and `for await (const d of socket)`: a wake-up's datagrams read together
// into a ring registered once (lib/receive-ring.ts, lib/batch-iterators.ts), and nothing lost
// when a loop ends early.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import {
  AF_INET,
  AF_UNIX,
  ArgumentRangeError,
  ArgumentTypeError,
  ConnectionRefusedError,
  SOCK_DGRAM,
  SOL_SOCKET,
  SO_RCVBUF,
  Socket,
  SocketClosedError,
  TimedOutError,
  UDP_GRO,
  buildInfo,
  setTrace,
  socketpair,
  type InetAddress,
  type ReceivedBatch,
} from '../lib';
import { closeSockets, trackSocket, udp } from './helpers/async-sockets';
import { onLinux } from './helpers/platform';
import { closedUdpPort } from './helpers/sockets';
import { sleep } from './helpers/time';

afterEach(closeSockets);

const groIt = UDP_GRO !== undefined ? it : it.skip; // UDP_GRO: Linux 5.0+, not the portable build

async function send(from: Socket, to: InetAddress, ...texts: string[]): Promise<void> {
  for (const text of texts) await from.sendto(Buffer.from(text), to);
}

describe('Socket.batches(): one ring, one crossing per wake-up', () => {
  it('hands out the queued datagrams as one batch: views, sizes, senders, truncation, zero-length', async () => {
    const server = udp();
    const a = udp();
    const b = udp();
    await send(a.socket, server.addr, 'first');
    await send(b.socket, server.addr, '');
    await send(a.socket, server.addr, 'a long third one');
    const before = server.socket.stats();
    for await (const batch of server.socket.batches({ count: 8, size: 8 })) {
      expect(batch.length).toBe(3);
      expect([...batch].map(({ data, from, truncated }) => [data.toString(), from, truncated])).toEqual([
        ['first', a.addr, false],
        ['', b.addr, false],
        ['a long t', a.addr, true],
      ]);
      expect([0, 1, 2].map((i) => batch.bytes(i))).toEqual([5, 0, 8]);
      // The views are the ring's memory: slot i starts at i * size.
      expect([0, 1, 2].map((i) => batch.offset(i))).toEqual([0, 8, 16]);
      expect(Buffer.from(batch.buffer, batch.offset(2), batch.bytes(2)).toString()).toBe('a long t');
      expect(() => batch.data(3)).toThrow(RangeError);
      break;
    }
    // Received in the call: no wake-up, one recvmmsg for the three.
    const after = server.socket.stats();
    expect(after.wakeups).toBe(before.wakeups);
    expect(after.receiveSyscalls - before.receiveSyscalls).toBe(1);
  });

  it('waits when nothing is queued, then takes a wake-up burst in one call into JavaScript', async () => {
    const server = udp();
    const client = udp();
    const batches = server.socket.batches({ count: 16 });
    const next = batches.next();
    await sleep(10);
    const before = server.socket.stats();
    await client.socket.sendmmsg(['1', '2', '3', '4'].map((t) => ({ buf: Buffer.from(t), address: server.addr })));
    const { value: batch } = await next;
    const texts = [...batch!].map((d) => d.data.toString());
    // The burst may be split over wake-ups; each batch came in one call.
    const calls = server.socket.stats().jsCalls - before.jsCalls;
    expect(calls).toBe(1);
    while (texts.length < 4) {
      const { value } = await batches.next();
      texts.push(...[...value!].map((d) => d.data.toString()));
    }
    expect(texts).toEqual(['1', '2', '3', '4']);
    await batches.return!();
    expect(server.socket.stats().pendingReceives).toBe(0);
  });

  it('a batch read after the next one was asked for throws ERR_INVALID_STATE instead of showing newer bytes', async () => {
    const server = udp();
    const client = udp();
    await send(client.socket, server.addr, 'old');
    const batches = server.socket.batches({ count: 1 });
    const first = (await batches.next()).value as ReceivedBatch;
    const view = first.data(0);
    expect(view.toString()).toBe('old');
    await send(client.socket, server.addr, 'new');
    const second = (await batches.next()).value as ReceivedBatch;
    expect(second.data(0).toString()).toBe('new');
    expect(() => first.data(0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    expect(() => first.from(0)).toThrow(ArgumentTypeError);
    // A view taken earlier is the ring's slot: it shows what the ring holds now (as documented).
    expect(view.toString()).toBe('new');
    await batches.return!();
  });

  it('ring memory the caller detached fails the next batch with ERR_INVALID_STATE; nothing is written', async () => {
    const server = udp();
    const client = udp();
    await send(client.socket, server.addr, 'one');
    const batches = server.socket.batches({ count: 2 });
    const batch = (await batches.next()).value as ReceivedBatch;
    const memory = batch.buffer;
    structuredClone(memory, { transfer: [memory] });
    expect(() => batch.data(0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    await send(client.socket, server.addr, 'two');
    await expect(batches.next()).rejects.toMatchObject({ code: 'ERR_INVALID_STATE' });
    // The datagram stayed in the kernel for the next receive.
    expect((await server.socket.recvfrom()).data.toString()).toBe('two');
  });

  it('detached while the batch waits: the drain refuses to write, and the batch fails', async () => {
    const server = udp();
    const client = udp();
    const batches = server.socket.batches({ count: 2 });
    const first = batches.next();
    await send(client.socket, server.addr, 'one');
    const memory = ((await first).value as ReceivedBatch).buffer;
    const waiting = batches.next();
    structuredClone(memory, { transfer: [memory] });
    await send(client.socket, server.addr, 'two');
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_INVALID_STATE' });
    expect((await server.socket.recvfrom()).data.toString()).toBe('two');
  });

  it('bad options get typed errors before anything is registered', () => {
    const { socket } = udp();
    expect(() => socket.batches({ count: 0 })).toThrow(ArgumentRangeError);
    expect(() => socket.batches({ count: 1025 })).toThrow(ArgumentRangeError);
    expect(() => socket.batches({ count: 1.5 })).toThrow(ArgumentRangeError);
    expect(() => socket.batches({ size: 0 })).toThrow(ArgumentRangeError);
    expect(() => socket.batches({ size: 65537 })).toThrow(ArgumentRangeError);
    expect(() => socket.batches({ size: '64' as unknown as number })).toThrow(ArgumentTypeError);
    expect(() => socket.batches(5 as unknown as object)).toThrow(ArgumentTypeError);
    expect(() => socket.batches({ signal: {} as AbortSignal })).toThrow(ArgumentTypeError);
    socket.close();
    expect(() => socket.batches()).toThrow(SocketClosedError);
  });

  it('the signal, break and close() end the loop quietly and release the ring', async () => {
    const server = udp();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    let turns = 0;
    for await (const batch of server.socket.batches({ signal: controller.signal })) turns += batch.length;
    expect(turns).toBe(0);
    expect(server.socket.stats()).toMatchObject({ pendingReceives: 0 });
    // An aborted signal: the loop never starts.
    for await (const batch of server.socket.batches({ signal: AbortSignal.abort() })) turns += batch.length;
    expect(turns).toBe(0);
    setTimeout(() => server.socket.close(), 10);
    for await (const batch of server.socket.batches()) turns += batch.length;
    expect(turns).toBe(0);
  });

  it('two senders, many wake-ups: every datagram once, in order, each with its sender', async () => {
    const server = udp();
    server.socket.setsockopt(SOL_SOCKET, SO_RCVBUF, 1 << 20);
    const a = udp();
    const b = udp();
    const got: string[] = [];
    const loop = (async () => {
      for await (const batch of server.socket.batches({ count: 4, size: 16 })) {
        for (let i = 0; i < batch.length; i++) {
          const from = batch.from(i) as InetAddress;
          got.push(`${from.port === a.addr.port ? 'a' : 'b'}${batch.data(i).toString()}`);
        }
        if (got.length === 200) break;
      }
    })();
    for (let i = 0; i < 100; i++) {
      await send(a.socket, server.addr, String(i));
      await send(b.socket, server.addr, String(i));
      if (i % 10 === 0) await sleep(1);
    }
    await loop;
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => [`a${i}`, `b${i}`]).flat());
  });

  /** A GRO receiver and a GSO send of `count` datagrams of `size` bytes (the last `last`), marked i. */
  async function coalesced(count: number, size: number, last: number): Promise<{ receiver: Socket; sender: InetAddress }> {
    const r = trackSocket(new Socket(AF_INET, SOCK_DGRAM));
    r.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
    r.setsockopt(SOL_SOCKET, SO_RCVBUF, 1 << 20);
    r.setGro(true);
    const s = udp();
    const buf = Buffer.alloc(size * (count - 1) + last);
    for (let i = 0; i < count; i++) buf.fill(i, i * size, Math.min((i + 1) * size, buf.length));
    await s.socket.sendmsg([buf], { address: r.getsockname(), segmentSize: size });
    return { receiver: r, sender: s.addr };
  }

  groIt('with GRO on, a coalesced receive is split into its datagrams, with their sender, in order', async () => {
    const { receiver: r, sender } = await coalesced(10, 1200, 100);
    const before = r.stats().receiveSyscalls;
    const marks: number[] = [];
    const sizes: number[] = [];
    for await (const batch of r.batches({ count: 4, size: 1500 })) {
      // One coalesced receive: all ten datagrams in one batch, however few slots it has.
      expect(batch.length).toBe(10);
      for (let i = 0; i < batch.length; i++) {
        expect(batch.from(i)).toEqual(sender);
        expect(batch.truncated(i)).toBe(false);
        marks.push(batch.data(i)[0]!);
        sizes.push(batch.bytes(i));
        expect(Buffer.from(batch.buffer, batch.offset(i), batch.bytes(i)).equals(batch.data(i))).toBe(true);
      }
      break;
    }
    expect(r.stats().receiveSyscalls - before).toBe(1);
    expect(marks).toEqual([...Array(10).keys()]);
    expect(sizes).toEqual([...Array(9).fill(1200), 100]);
  });

  groIt('with GRO on, a ring of 64 KiB or more takes each coalesced receive in a 64 KiB chunk of its own memory', async () => {
    const { receiver: r, sender } = await coalesced(10, 1200, 1200);
    const s2 = udp().socket;
    await s2.sendmsg([Buffer.alloc(5 * 700, 0xaa)], { address: r.getsockname(), segmentSize: 700 });
    const batches = r.batches({ count: 2, size: 65536 });
    const batch = (await batches.next()).value as ReceivedBatch;
    expect(batch.length).toBe(15);
    expect([0, 9, 10, 14].map((i) => batch.offset(i))).toEqual([0, 9 * 1200, 65536, 65536 + 4 * 700]);
    expect(batch.from(0)).toEqual(sender);
    expect(batch.from(10)).toEqual(s2.getsockname());
    expect(batch.data(14).equals(Buffer.alloc(700, 0xaa))).toBe(true);
    // The views are the ring's memory, valid until the next batch.
    expect(batch.buffer.byteLength).toBeGreaterThanOrEqual(2 * 65536);
    const next = batches.next();
    expect(() => batch.data(0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    await batches.return!();
    await expect(next).resolves.toEqual({ value: undefined, done: true });
  });

  groIt('with GRO on, leftovers of an earlier receive come first, then the kernel\'s', async () => {
    const { receiver: r } = await coalesced(6, 500, 500);
    // recvfrom takes one datagram of the coalesced receive: five wait in the segment queue.
    expect((await r.recvfrom()).data[0]).toBe(0);
    const marks: number[] = [];
    for await (const batch of r.batches({ count: 2, size: 600 })) {
      for (let i = 0; i < batch.length; i++) marks.push(batch.data(i)[0]!);
      if (marks.length === 5) break;
    }
    expect(marks).toEqual([1, 2, 3, 4, 5]);
  });

  groIt('for await with GRO on yields each datagram, and what it did not yield after break comes next', async () => {
    const { receiver: r, sender } = await coalesced(8, 300, 30);
    const seen: number[] = [];
    for await (const d of r) {
      expect(d.from).toEqual(sender);
      expect(d.data.length).toBe(300);
      seen.push(d.data[0]!);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([0, 1, 2]);
    const rest: number[] = [];
    for (let i = 3; i < 8; i++) {
      const { data } = await r.recvfrom();
      rest.push(data[0]!);
      expect(data.length).toBe(i === 7 ? 30 : 300);
    }
    expect(rest).toEqual([3, 4, 5, 6, 7]);
  });

  groIt('with GRO on, each coalesced receive is traced as the recvmsg it is, with its UDP_GRO control message', async () => {
    const { receiver: r } = await coalesced(3, 100, 100);
    const lines: string[] = [];
    const previous = setTrace((line) => lines.push(line));
    try {
      for await (const batch of r.batches()) {
        expect(batch.length).toBe(3);
        break;
      }
    } finally {
      setTrace(previous);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^recvmsg\\(${r.fd}, .*iov_len=65536.*cmsg_level=SOL_UDP, cmsg_type=UDP_GRO, cmsg_data=\\[?100\\]?.*\\) = 300$`));
  });

  it('is traced as the recvmmsg strace shows', async () => {
    const server = udp();
    const client = udp();
    await send(client.socket, server.addr, 'hi');
    const lines: string[] = [];
    const previous = setTrace((line) => lines.push(line));
    try {
      for await (const batch of server.socket.batches({ count: 2, size: 4 })) {
        expect(batch.length).toBe(1);
        break;
      }
    } finally {
      setTrace(previous);
    }
    const fd = server.socket.fd;
    expect(lines).toHaveLength(1);
    // recvmmsg where there is one (it returns the datagrams); elsewhere its loop of recvmsg,
    // which returns the bytes (the attempt that found nothing more is left out).
    const mmsg = onLinux && !buildInfo.portable;
    expect(lines[0]).toMatch(new RegExp(mmsg ? `^recvmmsg\\(${fd}, .*"hi".*iov_len=4.*= 1$` : `^recvmsg\\(${fd}, .*"hi".*iov_len=4.*= 2$`));
  });
});

describe('for await (const d of socket): batch speed, nothing lost', () => {
  it('yields each datagram with its sender; each data is the caller to keep', async () => {
    const server = udp();
    const a = udp();
    const b = udp();
    await send(a.socket, server.addr, 'one');
    await send(b.socket, server.addr, '');
    await send(a.socket, server.addr, 'three');
    const kept: { data: Buffer; port: number }[] = [];
    for await (const { data, from } of server.socket) {
      kept.push({ data, port: (from as InetAddress).port });
      if (kept.length === 3) break;
    }
    await send(a.socket, server.addr, 'four');
    await server.socket.recvfrom();
    expect(kept.map(({ data, port }) => [data.toString(), port])).toEqual([
      ['one', a.addr.port],
      ['', b.addr.port],
      ['three', a.addr.port],
    ]);
  });

  it('break, then recvfrom: the datagrams read and not yielded come first, in order, then the rest', async () => {
    const server = udp();
    const client = udp();
    await send(client.socket, server.addr, 'a', 'b', 'c', 'd');
    for await (const d of server.socket) {
      expect(d.data.toString()).toBe('a');
      break;
    }
    await send(client.socket, server.addr, 'e');
    const texts: string[] = [];
    for (let i = 0; i < 4; i++) texts.push((await server.socket.recvfrom()).data.toString());
    expect(texts).toEqual(['b', 'c', 'd', 'e']);
    await expect(server.socket.recvfrom({ timeout: 10 })).rejects.toBeInstanceOf(TimedOutError);
  });

  it('every kind of receive gets the held datagrams first: recv(buf), recvmmsg, recvmsg, a second loop', async () => {
    const server = udp();
    const client = udp();
    await send(client.socket, server.addr, 'one', 'two', 'three-long', 'four', 'five', 'six');
    for await (const d of server.socket) {
      expect(d.data.toString()).toBe('one');
      break;
    }
    const small = Buffer.alloc(5);
    expect(await server.socket.recv(small)).toBe(3);
    expect(small.subarray(0, 3).toString()).toBe('two');
    const results = await server.socket.recvmmsg([Buffer.alloc(5)]);
    expect(results).toEqual([{ bytes: 5, from: client.addr, truncated: true }]);
    const message = await server.socket.recvmsg([Buffer.alloc(10)]);
    expect(message.bytes).toBe(4);
    const rest: string[] = [];
    for await (const d of server.socket) {
      rest.push(d.data.toString());
      if (rest.length === 2) break;
    }
    expect(rest).toEqual(['five', 'six']);
  });

  it('a throw in the loop body loses nothing either', async () => {
    const server = udp();
    const client = udp();
    await send(client.socket, server.addr, 'x', 'y', 'z');
    await expect(
      (async () => {
        for await (const d of server.socket) throw new Error(`stop at ${d.data.toString()}`);
      })(),
    ).rejects.toThrow('stop at x');
    expect((await server.socket.recvfrom()).data.toString()).toBe('y');
    expect((await server.socket.recvfrom()).data.toString()).toBe('z');
  });

  it('receives already waiting when the loop ends are served from what it held, in order', async () => {
    const server = udp();
    const client = udp();
    await send(client.socket, server.addr, '1', '2', '3');
    const iterator = server.socket[Symbol.asyncIterator]();
    expect((await iterator.next()).value!.data.toString()).toBe('1');
    // Made while the loop holds '2' and '3': they wait in the native queue.
    const into = Buffer.alloc(4);
    const waiting = [server.socket.recvfrom(), server.socket.recvfrom(into)];
    await iterator.return!();
    const [two, three] = await Promise.all(waiting);
    expect((two as { data: Buffer }).data.toString()).toBe('2');
    expect((three as { bytes: number }).bytes).toBe(1);
    expect(into.subarray(0, 1).toString()).toBe('3');
  });

  it('return() while a batch is on its way: the batch goes back to the socket', async () => {
    const server = udp();
    const client = udp();
    const iterator = server.socket[Symbol.asyncIterator]();
    const next = iterator.next();
    await send(client.socket, server.addr, 'p', 'q');
    await sleep(10); // delivered to the iterator, not yet read by the caller
    await iterator.return!();
    const first = await next;
    // Either the loop yielded 'p' before it ended, or nothing; what it did not yield comes next.
    const texts = first.done ? [] : [first.value.data.toString()];
    while (texts.length < 2) texts.push((await server.socket.recvfrom()).data.toString());
    expect(texts).toEqual(['p', 'q']);
  });

  it('ends quietly when the socket closes; an error of the socket ends it with that error', async () => {
    const server = udp();
    setTimeout(() => server.socket.close(), 10);
    let count = 0;
    for await (const d of server.socket) count += d.data.length;
    expect(count).toBe(0);
    // A closed socket: the loop ends at once.
    for await (const d of server.socket) count += d.data.length;
    expect(count).toBe(0);
    // A connected socket whose peer refused: the loop ends with the typed error.
    const client = udp();
    await client.socket.connect(closedUdpPort());
    await client.socket.send(Buffer.from('anyone?'));
    await expect(
      (async () => {
        for await (const d of client.socket) count += d.data.length;
      })(),
    ).rejects.toBeInstanceOf(ConnectionRefusedError);
    expect(count).toBe(0);
    // The same for a batches() loop, and the socket stays usable.
    await client.socket.send(Buffer.from('anyone?'));
    await expect(
      (async () => {
        for await (const batch of client.socket.batches()) count += batch.length;
      })(),
    ).rejects.toBeInstanceOf(ConnectionRefusedError);
    expect(client.socket.closed).toBe(false);
  });
});

describe('loops on one socket, and what they give back', () => {
  it('next() called twice without waiting: both turns come, in order, nothing skipped', async () => {
    const server = udp();
    const client = udp();
    await send(client.socket, server.addr, '1', '2', '3');
    const iterator = server.socket[Symbol.asyncIterator]();
    const turns = [iterator.next(), iterator.next(), iterator.next()];
    const texts = (await Promise.all(turns)).map((r) => r.value!.data.toString());
    expect(texts).toEqual(['1', '2', '3']);
    await iterator.return!();
  });

  it('a recvmmsg waiting when the loop ends is served from what the loop held, at once', async () => {
    const server = udp();
    const client = udp();
    await send(client.socket, server.addr, '1', '2', '3');
    const iterator = server.socket[Symbol.asyncIterator]();
    expect((await iterator.next()).value!.data.toString()).toBe('1');
    const buffers = [Buffer.alloc(4), Buffer.alloc(4), Buffer.alloc(4)];
    const waiting = server.socket.recvmmsg(buffers);
    await iterator.return!();
    const results = await waiting;
    expect(results.map((r, i) => buffers[i]!.subarray(0, r.bytes).toString())).toEqual(['2', '3']);
  });

  it('another loop waiting when the first ends gets what the first held, before anything newer', async () => {
    const server = udp();
    const client = udp();
    await send(client.socket, server.addr, 'c1', 'c2', 'c3');
    const first = server.socket[Symbol.asyncIterator]();
    const second = server.socket.batches();
    expect((await first.next()).value!.data.toString()).toBe('c1');
    const waiting = second.next();
    await first.return!();
    await send(client.socket, server.addr, 'c4');
    const batch = (await waiting).value!;
    expect([...batch].map((d) => d.data.toString())).toEqual(['c2', 'c3']);
    const next = (await second.next()).value!;
    expect(next.data(0).toString()).toBe('c4');
    await second.return!();
  });

  it('a datagram a loop took from the held ones and did not yield goes back first', async () => {
    const server = udp();
    const client = udp();
    await send(client.socket, server.addr, '1', '2', '3', '4');
    const first = server.socket[Symbol.asyncIterator]();
    expect((await first.next()).value!.data.toString()).toBe('1');
    await first.return!(); // holds 2, 3, 4
    const second = server.socket[Symbol.asyncIterator]();
    const pending = second.next(); // takes 2 from the held ones...
    await second.return!(); // ...and ends before the caller saw it
    const result = await pending;
    const texts = result.done ? [] : [result.value.data.toString()];
    while (texts.length < 3) texts.push((await server.socket.recvfrom()).data.toString());
    expect(texts).toEqual(['2', '3', '4']);
  });

  it('a receive queued behind held datagrams never fails when they run out', async () => {
    const server = udp();
    const client = udp();
    await send(client.socket, server.addr, '1', '2', '3');
    const iterator = server.socket[Symbol.asyncIterator]();
    expect((await iterator.next()).value!.data.toString()).toBe('1');
    await iterator.return!(); // holds 2 and 3
    const held = server.socket.batches({ count: 8 });
    const batch = (await held.next()).value!;
    expect([...batch].map((d) => d.data.toString())).toEqual(['2', '3']);
    // Queued while the held queue was still there; served after it is gone.
    const later = server.socket.recvmmsg([Buffer.alloc(4)]);
    await held.return!();
    await send(client.socket, server.addr, '4');
    expect((await later)[0]).toMatchObject({ bytes: 1 });
  });

  it('a waiting receive whose buffer was detached is refused, and the held datagram stays', async () => {
    const server = udp();
    const client = udp();
    await send(client.socket, server.addr, 'one', 'two');
    const iterator = server.socket[Symbol.asyncIterator]();
    const waiting = (async () => {
      await iterator.next();
    })();
    await waiting;
    const buf = new Uint8Array(8);
    const receive = server.socket.recvfrom(buf);
    structuredClone(buf.buffer, { transfer: [buf.buffer] });
    await iterator.return!();
    await expect(receive).rejects.toMatchObject({ code: 'ERR_INVALID_STATE' });
    expect((await server.socket.recvfrom()).data.toString()).toBe('two');
  });

  it('memory of a yielded datagram transferred away: the loop says so, and break still ends it cleanly', async () => {
    const server = udp();
    const client = udp();
    await send(client.socket, server.addr, 'one', 'two', 'three');
    const iterator = server.socket[Symbol.asyncIterator]();
    const { value } = await iterator.next();
    structuredClone(value!.data.buffer, { transfer: [value!.data.buffer as ArrayBuffer] });
    await expect(iterator.next()).rejects.toMatchObject({ code: 'ERR_INVALID_STATE' });
    await expect(iterator.return!()).resolves.toEqual({ value: undefined, done: true });
    expect(server.socket.stats().pendingReceives).toBe(0);
  });

  it('an unnamed AF_UNIX peer is AF_UNSPEC in every loop, as in recvfrom', async () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
    const receiver = trackSocket(Socket.from(a!));
    const peer = trackSocket(Socket.from(b!));
    await peer.send(Buffer.from('x'));
    await peer.send(Buffer.from('y'));
    const batch = (await receiver.batches().next()).value!;
    expect(batch.from(0)).toEqual({ family: 'AF_UNSPEC' });
    await peer.send(Buffer.from('z'));
    for await (const d of receiver) {
      expect(d.from).toEqual({ family: 'AF_UNSPEC' });
      break;
    }
  });

  it('an Array.prototype setter cannot run while a batch is read (it could close the socket under it)', () => {
    const script = `
      const { Socket, AF_INET, SOCK_DGRAM } = require('bsdsock');
      const server = new Socket(AF_INET, SOCK_DGRAM);
      server.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
      const client = new Socket(AF_INET, SOCK_DGRAM);
      let ran = 0;
      for (let i = 0; i < 8; i++) {
        Object.defineProperty(Array.prototype, i, { configurable: true, set() { ran++; server.close(); } });
      }
      (async () => {
        await client.sendto(Buffer.from('a'), server.getsockname());
        let got = -1;
        for await (const batch of server.batches({ count: 8 })) { got = batch.length; break; }
        for (let i = 0; i < 8; i++) delete Array.prototype[i]; // Node itself uses arrays
        console.log(got + ' ' + ran + ' ' + server.closed);
        server.close(); client.close();
      })();
    `;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: 10000 }).trim();
    expect(out).toBe('1 0 false');
  });
});
