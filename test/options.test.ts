// setsockopt/getsockopt (integer, boolean, timeval and raw forms), fcntl and blocking mode.
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';

import {
  AF_INET,
  FD_CLOEXEC,
  F_GETFD,
  F_GETFL,
  F_SETFD,
  IPPROTO_IP,
  IP_TTL,
  O_NONBLOCK,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_BROADCAST,
  SO_ERROR,
  SO_LINGER,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SO_SNDTIMEO,
  SO_TYPE,
  WouldBlockError,
  accept,
  fcntl,
  getNonBlocking,
  getsockopt,
  recvfrom,
  setNonBlocking,
  setsockopt,
  socket,
  socketpair,
  AF_UNIX,
} from '../lib';
import { fdDirectory } from './helpers/descriptors';
import { itOnLinux } from './helpers/platform';
import { boundUdp, closeAll, track } from './helpers/sockets';

afterEach(closeAll);

describe('setsockopt / getsockopt', () => {
  it('integer options: SO_TYPE tells the socket type', () => {
    expect(getsockopt(track(socket(AF_INET, SOCK_DGRAM)), SOL_SOCKET, SO_TYPE)).toBe(SOCK_DGRAM);
    expect(getsockopt(track(socket(AF_INET, SOCK_STREAM)), SOL_SOCKET, SO_TYPE)).toBe(SOCK_STREAM);
  });

  it('boolean options take true/false and read back as 1/0', () => {
    const fd = track(socket(AF_INET, SOCK_DGRAM));
    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, true);
    expect(getsockopt(fd, SOL_SOCKET, SO_BROADCAST)).not.toBe(0);
    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, false);
    expect(getsockopt(fd, SOL_SOCKET, SO_BROADCAST)).toBe(0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    expect(getsockopt(fd, SOL_SOCKET, SO_REUSEADDR)).not.toBe(0);
  });

  it('IP_TTL: a value in range sticks; 0 and 256 are EINVAL', () => {
    const fd = track(socket(AF_INET, SOCK_DGRAM));
    setsockopt(fd, IPPROTO_IP, IP_TTL, 7);
    expect(getsockopt(fd, IPPROTO_IP, IP_TTL)).toBe(7);
    expect(() => setsockopt(fd, IPPROTO_IP, IP_TTL, 0)).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'setsockopt' }));
    expect(() => setsockopt(fd, IPPROTO_IP, IP_TTL, 256)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  itOnLinux('SO_RCVBUF is doubled by the Linux kernel', () => {
    const fd = track(socket(AF_INET, SOCK_DGRAM));
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 65536);
    expect(getsockopt(fd, SOL_SOCKET, SO_RCVBUF)).toBe(131072);
  });

  it('SO_RCVTIMEO / SO_SNDTIMEO are milliseconds, and a receive timeout ends a blocking recvfrom with EAGAIN', () => {
    const server = boundUdp();
    setsockopt(server.fd, SOL_SOCKET, SO_RCVTIMEO, 200);
    // The kernel keeps timeouts in clock ticks: it may round up by a tick.
    expect(getsockopt(server.fd, SOL_SOCKET, SO_RCVTIMEO)).toBeGreaterThanOrEqual(200);
    expect(getsockopt(server.fd, SOL_SOCKET, SO_RCVTIMEO)).toBeLessThan(220);
    setsockopt(server.fd, SOL_SOCKET, SO_SNDTIMEO, 2500);
    expect(getsockopt(server.fd, SOL_SOCKET, SO_SNDTIMEO)).toBeGreaterThanOrEqual(2500);
    expect(getsockopt(server.fd, SOL_SOCKET, SO_SNDTIMEO)).toBeLessThan(2520);
    const started = process.hrtime.bigint();
    expect(() => recvfrom(server.fd, Buffer.alloc(4))).toThrow(WouldBlockError);
    // It blocked (the thread waited in the kernel) rather than failing at once.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeGreaterThanOrEqual(100);
  });

  it('raw options: SO_LINGER as bytes, written into and read from a caller buffer', () => {
    const fd = track(socket(AF_INET, SOCK_STREAM));
    const linger = Buffer.alloc(8);
    linger.writeInt32LE(1, 0); // l_onoff (host order; this test runs on little-endian machines)
    linger.writeInt32LE(5, 4); // l_linger seconds
    if (os.endianness() === 'BE') {
      linger.writeInt32BE(1, 0);
      linger.writeInt32BE(5, 4);
    }
    setsockopt(fd, SOL_SOCKET, SO_LINGER, linger);
    const out = Buffer.alloc(16, 0xff);
    const length = getsockopt(fd, SOL_SOCKET, SO_LINGER, out);
    expect(length).toBe(8);
    expect(out.subarray(0, 8)).toEqual(linger);
    expect(out.subarray(8)).toEqual(Buffer.alloc(8, 0xff)); // nothing written past the length
  });

  it('raw getsockopt of an int option gives its bytes', () => {
    const fd = track(socket(AF_INET, SOCK_DGRAM));
    const out = Buffer.alloc(4);
    expect(getsockopt(fd, SOL_SOCKET, SO_TYPE, out)).toBe(4);
    expect(os.endianness() === 'LE' ? out.readInt32LE(0) : out.readInt32BE(0)).toBe(SOCK_DGRAM);
  });

  it('SO_ERROR of a healthy socket is 0', () => {
    expect(getsockopt(track(socket(AF_INET, SOCK_DGRAM)), SOL_SOCKET, SO_ERROR)).toBe(0);
  });
});

describe('descriptor flags', () => {
  it('every descriptor bsdsock creates is close-on-exec', () => {
    const fd = track(socket(AF_INET, SOCK_DGRAM));
    expect(fcntl(fd, F_GETFD) & FD_CLOEXEC).toBe(FD_CLOEXEC);
    for (const end of socketpair(AF_UNIX, SOCK_DGRAM).map(track)) {
      expect(fcntl(end, F_GETFD) & FD_CLOEXEC).toBe(FD_CLOEXEC);
    }
  });

  it('an accepted descriptor is close-on-exec too', () => {
    const { bind, listen, connect, getsockname } = require('../lib') as typeof import('../lib');
    const l = track(socket(AF_INET, SOCK_STREAM));
    bind(l, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
    listen(l, 1);
    const c = track(socket(AF_INET, SOCK_STREAM));
    connect(c, getsockname(l));
    const { fd } = accept(l);
    track(fd);
    expect(fcntl(fd, F_GETFD) & FD_CLOEXEC).toBe(FD_CLOEXEC);
  });

  it('a child process inherits none of them', () => {
    const fd = track(socket(AF_INET, SOCK_DGRAM));
    // The child lists its own descriptors: ours must not be among them.
    const list = `console.log(require('fs').readdirSync(${JSON.stringify(fdDirectory)}).join(' '))`;
    const child = spawnSync(process.execPath, ['-e', list], { encoding: 'utf8' });
    expect(child.status).toBe(0);
    expect(child.stdout.trim().split(' ')).not.toContain(String(fd));
    // And clearing the flag is observable through fcntl, the C way.
    fcntl(fd, F_SETFD, 0);
    expect(fcntl(fd, F_GETFD) & FD_CLOEXEC).toBe(0);
  });

  it('setNonBlocking switches O_NONBLOCK both ways', () => {
    const fd = track(socket(AF_INET, SOCK_DGRAM));
    expect(getNonBlocking(fd)).toBe(false);
    setNonBlocking(fd);
    expect(getNonBlocking(fd)).toBe(true);
    expect(fcntl(fd, F_GETFL) & O_NONBLOCK).toBe(O_NONBLOCK);
    setNonBlocking(fd, false);
    expect(getNonBlocking(fd)).toBe(false);
  });
});
