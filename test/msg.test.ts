// sendmsg/recvmsg on real loopback sockets: scatter/gather, truncation of data and control,
// and each kind of ancillary data, enabled by its socket option.
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  ArgumentRangeError,
  ArgumentTypeError,
  BadDescriptorError,
  CMSG_LEN,
  CMSG_SPACE,
  CONTROL_SIZE_MAX,
  EncodedControl,
  F_GETFD,
  FD_CLOEXEC,
  IOV_MAX,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPV6_RECVHOPLIMIT,
  IPV6_RECVPKTINFO,
  IPV6_UNICAST_HOPS,
  IP_ORIGDSTADDR,
  IP_PKTINFO,
  IP_RECVORIGDSTADDR,
  IP_RECVTOS,
  IP_RECVTTL,
  IP_TOS,
  IP_TTL,
  InvalidArgumentError,
  MSG_DONTWAIT,
  MSG_PEEK,
  MSG_TRUNC,
  SOCK_DGRAM,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_RXQ_OVFL,
  SO_TIMESTAMP,
  SO_TIMESTAMPNS,
  WouldBlockError,
  bind,
  connect,
  encodeControl,
  fcntl,
  getsockname,
  getsockopt,
  recv,
  recvfrom,
  recvmsg,
  send,
  sendmsg,
  sendto,
  setsockopt,
  sockaddr,
  socketpair,
  type ControlMessage,
  type Inet6Address,
  type InetAddress,
  type SocketAddress,
} from '../lib';
import { binding } from '../lib/native';
import { itOnLinux } from './helpers/platform';
import { LOOPBACK4, boundUdp, boundUdp6, closeAll, closeTracked, track, udpSocket } from './helpers/sockets';

afterEach(closeAll);

const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The kernel turns receive timestamps on from a work queue the first time a socket asks: the
 * first datagrams may be stamped when read rather than when they arrived. One datagram through
 * a stamping socket, and a pause, let that happen before a test compares stamps.
 */
function warmTimestamps(server: { fd: number; addr: SocketAddress }, client: { fd: number }): void {
  sendto(client.fd, Buffer.from('warm-up'), 0, server.addr);
  pause(20);
  recvmsg(server.fd, [Buffer.alloc(16)]);
}

/** A UDP socket bound to the IPv4 wildcard address, with the port it got. */
function wildcardUdp(): { fd: number; port: number } {
  const fd = udpSocket(AF_INET);
  bind(fd, { family: 'AF_INET', address: '0.0.0.0', port: 0 });
  return { fd, port: (getsockname(fd) as InetAddress).port };
}

function only<K extends ControlMessage['kind']>(control: readonly ControlMessage[], kind: K): Extract<ControlMessage, { kind: K }> {
  const found = control.filter((c) => c.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as Extract<ControlMessage, { kind: K }>;
}

describe('scatter/gather', () => {
  it('sendmsg gathers the buffers in order, zero-length parts and every kind of view included', () => {
    const server = boundUdp();
    const client = boundUdp();
    const backing = Buffer.from('..XY..');
    const parts = [
      Buffer.from('ab'),
      Buffer.alloc(0),
      new Uint8Array([0x63, 0x64, 0x65]), // 'cde'
      new DataView(backing.buffer, backing.byteOffset + 2, 2), // 'XY': only the view's bytes
      new Uint8Array(0),
      Uint16Array.of(0x6766), // 'fg' on a little-endian host, 2 bytes either way
    ];
    expect(sendmsg(client.fd, parts, 0, { address: server.addr })).toBe(9);
    const buf = Buffer.alloc(32);
    const got = recvfrom(server.fd, buf);
    expect(got).toMatchObject({ bytes: 9, from: client.addr, truncated: false });
    expect(buf.subarray(0, 7).toString()).toBe('abcdeXY');
    expect(buf.subarray(7, 9)).toEqual(Buffer.from(Uint16Array.of(0x6766).buffer));
  });

  it('recvmsg scatters one datagram over the buffers in order, writing only inside each view', () => {
    const server = boundUdp();
    const client = boundUdp();
    sendto(client.fd, Buffer.from('0123456789'), 0, server.addr);
    const backing = Buffer.alloc(12, '.');
    const a = backing.subarray(1, 3);
    const empty = backing.subarray(4, 4);
    const b = backing.subarray(5, 9);
    const c = Buffer.alloc(16, '-');
    const got = recvmsg(server.fd, [a, empty, b, c]);
    expect(got).toMatchObject({ bytes: 10, from: client.addr, truncated: false, controlTruncated: false, control: [] });
    expect(backing.toString()).toBe('.01..2345...');
    expect(c.toString()).toBe('6789------------');
  });

  it('a zero-length datagram: sent with no buffers at all, received into none, nothing truncated', () => {
    const server = boundUdp();
    const client = boundUdp();
    expect(sendmsg(client.fd, [], 0, { address: server.addr })).toBe(0);
    expect(sendmsg(client.fd, [Buffer.alloc(0)], 0, { address: server.addr })).toBe(0);
    expect(recvmsg(server.fd, [])).toMatchObject({ bytes: 0, from: client.addr, truncated: false });
    expect(recvmsg(server.fd, [Buffer.alloc(4)])).toMatchObject({ bytes: 0, truncated: false });
  });

  it('exactly IOV_MAX buffers go in one call', () => {
    const server = boundUdp();
    setsockopt(server.fd, SOL_SOCKET, SO_RCVBUF, 1 << 20);
    const client = boundUdp();
    const max = IOV_MAX!;
    const parts = Array.from({ length: max }, (_, i) => Buffer.from([i & 0xff]));
    expect(sendmsg(client.fd, parts, 0, { address: server.addr })).toBe(max);
    const into = Array.from({ length: max }, () => Buffer.alloc(1));
    expect(recvmsg(server.fd, into).bytes).toBe(max);
    expect(into.every((b, i) => b[0] === (i & 0xff))).toBe(true);
  });

  it('on a connected socket sendmsg needs no address, and an explicit one is an EncodedAddress or an object', () => {
    const server = boundUdp();
    const client = boundUdp();
    connect(client.fd, server.addr);
    expect(sendmsg(client.fd, [Buffer.from('one')])).toBe(3);
    const other = boundUdp();
    expect(sendmsg(other.fd, [Buffer.from('two')], 0, { address: sockaddr(server.addr) })).toBe(3);
    const buf = Buffer.alloc(8);
    expect(recvmsg(server.fd, [buf]).from).toEqual(client.addr);
    expect(recvmsg(server.fd, [buf]).from).toEqual(other.addr);
  });

  it('a failed sendmsg throws the typed error with the address it was given', () => {
    const client = boundUdp();
    let caught: unknown;
    try {
      sendmsg(client.fd, [Buffer.from('x')], 0, { address: { family: 'AF_INET', address: LOOPBACK4, port: 0 } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect(caught).toMatchObject({ syscall: 'sendmsg', message: 'sendmsg EINVAL 127.0.0.1:0' });
  });

  it('MSG_PEEK and MSG_DONTWAIT work as in C', () => {
    const server = boundUdp();
    const client = boundUdp();
    expect(() => recvmsg(server.fd, [Buffer.alloc(4)], MSG_DONTWAIT)).toThrow(WouldBlockError);
    sendmsg(client.fd, [Buffer.from('peek')], 0, { address: server.addr });
    expect(recvmsg(server.fd, [Buffer.alloc(8)], MSG_PEEK).bytes).toBe(4);
    expect(recvmsg(server.fd, [Buffer.alloc(8)], MSG_DONTWAIT).bytes).toBe(4);
    expect(() => recvmsg(server.fd, [Buffer.alloc(4)], MSG_DONTWAIT)).toThrow(WouldBlockError);
  });
});

describe('truncation', () => {
  it('a datagram longer than all the buffers fills them, reports truncated, and the rest is gone', () => {
    const server = boundUdp();
    const client = boundUdp();
    sendto(client.fd, Buffer.from('0123456789'), 0, server.addr);
    sendto(client.fd, Buffer.from('next'), 0, server.addr);
    const a = Buffer.alloc(4);
    const b = Buffer.alloc(2);
    expect(recvmsg(server.fd, [a, b])).toMatchObject({ bytes: 6, truncated: true });
    expect(`${a}${b}`).toBe('012345');
    expect(recvmsg(server.fd, [Buffer.alloc(8)])).toMatchObject({ bytes: 4, truncated: false });
    // Into no buffer at all, the whole datagram is consumed.
    sendto(client.fd, Buffer.from('gone'), 0, server.addr);
    expect(recvmsg(server.fd, [])).toMatchObject({ bytes: 0, truncated: true });
  });

  itOnLinux('with the MSG_TRUNC flag (Linux) bytes is the real length', () => {
    const server = boundUdp();
    const client = boundUdp();
    sendto(client.fd, Buffer.from('0123456789'), 0, server.addr);
    expect(recvmsg(server.fd, [Buffer.alloc(3)], MSG_TRUNC!)).toMatchObject({ bytes: 10, truncated: true });
  });

  it('control data that does not fit is cut: controlTruncated, and only what fit is returned', () => {
    const server = wildcardUdp();
    setsockopt(server.fd, IPPROTO_IP, IP_PKTINFO!, true);
    setsockopt(server.fd, IPPROTO_IP, IP_RECVTTL!, true);
    const client = boundUdp();
    const to = { family: 'AF_INET', address: LOOPBACK4, port: server.port } as const;
    sendto(client.fd, Buffer.from('a'), 0, to);
    const none = recvmsg(server.fd, [Buffer.alloc(4)], 0, { controlSize: 0 });
    expect(none).toMatchObject({ bytes: 1, controlTruncated: true, control: [] });

    sendto(client.fd, Buffer.from('b'), 0, to);
    const all = recvmsg(server.fd, [Buffer.alloc(4)], 0, { controlSize: CMSG_SPACE(12) + CMSG_SPACE(4) });
    expect(all.controlTruncated).toBe(false);
    expect(all.control.map((c) => c.kind).sort()).toEqual(['pktinfo', 'ttl']);
  });

  itOnLinux('an entry cut short by the kernel comes back raw, with the bytes that fit (Linux order)', () => {
    const server = wildcardUdp();
    setsockopt(server.fd, IPPROTO_IP, IP_PKTINFO!, true);
    setsockopt(server.fd, IPPROTO_IP, IP_RECVTTL!, true);
    const client = boundUdp();
    sendto(client.fd, Buffer.from('a'), 0, { family: 'AF_INET', address: LOOPBACK4, port: server.port });
    // Room for the pktinfo (12 bytes) and the header of the TTL plus 2 of its 4 bytes.
    const got = recvmsg(server.fd, [Buffer.alloc(4)], 0, { controlSize: CMSG_SPACE(12) + CMSG_LEN(2) });
    expect(got.controlTruncated).toBe(true);
    expect(got.control).toHaveLength(2);
    expect(got.control[0]).toMatchObject({ kind: 'pktinfo', address: LOOPBACK4 });
    expect(got.control[1]).toEqual({ kind: 'raw', level: IPPROTO_IP, type: IP_TTL, data: expect.any(Buffer) });
    expect((got.control[1] as { data: Buffer }).data).toHaveLength(2);
  });
});

describe('IP_PKTINFO: a wildcard-bound server answers from the address it was asked on', () => {
  // Every 127.0.0.0/8 address is the local host on Linux; macOS has only 127.0.0.1 by default.
  itOnLinux('without pktinfo the reply to 127.0.0.2 comes from 127.0.0.1; with it, from 127.0.0.2', () => {
    const server = wildcardUdp();
    setsockopt(server.fd, IPPROTO_IP, IP_PKTINFO!, true);
    const client = boundUdp();
    const buf = Buffer.alloc(64);
    for (const asked of ['127.0.0.1', '127.0.0.2']) {
      sendmsg(client.fd, [Buffer.from(`to ${asked}`)], 0, { address: { family: 'AF_INET', address: asked, port: server.port } });
      const request = recvmsg(server.fd, [buf]);
      const pktinfo = only(request.control, 'pktinfo');
      expect(pktinfo).toEqual({ kind: 'pktinfo', family: 'AF_INET', address: asked, specDst: asked, ifindex: expect.any(Number) });
      expect(pktinfo.ifindex).toBeGreaterThan(0);

      // The plain reply: the kernel picks the source by route, 127.0.0.1 for a 127.0.0.1 client.
      sendmsg(server.fd, [Buffer.from('plain')], 0, { address: request.from });
      expect(recvmsg(client.fd, [buf]).from).toEqual({ family: 'AF_INET', address: '127.0.0.1', port: server.port });

      // The reply with the received pktinfo sent back unchanged: from the address that was asked.
      sendmsg(server.fd, [Buffer.from('right')], 0, { address: request.from, control: [pktinfo] });
      expect(recvmsg(client.fd, [buf]).from).toEqual({ family: 'AF_INET', address: asked, port: server.port });
    }
  });

  itOnLinux('a hand-written pktinfo with just an address chooses the source', () => {
    const server = wildcardUdp();
    const client = boundUdp();
    sendmsg(server.fd, [Buffer.from('x')], 0, { address: client.addr, control: [{ kind: 'pktinfo', address: '127.0.0.3' }] });
    expect(recvmsg(client.fd, [Buffer.alloc(4)]).from).toEqual({ family: 'AF_INET', address: '127.0.0.3', port: server.port });
  });

  it('IPv6: IPV6_RECVPKTINFO and IPV6_RECVHOPLIMIT on ::1, and the reply sent with the pktinfo', () => {
    const server = udpSocket(AF_INET6);
    bind(server, { family: 'AF_INET6', address: '::', port: 0 });
    const port = (getsockname(server) as Inet6Address).port;
    setsockopt(server, IPPROTO_IPV6, IPV6_RECVPKTINFO!, true);
    setsockopt(server, IPPROTO_IPV6, IPV6_RECVHOPLIMIT!, true);
    const client = boundUdp6();
    sendmsg(client.fd, [Buffer.from('six')], 0, {
      address: { family: 'AF_INET6', address: '::1', port },
      control: [{ kind: 'hopLimit', hopLimit: 9 }],
    });
    const got = recvmsg(server, [Buffer.alloc(8)]);
    expect(got.from).toEqual(client.addr);
    expect(only(got.control, 'hopLimit').hopLimit).toBe(9);
    const pktinfo = only(got.control, 'pktinfo');
    expect(pktinfo).toMatchObject({ family: 'AF_INET6', address: '::1' });
    expect(pktinfo.ifindex).toBeGreaterThan(0);
    sendmsg(server, [Buffer.from('back')], 0, { address: got.from, control: [pktinfo] });
    expect(recvmsg(client.fd, [Buffer.alloc(8)]).from).toMatchObject({ family: 'AF_INET6', address: '::1', port });
  });
});

describe('timestamps', () => {
  itOnLinux('SO_TIMESTAMPNS: a bigint of nanoseconds since the epoch, increasing datagram by datagram', () => {
    const server = boundUdp();
    setsockopt(server.fd, SOL_SOCKET, SO_TIMESTAMPNS!, true);
    const client = boundUdp();
    warmTimestamps(server, client);
    for (let i = 0; i < 3; i++) {
      sendto(client.fd, Buffer.from([i]), 0, server.addr);
      pause(2);
    }
    const stamps = [0, 1, 2].map(() => only(recvmsg(server.fd, [Buffer.alloc(1)]).control, 'timestamp').ns);
    expect(typeof stamps[0]).toBe('bigint');
    expect(stamps[1]! > stamps[0]!).toBe(true);
    expect(stamps[2]! > stamps[1]!).toBe(true);
    // A unit check: nanoseconds since 1970, so within a day of the wall clock.
    const wall = BigInt(Date.now()) * 1_000_000n;
    const day = 86_400n * 1_000_000_000n;
    expect(stamps[0]! > wall - day && stamps[0]! < wall + day).toBe(true);
  });

  it('SO_TIMESTAMP (a timeval, on every platform): microseconds, as nanoseconds', () => {
    const server = boundUdp();
    setsockopt(server.fd, SOL_SOCKET, SO_TIMESTAMP, true);
    const client = boundUdp();
    warmTimestamps(server, client);
    sendto(client.fd, Buffer.from('a'), 0, server.addr);
    pause(2);
    sendto(client.fd, Buffer.from('b'), 0, server.addr);
    const first = only(recvmsg(server.fd, [Buffer.alloc(1)]).control, 'timestamp').ns;
    const second = only(recvmsg(server.fd, [Buffer.alloc(1)]).control, 'timestamp').ns;
    expect(first % 1000n).toBe(0n);
    expect(second > first).toBe(true);
  });
});

describe('SO_RXQ_OVFL', () => {
  itOnLinux('the drop count equals sent minus received after a deliberate overflow', () => {
    const server = boundUdp();
    setsockopt(server.fd, SOL_SOCKET, SO_RCVBUF, 4096);
    setsockopt(server.fd, SOL_SOCKET, SO_RXQ_OVFL!, true);
    const client = boundUdp();
    const sent = 300;
    const payload = Buffer.alloc(512, 1);
    for (let i = 0; i < sent; i++) sendto(client.fd, payload, 0, server.addr);
    let received = 0;
    const buf = Buffer.alloc(1024);
    for (;;) {
      try {
        recvmsg(server.fd, [buf], MSG_DONTWAIT);
        received++;
      } catch (err) {
        expect(err).toBeInstanceOf(WouldBlockError);
        break;
      }
    }
    expect(received).toBeLessThan(sent);
    // The count a datagram carries is the total as it stood when it was queued: a marker sent
    // now that the queue is empty carries every drop so far.
    sendto(client.fd, Buffer.from('marker'), 0, server.addr);
    const marker = recvmsg(server.fd, [buf]);
    expect(buf.toString('latin1', 0, marker.bytes)).toBe('marker');
    expect(only(marker.control, 'dropped').count).toBe(sent - received);
  });

  itOnLinux('absent while nothing was dropped', () => {
    const server = boundUdp();
    setsockopt(server.fd, SOL_SOCKET, SO_RXQ_OVFL!, true);
    const client = boundUdp();
    sendto(client.fd, Buffer.from('x'), 0, server.addr);
    expect(recvmsg(server.fd, [Buffer.alloc(4)]).control).toEqual([]);
  });
});

describe('TTL, hop limit and TOS', () => {
  it('IP_RECVTTL and IP_RECVTOS report what the sender set with setsockopt', () => {
    const server = boundUdp();
    setsockopt(server.fd, IPPROTO_IP, IP_RECVTTL!, true);
    setsockopt(server.fd, IPPROTO_IP, IP_RECVTOS!, true);
    const client = boundUdp();
    setsockopt(client.fd, IPPROTO_IP, IP_TTL, 33);
    setsockopt(client.fd, IPPROTO_IP, IP_TOS, 0x10);
    sendto(client.fd, Buffer.from('x'), 0, server.addr);
    const got = recvmsg(server.fd, [Buffer.alloc(4)]);
    expect(only(got.control, 'ttl').ttl).toBe(33);
    expect(only(got.control, 'tos').tos).toBe(0x10);
  });

  itOnLinux('a TTL and a TOS sent as control messages apply to that datagram only', () => {
    const server = boundUdp();
    setsockopt(server.fd, IPPROTO_IP, IP_RECVTTL!, true);
    setsockopt(server.fd, IPPROTO_IP, IP_RECVTOS!, true);
    const client = boundUdp();
    sendmsg(client.fd, [Buffer.from('x')], 0, { address: server.addr, control: [{ kind: 'ttl', ttl: 7 }, { kind: 'tos', tos: 0x20 }] });
    sendmsg(client.fd, [Buffer.from('y')], 0, { address: server.addr });
    const first = recvmsg(server.fd, [Buffer.alloc(4)]).control;
    const second = recvmsg(server.fd, [Buffer.alloc(4)]).control;
    expect([only(first, 'ttl').ttl, only(first, 'tos').tos]).toEqual([7, 0x20]);
    expect([only(second, 'ttl').ttl, only(second, 'tos').tos]).toEqual([getsockopt(client.fd, IPPROTO_IP, IP_TTL), 0]);
  });

  it('IPV6_RECVHOPLIMIT reports IPV6_UNICAST_HOPS of the sender', () => {
    const server = boundUdp6();
    setsockopt(server.fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT!, true);
    const client = boundUdp6();
    setsockopt(client.fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 17);
    sendto(client.fd, Buffer.from('x'), 0, server.addr);
    expect(only(recvmsg(server.fd, [Buffer.alloc(4)]).control, 'hopLimit').hopLimit).toBe(17);
  });
});

describe('raw control messages', () => {
  itOnLinux('an entry bsdsock does not parse comes back raw: IP_RECVORIGDSTADDR (a sockaddr_in)', () => {
    const server = boundUdp();
    setsockopt(server.fd, IPPROTO_IP, IP_RECVORIGDSTADDR!, true);
    const client = boundUdp();
    sendto(client.fd, Buffer.from('x'), 0, server.addr);
    const raw = only(recvmsg(server.fd, [Buffer.alloc(4)]).control, 'raw');
    expect(raw).toMatchObject({ level: IPPROTO_IP, type: IP_ORIGDSTADDR });
    // struct sockaddr_in: family, port (network order), address.
    expect(raw.data.readUInt16BE(2)).toBe(server.addr.port);
    expect([...raw.data.subarray(4, 8)]).toEqual([127, 0, 0, 1]);
  });

  itOnLinux('a raw entry is sent as given: IP_TTL as a raw int', () => {
    const server = boundUdp();
    setsockopt(server.fd, IPPROTO_IP, IP_RECVTTL!, true);
    const client = boundUdp();
    sendmsg(client.fd, [Buffer.from('x')], 0, {
      address: server.addr,
      control: [{ kind: 'raw', level: IPPROTO_IP, type: IP_TTL, data: Int32Array.of(5) }],
    });
    expect(only(recvmsg(server.fd, [Buffer.alloc(4)]).control, 'ttl').ttl).toBe(5);
  });

  itOnLinux('a raw entry of a level UDP does not know is ignored by the kernel; an unknown SOL_SOCKET type is EINVAL', () => {
    const server = boundUdp();
    const client = boundUdp();
    const data = Buffer.from('opaque');
    expect(sendmsg(client.fd, [Buffer.from('x')], 0, { address: server.addr, control: [{ kind: 'raw', level: 0x7ead, type: 1, data }] })).toBe(1);
    expect(recvmsg(server.fd, [Buffer.alloc(4)]).bytes).toBe(1);
    expect(() =>
      sendmsg(client.fd, [Buffer.from('x')], 0, { address: server.addr, control: [{ kind: 'raw', level: SOL_SOCKET, type: 0x7ead, data }] }),
    ).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'sendmsg' }));
  });

  it('CMSG_SPACE and CMSG_LEN are the platform macros: header, data, padding', () => {
    expect(CMSG_LEN(4) - CMSG_LEN(0)).toBe(4);
    expect(CMSG_SPACE(4)).toBeGreaterThanOrEqual(CMSG_LEN(4));
    expect(CMSG_SPACE(0)).toBe(CMSG_LEN(0));
  });
});

describe('encodeControl', () => {
  itOnLinux('control data encoded once is sent any number of times', () => {
    const server = boundUdp();
    setsockopt(server.fd, IPPROTO_IP, IP_RECVTTL!, true);
    const client = boundUdp();
    const ttl9 = encodeControl([{ kind: 'ttl', ttl: 9 }]);
    expect(ttl9).toBeInstanceOf(EncodedControl);
    expect(Object.isFrozen(ttl9)).toBe(true);
    for (let i = 0; i < 3; i++) sendmsg(client.fd, [Buffer.from([i])], 0, { address: server.addr, control: ttl9 });
    for (let i = 0; i < 3; i++) expect(only(recvmsg(server.fd, [Buffer.alloc(1)]).control, 'ttl').ttl).toBe(9);
  });
});

describe('SCM_RIGHTS over AF_UNIX', () => {
  it('a descriptor passed to another socket arrives as a new, close-on-exec descriptor that works', () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM).map(track) as [number, number];
    const server = boundUdp();
    const udp = boundUdp();
    sendmsg(a, [Buffer.from('fd')], 0, { control: [{ kind: 'rights', fds: [udp.fd] }] });
    const got = recvmsg(b, [Buffer.alloc(4)], 0, { controlSize: CMSG_SPACE(4) });
    const fds = only(got.control, 'rights').fds;
    expect(fds).toHaveLength(1);
    const copy = track(fds[0]!);
    expect(copy).not.toBe(udp.fd);
    expect(fcntl(copy, F_GETFD) & FD_CLOEXEC).toBe(FD_CLOEXEC);
    // The same socket under two numbers: a datagram sent through the copy comes from udp.
    sendto(copy, Buffer.from('via copy'), 0, server.addr);
    expect(recvfrom(server.fd, Buffer.alloc(16)).from).toEqual(udp.addr);
    closeTracked(copy);
  });

  it('descriptors that do not fit the control buffer are not installed: controlTruncated, none leaked', () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM).map(track) as [number, number];
    const udp = boundUdp();
    sendmsg(a, [Buffer.from('fd')], 0, { control: [{ kind: 'rights', fds: [udp.fd, udp.fd] }] });
    const got = recvmsg(b, [Buffer.alloc(4)], 0, { controlSize: 0 });
    expect(got).toMatchObject({ bytes: 2, controlTruncated: true, control: [] });
    // The descriptor check of the test setup would fail if any had been installed.
  });
});

describe('bad input', () => {
  it('buffers must be an array of views, at most IOV_MAX of them', () => {
    const { fd } = boundUdp();
    const to = { address: { family: 'AF_INET', address: LOOPBACK4, port: 9 } } as const;
    for (const call of [(bufs: unknown) => sendmsg(fd, bufs as Buffer[], 0, to), (bufs: unknown) => recvmsg(fd, bufs as Buffer[], MSG_DONTWAIT)]) {
      expect(() => call(Buffer.alloc(4))).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
      expect(() => call([Buffer.alloc(1), 'text'])).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('buffers[1]') }));
      expect(() => call([new ArrayBuffer(4)])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
      const tooMany = Array.from({ length: IOV_MAX! + 1 }, () => Buffer.alloc(1));
      expect(() => call(tooMany)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: expect.stringContaining('IOV_MAX') }));
    }
  });

  it('native code checks again: more than IOV_MAX buffers, a short addressOut, control past its buffer', () => {
    const { fd } = boundUdp();
    const tooMany = Array.from({ length: IOV_MAX! + 1 }, () => Buffer.alloc(1));
    expect(() => binding.sendmsg(fd, tooMany, 0, null, null)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
    const out = new Int32Array(3);
    expect(() => binding.recvmsg(fd, [], MSG_DONTWAIT, Buffer.alloc(8), out, Buffer.alloc(8), 0, 8)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => binding.recvmsg(fd, [], MSG_DONTWAIT, Buffer.alloc(256), out, Buffer.alloc(8), 4, 8)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => binding.recvmsg(fd, [], MSG_DONTWAIT, Buffer.alloc(256), new Int32Array(2), Buffer.alloc(8), 0, 8)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => binding.parseControl(Buffer.alloc(8), 9)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });

  it('a buffer detached by an array getter while native code reads the array is refused, not written', () => {
    const server = boundUdp();
    const client = boundUdp();
    sendto(client.fd, Buffer.from('payload'), 0, server.addr);
    const first = new Uint8Array(new ArrayBuffer(8));
    const buffers: Uint8Array[] = [first];
    let reads = 0;
    Object.defineProperty(buffers, 1, {
      enumerable: true,
      get() {
        // The second read is native code's: detach the first buffer under it.
        if (++reads === 2) structuredClone(first.buffer, { transfer: [first.buffer] });
        return new Uint8Array(4);
      },
    });
    expect(() => recvmsg(server.fd, buffers)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_STATE' }));
    // Nothing was received: the datagram is still queued.
    expect(recvmsg(server.fd, [Buffer.alloc(16)], MSG_DONTWAIT).bytes).toBe(7);
  });

  it('an explicit undefined flags (a Linux-only constant elsewhere) is refused, not read as 0', () => {
    const { fd } = boundUdp();
    expect(() => recvmsg(fd, [Buffer.alloc(4)], undefined)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => sendmsg(fd, [Buffer.alloc(4)], undefined)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => recvmsg(fd, [Buffer.alloc(4)], 1.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });

  it('controlSize must be an integer from 0 to CONTROL_SIZE_MAX', () => {
    const { fd } = boundUdp();
    for (const controlSize of [-1, 1.5, CONTROL_SIZE_MAX + 1]) {
      expect(() => recvmsg(fd, [], MSG_DONTWAIT, { controlSize })).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
    }
    expect(() => recvmsg(fd, [], MSG_DONTWAIT, { controlSize: '64' as unknown as number })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => recvmsg(fd, [], MSG_DONTWAIT, 'options' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('oversized control data is a RangeError before any syscall, in TypeScript and in native code', () => {
    const server = boundUdp();
    const client = boundUdp();
    const huge = [{ kind: 'raw' as const, level: 0x7ead, type: 1, data: Buffer.alloc(CONTROL_SIZE_MAX) }];
    expect(() => sendmsg(client.fd, [Buffer.from('x')], 0, { address: server.addr, control: huge })).toThrow(
      expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => encodeControl(huge)).toThrow(expect.objectContaining({ name: 'RangeError' }));
    expect(() => binding.sendmsg(client.fd, [], 0, sockaddr(server.addr).bytes, Buffer.alloc(CONTROL_SIZE_MAX + 1))).toThrow(
      expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => recvmsg(server.fd, [Buffer.alloc(4)], MSG_DONTWAIT)).toThrow(WouldBlockError);
  });

  it('control entries are checked: unknown or receive-only kinds, wrong field types, bad addresses', () => {
    const server = boundUdp();
    const client = boundUdp();
    const send = (control: unknown): number =>
      sendmsg(client.fd, [Buffer.from('x')], 0, { address: server.addr, control: control as never });
    const invalid = (code: string, name = 'TypeError') => expect.objectContaining({ name, code });
    expect(() => send({ kind: 'ttl', ttl: 1 })).toThrow(invalid('ERR_INVALID_ARG_TYPE'));
    expect(() => send([null])).toThrow(invalid('ERR_INVALID_ARG_TYPE'));
    expect(() => send([{ kind: 'bogus' }])).toThrow(invalid('ERR_INVALID_ARG_VALUE'));
    expect(() => send([{ kind: 'timestamp', ns: 1n }])).toThrow(invalid('ERR_INVALID_ARG_VALUE'));
    expect(() => send([{ kind: 'ttl', ttl: '7' }])).toThrow(invalid('ERR_INVALID_ARG_TYPE'));
    expect(() => send([{ kind: 'raw', level: 0, type: 1, data: 'bytes' }])).toThrow(invalid('ERR_INVALID_ARG_TYPE'));
    expect(() => send([{ kind: 'pktinfo', address: 'localhost' }])).toThrow(invalid('ERR_INVALID_IP_ADDRESS'));
    expect(() => send([{ kind: 'pktinfo', address: '127.0.0.1', family: 'AF_UNIX' }])).toThrow(invalid('ERR_INVALID_ADDRESS_FAMILY', 'RangeError'));
    expect(() => send([{ kind: 'rights', fds: [-1] }])).toThrow(invalid('ERR_OUT_OF_RANGE', 'RangeError'));
    // An address of the other family than the entry's, a zone (an in6_pktinfo has none), and
    // raw data larger than control data can be: refused before native code sees them.
    const typed = (code: string, Class: typeof ArgumentTypeError | typeof ArgumentRangeError) => expect.objectContaining({ code, constructor: Class });
    expect(() => send([{ kind: 'pktinfo', address: '::1', family: 'AF_INET' }])).toThrow(typed('ERR_INVALID_IP_ADDRESS', ArgumentTypeError));
    expect(() => send([{ kind: 'pktinfo', address: '127.0.0.1', family: 'AF_INET6' }])).toThrow(typed('ERR_INVALID_IP_ADDRESS', ArgumentTypeError));
    expect(() => send([{ kind: 'pktinfo', address: '127.0.0.1', specDst: '::1' }])).toThrow(typed('ERR_INVALID_IP_ADDRESS', ArgumentTypeError));
    expect(() => send([{ kind: 'pktinfo', address: 'fe80::1%lo' }])).toThrow(typed('ERR_INVALID_IP_ADDRESS', ArgumentTypeError));
    expect(() => send([{ kind: 'raw', level: 0, type: 1, data: Buffer.alloc(CONTROL_SIZE_MAX) }])).toThrow(typed('ERR_OUT_OF_RANGE', ArgumentRangeError));
    // Native code checks the same on its own.
    expect(() => binding.encodeControl([{ kind: 'bogus' }])).toThrow(invalid('ERR_INVALID_ARG_VALUE'));
    expect(() => binding.encodeControl([{ kind: 'pktinfo', address: '127.0.0.1', family: 'AF_INET6' }])).toThrow(invalid('ERR_INVALID_IP_ADDRESS'));
    expect(() => binding.encodeControl([{ kind: 'ttl', ttl: 2 ** 31 }])).toThrow(invalid('ERR_OUT_OF_RANGE', 'RangeError'));
    // Nothing was sent by any of them.
    expect(() => recvmsg(server.fd, [Buffer.alloc(4)], MSG_DONTWAIT)).toThrow(WouldBlockError);
  });

  itOnLinux('a value the kernel refuses is its typed error: a TTL of 0 is EINVAL', () => {
    const server = boundUdp();
    const client = boundUdp();
    expect(() => sendmsg(client.fd, [Buffer.from('x')], 0, { address: server.addr, control: [{ kind: 'ttl', ttl: 0 }] })).toThrow(InvalidArgumentError);
  });

  it('a closed descriptor is EBADF', () => {
    const fd = udpSocket();
    closeTracked(fd);
    expect(() => recvmsg(fd, [Buffer.alloc(4)])).toThrow(BadDescriptorError);
    expect(() => sendmsg(fd, [Buffer.alloc(4)])).toThrow(BadDescriptorError);
  });

  it('recv and send still see the same datagrams: the calls mix freely', () => {
    const server = boundUdp();
    const client = boundUdp();
    connect(client.fd, server.addr);
    send(client.fd, Buffer.from('one'));
    sendmsg(client.fd, [Buffer.from('t'), Buffer.from('wo')]);
    expect(recvmsg(server.fd, [Buffer.alloc(8)]).bytes).toBe(3);
    expect(recv(server.fd, Buffer.alloc(8))).toBe(3);
  });
});
