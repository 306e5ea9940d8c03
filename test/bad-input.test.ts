// Bad input never crashes the process: every exported flat function throws a typed error with a
// Node-style `code` before any syscall, and the native binding checks everything again itself.
//
// "Before any syscall" is shown two ways: the binding's syscall entry points are spied on and
// must not be called, and the fixed arguments of each call name a descriptor that is never
// open (NOFD) so that anything reaching the kernel would come back as EBADF instead.
import { thrown } from './helpers/thrown';
import * as fs from 'node:fs';

import {
  AF_INET,
  AF_UNIX,
  ArgumentRangeError,
  ArgumentTypeError,
  BadDescriptorError,
  EncodedAddress,
  F_GETFD,
  F_GETFL,
  F_SETFD,
  F_SETFL,
  IPPROTO_IP,
  InvalidArgumentError,
  SHUT_RDWR,
  SOCK_DGRAM,
  Socket,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SocketError,
  WouldBlockError,
  accept,
  bind,
  close,
  connect,
  constants,
  fcntl,
  getNonBlocking,
  getpeername,
  getsockname,
  getsockopt,
  listen,
  read,
  recv,
  recvfrom,
  send,
  sendto,
  setNonBlocking,
  setsockopt,
  shutdown,
  sockaddr,
  socket,
  socketpair,
  write,
} from '../lib';
import * as api from '../lib';
import { binding } from '../lib/native';
import { boundUdp, closeAll, LOOPBACK4, udpSocket } from './helpers/sockets';

afterEach(closeAll);

/** Never open: above RLIMIT_NOFILE here, and far above anything the test process opens. */
const NOFD = 1_000_000;
const here = { family: 'AF_INET', address: LOOPBACK4, port: 9 } as const;
const buf = Buffer.alloc(8);

const WRONG_TYPE = 'ArgumentTypeError ERR_INVALID_ARG_TYPE';
const OUT_OF_RANGE = 'ArgumentRangeError ERR_OUT_OF_RANGE';
const EBADF = 'BadDescriptorError EBADF';

// ---------------------------------------------------------------------------------------------
// Helpers

/** The binding's entry points that make a syscall (encode/decodeAddress make none). */
const SYSCALLS = [
  'socket', 'socketpair', 'close', 'bind', 'connect', 'listen', 'accept', 'shutdown', 'sendto', 'send',
  'write', 'recvfrom', 'recv', 'read', 'getsockname', 'getpeername', 'setsockopt', 'getsockoptInt',
  'getsockoptRaw', 'setsockoptTimeval', 'getsockoptTimeval', 'fcntl',
] as const;
let spies: jest.SpyInstance[] = [];
beforeAll(() => {
  spies = SYSCALLS.map((name) => jest.spyOn(binding, name));
});
afterAll(() => {
  for (const spy of spies) spy.mockRestore();
});
const syscallsMade = (): number => spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);

/** What a call threw, as `<class> <code>`, plus ` "<arg>"` when the message names `arg`. */
function outcome(fn: () => unknown, arg?: string): string {
  try {
    fn();
  } catch (err) {
    const kind =
      err instanceof ArgumentTypeError ? 'ArgumentTypeError'
      : err instanceof ArgumentRangeError ? 'ArgumentRangeError'
      // Errors made by native code come from another realm than jest's: go by name, not instanceof.
      : isError(err) ? err.name
      : typeof err;
    const { code, message } = err as { code?: string; message?: string };
    const summary = code === undefined ? kind : `${kind} ${code}`;
    if (arg === undefined) return summary;
    return message?.includes(`"${arg}"`) ? `${summary} "${arg}"` : `${summary} (message: ${message})`;
  }
  return 'no error';
}

/**
 * Runs `call` on every value and compares the whole table at once (a failure shows every row),
 * then checks that none of them reached a syscall.
 */
function expectRejected(
  call: (value: never) => unknown,
  cases: ReadonlyArray<readonly [label: string, value: unknown, expected: string]>,
  arg?: string,
): void {
  const before = syscallsMade();
  const seen = Object.fromEntries(cases.map(([label, value]) => [label, outcome(() => call(value as never), arg)]));
  const wanted = Object.fromEntries(cases.map(([label, , expected]) => [label, arg ? `${expected} "${arg}"` : expected]));
  expect(seen).toEqual(wanted);
  expect(syscallsMade() - before).toBe(0);
}

function isError(value: unknown): value is Error {
  return Object.prototype.toString.call(value) === '[object Error]';
}


// ---------------------------------------------------------------------------------------------
// Bad values

const notNumbers: Array<[string, unknown]> = [
  ['a string', '3'],
  ['an empty string', ''],
  ['null', null],
  ['undefined', undefined],
  ['an object', {}],
  ['an array', [3]],
  ['a boxed number', new Number(3)],
  ['a boolean', true],
  ['a BigInt', BigInt(3)],
  ['a symbol', Symbol('3')],
  ['a function', () => 3],
];
const notInt32: Array<[string, unknown]> = [
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['1.5', 1.5],
  ['-0.5', -0.5],
  ['2**31', 2 ** 31],
  ['-(2**31) - 1', -(2 ** 31) - 1],
  ['2**53', 2 ** 53],
];
/** A descriptor must also not be negative. */
const notFd: Array<[string, unknown]> = [...notInt32, ['-1', -1], ['-(2**31)', -(2 ** 31)]];

function badValues(arg: string, optional = false): Array<[string, unknown, string]> {
  return [
    ...notNumbers.filter(([, v]) => !(optional && v === undefined)).map(([l, v]): [string, unknown, string] => [l, v, WRONG_TYPE]),
    ...(arg === 'fd' ? notFd : notInt32).map(([l, v]): [string, unknown, string] => [l, v, OUT_OF_RANGE]),
  ];
}

// ---------------------------------------------------------------------------------------------

describe('integer arguments of every flat function', () => {
  interface Row {
    fn: string;
    arg: string;
    call: (v: never) => unknown;
    /** `undefined` selects the default, so it is not bad input. */
    optional?: boolean;
  }
  const rows: Row[] = [
    { fn: 'socket', arg: 'domain', call: (v) => socket(v, SOCK_DGRAM) },
    { fn: 'socket', arg: 'type', call: (v) => socket(AF_INET, v) },
    { fn: 'socket', arg: 'protocol', call: (v) => socket(AF_INET, SOCK_DGRAM, v), optional: true },
    { fn: 'socketpair', arg: 'domain', call: (v) => socketpair(v, SOCK_DGRAM) },
    { fn: 'socketpair', arg: 'type', call: (v) => socketpair(AF_UNIX, v) },
    { fn: 'socketpair', arg: 'protocol', call: (v) => socketpair(AF_UNIX, SOCK_DGRAM, v), optional: true },
    { fn: 'close', arg: 'fd', call: (v) => close(v) },
    { fn: 'bind', arg: 'fd', call: (v) => bind(v, here) },
    { fn: 'connect', arg: 'fd', call: (v) => connect(v, here) },
    { fn: 'listen', arg: 'fd', call: (v) => listen(v, 1) },
    { fn: 'listen', arg: 'backlog', call: (v) => listen(NOFD, v) },
    { fn: 'accept', arg: 'fd', call: (v) => accept(v) },
    { fn: 'shutdown', arg: 'fd', call: (v) => shutdown(v, SHUT_RDWR) },
    { fn: 'shutdown', arg: 'how', call: (v) => shutdown(NOFD, v) },
    { fn: 'sendto', arg: 'fd', call: (v) => sendto(v, buf, 0, here) },
    { fn: 'sendto', arg: 'flags', call: (v) => sendto(NOFD, buf, v, here) },
    { fn: 'send', arg: 'fd', call: (v) => send(v, buf) },
    { fn: 'send', arg: 'flags', call: (v) => send(NOFD, buf, v), optional: true },
    { fn: 'write', arg: 'fd', call: (v) => write(v, buf) },
    { fn: 'recvfrom', arg: 'fd', call: (v) => recvfrom(v, buf) },
    { fn: 'recvfrom', arg: 'flags', call: (v) => recvfrom(NOFD, buf, v), optional: true },
    { fn: 'recv', arg: 'fd', call: (v) => recv(v, buf) },
    { fn: 'recv', arg: 'flags', call: (v) => recv(NOFD, buf, v), optional: true },
    { fn: 'read', arg: 'fd', call: (v) => read(v, buf) },
    { fn: 'getsockname', arg: 'fd', call: (v) => getsockname(v) },
    { fn: 'getpeername', arg: 'fd', call: (v) => getpeername(v) },
    { fn: 'setsockopt', arg: 'fd', call: (v) => setsockopt(v, SOL_SOCKET, SO_RCVBUF, 4096) },
    { fn: 'setsockopt', arg: 'level', call: (v) => setsockopt(NOFD, v, SO_RCVBUF, 4096) },
    { fn: 'setsockopt', arg: 'name', call: (v) => setsockopt(NOFD, SOL_SOCKET, v, 4096) },
    { fn: 'getsockopt', arg: 'fd', call: (v) => getsockopt(v, SOL_SOCKET, SO_RCVBUF) },
    { fn: 'getsockopt', arg: 'level', call: (v) => getsockopt(NOFD, v, SO_RCVBUF) },
    { fn: 'getsockopt', arg: 'name', call: (v) => getsockopt(NOFD, SOL_SOCKET, v) },
    { fn: 'fcntl', arg: 'fd', call: (v) => fcntl(v, F_GETFL) },
    { fn: 'fcntl', arg: 'cmd', call: (v) => fcntl(NOFD, v) },
    { fn: 'fcntl', arg: 'arg', call: (v) => fcntl(NOFD, F_SETFL, v), optional: true },
    { fn: 'setNonBlocking', arg: 'fd', call: (v) => setNonBlocking(v) },
    { fn: 'getNonBlocking', arg: 'fd', call: (v) => getNonBlocking(v) },
  ];

  it.each(rows)('$fn() rejects a bad "$arg" with a typed error naming it, before any syscall', ({ arg, call, optional }) => {
    expectRejected(call, badValues(arg, optional), arg);
  });

  // The control for the table above: with the fd column valid, each call does reach the kernel.
  it.each(rows.filter((r) => r.arg === 'fd'))('$fn() with a well-formed but never-opened fd reaches the kernel: EBADF', ({ call }) => {
    expect(outcome(() => call(NOFD as never))).toBe(EBADF);
  });

  // -1 is a C int like any other: only a descriptor (and a byte count) must not be negative.
  it.each([
    ['listen backlog', () => listen(NOFD, -1)],
    ['shutdown how', () => shutdown(NOFD, -1)],
    ['sendto flags', () => sendto(NOFD, buf, -1, here)],
    ['recv flags', () => recv(NOFD, buf, -1)],
    ['setsockopt level', () => setsockopt(NOFD, -1, SO_RCVBUF, 1)],
    ['getsockopt name', () => getsockopt(NOFD, SOL_SOCKET, -1)],
  ])('-1 as %s passes validation (int32) and is left to the kernel', (_label, call) => {
    expect(outcome(call)).toBe(EBADF);
  });

  it('setsockopt rejects a bad integer value, and a bad timeout for SO_RCVTIMEO', () => {
    const notIntValue = [
      ...notNumbers.filter(([, v]) => typeof v !== 'boolean').map(([l, v]): [string, unknown, string] => [l, v, WRONG_TYPE]),
      ['an ArrayBuffer (not a view)', new ArrayBuffer(4), WRONG_TYPE],
      ...notInt32.map(([l, v]): [string, unknown, string] => [l, v, OUT_OF_RANGE]),
    ] as const;
    expectRejected((v) => setsockopt(NOFD, SOL_SOCKET, SO_RCVBUF, v), notIntValue, 'value');
    expectRejected(
      (v) => setsockopt(NOFD, SOL_SOCKET, SO_RCVTIMEO, v),
      [
        ['a string', '100', WRONG_TYPE],
        ['null', null, WRONG_TYPE],
        ['undefined', undefined, WRONG_TYPE],
        ['-1 ms', -1, OUT_OF_RANGE],
        ['1.5 ms', 1.5, OUT_OF_RANGE],
        ['NaN ms', NaN, OUT_OF_RANGE],
        ['Infinity ms', Infinity, OUT_OF_RANGE],
        ['2**53 ms', 2 ** 53, OUT_OF_RANGE],
      ],
      'value',
    );
  });

  it('setNonBlocking rejects a non-boolean and leaves the descriptor as it was', () => {
    const fd = udpSocket();
    expectRejected(
      (v) => setNonBlocking(fd, v),
      [['1', 1, WRONG_TYPE], ["'yes'", 'yes', WRONG_TYPE], ['null', null, WRONG_TYPE], ['{}', {}, WRONG_TYPE]],
      'nonBlocking',
    );
    expect(getNonBlocking(fd)).toBe(false);
  });
});

describe('buffers and byte counts', () => {
  const notViews: Array<[string, unknown, string]> = [
    ['a string', 'abcdefgh', WRONG_TYPE],
    ['an array of bytes', [1, 2, 3], WRONG_TYPE],
    ['a number', 8, WRONG_TYPE],
    ['an ArrayBuffer', new ArrayBuffer(8), WRONG_TYPE],
    ['a SharedArrayBuffer', new SharedArrayBuffer(8), WRONG_TYPE],
    ['null', null, WRONG_TYPE],
    ['a look-alike object', { buffer: new ArrayBuffer(8), byteOffset: 0, byteLength: 8 }, WRONG_TYPE],
  ];
  const takers: Array<{ fn: string; call: (b: never) => unknown; optional?: boolean }> = [
    { fn: 'sendto', call: (b) => sendto(NOFD, b, 0, here) },
    { fn: 'send', call: (b) => send(NOFD, b) },
    { fn: 'write', call: (b) => write(NOFD, b) },
    { fn: 'recvfrom', call: (b) => recvfrom(NOFD, b) },
    { fn: 'recv', call: (b) => recv(NOFD, b) },
    { fn: 'read', call: (b) => read(NOFD, b) },
    // Without a buffer getsockopt reads an integer option: undefined is not bad input there.
    { fn: 'getsockopt', call: (b) => getsockopt(NOFD, SOL_SOCKET, SO_RCVBUF, b), optional: true },
  ];

  it.each(takers)('$fn() refuses a buffer that is not an ArrayBufferView', ({ call, optional }) => {
    const cases = optional ? notViews : [...notViews, ['undefined', undefined, WRONG_TYPE] as [string, unknown, string]];
    expectRejected(call, cases, 'buf');
    // Any view is fine, and then the call reaches the kernel.
    for (const view of [Buffer.alloc(4), new Uint16Array(2), new Float64Array(1), new DataView(new ArrayBuffer(4))]) {
      expect(outcome(() => call(view as never))).toBe(EBADF);
    }
  });

  describe.each([
    ['read', (b: ArrayBufferView, n: unknown) => read(NOFD, b, n as number)],
    ['write', (b: ArrayBufferView, n: unknown) => write(NOFD, b, n as number)],
  ])('%s(fd, buf, count)', (_fn, call) => {
    it('refuses a count that is negative, fractional, not a number or larger than the buffer', () => {
      const eight = Buffer.alloc(8);
      expectRejected(
        (n) => call(eight, n),
        [
          ['-1', -1, OUT_OF_RANGE],
          ['1.5', 1.5, OUT_OF_RANGE],
          ['9 (one past the end)', 9, OUT_OF_RANGE],
          ['2**32', 2 ** 32, OUT_OF_RANGE],
          ['NaN', NaN, OUT_OF_RANGE],
          ['Infinity', Infinity, OUT_OF_RANGE],
          ["'4'", '4', WRONG_TYPE],
          ['null', null, WRONG_TYPE],
          ['a BigInt', BigInt(4), WRONG_TYPE],
        ],
        'count',
      );
    });

    it('measures the count in bytes of the view, not of its backing memory or in elements', () => {
      const window = Buffer.alloc(16).subarray(4, 8);
      expect(outcome(() => call(window, 5), 'count')).toBe(`${OUT_OF_RANGE} "count"`);
      expect(outcome(() => call(window, 4))).toBe(EBADF);
      const words = new Uint16Array(4); // 8 bytes
      expect(outcome(() => call(words, 9), 'count')).toBe(`${OUT_OF_RANGE} "count"`);
      expect(outcome(() => call(words, 8))).toBe(EBADF);
      expect(outcome(() => call(words, 0))).toBe(EBADF);
    });
  });
});

describe('addresses', () => {
  const WRONG_FAMILY = 'ArgumentRangeError ERR_INVALID_ADDRESS_FAMILY';
  const BAD_PORT = 'ArgumentRangeError ERR_SOCKET_BAD_PORT';
  const BAD_IP = 'ArgumentTypeError ERR_INVALID_IP_ADDRESS';
  const sunPathSize = constants.SUN_PATH_SIZE as number;

  const badAddresses: Array<[string, unknown, string]> = [
    // Not an address object at all.
    ['a string', '127.0.0.1:80', WRONG_TYPE],
    ['a number', 80, WRONG_TYPE],
    ['null', null, WRONG_TYPE],
    ['undefined', undefined, WRONG_TYPE],
    ['an object without family', { address: LOOPBACK4, port: 80 }, WRONG_TYPE],
    ['family null', { family: null, address: LOOPBACK4, port: 80 }, WRONG_TYPE],
    // Unknown families.
    ["family 'AF_INET7'", { family: 'AF_INET7', address: LOOPBACK4, port: 80 }, WRONG_FAMILY],
    ["family 'inet'", { family: 'inet', address: LOOPBACK4, port: 80 }, WRONG_FAMILY],
    ["family ''", { family: '', address: LOOPBACK4, port: 80 }, WRONG_FAMILY],
    ['family 12345', { family: 12345, address: LOOPBACK4, port: 80 }, WRONG_FAMILY],
    ['family -1', { family: -1, address: LOOPBACK4, port: 80 }, WRONG_FAMILY],
    ['family NaN', { family: NaN, address: LOOPBACK4, port: 80 }, WRONG_FAMILY],
    // Ports, IPv4 and IPv6 alike.
    ...[-1, 65536, 1.5, '80', NaN, Infinity, undefined, null, BigInt(80)].flatMap((port): Array<[string, unknown, string]> => [
      [`AF_INET port ${String(port)}${typeof port === 'string' ? ' (string)' : ''}`, { family: 'AF_INET', address: LOOPBACK4, port }, BAD_PORT],
      [`AF_INET6 port ${String(port)}${typeof port === 'string' ? ' (string)' : ''}`, { family: 'AF_INET6', address: '::1', port }, BAD_PORT],
    ]),
    // Malformed IPv4.
    ...['1.2.3', '256.1.1.1', '', 'localhost', '1.2.3.4.5', ' 1.2.3.4', '01.2.3.4', '1.2.3.4\0', '::1'].map(
      (address): [string, unknown, string] => [`IPv4 ${JSON.stringify(address)}`, { family: 'AF_INET', address, port: 80 }, BAD_IP],
    ),
    // Malformed IPv6.
    ...[':::', '1::2::3', '', '12345::1', 'g::1', '1.2.3.4', 'fe80::1%', '::1\0'].map(
      (address): [string, unknown, string] => [`IPv6 ${JSON.stringify(address)}`, { family: 'AF_INET6', address, port: 80 }, BAD_IP],
    ),
    ['IPv4 host not a string', { family: 'AF_INET', address: 0x7f000001, port: 80 }, WRONG_TYPE],
    ['IPv6 flowinfo -1', { family: 'AF_INET6', address: '::1', port: 80, flowinfo: -1 }, OUT_OF_RANGE],
    ['IPv6 flowinfo 2**32', { family: 'AF_INET6', address: '::1', port: 80, flowinfo: 2 ** 32 }, OUT_OF_RANGE],
    ['IPv6 scopeId 1.5', { family: 'AF_INET6', address: '::1', port: 80, scopeId: 1.5 }, OUT_OF_RANGE],
    ["IPv6 scopeId '1'", { family: 'AF_INET6', address: '::1', port: 80, scopeId: '1' }, WRONG_TYPE],
    // AF_UNIX: sun_path must hold the path and its NUL; bytes are counted, not characters.
    [`AF_UNIX path of ${sunPathSize} bytes`, { family: 'AF_UNIX', path: 'a'.repeat(sunPathSize) }, OUT_OF_RANGE],
    [`AF_UNIX path of ${sunPathSize} bytes in ${sunPathSize / 2} characters`, { family: 'AF_UNIX', path: 'é'.repeat(sunPathSize / 2) }, OUT_OF_RANGE],
    [`AF_UNIX abstract name of ${sunPathSize + 1} bytes`, { family: 'AF_UNIX', path: `\0${'a'.repeat(sunPathSize)}` }, OUT_OF_RANGE],
    ['AF_UNIX path with an embedded NUL', { family: 'AF_UNIX', path: '/tmp/a\0b' }, 'ArgumentTypeError ERR_INVALID_ARG_VALUE'],
    ['AF_UNIX path ending in NUL', { family: 'AF_UNIX', path: '/tmp/a\0' }, 'ArgumentTypeError ERR_INVALID_ARG_VALUE'],
    ['AF_UNIX path not a string', { family: 'AF_UNIX', path: Buffer.from('/tmp/a') }, WRONG_TYPE],
    ['AF_UNIX without path', { family: AF_UNIX }, WRONG_TYPE],
    // AF_UNKNOWN is passed back byte for byte, but only as bsdsock returns it.
    ['AF_UNKNOWN without bytes', { family: 'AF_UNKNOWN', af: 17 }, WRONG_TYPE],
    ['AF_UNKNOWN of 1 byte', { family: 'AF_UNKNOWN', af: 17, bytes: Buffer.alloc(1) }, OUT_OF_RANGE],
    ['AF_UNKNOWN of 200 bytes', { family: 'AF_UNKNOWN', af: 17, bytes: Buffer.alloc(200) }, OUT_OF_RANGE],
  ];

  it('sockaddr() rejects each malformed address with its own code', () => {
    expectRejected((a) => sockaddr(a), badAddresses);
  });

  it.each([
    ['bind', (a: never) => bind(NOFD, a)],
    ['connect', (a: never) => connect(NOFD, a)],
    ['sendto', (a: never) => sendto(NOFD, buf, 0, a)],
  ])('%s() rejects the same addresses before any syscall', (_fn, call) => {
    expectRejected(call, badAddresses);
  });

  it("arguments in the other order: the error says which order the call takes", async () => {
    // The flat call is C's sendto(fd, buf, flags, address)...
    expect(() => sendto(NOFD, buf, here as never, undefined as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/flags come third/) }),
    );
    // ... the Socket method is node:dgram's socket.sendto(buf, address, flags?).
    const s = new Socket(AF_INET, SOCK_DGRAM);
    try {
      await expect(s.sendto(buf, 0 as never, here as never)).rejects.toMatchObject({
        code: 'ERR_INVALID_ARG_TYPE',
        message: expect.stringMatching(/address comes second/),
      });
    } finally {
      s.close();
    }
  });

  it('the limits are exact: the longest path and abstract name that fit are accepted', () => {
    expect(() => sockaddr({ family: 'AF_UNIX', path: 'a'.repeat(sunPathSize - 1) })).not.toThrow();
    expect(() => sockaddr({ family: 'AF_UNIX', path: `\0${'a'.repeat(sunPathSize - 1)}` })).not.toThrow();
    expect(() => sockaddr({ family: 'AF_INET', address: LOOPBACK4, port: 65535 })).not.toThrow();
    expect(() => sockaddr({ family: 'AF_INET6', address: 'fe80::1%1', port: 0 })).not.toThrow();
  });

  it('an IPv6 zone naming no interface is refused by the native encoder, before any syscall', () => {
    const zoned = { family: 'AF_INET6', address: 'fe80::1%nosuchif0', port: 80 } as const;
    const before = syscallsMade();
    for (const call of [() => sockaddr(zoned), () => bind(NOFD, zoned), () => connect(NOFD, zoned), () => sendto(NOFD, buf, 0, zoned)]) {
      const err = thrown(call);
      expect(err).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_IP_ADDRESS' });
      expect(err.message).toContain('nosuchif0');
    }
    expect(syscallsMade() - before).toBe(0);
  });

  it('a forged EncodedAddress (wrong bytes) is stopped by the native check, not the kernel', () => {
    const Forge = EncodedAddress as unknown as new (address: unknown, bytes: unknown) => EncodedAddress;
    const address = { family: 'AF_INET', address: LOOPBACK4, port: 9 };
    expect(outcome(() => sendto(NOFD, buf, 0, new Forge(address, Buffer.alloc(200))))).toBe('RangeError ERR_INVALID_ARG_VALUE');
    expect(outcome(() => bind(NOFD, new Forge(address, Buffer.alloc(0))))).toBe('RangeError ERR_INVALID_ARG_VALUE');
    expect(outcome(() => connect(NOFD, new Forge(address, 'not bytes')))).toBe('TypeError ERR_INVALID_ARG_TYPE');
  });

  it('bad addresses change nothing on a live socket: nothing is bound and nothing is sent', () => {
    const server = boundUdp();
    const client = udpSocket();
    for (const [, address] of badAddresses) {
      expect(() => bind(client, address as never)).toThrow();
      expect(() => sendto(client, Buffer.from('x'), 0, address as never)).toThrow();
    }
    expect(() => sendto(client, Buffer.from('x'), 0, { ...server.addr, port: -1 })).toThrow(ArgumentRangeError);
    expect(getsockname(client)).toEqual({ family: 'AF_INET', address: '0.0.0.0', port: 0 });
    setNonBlocking(server.fd);
    expect(() => recvfrom(server.fd, Buffer.alloc(4))).toThrow(WouldBlockError);
  });
});

describe('fcntl', () => {
  const supported = [F_GETFD, F_SETFD, F_GETFL, F_SETFL];
  // 0 is F_DUPFD on Linux and macOS: had it run on a live socket, the new descriptor would leak.
  const refused = [0, 5, 9, 1030, -1, 2 ** 31 - 1].filter((cmd) => !supported.includes(cmd));

  it.each(refused)('fcntl(fd, %i) is refused with ArgumentRangeError ERR_OUT_OF_RANGE', (cmd) => {
    const fd = udpSocket();
    expect(outcome(() => fcntl(fd, cmd, 0))).toBe('ArgumentRangeError ERR_OUT_OF_RANGE');
    // Before the syscall: on a never-open descriptor it is still the range error, not EBADF.
    expect(outcome(() => fcntl(NOFD, cmd))).toBe('ArgumentRangeError ERR_OUT_OF_RANGE');
    // Native code refuses it too, for callers that bypass the TypeScript layer.
    expect(() => binding.fcntl(fd, cmd, 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });
});

describe('closed and never-opened descriptors', () => {
  const calls: Array<[string, string, (fd: number) => unknown]> = [
    ['close', 'close', (fd) => close(fd)],
    ['bind', 'bind', (fd) => bind(fd, here)],
    ['connect', 'connect', (fd) => connect(fd, here)],
    ['listen', 'listen', (fd) => listen(fd, 1)],
    ['accept', 'accept', (fd) => accept(fd)],
    ['shutdown', 'shutdown', (fd) => shutdown(fd, SHUT_RDWR)],
    ['sendto', 'sendto', (fd) => sendto(fd, buf, 0, here)],
    ['send', 'send', (fd) => send(fd, buf)],
    ['write', 'write', (fd) => write(fd, buf)],
    ['recvfrom', 'recvfrom', (fd) => recvfrom(fd, buf)],
    ['recv', 'recv', (fd) => recv(fd, buf)],
    ['read', 'read', (fd) => read(fd, buf)],
    ['getsockname', 'getsockname', (fd) => getsockname(fd)],
    ['getpeername', 'getpeername', (fd) => getpeername(fd)],
    ['setsockopt (int)', 'setsockopt', (fd) => setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 4096)],
    ['setsockopt (boolean)', 'setsockopt', (fd) => setsockopt(fd, SOL_SOCKET, SO_RCVBUF, true)],
    ['setsockopt (timeout)', 'setsockopt', (fd) => setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, 100)],
    ['setsockopt (raw)', 'setsockopt', (fd) => setsockopt(fd, SOL_SOCKET, SO_RCVBUF, Buffer.alloc(4))],
    ['getsockopt (int)', 'getsockopt', (fd) => getsockopt(fd, SOL_SOCKET, SO_RCVBUF)],
    ['getsockopt (timeout)', 'getsockopt', (fd) => getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO)],
    ['getsockopt (raw)', 'getsockopt', (fd) => getsockopt(fd, SOL_SOCKET, SO_RCVBUF, Buffer.alloc(4))],
    ['fcntl', 'fcntl', (fd) => fcntl(fd, F_GETFL)],
    ['setNonBlocking', 'fcntl', (fd) => setNonBlocking(fd)],
    ['getNonBlocking', 'fcntl', (fd) => getNonBlocking(fd)],
  ];

  function expectBadDescriptor(call: () => unknown, syscall: string): void {
    const err = thrown(call);
    expect(err).toBeInstanceOf(BadDescriptorError);
    expect(err).toMatchObject({ code: 'EBADF', syscall });
  }

  it.each(calls)('%s on a never-opened descriptor throws BadDescriptorError', (_label, syscall, call) => {
    expectBadDescriptor(() => call(NOFD), syscall);
  });

  it.each(calls)('%s on a socket that was just closed throws BadDescriptorError', (_label, syscall, call) => {
    // Not tracked: the number is free again as soon as close() returns.
    const fd = socket(AF_INET, SOCK_DGRAM);
    close(fd);
    expectBadDescriptor(() => call(fd), syscall);
  });
});

describe('a descriptor that is not a socket', () => {
  let devNull = -1;
  beforeEach(() => {
    devNull = fs.openSync('/dev/null', 'r+');
  });
  afterEach(() => {
    fs.closeSync(devNull);
  });

  it.each([
    ['recvfrom', (fd: number) => recvfrom(fd, Buffer.alloc(8))],
    ['getsockname', (fd: number) => getsockname(fd)],
    ['getpeername', (fd: number) => getpeername(fd)],
    ['recv', (fd: number) => recv(fd, Buffer.alloc(8))],
    ['send', (fd: number) => send(fd, Buffer.alloc(8))],
    ['sendto', (fd: number) => sendto(fd, Buffer.alloc(8), 0, here)],
    ['bind', (fd: number) => bind(fd, here)],
    ['connect', (fd: number) => connect(fd, here)],
    ['listen', (fd: number) => listen(fd, 1)],
    ['accept', (fd: number) => accept(fd)],
    ['shutdown', (fd: number) => shutdown(fd, SHUT_RDWR)],
    ['setsockopt', (fd: number) => setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 4096)],
    ['getsockopt', (fd: number) => getsockopt(fd, SOL_SOCKET, SO_RCVBUF)],
  ])('%s on /dev/null throws SocketError ENOTSOCK', (syscall, call) => {
    const err = thrown(() => call(devNull));
    expect(err).toBeInstanceOf(SocketError);
    expect(err).toMatchObject({ code: 'ENOTSOCK', syscall });
  });
});

describe('option buffers the kernel refuses', () => {
  function expectKernelRefusal(call: () => unknown): void {
    const err = thrown(call);
    expect(err).toBeInstanceOf(SocketError);
    expect(['EINVAL', 'ENOPROTOOPT']).toContain(err.code);
  }

  it('setsockopt with a zero-length raw buffer is EINVAL', () => {
    const { fd } = boundUdp();
    expect(() => setsockopt(fd, SOL_SOCKET, SO_RCVBUF, Buffer.alloc(0))).toThrow(InvalidArgumentError);
    expect(() => setsockopt(fd, SOL_SOCKET, SO_RCVBUF, new Uint8Array(new ArrayBuffer(8), 8))).toThrow(InvalidArgumentError);
    expectKernelRefusal(() => setsockopt(fd, SOL_SOCKET, SO_RCVBUF, Buffer.alloc(2)));
  });

  it.each([
    ['SOL_SOCKET, 9999', SOL_SOCKET, 9999],
    ['SOL_SOCKET, 2**31-1', SOL_SOCKET, 2 ** 31 - 1],
    ['IPPROTO_IP, 9999', IPPROTO_IP, 9999],
  ])('an unknown option (%s) is a SocketError from the kernel, for every kind of value', (_label, level, name) => {
    const { fd } = boundUdp();
    expectKernelRefusal(() => setsockopt(fd, level, name, 1));
    expectKernelRefusal(() => setsockopt(fd, level, name, false));
    expectKernelRefusal(() => setsockopt(fd, level, name, Buffer.alloc(4)));
    expectKernelRefusal(() => getsockopt(fd, level, name));
    expectKernelRefusal(() => getsockopt(fd, level, name, Buffer.alloc(4)));
  });

  it('getsockopt into a 0-byte view writes nothing around it', () => {
    const { fd } = boundUdp();
    const backing = Buffer.alloc(16, 0xaa);
    expect(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, backing.subarray(8, 8))).toBe(0);
    expect(backing).toEqual(Buffer.alloc(16, 0xaa));
  });

  it('getsockopt into a view smaller than the option writes only inside the view', () => {
    const { fd } = boundUdp();
    const backing = Buffer.alloc(16, 0xaa);
    let written = -1;
    try {
      written = getsockopt(fd, SOL_SOCKET, SO_RCVBUF, backing.subarray(6, 8));
    } catch (err) {
      expect(err).toBeInstanceOf(SocketError); // a platform may refuse a short int instead
    }
    expect(written).toBeLessThanOrEqual(2);
    expect(backing.subarray(0, 6)).toEqual(Buffer.alloc(6, 0xaa));
    expect(backing.subarray(8)).toEqual(Buffer.alloc(8, 0xaa));
  });

  it('getsockopt into a DataView at an offset writes exactly the view', () => {
    const { fd } = boundUdp();
    const backing = new Uint8Array(12).fill(0xaa);
    const view = new DataView(backing.buffer, 3, 4);
    expect(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, view)).toBe(4);
    const value = view.getInt32(0, new Uint8Array(new Uint16Array([1]).buffer)[0] === 1);
    expect(value).toBe(getsockopt(fd, SOL_SOCKET, SO_RCVBUF));
    expect([...backing.subarray(0, 3), ...backing.subarray(7)]).toEqual(new Array(8).fill(0xaa));
  });
});

describe('the native binding re-checks every argument itself', () => {
  // Every call names a never-open descriptor: one that got past the checks would return -EBADF
  // (a number) rather than throw, and none can block or send anything.
  const address = sockaddr(here).bytes;
  const storage = Buffer.alloc(constants.SOCKADDR_STORAGE_SIZE as number);
  const result = new Int32Array(2);
  const b8 = Buffer.alloc(8);
  const RANGE = 'RangeError ERR_OUT_OF_RANGE';
  const TYPE = 'TypeError ERR_INVALID_ARG_TYPE';
  const BAD_SOCKADDR = 'RangeError ERR_INVALID_ARG_VALUE';
  const detachedInt32 = (): Int32Array => {
    const memory = new ArrayBuffer(8);
    const view = new Int32Array(memory);
    structuredClone(memory, { transfer: [memory] });
    return view;
  };
  const sendtoWith = (...args: unknown[]) => () => (binding.sendto as (...a: unknown[]) => unknown)(NOFD, ...args);
  const recvfromWith = (...args: unknown[]) => () => (binding.recvfrom as (...a: unknown[]) => unknown)(NOFD, ...args);
  const readWith = (...args: unknown[]) => () => (binding.read as (...a: unknown[]) => unknown)(NOFD, ...args);
  const sendWith = (...args: unknown[]) => () => (binding.send as (...a: unknown[]) => unknown)(NOFD, ...args);
  const recvWith = (...args: unknown[]) => () => (binding.recv as (...a: unknown[]) => unknown)(NOFD, ...args);

  const cases: Array<[string, () => unknown, string]> = [
    ['sendto: fractional flags', sendtoWith(b8, 0.5, address), RANGE],
    ['sendto: NaN flags', sendtoWith(b8, NaN, address), RANGE],
    ['sendto: string flags', sendtoWith(b8, '0', address), TYPE],
    ['sendto: a string as buffer', sendtoWith('abcdefgh', 0, address), TYPE],
    ['sendto: an array as buffer', sendtoWith([1, 2, 3], 0, address), TYPE],
    ['sendto: null as buffer', sendtoWith(null, 0, address), TYPE],
    ['sendto: flags 2**31', sendtoWith(b8, 2 ** 31, address), RANGE],
    ['sendto: a 0-byte address', sendtoWith(b8, 0, Buffer.alloc(0)), BAD_SOCKADDR],
    ['sendto: a 1-byte address', sendtoWith(b8, 0, Buffer.alloc(1)), BAD_SOCKADDR],
    ['sendto: a 200-byte address', sendtoWith(b8, 0, Buffer.alloc(200)), BAD_SOCKADDR],
    ['sendto: a string address', sendtoWith(b8, 0, '127.0.0.1'), TYPE],
    ['sendto: no address', sendtoWith(b8, 0), TYPE],
    ['send: a string as buffer', sendWith('abcdefgh', 0), TYPE],
    ['send: flags -2**31-1', sendWith(b8, -(2 ** 31) - 1), RANGE],
    ['recv: an object as buffer', recvWith({}, 0), TYPE],
    ['recv: flags 1.5', recvWith(b8, 1.5), RANGE],
    ['recvfrom: an object as buffer', recvfromWith({}, 0, storage, result), TYPE],
    ['recvfrom: resultOut a Uint32Array', recvfromWith(b8, 0, storage, new Uint32Array(2)), TYPE],
    ['recvfrom: resultOut a Float64Array', recvfromWith(b8, 0, storage, new Float64Array(2)), TYPE],
    ['recvfrom: resultOut a plain array', recvfromWith(b8, 0, storage, [0, 0]), TYPE],
    ['recvfrom: resultOut an Int32Array of 1', recvfromWith(b8, 0, storage, new Int32Array(1)), TYPE],
    ['recvfrom: resultOut a detached Int32Array', recvfromWith(b8, 0, storage, detachedInt32()), TYPE],
    ['recvfrom: resultOut missing', recvfromWith(b8, 0, storage), TYPE],
    ['recvfrom: addressOut smaller than sockaddr_storage', recvfromWith(b8, 0, Buffer.alloc(16), result), RANGE],
    ['recvfrom: addressOut not bytes', recvfromWith(b8, 0, 'x', result), TYPE],
    ['read: offset+length past the end', readWith(b8, 4, 5), RANGE],
    ['read: offset past the end', readWith(b8, 9, 0), RANGE],
    ['read: negative length', readWith(b8, 0, -1), RANGE],
    ['read: negative offset', readWith(b8, -8, 8), RANGE],
    ['read: length 2**53', readWith(b8, 0, 2 ** 53), RANGE],
    ['read: bytes, not elements, of a Uint16Array', readWith(new Uint16Array(4), 0, 9), RANGE],
    ['read: a DataView measured from its offset', readWith(new DataView(new ArrayBuffer(8), 2), 0, 7), RANGE],
    ['read: a number as buffer', readWith(8, 0, 0), TYPE],
    ['read: undefined as buffer', readWith(undefined, 0, 0), TYPE],
    ['read: fd -1', () => binding.read(-1, b8, 0, 8), RANGE],
    ['close: fd 2**31', () => binding.close(2 ** 31), RANGE],
    ["close: fd '3'", () => binding.close('3' as never), TYPE],
    ['decodeAddress: length larger than the buffer', () => binding.decodeAddress(Buffer.alloc(16), 17), RANGE],
    ['decodeAddress: negative length', () => binding.decodeAddress(Buffer.alloc(16), -1), RANGE],
    ['decodeAddress: not bytes', () => binding.decodeAddress('abcd' as never, 0), TYPE],
    ['encodeAddress: unknown family', () => binding.encodeAddress(12345, '1.2.3.4', 80, 0, 0), 'RangeError ERR_INVALID_ADDRESS_FAMILY'],
    ['encodeAddress: port 65536', () => binding.encodeAddress(AF_INET, '1.2.3.4', 65536, 0, 0), 'RangeError ERR_SOCKET_BAD_PORT'],
    ['encodeAddress: IPv4 1.2.3', () => binding.encodeAddress(AF_INET, '1.2.3', 80, 0, 0), 'TypeError ERR_INVALID_IP_ADDRESS'],
    [
      'encodeAddress: AF_UNIX path too long',
      () => binding.encodeAddress(AF_UNIX, 'a'.repeat(constants.SUN_PATH_SIZE as number), 0, 0, 0),
      'RangeError ERR_OUT_OF_RANGE',
    ],
    ['encodeAddress: AF_UNIX path with NUL', () => binding.encodeAddress(AF_UNIX, 'a\0b', 0, 0, 0), 'TypeError ERR_INVALID_ARG_VALUE'],
  ];

  it.each(cases)('%s throws a coded TypeError/RangeError', (_label, call, expected) => {
    expect(outcome(call)).toBe(expected);
  });

  it('the bounds are exact: the largest valid ranges reach the kernel (-EBADF)', () => {
    const ebadf = -(require('node:os').constants.errno.EBADF as number);
    expect(binding.sendto(NOFD, b8, 0, address)).toBe(ebadf);
    // An encoded address in a view that is not aligned: copied before the kernel gets it.
    const unaligned = Buffer.alloc(address.length + 1).subarray(1);
    address.copy(unaligned);
    expect(binding.sendto(NOFD, b8, 0, unaligned)).toBe(ebadf);
    expect(binding.sendto(NOFD, new Uint16Array(4), 0, new DataView(address.buffer, address.byteOffset, address.length) as never)).toBe(ebadf);
    expect(binding.recvfrom(NOFD, b8, 0, storage, result)).toBe(ebadf);
    expect(binding.read(NOFD, new Uint16Array(4), 0, 8)).toBe(ebadf);
    expect(binding.read(NOFD, new DataView(new ArrayBuffer(8), 2), 0, 6)).toBe(ebadf);
    expect(binding.decodeAddress(Buffer.alloc(16), 16)).toMatchObject({ family: 'AF_UNSPEC' });
  });
});

describe('more bad values, each refused with a typed error', () => {
  it('a detached DataView is refused with ERR_INVALID_ARG_TYPE', () => {
    const memory = new ArrayBuffer(8);
    const view = new DataView(memory, 2);
    structuredClone(memory, { transfer: [memory] });
    expect(outcome(() => send(NOFD, view), 'buf')).toBe(`${WRONG_TYPE} "buf"`);
  });

  it('a boolean for SO_RCVTIMEO is refused before the syscall', () => {
    expect(outcome(() => setsockopt(NOFD, SOL_SOCKET, SO_RCVTIMEO, true), 'value')).toBe(`${WRONG_TYPE} "value"`);
  });

  it('an unsupported fcntl command is an ArgumentRangeError naming "cmd"', () => {
    expect(outcome(() => fcntl(NOFD, 0), 'cmd')).toBe(`${OUT_OF_RANGE} "cmd"`);
  });

  it('an unknown IPv6 zone is an ArgumentTypeError', () => {
    const err = thrown(() => sockaddr({ family: 'AF_INET6', address: 'fe80::1%nosuchif0', port: 80 }));
    expect(err).toBeInstanceOf(ArgumentTypeError);
  });
});

it('after all of that the process is alive and sockets still work', () => {
  const server = boundUdp();
  const client = boundUdp();
  expect(sendto(client.fd, Buffer.from('alive'), 0, server.addr)).toBe(5);
  const got = recvfrom(server.fd, Buffer.alloc(8));
  expect(got).toEqual({ bytes: 5, from: client.addr, truncated: false });
});

describe('one flags rule for every call that takes flags', () => {
  // Left out, the flags are 0. An explicit undefined is what a constant this platform lacks
  // looks like (MSG_ERRQUEUE outside Linux): refused, never taken as 0.
  const flat: Array<[string, (flags?: number) => unknown, (() => unknown)]> = [
    ['send', (f) => api.send(NOFD, buf, f), () => api.send(NOFD, buf)],
    ['recv', (f) => api.recv(NOFD, buf, f), () => api.recv(NOFD, buf)],
    ['recvfrom', (f) => api.recvfrom(NOFD, buf, f), () => api.recvfrom(NOFD, buf)],
    ['sendto', (f) => api.sendto(NOFD, buf, f as number, here), () => api.sendto(NOFD, buf, 0, here)],
    ['sendmsg', (f) => api.sendmsg(NOFD, [buf], f), () => api.sendmsg(NOFD, [buf])],
    ['recvmsg', (f) => api.recvmsg(NOFD, [buf], f), () => api.recvmsg(NOFD, [buf])],
    ['sendmmsg', (f) => api.sendmmsg(NOFD, [{ buf, address: here }], f), () => api.sendmmsg(NOFD, [{ buf, address: here }])],
    ['recvmmsg', (f) => api.recvmmsg(NOFD, [buf], f), () => api.recvmmsg(NOFD, [buf])],
  ];

  it.each(flat)('flat %s: explicit undefined is ERR_INVALID_ARG_TYPE; left out, the call is made (EBADF)', (_name, withFlags, without) => {
    expect(outcome(() => withFlags(undefined))).toBe('ArgumentTypeError ERR_INVALID_ARG_TYPE');
    expect(outcome(without)).toBe('BadDescriptorError EBADF');
  });

  it.each([
    ['sendto', (s: api.Socket, f?: number) => s.sendto(buf, here, f), (s: api.Socket) => s.sendto(buf, here)],
    ['send', (s: api.Socket, f?: number) => s.send(buf, f), (s: api.Socket) => s.connect(here).then(() => s.send(buf))],
    ['sendmmsg', (s: api.Socket, f?: number) => s.sendmmsg([{ buf, address: here }], f), (s: api.Socket) => s.sendmmsg([{ buf, address: here }])],
  ] as const)('Socket.%s: explicit undefined rejects with ERR_INVALID_ARG_TYPE; left out, it sends', async (_name, withFlags, without) => {
    const s = new api.Socket(AF_INET, SOCK_DGRAM);
    try {
      await expect(withFlags(s, undefined)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
      await expect(without(s)).resolves.toBeGreaterThanOrEqual(0);
    } finally {
      s.close();
    }
  });
});

describe('a string where a C constant belongs', () => {
  it.each([
    ['socket domain', () => api.socket('inet' as never, SOCK_DGRAM), /"domain".*AF_INET, AF_INET6 or AF_UNIX/],
    ['socket type', () => api.socket(AF_INET, 'dgram' as never), /"type".*SOCK_DGRAM/],
    ['new Socket', () => new api.Socket('AF_INET' as never, SOCK_DGRAM), /"domain".*AF_INET/],
    ['setsockopt level', () => api.setsockopt(NOFD, 'SOL_SOCKET' as never, api.SO_REUSEADDR, 1), /"level".*SOL_SOCKET/],
    ['getsockopt name', () => api.getsockopt(NOFD, api.SOL_SOCKET, 'SO_RCVBUF' as never), /"name".*SO_REUSEADDR/],
  ])('%s: ERR_INVALID_ARG_TYPE naming the constants meant', (_what, call, message) => {
    expect(call).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(message) }));
  });
});
