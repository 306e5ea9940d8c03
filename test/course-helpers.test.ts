// What a student reaches for beside the calls: comparing two addresses (the book memcmp's two
// sockaddrs), C's error wording (err_sys: "read error: Connection refused"), SO_RCVBUFFORCE.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  AF_INET,
  ArgumentTypeError,
  SOCK_DGRAM,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  addressEquals,
  connect,
  constants,
  getsockname,
  getsockopt,
  perrorText,
  read,
  send,
  setsockopt,
  socket,
  sockaddr,
  systemErrorText,
  type SocketAddress,
} from '../lib';
import { onLinux } from './helpers/platform';
import { boundUdp, closeAll, closedUdpPort, track } from './helpers/sockets';

const root = path.join(__dirname, '..');

afterEach(closeAll);

describe('addressEquals', () => {
  it('compares as memcmp of the two sockaddrs: family, address and port', () => {
    const a = boundUdp();
    const same = { ...getsockname(a.fd) } as SocketAddress;
    expect(same === getsockname(a.fd)).toBe(false); // what === says, and why the helper exists
    expect(addressEquals(same, getsockname(a.fd))).toBe(true);
    expect(addressEquals(a.addr, { ...a.addr, port: a.addr.port + 1 })).toBe(false);
    expect(addressEquals(a.addr, { ...a.addr, address: '127.0.0.2' })).toBe(false);
    expect(addressEquals({ family: AF_INET, address: '127.0.0.1', port: 9 }, { family: 'AF_INET', address: '127.0.0.1', port: 9 })).toBe(true);
    expect(addressEquals(sockaddr(a.addr), a.addr)).toBe(true);
  });

  it('IPv6 text forms compare as the kernel sees them; the IPv4-mapped form is another address', () => {
    expect(addressEquals({ family: 'AF_INET6', address: '::1', port: 9 }, { family: 'AF_INET6', address: '0:0::1', port: 9 })).toBe(true);
    expect(addressEquals({ family: 'AF_INET6', address: '::ffff:127.0.0.1', port: 9 }, { family: 'AF_INET', address: '127.0.0.1', port: 9 })).toBe(false);
    expect(addressEquals({ family: 'AF_UNIX', path: '/tmp/a' }, { family: 'AF_UNIX', path: '/tmp/a' })).toBe(true);
    expect(addressEquals({ family: 'AF_UNIX', path: '/tmp/a' }, { family: 'AF_UNIX', path: '/tmp/b' })).toBe(false);
  });

  it('a malformed address throws a typed error', () => {
    expect(() => addressEquals({ family: 'AF_INET', address: 'not an address', port: 9 }, { family: 'AF_UNSPEC' })).toThrow(TypeError);
    expect(() => addressEquals(null as unknown as SocketAddress, { family: 'AF_UNSPEC' })).toThrow(ArgumentTypeError);
  });
});

describe('perror', () => {
  it("prints C's wording for a refused read: the prefix, then the platform's strerror text", () => {
    const nobody = closedUdpPort();
    const fd = track(socket(AF_INET, SOCK_DGRAM));
    setsockopt(fd, SOL_SOCKET, constants.SO_RCVTIMEO, 5000);
    connect(fd, nobody);
    send(fd, Buffer.from('x'));
    let caught: unknown;
    try {
      read(fd, Buffer.alloc(8));
    } catch (err) {
      caught = err;
    }
    expect(perrorText('read error', caught)).toBe('read error: Connection refused');
    expect(perrorText('', caught)).toBe('Connection refused');
    expect(perrorText('read', new TypeError('bad'))).toBe('read: bad');
    expect(() => perrorText(5 as unknown as string, caught)).toThrow(ArgumentTypeError);
  });

  it("systemErrorText is strerror(3): the platform's own table", () => {
    const { errno } = os.constants;
    expect(systemErrorText(errno.ECONNREFUSED)).toBe('Connection refused');
    expect(systemErrorText(errno.ENOTCONN)).toBe(onLinux ? 'Transport endpoint is not connected' : 'Socket is not connected');
    expect(systemErrorText(123456)).toMatch(/^Unknown error/);
    expect(() => systemErrorText(-1)).toThrow(RangeError);
    expect(() => systemErrorText('5' as unknown as number)).toThrow(ArgumentTypeError);
  });

  it('perror writes the line to stderr', () => {
    const out = spawnSync(process.execPath, ['-e', `
      const b = require('bsdsock');
      const fd = b.socket(b.AF_INET, b.SOCK_DGRAM);
      try { b.send(fd, Buffer.from('x')); } catch (err) { b.perror('send error', err); }`], { cwd: root, encoding: 'utf8', timeout: 15000 });
    expect(out.stderr).toBe(`send error: ${systemErrorText(os.constants.errno.EDESTADDRREQ)}\n`);
  });
});

describe('SO_RCVBUFFORCE', () => {
  (onLinux ? it : it.skip)('is Linux\'s: it passes rmem_max, which SO_RCVBUF cannot (root only)', () => {
    expect(SO_RCVBUFFORCE).toBe(constants.SO_RCVBUFFORCE);
    const fd = track(socket(AF_INET, SOCK_DGRAM));
    const max = Number(fs.readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, max * 4);
    expect(getsockopt(fd, SOL_SOCKET, SO_RCVBUF)).toBe(max * 2); // capped, then doubled
    if (process.getuid?.() === 0) {
      setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE!, max * 4);
      expect(getsockopt(fd, SOL_SOCKET, SO_RCVBUF)).toBe(max * 8);
    }
  });

  (onLinux ? it.skip : it)('is undefined elsewhere', () => {
    expect(SO_RCVBUFFORCE).toBeUndefined();
  });
});
