// Datagrams beyond IPv4: IPv6 on ::1, AF_UNIX paths and Linux abstract names, socketpair.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  SOCK_DGRAM,
  SOCK_STREAM,
  SocketError,
  bind,
  connect,
  getsockname,
  getsockopt,
  read,
  recvfrom,
  send,
  sendto,
  setsockopt,
  socketpair,
  write,
  type UnixAddress,
} from '../lib';
import { itOnLinux } from './helpers/platform';
import { boundUdp, boundUdp6, closeAll, LOOPBACK4, track, udpSocket } from './helpers/sockets';

afterEach(closeAll);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('IPv6', () => {
  it('datagrams between two sockets on ::1 carry IPv6 sender addresses', () => {
    const a = boundUdp6();
    const b = boundUdp6();
    expect(a.addr).toMatchObject({ family: 'AF_INET6', address: '::1', flowinfo: 0, scopeId: 0 });
    sendto(a.fd, Buffer.from('six'), 0, b.addr);
    const buf = Buffer.alloc(8);
    const got = recvfrom(b.fd, buf);
    expect(got).toEqual({ bytes: 3, from: a.addr, truncated: false });
  });

  it('a dual-stack socket sees an IPv4 peer as ::ffff:127.0.0.1', () => {
    const server = udpSocket(AF_INET6);
    setsockopt(server, IPPROTO_IPV6, IPV6_V6ONLY, false);
    bind(server, { family: 'AF_INET6', address: '::', port: 0 });
    const port = (getsockname(server) as { port: number }).port;
    const client = boundUdp();
    sendto(client.fd, Buffer.from('4to6'), 0, { family: 'AF_INET', address: LOOPBACK4, port });
    const got = recvfrom(server, Buffer.alloc(8));
    expect(got.from).toMatchObject({ family: 'AF_INET6', address: '::ffff:127.0.0.1', port: client.addr.port });
  });

  it('IPV6_V6ONLY reads back as set', () => {
    const fd = udpSocket(AF_INET6);
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    expect(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY)).toBe(1);
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, false);
    expect(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY)).toBe(0);
  });

  itOnLinux('setting IPV6_V6ONLY after bind is EINVAL on Linux', () => {
    const fd = udpSocket(AF_INET6);
    bind(fd, { family: 'AF_INET6', address: '::1', port: 0 });
    expect(() => setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('the numeric family constant is accepted on input and the string form comes back', () => {
    const a = boundUdp6();
    const fd = udpSocket(AF_INET6);
    sendto(fd, Buffer.from('n'), 0, { family: AF_INET6, address: '::1', port: a.addr.port });
    expect(recvfrom(a.fd, Buffer.alloc(1)).from.family).toBe('AF_INET6');
  });

  it('an IPv6 address on an IPv4 socket is EAFNOSUPPORT (or EINVAL)', () => {
    const fd = udpSocket(AF_INET);
    let caught: unknown;
    try {
      sendto(fd, Buffer.from('x'), 0, { family: 'AF_INET6', address: '::1', port: 9 });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SocketError);
    expect(['EAFNOSUPPORT', 'EINVAL']).toContain((caught as SocketError).code);
  });
});

describe('AF_UNIX datagrams', () => {
  it('between two path-bound sockets, recvfrom reports the sender path', () => {
    const serverPath = path.join(dir, 'server.sock');
    const clientPath = path.join(dir, 'client.sock');
    const server = udpSocket(AF_UNIX);
    bind(server, { family: 'AF_UNIX', path: serverPath });
    const client = udpSocket(AF_UNIX);
    bind(client, { family: 'AF_UNIX', path: clientPath });
    expect(getsockname(server)).toEqual({ family: 'AF_UNIX', path: serverPath });
    sendto(client, Buffer.from('local'), 0, { family: 'AF_UNIX', path: serverPath });
    const buf = Buffer.alloc(16);
    expect(recvfrom(server, buf)).toEqual({ bytes: 5, from: { family: 'AF_UNIX', path: clientPath }, truncated: false });
    // Zero-length datagrams work here too.
    sendto(server, Buffer.alloc(0), 0, { family: 'AF_UNIX', path: clientPath });
    expect(recvfrom(client, buf).bytes).toBe(0);
  });

  it('a datagram from an unbound sender has no address: AF_UNSPEC', () => {
    const serverPath = path.join(dir, 'anon.sock');
    const server = udpSocket(AF_UNIX);
    bind(server, { family: 'AF_UNIX', path: serverPath });
    const client = udpSocket(AF_UNIX);
    sendto(client, Buffer.from('who?'), 0, { family: 'AF_UNIX', path: serverPath });
    const got = recvfrom(server, Buffer.alloc(8));
    expect(got.bytes).toBe(4);
    expect(got.from).toEqual({ family: 'AF_UNSPEC' });
  });

  it('send on an unconnected AF_UNIX datagram socket is ENOTCONN', () => {
    const fd = udpSocket(AF_UNIX);
    expect(() => send(fd, Buffer.from('x'))).toThrow(expect.objectContaining({ code: 'ENOTCONN' }));
  });

  it('a path as long as sun_path allows binds', () => {
    const { SUN_PATH_SIZE } = require('../lib').constants as { SUN_PATH_SIZE: number };
    const base = path.join(dir, 'l');
    const longPath = base + 'x'.repeat(SUN_PATH_SIZE - 1 - base.length);
    const fd = udpSocket(AF_UNIX);
    bind(fd, { family: 'AF_UNIX', path: longPath });
    expect((getsockname(fd) as UnixAddress).path).toBe(longPath);
  });

  itOnLinux('Linux abstract names: no file, a leading NUL, and autobind with an empty path', () => {
    const name = `\0bsdsock-test-${process.pid}`;
    const server = udpSocket(AF_UNIX);
    bind(server, { family: 'AF_UNIX', path: name });
    expect(getsockname(server)).toEqual({ family: 'AF_UNIX', path: name });
    const client = udpSocket(AF_UNIX);
    bind(client, { family: 'AF_UNIX', path: '' }); // autobind: the kernel picks '\0' + 5 hex digits
    const auto = getsockname(client) as UnixAddress;
    expect(auto.path).toMatch(/^\0[0-9a-f]{5}$/);
    connect(client, { family: 'AF_UNIX', path: name });
    write(client, Buffer.from('abstract'));
    const got = recvfrom(server, Buffer.alloc(16));
    expect(got).toEqual({ bytes: 8, from: auto, truncated: false });
  });
});

describe('socketpair', () => {
  it('AF_UNIX datagram pair: each end receives what the other sends, boundaries kept', () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM).map(track) as [number, number];
    write(a, Buffer.from('one'));
    write(a, Buffer.from('two!'));
    const buf = Buffer.alloc(8);
    expect(read(b, buf)).toBe(3);
    expect(read(b, buf)).toBe(4);
  });

  it('AF_UNIX stream pair', () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_STREAM).map(track) as [number, number];
    write(b, Buffer.from('stream'));
    const buf = Buffer.alloc(8);
    expect(read(a, buf)).toBe(6);
  });

  it('socketpair(AF_INET) is not supported by the kernel', () => {
    expect(() => socketpair(AF_INET, SOCK_DGRAM)).toThrow(SocketError);
  });
});
