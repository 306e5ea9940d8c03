// The strace-style trace: exact lines for successes and failures, names taken from the right
// namespace, buffers escaped and cut, nothing at all when off, and BSDSOCK_TRACE=1 in a child.
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';

import {
  AF_INET,
  AF_UNIX,
  ConnectionRefusedError,
  IPPROTO_IP,
  IPPROTO_TCP,
  IP_TOS,
  MSG_DONTWAIT,
  MSG_PEEK,
  SHUT_WR,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_ERROR,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SO_TYPE,
  TCP_NODELAY,
  bind,
  close,
  connect,
  getpeername,
  getsockname,
  getsockopt,
  IP_ADD_MEMBERSHIP,
  IP_MULTICAST_IF,
  IPPROTO_ICMP,
  MCAST_LEAVE_GROUP,
  SOCK_RAW,
  SO_LINGER,
  recv,
  recvfrom,
  send,
  sendto,
  setNonBlocking,
  setTrace,
  setsockopt,
  shutdown,
  socket,
  socketpair,
  write,
  read,
  type InetAddress,
  type TraceSink,
} from '../lib';
import { boundUdp, closeAll, closedUdpPort, track } from './helpers/sockets';

const root = path.join(__dirname, '..');

afterEach(() => {
  setTrace(false);
  closeAll();
});

/** The trace lines `fn` produces (through the function form of the switch). */
function capture(fn: () => void): string[] {
  const lines: string[] = [];
  const previous = setTrace((line) => lines.push(line));
  try {
    fn();
  } finally {
    setTrace(previous);
  }
  return lines;
}

describe('trace lines for calls that succeed', () => {
  it('a UDP exchange prints one strace-style line per call, with names, data and addresses', () => {
    let server = -1;
    let client = -1;
    let port = 0;
    let clientPort = 0;
    const lines = capture(() => {
      server = socket(AF_INET, SOCK_DGRAM);
      bind(server, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
      port = (getsockname(server) as InetAddress).port;
      client = socket(AF_INET, SOCK_DGRAM);
      bind(client, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
      clientPort = (getsockname(client) as InetAddress).port;
      sendto(client, Buffer.from('hello'), 0, { family: 'AF_INET', address: '127.0.0.1', port });
      recvfrom(server, Buffer.alloc(1500));
      close(client);
      close(server);
    });
    expect(lines).toEqual([
      `socket(AF_INET, SOCK_DGRAM, 0) = ${server}`,
      `bind(${server}, 127.0.0.1:0) = 0`,
      `getsockname(${server}, 127.0.0.1:${port}) = 0`,
      `socket(AF_INET, SOCK_DGRAM, 0) = ${client}`,
      `bind(${client}, 127.0.0.1:0) = 0`,
      `getsockname(${client}, 127.0.0.1:${clientPort}) = 0`,
      `sendto(${client}, "hello", 5, 0, 127.0.0.1:${port}) = 5`,
      `recvfrom(${server}, "hello", 1500, 0, 127.0.0.1:${clientPort}) = 5`,
      `close(${client}) = 0`,
      `close(${server}) = 0`,
    ]);
  });

  it('flags are named as a mask (MSG_PEEK|MSG_DONTWAIT), connected calls and AF_UNSPEC too', () => {
    const server = boundUdp();
    const client = boundUdp();
    const lines = capture(() => {
      connect(client.fd, server.addr);
      send(client.fd, Buffer.from('peek'));
      recvfrom(server.fd, Buffer.alloc(8), MSG_PEEK | MSG_DONTWAIT);
      recv(server.fd, Buffer.alloc(8));
      connect(client.fd, { family: 'AF_UNSPEC' });
    });
    expect(lines).toEqual([
      `connect(${client.fd}, 127.0.0.1:${server.addr.port}) = 0`,
      `send(${client.fd}, "peek", 4, 0) = 4`,
      `recvfrom(${server.fd}, "peek", 8, MSG_PEEK|MSG_DONTWAIT, 127.0.0.1:${client.addr.port}) = 4`,
      `recv(${server.fd}, "peek", 8, 0) = 4`,
      `connect(${client.fd}, AF_UNSPEC) = 0`,
    ]);
  });

  it('each argument is named from its own namespace, although the values collide', () => {
    // On Linux AF_UNIX, SOCK_STREAM, SOL_SOCKET, IPPROTO_ICMP, IP_TOS and TCP_NODELAY are all 1.
    let pair: [number, number] = [-1, -1];
    const tcp = track(socket(AF_INET, SOCK_STREAM));
    const lines = capture(() => {
      pair = socketpair(AF_UNIX, SOCK_STREAM);
      setsockopt(tcp, IPPROTO_TCP, TCP_NODELAY, true);
      setsockopt(tcp, IPPROTO_IP, IP_TOS, 16);
      setsockopt(tcp, SOL_SOCKET, SO_RCVBUF, 4096);
      getsockopt(tcp, SOL_SOCKET, SO_TYPE);
      getsockopt(tcp, SOL_SOCKET, SO_ERROR);
      setsockopt(tcp, SOL_SOCKET, SO_RCVTIMEO, 1500);
      getsockopt(tcp, SOL_SOCKET, SO_RCVTIMEO);
      write(pair[0], Buffer.from('abcdef'), 3);
      read(pair[1], Buffer.alloc(16));
      shutdown(pair[0], SHUT_WR);
      read(pair[1], Buffer.alloc(16));
      setNonBlocking(pair[1]);
    });
    track(pair[0]);
    track(pair[1]);
    expect(lines).toEqual([
      `socketpair(AF_UNIX, SOCK_STREAM, 0, [${pair[0]}, ${pair[1]}]) = 0`,
      `setsockopt(${tcp}, IPPROTO_TCP, TCP_NODELAY, [1]) = 0`,
      `setsockopt(${tcp}, IPPROTO_IP, IP_TOS, [16]) = 0`,
      `setsockopt(${tcp}, SOL_SOCKET, SO_RCVBUF, [4096]) = 0`,
      `getsockopt(${tcp}, SOL_SOCKET, SO_TYPE, [SOCK_STREAM]) = 0`,
      `getsockopt(${tcp}, SOL_SOCKET, SO_ERROR, [0]) = 0`,
      `setsockopt(${tcp}, SOL_SOCKET, SO_RCVTIMEO, {tv_sec=1, tv_usec=500000}) = 0`,
      `getsockopt(${tcp}, SOL_SOCKET, SO_RCVTIMEO, {tv_sec=1, tv_usec=500000}) = 0`,
      `write(${pair[0]}, "abc", 3) = 3`,
      `read(${pair[1]}, "abc", 16) = 3`,
      `shutdown(${pair[0]}, SHUT_WR) = 0`,
      `read(${pair[1]}, "", 16) = 0`,
      `fcntl(${pair[1]}, F_GETFL) = 0x2 (flags O_RDWR)`,
      `fcntl(${pair[1]}, F_SETFL, O_RDWR|O_NONBLOCK) = 0`,
    ]);
  });

  it('struct-valued options are shown by their fields, and ICMP sockets by their protocol', () => {
    const fd = track(socket(AF_INET, SOCK_DGRAM));
    let raw = -1;
    const lines = capture(() => {
      setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: '239.1.2.3', interface: '127.0.0.1' });
      setsockopt(fd, IPPROTO_IP, MCAST_LEAVE_GROUP!, { multiaddr: '239.1.2.3', interface: 1 });
      setsockopt(fd, SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 3 });
      getsockopt(fd, SOL_SOCKET, SO_LINGER);
      getsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF);
      try {
        raw = track(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
      } catch {
        // without CAP_NET_RAW: the line shows EPERM, and the protocol's name all the same
      }
    });
    expect(lines).toEqual([
      `setsockopt(${fd}, IPPROTO_IP, IP_ADD_MEMBERSHIP, {multiaddr="239.1.2.3", interface="127.0.0.1"}) = 0`,
      `setsockopt(${fd}, IPPROTO_IP, MCAST_LEAVE_GROUP, {multiaddr="239.1.2.3", interface=1}) = 0`,
      `setsockopt(${fd}, SOL_SOCKET, SO_LINGER, {onoff=1, linger=3}) = 0`,
      `getsockopt(${fd}, SOL_SOCKET, SO_LINGER, {onoff=1, linger=3}) = 0`,
      `getsockopt(${fd}, IPPROTO_IP, IP_MULTICAST_IF, "0.0.0.0") = 0`,
      expect.any(String),
    ]);
    expect(lines[5]).toMatch(raw >= 0 ? `socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) = ${raw}` : /^socket\(AF_INET, SOCK_RAW, IPPROTO_ICMP\) = -1 EPERM/);
  });

  it('buffers are shown as C strings, escaped as strace does, and cut after 32 bytes', () => {
    const server = boundUdp();
    const client = boundUdp();
    const lines = capture(() => {
      // NUL, 1, 2 before a digit (three octal digits then), newline, tab, quote, backslash, 200, 255
      sendto(client.fd, Buffer.from([0, 1, 2, 0x31, 10, 9, 0x22, 0x5c, 200, 255, 0x38]), 0, server.addr);
      sendto(client.fd, Buffer.alloc(40, 'a'), 0, server.addr);
      sendto(client.fd, new Uint16Array([0x4241]), 0, server.addr); // any view: its bytes
    });
    const to = `127.0.0.1:${server.addr.port}`;
    expect(lines).toEqual([
      `sendto(${client.fd}, "\\0\\1\\0021\\n\\t\\"\\\\\\310\\3778", 11, 0, ${to}) = 11`,
      `sendto(${client.fd}, "${'a'.repeat(32)}"..., 40, 0, ${to}) = 40`,
      `sendto(${client.fd}, "AB", 2, 0, ${to}) = 2`,
    ]);
  });
});

describe('trace lines for calls that fail', () => {
  it('show -1, the errno name and its capitalised description, with … for outputs never filled', () => {
    const nobody = closedUdpPort();
    const client = boundUdp();
    connect(client.fd, nobody);
    send(client.fd, Buffer.from('anyone?'));
    let thrown: unknown;
    const lines = capture(() => {
      try {
        recv(client.fd, Buffer.alloc(16));
      } catch (err) {
        thrown = err;
      }
    });
    expect(lines).toEqual([`recv(${client.fd}, …, 16, 0) = -1 ECONNREFUSED (Connection refused)`]);
    // Tracing changes nothing about the call: the same typed error is thrown.
    expect(thrown).toBeInstanceOf(ConnectionRefusedError);
  });

  it('covers recvfrom, getpeername, send and close', () => {
    const server = boundUdp();
    const closed = socket(AF_INET, SOCK_DGRAM);
    close(closed);
    setNonBlocking(server.fd);
    const lines = capture(() => {
      for (const call of [
        () => recvfrom(server.fd, Buffer.alloc(1500)),
        () => getpeername(server.fd),
        () => send(server.fd, Buffer.from('x')),
        () => close(closed),
      ]) {
        expect(call).toThrow();
      }
    });
    expect(lines).toEqual([
      `recvfrom(${server.fd}, …, 1500, 0, …) = -1 EAGAIN (Resource temporarily unavailable)`,
      `getpeername(${server.fd}, …) = -1 ENOTCONN (Socket is not connected)`,
      `send(${server.fd}, "x", 1, 0) = -1 EDESTADDRREQ (Destination address required)`,
      `close(${closed}) = -1 EBADF (Bad file descriptor)`,
    ]);
  });

  it('a call refused by the argument checks reaches no syscall and prints nothing', () => {
    const lines = capture(() => {
      expect(() => socket(AF_INET, 1.5)).toThrow(RangeError);
      expect(() => sendto(0, 'text' as unknown as Buffer, 0, { family: 'AF_INET', address: '127.0.0.1', port: 9 })).toThrow(TypeError);
    });
    expect(lines).toEqual([]);
  });
});

describe('the switch', () => {
  it('prints nothing when off, and returns the previous setting', () => {
    const sink = jest.fn<void, [string]>();
    expect(setTrace(sink)).toBe(false);
    const fd = socket(AF_INET, SOCK_DGRAM);
    expect(setTrace(false)).toBe(sink);
    close(fd);
    boundUdp();
    expect(sink).toHaveBeenCalledTimes(1);
    expect(sink).toHaveBeenCalledWith(`socket(AF_INET, SOCK_DGRAM, 0) = ${fd}`);
  });

  it('refuses anything but a boolean or a function', () => {
    expect(() => setTrace('yes' as unknown as boolean)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => setTrace(null as unknown as TraceSink)).toThrow(TypeError);
  });
});

describe('BSDSOCK_TRACE in the environment', () => {
  const program = `
    const b = require('bsdsock');
    const fd = b.socket(b.AF_INET, b.SOCK_DGRAM);
    b.close(fd);
    if (process.argv[1] === 'off') b.setTrace(false);
    const again = b.socket(b.AF_INET, b.SOCK_DGRAM);
    b.close(again);
    console.log('fds', fd, again);`;

  /** Runs the program in a child; its stdout and stderr. */
  function run(env: Record<string, string>, arg = 'on'): { stdout: string; stderr: string; fds: string[] } {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    if (!('BSDSOCK_TRACE' in env)) delete childEnv.BSDSOCK_TRACE;
    const result = spawnSync(process.execPath, ['-e', program, arg], { cwd: root, env: childEnv, encoding: 'utf8', timeout: 15000 });
    expect(result.status).toBe(0);
    const fds = /^fds (\d+) (\d+)$/m.exec(result.stdout)!.slice(1);
    return { stdout: result.stdout, stderr: result.stderr, fds };
  }

  it('BSDSOCK_TRACE=1 prints every call to stderr, and nothing to stdout', () => {
    const { stdout, stderr, fds: [fd, again] } = run({ BSDSOCK_TRACE: '1' });
    expect(stderr).toBe(
      `socket(AF_INET, SOCK_DGRAM, 0) = ${fd}\nclose(${fd}) = 0\n` +
      `socket(AF_INET, SOCK_DGRAM, 0) = ${again}\nclose(${again}) = 0\n`,
    );
    expect(stdout).toBe(`fds ${fd} ${again}\n`);
  });

  it('without it (or with 0) nothing is printed; setTrace(false) silences a traced process', () => {
    expect(run({}).stderr).toBe('');
    expect(run({ BSDSOCK_TRACE: '0' }).stderr).toBe('');
    const { stderr, fds: [fd] } = run({ BSDSOCK_TRACE: '1' }, 'off');
    expect(stderr).toBe(`socket(AF_INET, SOCK_DGRAM, 0) = ${fd}\nclose(${fd}) = 0\n`);
  });

  it('a sink that throws does not undo the call: the result is returned, the error reported after', () => {
    const out = execFileSync(process.execPath, ['-e', `
      const b = require('bsdsock');
      process.on('uncaughtException', (err) => console.log('reported:', err.message));
      b.setTrace(() => { throw new Error('sink failed'); });
      const fd = b.socket(b.AF_INET, b.SOCK_DGRAM);
      b.setTrace(false);
      console.log('returned', typeof fd);
      b.close(fd);`], { cwd: root, encoding: 'utf8', timeout: 15000 });
    expect(out).toBe('returned number\nreported: sink failed\n');
  });
});
