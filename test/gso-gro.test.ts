// UDP segmentation (GSO) and receive coalescing (GRO) on loopback: what a receiver observes.
// A segmented send arrives as separate datagrams of the segment size (the last one shorter),
// whether the kernel split them (UDP_SEGMENT) or bsdsock did (the fallback, forced here by
// useSegmentationFallback() and by BSDSOCK_GSO=fallback); the same bad input fails the same way
// in both; a Socket with GRO on hands out exactly the datagrams that were sent, in order.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import {
  AF_INET,
  AF_INET6,
  ArgumentRangeError,
  InvalidArgumentError,
  MSG_DONTWAIT,
  MSG_PEEK,
  MessageTooLongError,
  SOCK_DGRAM,
  SOL_SOCKET,
  SOL_UDP,
  SO_RCVBUF,
  Socket,
  TimedOutError,
  UDP_GRO,
  UDP_SEGMENT,
  WouldBlockError,
  bind,
  buildInfo,
  close,
  encodeControl,
  getsockname,
  getsockopt,
  prepareBatch,
  recvfrom,
  recvmsg,
  sendmmsg,
  sendmsg,
  setsockopt,
  socket,
  udpOffload,
  type GroMessage,
  type Inet6Address,
  type InetAddress,
  type SegmentationMode,
} from '../lib';
import { closeSockets, trackSocket } from './helpers/async-sockets';
import { closeAll, track as trackFd, udpSocket } from './helpers/sockets';

afterEach(() => {
  closeSockets();
  closeAll();
});

const root = path.join(__dirname, '..');
// The kernel path exists on Linux builds that are not portable; everywhere else the fallback.
const kernelGso = process.platform === 'linux' && !buildInfo.portable;
const forced = process.env.BSDSOCK_GSO === 'fallback';
const groIt = UDP_GRO !== undefined ? it : it.skip; // UDP_GRO: Linux 5.0+, not the portable build
const modes: SegmentationMode[] = kernelGso && !forced ? ['kernel', 'fallback'] : ['fallback'];

/** `count` datagrams' worth: segment i of `size` bytes filled with i, the last one `last` bytes. */
function numbered(count: number, size: number, last = size): Buffer {
  const buf = Buffer.alloc(size * (count - 1) + last);
  for (let i = 0; i < count; i++) buf.fill(i, i * size, Math.min((i + 1) * size, buf.length));
  return buf;
}

/** A bound UDP receiver (flat) with room for every datagram of a test. */
function receiver(domain = AF_INET): { fd: number; addr: InetAddress | Inet6Address } {
  const fd = udpSocket(domain);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 1 << 20);
  bind(fd, domain === AF_INET ? { family: 'AF_INET', address: '127.0.0.1', port: 0 } : { family: 'AF_INET6', address: '::1', port: 0 });
  return { fd, addr: getsockname(fd) as InetAddress | Inet6Address };
}

/** Every datagram queued on `fd`: sizes and first bytes, read until the queue is empty. */
function drain(fd: number): { sizes: number[]; marks: number[] } {
  const buf = Buffer.alloc(65536);
  const sizes: number[] = [];
  const marks: number[] = [];
  for (;;) {
    try {
      const { bytes } = recvfrom(fd, buf, MSG_DONTWAIT);
      sizes.push(bytes);
      marks.push(buf[0]!);
    } catch (err) {
      if (err instanceof WouldBlockError) return { sizes, marks };
      throw err;
    }
  }
}

/** A Socket whose segmented sends go out by `mode`. */
function sender(mode: SegmentationMode, domain = AF_INET): Socket {
  const s = trackSocket(new Socket(domain, SOCK_DGRAM));
  if (mode === 'fallback') s.useSegmentationFallback();
  return s;
}

describe('SOL_UDP, UDP_SEGMENT and UDP_GRO', () => {
  it('are the platform values where it has them, and absent where it has none', () => {
    if (kernelGso) {
      expect([SOL_UDP, UDP_SEGMENT, UDP_GRO]).toEqual([17, 103, 104]); // <netinet/udp.h>
      expect(udpOffload()).toEqual({ segmentation: forced ? 'fallback' : 'kernel', fallbackForced: forced, gro: true });
      const fd = udpSocket();
      expect(getsockopt(fd, SOL_UDP!, UDP_SEGMENT!)).toBe(0);
    } else {
      expect([SOL_UDP, UDP_SEGMENT, UDP_GRO]).toEqual([undefined, undefined, undefined]);
      expect(udpOffload()).toMatchObject({ segmentation: 'fallback', gro: false });
    }
  });
});

describe.each(modes)('a segmented send (%s)', (mode) => {
  it('arrives as separate datagrams of the segment size, the last one shorter, gathered from several buffers', async () => {
    const { fd, addr } = receiver();
    const s = sender(mode);
    const data = numbered(4, 1200, 500);
    const parts = [data.subarray(0, 1000), data.subarray(1000, 1000), data.subarray(1000)];
    expect(await s.sendmsg(parts, { address: addr, segmentSize: 1200 })).toBe(4100);
    expect(s.segmentation()).toBe(mode);
    expect(drain(fd)).toEqual({ sizes: [1200, 1200, 1200, 500], marks: [0, 1, 2, 3] });
  });

  it('sends equal datagrams for an exact multiple, one datagram when the buffer fits one segment, and an empty one for nothing', async () => {
    const { fd, addr } = receiver();
    const s = sender(mode);
    await s.sendmsg([numbered(3, 100)], { address: addr, segmentSize: 100 });
    await s.sendmsg([Buffer.alloc(70, 9)], { address: addr, segmentSize: 100 });
    await s.sendmsg([], { address: addr, segmentSize: 100 });
    expect(drain(fd).sizes).toEqual([100, 100, 100, 70, 0]);
  });

  it('takes the size from a control entry, or from encoded control data, with other entries beside it', async () => {
    const { fd, addr } = receiver();
    const s = sender(mode);
    await s.sendmsg([numbered(2, 300, 10)], { address: addr, control: [{ kind: 'ttl', ttl: 7 }, { kind: 'segment', size: 300 }] });
    const encoded = encodeControl([{ kind: 'segment', size: 50 }]);
    await s.sendmsg([numbered(3, 50)], { address: addr, control: encoded });
    expect(drain(fd)).toEqual({ sizes: [300, 10, 50, 50, 50], marks: [0, 1, 0, 1, 2] });
  });

  it('sends 128 segments, and refuses 129 with EINVAL (the kernel limit), sending nothing', async () => {
    const { fd, addr } = receiver();
    const s = sender(mode);
    expect(await s.sendmsg([Buffer.alloc(128 * 10)], { address: addr, segmentSize: 10 })).toBe(1280);
    await expect(s.sendmsg([Buffer.alloc(128 * 10 + 1)], { address: addr, segmentSize: 10 })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(drain(fd).sizes).toHaveLength(128);
  });

  it('refuses more than one UDP datagram in all with EMSGSIZE (65507 bytes over IPv4, 65527 over IPv6)', async () => {
    const { fd, addr } = receiver();
    const s = sender(mode);
    expect(await s.sendmsg([Buffer.alloc(65507)], { address: addr, segmentSize: 1500 })).toBe(65507);
    await expect(s.sendmsg([Buffer.alloc(65508)], { address: addr, segmentSize: 1500 })).rejects.toBeInstanceOf(MessageTooLongError);
    expect(drain(fd).sizes).toHaveLength(44);
    const six = receiver(AF_INET6);
    const s6 = sender(mode, AF_INET6);
    expect(await s6.sendmsg([Buffer.alloc(65527)], { address: six.addr, segmentSize: 1500 })).toBe(65527);
    await expect(s6.sendmsg([Buffer.alloc(65528)], { address: six.addr, segmentSize: 1500 })).rejects.toBeInstanceOf(MessageTooLongError);
    expect(drain(six.fd).sizes).toHaveLength(44);
  });
});

// UDP-Lite (IPPROTO_UDPLITE, 136 on Linux) is the one socket on loopback for which the kernel
// answers a GSO send with EIO, as a device without checksum offload does.
const udpLite = ((): boolean => {
  if (!kernelGso || forced) return false;
  try {
    close(socket(AF_INET, SOCK_DGRAM, 136));
    return true;
  } catch {
    return false; // a kernel built without UDP-Lite
  }
})();
const eioIt = udpLite ? it : it.skip;

describe('a kernel that answers a GSO send with EIO', () => {
  eioIt('makes the Socket fall back once and for good, and the datagrams are the same', async () => {
    const lite = trackFd(socket(AF_INET, SOCK_DGRAM, 136));
    setsockopt(lite, SOL_SOCKET, SO_RCVBUF, 1 << 20);
    bind(lite, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
    const addr = getsockname(lite);
    const s = trackSocket(new Socket(AF_INET, SOCK_DGRAM, 136));
    expect(s.segmentation()).toBe('kernel'); // the probe: the kernel knows UDP_SEGMENT
    expect(await s.sendmsg([numbered(3, 1000, 500)], { address: addr, segmentSize: 1000 })).toBe(2500);
    expect(s.segmentation()).toBe('fallback');
    expect(sendmsg(lite, [numbered(2, 700)], 0, { address: addr, control: [{ kind: 'segment', size: 700 }] })).toBe(1400);
    expect(drain(lite)).toEqual({ sizes: [1000, 1000, 500, 700, 700], marks: [0, 1, 2, 0, 1] });
  });
});

describe.each(modes)('segmented messages in a batch (%s)', (mode) => {
  it('Socket.sendmmsg: each message with a segmentSize goes out as its datagrams, the others whole, in order', async () => {
    const { fd, addr } = receiver();
    const s = sender(mode);
    const sent = await s.sendmmsg([
      { buf: numbered(3, 100), address: addr, segmentSize: 100 },
      { buf: Buffer.alloc(50, 7), address: addr },
      { buf: numbered(3, 100, 50), address: addr, segmentSize: 100 },
    ]);
    expect(sent).toBe(3);
    expect(drain(fd)).toEqual({ sizes: [100, 100, 100, 50, 100, 100, 50], marks: [0, 1, 2, 7, 0, 1, 2] });
  });

  it('a prepared batch keeps its segment sizes for every send', async () => {
    const { fd, addr } = receiver();
    const s = sender(mode);
    const batch = prepareBatch([{ buf: numbered(2, 600, 10), address: addr, segmentSize: 600 }, { buf: numbered(2, 5), address: addr, segmentSize: 5 }]);
    expect(await s.sendmmsg(batch)).toBe(2);
    expect(await s.sendmmsg(batch)).toBe(2);
    expect(drain(fd).sizes).toEqual([600, 10, 5, 5, 600, 10, 5, 5]);
  });

  it('stops at a message the kernel refuses (129 segments): those before it go; refused first, it throws', async () => {
    const { fd, addr } = receiver();
    const s = sender(mode);
    const tooMany = { buf: Buffer.alloc(129 * 10), address: addr, segmentSize: 10 };
    const fine = { buf: numbered(2, 10), address: addr, segmentSize: 10 };
    expect(await s.sendmmsg([fine, fine])).toBe(2);
    expect(drain(fd).sizes).toEqual([10, 10, 10, 10]);
    await expect(s.sendmmsg([tooMany, fine])).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(drain(fd).sizes).toEqual([]);
    // The flat call returns how many went, as sendmmsg(2) does.
    const flat = udpSocket();
    if (mode === 'fallback') {
      const messages = '[{ buf: Buffer.alloc(20), address: to, segmentSize: 10 }, { buf: Buffer.alloc(1290), address: to, segmentSize: 10 }]';
      expect(runFlatFallback(`b.sendmmsg(fd, ${messages})`, addr)).toBe(1);
    } else {
      expect(sendmmsg(flat, [fine, tooMany, fine])).toBe(1);
    }
    expect(drain(fd).sizes).toEqual([10, 10]);
  });
});

/** Runs `expression` in a child with BSDSOCK_GSO=fallback (`b` the package, `fd` a UDP socket, `to` the address): its value. */
function runFlatFallback(expression: string, to: InetAddress | Inet6Address): unknown {
  const script = `
    const b = require('bsdsock');
    const fd = b.socket(b.AF_INET, b.SOCK_DGRAM);
    const to = ${JSON.stringify(to)};
    console.log(JSON.stringify(${expression}));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, env: { ...process.env, BSDSOCK_GSO: 'fallback' }, encoding: 'utf8', timeout: 15000 }));
}

describe('segment sizes in batches', () => {
  it('are checked before any syscall: ArgumentRangeError for 0 or above 65535, a TypeError for a non-number', async () => {
    const { fd, addr } = receiver();
    const s = udpSocket();
    for (const segmentSize of [0, 65536, -5, 1.5]) {
      expect(() => sendmmsg(s, [{ buf: Buffer.alloc(10), address: addr, segmentSize }])).toThrow(ArgumentRangeError);
      expect(() => prepareBatch([{ buf: Buffer.alloc(10), address: addr }, { buf: Buffer.alloc(10), address: addr, segmentSize }])).toThrow(
        expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: expect.stringContaining('messages[1].segmentSize') }),
      );
    }
    expect(() => sendmmsg(s, [{ buf: Buffer.alloc(10), address: addr, segmentSize: '4' as never }])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    const socket = trackSocket(new Socket(AF_INET, SOCK_DGRAM));
    await expect(socket.sendmmsg([{ buf: Buffer.alloc(10), address: addr, segmentSize: 0 }])).rejects.toBeInstanceOf(ArgumentRangeError);
    expect(drain(fd).sizes).toEqual([]);
  });
});

describe('a segmented send with the flat sendmsg', () => {
  it('is split by the kernel or the fallback, with the same datagrams', () => {
    const { fd, addr } = receiver();
    const s = udpSocket();
    expect(sendmsg(s, [numbered(3, 400, 1)], 0, { address: addr, control: [{ kind: 'segment', size: 400 }] })).toBe(801);
    expect(drain(fd)).toEqual({ sizes: [400, 400, 1], marks: [0, 1, 2] });
  });

  it('refuses a size of 0 or above 65535 with ArgumentRangeError (ERR_OUT_OF_RANGE), before any syscall', () => {
    const { fd, addr } = receiver();
    const s = udpSocket();
    for (const size of [0, 65536, -1, 2.5, NaN]) {
      expect(() => sendmsg(s, [Buffer.alloc(10)], 0, { address: addr, control: [{ kind: 'segment', size }] })).toThrow(ArgumentRangeError);
      expect(() => encodeControl([{ kind: 'segment', size }])).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    }
    expect(() => sendmsg(s, [Buffer.alloc(10)], 0, { address: addr, control: [{ kind: 'segment', size: '10' as never }] })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(drain(fd).sizes).toEqual([]);
  });

  it('forced by BSDSOCK_GSO=fallback (read when bsdsock loads): the same datagrams and the same errors', () => {
    const { fd, addr } = receiver();
    const script = `
      const b = require('bsdsock');
      const s = b.socket(b.AF_INET, b.SOCK_DGRAM);
      const to = ${JSON.stringify(addr)};
      const sent = b.sendmsg(s, [Buffer.alloc(2500, 1)], 0, { address: to, control: [{ kind: 'segment', size: 1000 }] });
      const errors = [];
      for (const bytes of [129 * 10, 65508]) {
        try { b.sendmsg(s, [Buffer.alloc(bytes)], 0, { address: to, control: [{ kind: 'segment', size: 10 }] }); } catch (e) { errors.push(e.constructor.name + ' ' + e.code); }
      }
      const socket = new b.Socket(b.AF_INET, b.SOCK_DGRAM);
      console.log(JSON.stringify({ offload: b.udpOffload(), sent, errors, mode: socket.segmentation() }));
      socket.close();`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, env: { ...process.env, BSDSOCK_GSO: 'fallback' }, encoding: 'utf8', timeout: 15000 }));
    expect(out).toEqual({
      offload: { segmentation: 'fallback', fallbackForced: true, gro: UDP_GRO !== undefined },
      sent: 2500,
      errors: ['InvalidArgumentError EINVAL', 'MessageTooLongError EMSGSIZE'],
      mode: 'fallback',
    });
    expect(drain(fd).sizes).toEqual([1000, 1000, 500]);
  });
});

describe('GRO: coalesced receives', () => {
  /** A GSO send of `count` × `size` bytes to a fresh GRO receiver. */
  async function coalesced(count: number, size: number, last = size): Promise<{ receiver: Socket; sender: Socket }> {
    const r = trackSocket(new Socket(AF_INET, SOCK_DGRAM));
    r.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
    r.setsockopt(SOL_SOCKET, SO_RCVBUF, 1 << 20);
    r.setGro(true);
    const s = trackSocket(new Socket(AF_INET, SOCK_DGRAM));
    s.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
    await s.sendmsg([numbered(count, size, last)], { address: r.getsockname(), segmentSize: size });
    return { receiver: r, sender: s };
  }

  groIt('the flat recvmsg returns the coalesced bytes with { kind: "gro", segmentSize }', async () => {
    const { receiver: r } = await coalesced(40, 1200);
    const buf = Buffer.alloc(65536);
    const result = recvmsg(r.fd, [buf]);
    // On loopback a GSO send reaches a GRO socket whole: one read of all 40 datagrams.
    expect(result.bytes).toBe(48000);
    expect(result.control).toContainEqual({ kind: 'gro', segmentSize: 1200 } satisfies GroMessage);
  });

  groIt('a Socket hands out each datagram as its own result, with its sender, in order, through every receive', async () => {
    const { receiver: r, sender: s } = await coalesced(40, 1200, 700);
    const marks: number[] = [];
    const sizes: number[] = [];
    // One datagram of the coalesced read: the other 39 stay queued for the next receives.
    const first = await r.recvfrom();
    expect(first.from).toEqual(s.getsockname());
    marks.push(first.data[0]!);
    sizes.push(first.data.length);
    const own = Buffer.alloc(2000);
    const second = await r.recvfrom(own);
    marks.push(own[0]!);
    sizes.push(second.bytes);
    const buffers = Array.from({ length: 8 }, () => Buffer.alloc(2000));
    const batch = await r.recvmmsg(buffers);
    expect(batch).toHaveLength(8);
    batch.forEach((result, i) => {
      expect(result.from).toEqual(s.getsockname());
      marks.push(buffers[i]![0]!);
      sizes.push(result.bytes);
    });
    const peeked = await r.recvmsg([Buffer.alloc(1200)], { flags: MSG_PEEK });
    const message = await r.recvmsg([Buffer.alloc(600), Buffer.alloc(600)]);
    expect(peeked.bytes).toBe(message.bytes);
    expect(message.control).toContainEqual({ kind: 'gro', segmentSize: 1200 });
    marks.push(10);
    sizes.push(message.bytes);
    for await (const { data, from } of r) {
      expect(from).toEqual(s.getsockname());
      marks.push(data[0]!);
      sizes.push(data.length);
      if (marks.length === 40) break;
    }
    expect(marks).toEqual([...Array(40).keys()]);
    expect(sizes).toEqual([...Array(39).fill(1200), 700]);
    // Nothing more: every datagram was handed out once.
    await expect(r.recvfrom({ timeout: 20 })).rejects.toBeInstanceOf(TimedOutError);
  });

  groIt('over IPv6 too: a GSO send to a GRO Socket comes out as the datagrams sent', async () => {
    const r = trackSocket(new Socket(AF_INET6, SOCK_DGRAM));
    r.bind({ family: 'AF_INET6', address: '::1', port: 0 });
    r.setGro(true);
    const s = trackSocket(new Socket(AF_INET6, SOCK_DGRAM));
    await s.sendmsg([numbered(5, 1000, 3)], { address: r.getsockname(), segmentSize: 1000 });
    const results = await r.recvmmsg(Array.from({ length: 8 }, () => Buffer.alloc(1500)));
    expect(results.map((x) => x.bytes)).toEqual([1000, 1000, 1000, 1000, 3]);
    expect(results[0]!.from).toMatchObject({ family: 'AF_INET6', address: '::1', port: (s.getsockname() as Inet6Address).port });
  });

  groIt('a receive shorter than a datagram is truncated, and the next datagram is untouched', async () => {
    const { receiver: r } = await coalesced(2, 100);
    const small = Buffer.alloc(10);
    expect(await r.recvfrom(small)).toMatchObject({ bytes: 10, truncated: true });
    const next = await r.recvfrom();
    expect(next).toMatchObject({ truncated: false });
    expect(next.data).toEqual(Buffer.alloc(100, 1));
  });

  groIt('setsockopt(SOL_UDP, UDP_GRO, 1) turns the split on as setGro does, and off again', async () => {
    const r = trackSocket(new Socket(AF_INET, SOCK_DGRAM));
    r.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
    expect(r.gro).toBe(false);
    r.setsockopt(SOL_UDP!, UDP_GRO!, 1);
    expect(r.gro).toBe(true);
    const s = trackSocket(new Socket(AF_INET, SOCK_DGRAM));
    await s.sendmsg([numbered(3, 500)], { address: r.getsockname(), segmentSize: 500 });
    const got = [await r.recvfrom(), await r.recvfrom(), await r.recvfrom()].map((d) => [d.data.length, d.data[0]]);
    expect(got).toEqual([[500, 0], [500, 1], [500, 2]]);
    r.setGro(false);
    expect(r.gro).toBe(false);
    expect(getsockopt(r.fd, SOL_UDP!, UDP_GRO!)).toBe(0);
  });

  groIt('a Socket adopting a descriptor with GRO on splits too', async () => {
    const fd = udpSocket();
    bind(fd, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
    setsockopt(fd, SOL_UDP!, UDP_GRO!, 1);
    const r = trackSocket(Socket.from(fd));
    expect(r.gro).toBe(true);
    const s = trackSocket(new Socket(AF_INET, SOCK_DGRAM));
    await s.sendmsg([numbered(2, 300)], { address: r.getsockname(), segmentSize: 300 });
    const results = await r.recvmmsg([Buffer.alloc(400), Buffer.alloc(400), Buffer.alloc(400)]);
    expect(results.map((x) => x.bytes)).toEqual([300, 300]);
  });

  groIt('GRO cannot change while a recvfrom waits (it would take a coalesced read as one datagram)', async () => {
    const r = trackSocket(new Socket(AF_INET, SOCK_DGRAM));
    r.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
    const waiting = r.recvfrom({ timeout: 20 });
    expect(() => r.setGro(true)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    expect(r.gro).toBe(false);
    await expect(waiting).rejects.toBeInstanceOf(TimedOutError);
    expect(() => r.setGro('yes' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  (UDP_GRO === undefined ? it : it.skip)('setGro is refused where the platform has no UDP_GRO', () => {
    const r = trackSocket(new Socket(AF_INET, SOCK_DGRAM));
    expect(() => r.setGro(true)).toThrow(expect.objectContaining({ code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM' }));
  });
});
