// The strace-style trace: exact lines for successes and failures, names taken from the right
// namespace, buffers escaped and cut, nothing at all when off, and BSDSOCK_TRACE=1 in a child.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as os from 'node:os';
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
  MSG_NOSIGNAL,
  buildInfo,
  IP_PKTINFO,
  IP_RECVTOS,
  IP_RECVTTL,
  POLLIN,
  POLLOUT,
  SO_RXQ_OVFL,
  accept,
  listen,
  poll,
  recvmsg,
  select,
  recvmmsg,
  sendmmsg,
  sendmsg,
  systemErrorText,
} from '../lib';
import { closeSockets, udp } from './helpers/async-sockets';
import { onLinux } from './helpers/platform';
import { boundUdp, closeAll, closedUdpPort, track } from './helpers/sockets';

const root = path.join(__dirname, '..');

// What the kernel gets beyond what the program passed: SOCK_CLOEXEC on Linux (not in the
// portable build, which sets FD_CLOEXEC afterwards), MSG_NOSIGNAL where it exists.
const CLOEXEC = onLinux && !buildInfo.portable ? '|SOCK_CLOEXEC' : '';
const NOSIGNAL = MSG_NOSIGNAL !== undefined ? 'MSG_NOSIGNAL' : '0';

/** How a recvfrom() made with recvmsg(2) prints. */
function recvmsgOf(fd: number, data: string, size: number, from: string, flags = '0'): string {
  return `recvmsg(${fd}, {msg_name=${from}, msg_iov=[{iov_base=${data}, iov_len=${size}}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, ${flags})`;
}

afterEach(() => {
  setTrace(false);
  closeAll();
  closeSockets();
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
      `socket(AF_INET, SOCK_DGRAM${CLOEXEC}, IPPROTO_IP) = ${server}`,
      `bind(${server}, 127.0.0.1:0) = 0`,
      `getsockname(${server}, 127.0.0.1:${port}) = 0`,
      `socket(AF_INET, SOCK_DGRAM${CLOEXEC}, IPPROTO_IP) = ${client}`,
      `bind(${client}, 127.0.0.1:0) = 0`,
      `getsockname(${client}, 127.0.0.1:${clientPort}) = 0`,
      `sendto(${client}, "hello", 5, ${NOSIGNAL}, 127.0.0.1:${port}) = 5`,
      `${recvmsgOf(server, '"hello"', 1500, `127.0.0.1:${clientPort}`)} = 5`,
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
      `sendto(${client.fd}, "peek", 4, ${NOSIGNAL}, NULL) = 4`,
      `${recvmsgOf(server.fd, '"peek"', 8, `127.0.0.1:${client.addr.port}`, 'MSG_PEEK|MSG_DONTWAIT')} = 4`,
      `recvfrom(${server.fd}, "peek", 8, 0, NULL) = 4`,
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
      `socketpair(AF_UNIX, SOCK_STREAM${CLOEXEC}, 0, [${pair[0]}, ${pair[1]}]) = 0`,
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
    expect(lines[5]).toMatch(raw >= 0 ? `socket(AF_INET, SOCK_RAW${CLOEXEC}, IPPROTO_ICMP) = ${raw}` : new RegExp(`^socket\\(AF_INET, SOCK_RAW\\${CLOEXEC}, IPPROTO_ICMP\\) = -1 EPERM`));
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
      `sendto(${client.fd}, "\\0\\1\\0021\\n\\t\\"\\\\\\310\\3778", 11, ${NOSIGNAL}, ${to}) = 11`,
      `sendto(${client.fd}, "${'a'.repeat(32)}"..., 40, ${NOSIGNAL}, ${to}) = 40`,
      `sendto(${client.fd}, "AB", 2, ${NOSIGNAL}, ${to}) = 2`,
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
    expect(lines).toEqual([`recvfrom(${client.fd}, …, 16, 0, NULL) = -1 ECONNREFUSED (Connection refused)`]);
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
      `recvmsg(${server.fd}, …, 0) = -1 EAGAIN (Resource temporarily unavailable)`,
      `getpeername(${server.fd}, …) = -1 ENOTCONN (${systemErrorText(os.constants.errno.ENOTCONN)})`,
      `sendto(${server.fd}, "x", 1, ${NOSIGNAL}, NULL) = -1 EDESTADDRREQ (Destination address required)`,
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
    expect(sink).toHaveBeenCalledWith(`socket(AF_INET, SOCK_DGRAM${CLOEXEC}, IPPROTO_IP) = ${fd}`);
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
      `socket(AF_INET, SOCK_DGRAM${CLOEXEC}, IPPROTO_IP) = ${fd}\nclose(${fd}) = 0\n` +
      `socket(AF_INET, SOCK_DGRAM${CLOEXEC}, IPPROTO_IP) = ${again}\nclose(${again}) = 0\n`,
    );
    expect(stdout).toBe(`fds ${fd} ${again}\n`);
  });

  it('without it (or with 0) nothing is printed; setTrace(false) silences a traced process', () => {
    expect(run({}).stderr).toBe('');
    expect(run({ BSDSOCK_TRACE: '0' }).stderr).toBe('');
    const { stderr, fds: [fd] } = run({ BSDSOCK_TRACE: '1' }, 'off');
    expect(stderr).toBe(`socket(AF_INET, SOCK_DGRAM${CLOEXEC}, IPPROTO_IP) = ${fd}\nclose(${fd}) = 0\n`);
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

describe('batches', () => {
  // sendmmsg/recvmmsg exist on Linux (not in the portable build); elsewhere bsdsock loops.
  const mmsg = onLinux && !buildInfo.portable;

  it('an empty batch makes no syscall and prints nothing', () => {
    const server = boundUdp();
    const lines = capture(() => {
      expect(sendmmsg(server.fd, [])).toBe(0);
      expect(recvmmsg(server.fd, [])).toEqual([]);
    });
    expect(lines).toEqual([]);
  });

  (mmsg ? it.skip : it)('without sendmmsg/recvmmsg, each sendmsg and recvmsg of the loop is printed', () => {
    const server = boundUdp();
    const client = boundUdp();
    const to = `127.0.0.1:${server.addr.port}`;
    const from = `127.0.0.1:${client.addr.port}`;
    const lines = capture(() => {
      sendmmsg(client.fd, [{ buf: Buffer.from('one'), address: server.addr }, { buf: Buffer.from('two'), address: server.addr }]);
      recvmmsg(server.fd, [Buffer.alloc(8), Buffer.alloc(8), Buffer.alloc(8)]);
    });
    const message = (data: string, size: number, name: string) =>
      `{msg_name=${name}, msg_iov=[{iov_base="${data}", iov_len=${size}}], msg_iovlen=1, msg_controllen=0, msg_flags=0}`;
    expect(lines).toEqual([
      `sendmsg(${client.fd}, ${message('one', 3, to)}, ${NOSIGNAL}) = 3`,
      `sendmsg(${client.fd}, ${message('two', 3, to)}, ${NOSIGNAL}) = 3`,
      `recvmsg(${server.fd}, ${message('one', 8, from)}, 0) = 3`,
      `recvmsg(${server.fd}, ${message('two', 8, from)}, MSG_DONTWAIT) = 3`,
      `recvmsg(${server.fd}, …, MSG_DONTWAIT) = -1 (the error ends the batch and is not reported)`,
    ]);
  });
});

describe('the sink is told which bsdsock call made a syscall named otherwise', () => {
  it('recvfrom made with recvmsg, send as sendto, recv as recvfrom; none where the names agree', () => {
    const server = boundUdp();
    const client = boundUdp();
    connect(client.fd, server.addr);
    const seen: [string, string | undefined][] = [];
    const previous = setTrace((line, madeBy) => seen.push([line.slice(0, line.indexOf('(')), madeBy]));
    try {
      send(client.fd, Buffer.from('a'));
      sendto(client.fd, Buffer.from('b'), 0, server.addr);
      recvfrom(server.fd, Buffer.alloc(4));
      recv(server.fd, Buffer.alloc(4));
      select([server.fd], [], [], 0);
    } finally {
      setTrace(previous);
    }
    expect(seen).toEqual([
      ['sendto', 'send'],
      ['sendto', undefined],
      ['recvmsg', 'recvfrom'],
      ['recvfrom', 'recv'],
      [onLinux ? 'pselect6' : 'select', onLinux ? 'select' : undefined],
    ]);
  });
});

describe('calls that wait, as strace shows a blocked call', () => {
  it('a receive that blocks prints <unfinished ...> when it starts and <... resumed> when it returns', () => {
    const server = boundUdp();
    setsockopt(server.fd, SOL_SOCKET, SO_RCVTIMEO, 50);
    const lines = capture(() => {
      expect(() => recvfrom(server.fd, Buffer.alloc(64))).toThrow();
      expect(() => recv(server.fd, Buffer.alloc(64))).toThrow();
    });
    expect(lines).toEqual([
      `recvmsg(${server.fd}, <unfinished ...>`,
      `<... recvmsg resumed>…, 0) = -1 EAGAIN (Resource temporarily unavailable)`,
      `recvfrom(${server.fd}, <unfinished ...>`,
      `<... recvfrom resumed>…, 64, 0, NULL) = -1 EAGAIN (Resource temporarily unavailable)`,
    ]);
  });

  it('the unfinished line is printed before the call waits: a datagram sent meanwhile completes it', async () => {
    const server = boundUdp(); // with a 5 s safety timeout
    const seen: string[] = [];
    // Another process sends once this one is blocked: the unfinished line is its signal.
    const sender = spawn(process.execPath, ['-e', `
      const b = require('bsdsock');
      process.stdin.once('data', () => {
        const fd = b.socket(b.AF_INET, b.SOCK_DGRAM);
        b.sendto(fd, Buffer.from('late'), 0, { family: 'AF_INET', address: '127.0.0.1', port: ${server.addr.port} });
        b.close(fd);
      });`], { cwd: root, stdio: ['pipe', 'inherit', 'inherit'] });
    const exited = new Promise((resolve) => sender.on('close', resolve));
    const previous = setTrace((line) => {
      seen.push(line);
      if (line.endsWith('<unfinished ...>')) sender.stdin!.write('go\n');
    });
    try {
      recvfrom(server.fd, Buffer.alloc(64));
    } finally {
      setTrace(previous);
      sender.stdin!.end();
    }
    await exited;
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(`recvmsg(${server.fd}, <unfinished ...>`);
    expect(seen[1]).toMatch(new RegExp(`^<\\.\\.\\. recvmsg resumed>\\{msg_name=127\\.0\\.0\\.1:\\d+, msg_iov=\\[\\{iov_base="late", iov_len=64\\}\\], msg_iovlen=1, msg_controllen=0, msg_flags=0\\}, 0\\) = 4$`));
  }, 20000);

  it('a call that cannot wait prints one line: data waiting, MSG_DONTWAIT, a non-blocking descriptor', () => {
    const server = boundUdp();
    const client = boundUdp();
    const lines = capture(() => {
      sendto(client.fd, Buffer.from('a'), 0, server.addr);
      recv(server.fd, Buffer.alloc(4));
      expect(() => recv(server.fd, Buffer.alloc(4), MSG_DONTWAIT)).toThrow();
      setNonBlocking(server.fd);
      expect(() => recv(server.fd, Buffer.alloc(4))).toThrow();
    });
    expect(lines.filter((l) => l.includes('unfinished') || l.includes('resumed'))).toEqual([]);
    expect(lines).toContain(`recvfrom(${server.fd}, …, 4, MSG_DONTWAIT, NULL) = -1 EAGAIN (Resource temporarily unavailable)`);
  });

  it('poll and select print as strace prints them, Timeout included', () => {
    const server = boundUdp();
    const client = boundUdp();
    const name = onLinux ? 'pselect6' : 'select';
    const lines = capture(() => {
      poll([{ fd: server.fd, events: POLLIN }], 0);
      select([server.fd], [], [], 0);
      poll([{ fd: server.fd, events: POLLIN }], 20);
      sendto(client.fd, Buffer.from('x'), 0, server.addr);
      poll([{ fd: server.fd, events: POLLIN | POLLOUT }], 1000);
      select([server.fd], [client.fd], [], null);
    });
    const nfds = Math.max(server.fd, client.fd) + 1;
    const sigmask = '{sigmask=NULL, sigsetsize=8}'; // as strace shows glibc's pselect6 on Linux
    const zero = onLinux ? `{tv_sec=0, tv_nsec=0}, ${sigmask}` : '{tv_sec=0, tv_usec=0}';
    expect(lines).toEqual([
      `poll([{fd=${server.fd}, events=POLLIN}], 1, 0) = 0 (Timeout)`,
      `${name}(${server.fd + 1}, [${server.fd}], NULL, NULL, ${zero}) = 0 (Timeout)`,
      `poll([{fd=${server.fd}, events=POLLIN}], 1, 20 <unfinished ...>`,
      `<... poll resumed>) = 0 (Timeout)`,
      `sendto(${client.fd}, "x", 1, ${NOSIGNAL}, 127.0.0.1:${server.addr.port}) = 1`,
      `poll([{fd=${server.fd}, events=POLLIN|POLLOUT}], 1, 1000) = 1 ([{fd=${server.fd}, revents=POLLIN|POLLOUT}])`,
      `${name}(${nfds}, [${server.fd}], [${client.fd}], NULL, NULL${onLinux ? `, ${sigmask}` : ''}) = 2 (in [${server.fd}], out [${client.fd}])`,
    ]);
  });

  (onLinux && !buildInfo.portable ? it : it.skip)('accept is accept4 with SOCK_CLOEXEC on Linux', () => {
    const listener = track(socket(AF_INET, SOCK_STREAM));
    bind(listener, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
    listen(listener, 1);
    const client = track(socket(AF_INET, SOCK_STREAM));
    connect(client, getsockname(listener));
    let accepted = -1;
    const lines = capture(() => {
      accepted = track(accept(listener).fd);
    });
    const peer = getsockname(client) as InetAddress;
    expect(lines).toEqual([`accept4(${listener}, 127.0.0.1:${peer.port}, SOCK_CLOEXEC) = ${accepted}`]);
  });
});

describe('control messages, decoded as strace decodes them', () => {
  it('a sender without an address (an unbound AF_UNIX socket) has no msg_name', () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM).map(track) as [number, number];
    send(a, Buffer.from('anon'));
    const lines = capture(() => {
      recvfrom(b, Buffer.alloc(8));
    });
    expect(lines).toEqual([`recvmsg(${b}, {msg_iov=[{iov_base="anon", iov_len=8}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 4`]);
  });

  (onLinux ? it : it.skip)('IP_PKTINFO, TTL and TOS on receive; MSG_CMSG_CLOEXEC as the kernel got it', () => {
    const server = boundUdp();
    const client = boundUdp();
    setsockopt(server.fd, IPPROTO_IP, IP_PKTINFO!, true);
    setsockopt(server.fd, IPPROTO_IP, IP_RECVTTL!, true);
    setsockopt(server.fd, IPPROTO_IP, IP_RECVTOS!, true);
    setsockopt(client.fd, IPPROTO_IP, IP_TOS, 0x10);
    sendto(client.fd, Buffer.from('ctl'), 0, server.addr);
    const lines = capture(() => {
      recvmsg(server.fd, [Buffer.alloc(8)]);
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('{cmsg_level=SOL_IP, cmsg_type=IP_PKTINFO, cmsg_data={ipi_ifindex=1, ipi_spec_dst=inet_addr("127.0.0.1"), ipi_addr=inet_addr("127.0.0.1")}}');
    expect(lines[0]).toContain('{cmsg_level=SOL_IP, cmsg_type=IP_TTL, cmsg_data=[64]}');
    expect(lines[0]).toContain('{cmsg_level=SOL_IP, cmsg_type=IP_TOS, cmsg_data=[0x10]}');
    // The portable build passes no MSG_CMSG_CLOEXEC (it sets FD_CLOEXEC on received descriptors).
    const flags = CLOEXEC ? 'MSG_CMSG_CLOEXEC' : '0';
    expect(lines[0]).toMatch(new RegExp(`msg_iov=\\[\\{iov_base="ctl", iov_len=8\\}\\], msg_iovlen=1, msg_control=\\[.*\\], msg_controllen=\\d+, msg_flags=0\\}, ${flags}\\) = 3$`));
  });

  (onLinux ? it : it.skip)("SO_RXQ_OVFL's drop count", () => {
    const server = boundUdp();
    const client = boundUdp();
    setsockopt(server.fd, SOL_SOCKET, SO_RCVBUF, 1);
    setsockopt(server.fd, SOL_SOCKET, SO_RXQ_OVFL!, true);
    setNonBlocking(server.fd);
    for (let i = 0; i < 200; i++) sendto(client.fd, Buffer.alloc(1000), 0, server.addr);
    while (true) {
      try {
        recvmsg(server.fd, [Buffer.alloc(1000)]);
      } catch {
        break;
      }
    }
    sendto(client.fd, Buffer.from('after'), 0, server.addr);
    const lines = capture(() => {
      recvmsg(server.fd, [Buffer.alloc(8)]);
    });
    expect(lines[0]).toMatch(/msg_control=\[\{cmsg_level=SOL_SOCKET, cmsg_type=SO_RXQ_OVFL, cmsg_data=\[[1-9]\d*\]\}\]/);
  });

  it("SCM_RIGHTS' descriptors, sent and received", () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM).map(track) as [number, number];
    const passed = track(socket(AF_INET, SOCK_DGRAM));
    let got = -1;
    const lines = capture(() => {
      sendmsg(a, [Buffer.from('fd')], 0, { control: [{ kind: 'rights', fds: [passed] }] });
      const { control } = recvmsg(b, [Buffer.alloc(4)]);
      got = track((control[0] as { fds: number[] }).fds[0]!);
    });
    expect(lines[0]).toContain(`msg_control=[{cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[${passed}]}]`);
    expect(lines[0]).toMatch(new RegExp(`^sendmsg\\(${a}, \\{msg_iov=\\[\\{iov_base="fd", iov_len=2\\}\\], msg_iovlen=1, msg_control=.*, msg_controllen=\\d+, msg_flags=0\\}, ${NOSIGNAL}\\) = 2$`));
    expect(lines[1]).toContain(`msg_control=[{cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[${got}]}]`);
  });
});

describe('a Socket is traced like the flat calls', () => {
  // Linux makes the native drain's batch with recvmmsg; elsewhere with recvmsg (native/batch.cc).
  const mmsg = onLinux && !buildInfo.portable;

  /** The lines printed while `fn` runs (the trace on through its function form). */
  async function captureAsync(fn: () => Promise<void>): Promise<string[]> {
    const lines: string[] = [];
    const previous = setTrace((line) => lines.push(line));
    try {
      await fn();
    } finally {
      setTrace(previous);
    }
    return lines;
  }

  it('an echo exchange prints each send and receive with its descriptor and byte count', async () => {
    const server = udp();
    const client = udp();
    const lines = await captureAsync(async () => {
      // Queued first: the native drain receives it when the datagram arrives.
      const waiting = server.socket.recvfrom(Buffer.alloc(100));
      await client.socket.sendto(Buffer.from('hello'), server.addr);
      const got = await waiting;
      expect(got.bytes).toBe(5);
      await server.socket.sendto(Buffer.from('hello'), got.from);
      // Nothing waits before it and the datagram is there: made at once from JavaScript.
      const echoed = await client.socket.recvfrom();
      expect(echoed.data.toString()).toBe('hello');
      // Without a buffer, waiting: the drain receives into a 64 KiB slot of its own.
      const again = server.socket.recvfrom();
      await client.socket.connect(server.addr);
      await client.socket.send(Buffer.from('again'));
      expect((await again).data.toString()).toBe('again');
    });
    const s = server.socket.fd;
    const c = client.socket.fd;
    const drainLine = mmsg
      ? `recvmmsg(${s}, [{msg_hdr={msg_name=127.0.0.1:${client.addr.port}, msg_iov=[{iov_base="hello", iov_len=100}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=5}], 1, 0, NULL) = 1`
      : `${recvmsgOf(s, '"hello"', 100, `127.0.0.1:${client.addr.port}`)} = 5`;
    expect(lines).toEqual([
      `sendto(${c}, "hello", 5, ${NOSIGNAL}, 127.0.0.1:${server.addr.port}) = 5`,
      drainLine,
      `sendto(${s}, "hello", 5, ${NOSIGNAL}, 127.0.0.1:${client.addr.port}) = 5`,
      // A receive without a buffer lands in a 64 KiB scratch, which the kernel sees as the iov.
      `${recvmsgOf(c, '"hello"', 65536, `127.0.0.1:${server.addr.port}`)} = 5`,
      `connect(${c}, 127.0.0.1:${server.addr.port}) = 0`,
      // send() is the sendto syscall with no address.
      `sendto(${c}, "again", 5, ${NOSIGNAL}, NULL) = 5`,
      mmsg
        ? `recvmmsg(${s}, [{msg_hdr={msg_name=127.0.0.1:${client.addr.port}, msg_iov=[{iov_base="again", iov_len=65536}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=5}], 1, 0, NULL) = 1`
        : `${recvmsgOf(s, '"again"', 65536, `127.0.0.1:${client.addr.port}`)} = 5`,
    ]);
  });

  it('attempts that find nothing (EAGAIN) are left out: the Socket waits for readiness instead', async () => {
    const server = udp();
    const client = udp();
    const lines = await captureAsync(async () => {
      // Tried at once from JavaScript (EAGAIN, not printed), then served by the drain.
      const batch = server.socket.recvmmsg([Buffer.alloc(8)]);
      const single = server.socket.recvfrom();
      await client.socket.sendto(Buffer.from('one'), server.addr);
      await client.socket.sendto(Buffer.from('two'), server.addr);
      await Promise.all([batch, single]);
    });
    expect(lines.some((line) => line.includes('EAGAIN'))).toBe(false);
    const received = lines.filter((line) => /^recv/.test(line));
    expect(received.join('\n')).toContain('"one"');
    expect(received.join('\n')).toContain('"two"');
    expect(lines.filter((line) => line.startsWith('sendto('))).toHaveLength(2);
  });

  it('a Socket made while the trace is off prints nothing, and starts printing when it is turned on', async () => {
    const server = udp();
    const client = udp();
    const waiting = server.socket.recvfrom();
    await client.socket.sendto(Buffer.from('quiet'), server.addr);
    await waiting;
    const lines = await captureAsync(async () => {
      const next = server.socket.recvfrom();
      await client.socket.sendto(Buffer.from('loud'), server.addr);
      await next;
    });
    expect(lines.filter((line) => line.includes('"loud"'))).toHaveLength(2); // its send and its receive
    expect(lines.some((line) => line.includes('quiet'))).toBe(false);
  });
});
