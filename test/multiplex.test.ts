// poll and select as C has them: ready, not ready, timed out, closed descriptors, bad input,
// FD_SETSIZE, and a timeout that keeps its bound while signals interrupt the wait.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

import {
  AF_INET,
  AF_UNIX,
  ArgumentRangeError,
  ArgumentTypeError,
  BadDescriptorError,
  FD_SETSIZE,
  InvalidArgumentError,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  POLLPRI,
  POLLRDHUP,
  SOCK_DGRAM,
  SOCK_STREAM,
  close,
  constants,
  poll,
  recvfrom,
  select,
  sendto,
  shutdown,
  SHUT_WR,
  socket,
  socketpair,
  type PollFd,
} from '../lib';
import { onLinux } from './helpers/platform';
import { boundUdp, closeAll, track } from './helpers/sockets';

const root = path.join(__dirname, '..');

afterEach(closeAll);

describe('poll', () => {
  it('the POLL constants are the platform\'s, POLLRDHUP on Linux only', () => {
    for (const value of [POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL]) expect(Number.isInteger(value)).toBe(true);
    expect(new Set([POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL]).size).toBe(6);
    if (onLinux) expect(POLLRDHUP).toBe(constants.POLLRDHUP);
    else expect(POLLRDHUP).toBeUndefined();
  });

  it('returns the ready entries and sets revents on each, as C does', () => {
    const a = boundUdp();
    const b = boundUdp();
    sendto(b.fd, Buffer.from('x'), 0, a.addr);
    const fds: PollFd[] = [{ fd: a.fd, events: POLLIN }, { fd: b.fd, events: POLLIN }, { fd: b.fd, events: POLLOUT }];
    expect(poll(fds, 1000)).toBe(2);
    expect(fds.map((f) => f.revents)).toEqual([POLLIN, 0, POLLOUT]);
  });

  it('a descriptor with nothing to read is not ready: timeout 0 returns 0 at once', () => {
    const a = boundUdp();
    const fds: PollFd[] = [{ fd: a.fd, events: POLLIN }];
    expect(poll(fds, 0)).toBe(0);
    expect(fds[0]!.revents).toBe(0);
  });

  it('times out after about the timeout, and the data is still there after', () => {
    const a = boundUdp();
    const started = process.hrtime.bigint();
    expect(poll([{ fd: a.fd, events: POLLIN }], 100)).toBe(0);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(ms).toBeGreaterThanOrEqual(95);
    expect(ms).toBeLessThan(3000);
  });

  it('reports a closed descriptor as POLLNVAL, a hung-up stream as POLLHUP/POLLIN, a negative fd is ignored', () => {
    const [x, y] = socketpair(AF_UNIX, SOCK_STREAM).map(track) as [number, number];
    shutdown(y, SHUT_WR);
    const gone = socket(AF_INET, SOCK_DGRAM);
    close(gone); // nothing opens another descriptor before the poll
    const fds: PollFd[] = [{ fd: gone, events: POLLIN }, { fd: x, events: POLLIN }, { fd: -1, events: POLLIN }];
    expect(poll(fds, 1000)).toBe(2);
    expect(fds[0]!.revents).toBe(POLLNVAL);
    expect(fds[1]!.revents! & POLLIN).toBe(POLLIN); // end of file is readable
    expect(fds[2]!.revents).toBe(0);
  });

  it('refuses bad input with typed errors before any call', () => {
    const a = boundUdp();
    expect(() => poll('x' as unknown as PollFd[])).toThrow(ArgumentTypeError);
    expect(() => poll([null as unknown as PollFd])).toThrow(ArgumentTypeError);
    expect(() => poll([{ fd: 'x', events: POLLIN } as unknown as PollFd])).toThrow(ArgumentTypeError);
    expect(() => poll([{ fd: a.fd, events: -1 }])).toThrow(ArgumentRangeError);
    expect(() => poll([{ fd: a.fd, events: 0x10000 }])).toThrow(ArgumentRangeError);
    expect(() => poll([{ fd: 1.5, events: POLLIN }])).toThrow(ArgumentRangeError);
    expect(() => poll([{ fd: a.fd, events: POLLIN }], -2)).toThrow(ArgumentRangeError);
    expect(() => poll([{ fd: a.fd, events: POLLIN }], 2 ** 31)).toThrow(ArgumentRangeError);
    expect(() => poll([{ fd: a.fd, events: POLLIN }], '5' as unknown as number)).toThrow(ArgumentTypeError);
  });
});

describe('select', () => {
  it('returns the count and the ready descriptors of each set, leaving the arrays alone', () => {
    const a = boundUdp();
    const b = boundUdp();
    sendto(b.fd, Buffer.from('x'), 0, a.addr);
    const reads = [a.fd, b.fd];
    const result = select(reads, [b.fd], [], 1000);
    expect(result).toEqual({ count: 2, readfds: [a.fd], writefds: [b.fd], exceptfds: [] });
    expect(reads).toEqual([a.fd, b.fd]);
    recvfrom(a.fd, Buffer.alloc(4));
    expect(select([a.fd, b.fd], [], [], 0)).toEqual({ count: 0, readfds: [], writefds: [], exceptfds: [] });
  });

  it('times out after about the timeout (null waits for ever, so here the data wakes it)', () => {
    const a = boundUdp();
    const started = process.hrtime.bigint();
    expect(select([a.fd], [], [], 100).count).toBe(0);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(ms).toBeGreaterThanOrEqual(95);
    expect(ms).toBeLessThan(3000);
    const b = boundUdp();
    sendto(b.fd, Buffer.from('x'), 0, a.addr);
    expect(select([a.fd]).readfds).toEqual([a.fd]);
  });

  it('a descriptor at or above FD_SETSIZE fails with EINVAL before any call, and names poll', () => {
    let caught: unknown;
    try {
      select([FD_SETSIZE]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as InvalidArgumentError).code).toBe('EINVAL');
    expect((caught as Error).message).toContain('poll()');
    expect(() => select([], [], [FD_SETSIZE + 5])).toThrow(InvalidArgumentError);
  });

  it('a closed descriptor is EBADF, as in C', () => {
    const gone = socket(AF_INET, SOCK_DGRAM);
    close(gone);
    expect(() => select([gone], [], [], 0)).toThrow(BadDescriptorError);
  });

  it('refuses bad input with typed errors', () => {
    const a = boundUdp();
    expect(() => select('x' as unknown as number[])).toThrow(ArgumentTypeError);
    expect(() => select([-1])).toThrow(ArgumentRangeError);
    expect(() => select(['3' as unknown as number])).toThrow(ArgumentTypeError);
    expect(() => select([a.fd], [], [], -1)).toThrow(ArgumentRangeError);
    expect(() => select([a.fd], [], [], 0.5)).toThrow(ArgumentRangeError);
  });
});

describe('signals during the wait', () => {
  // A child blocks in poll/select for 600 ms with a JavaScript signal listener installed, while
  // this process sends it signals: EINTR is retried with the time left, so the call neither
  // fails nor outlasts its timeout by much.
  const program = (call: string) => `
    const b = require(${JSON.stringify(path.join(root, 'dist'))});
    process.on('SIGUSR2', () => {});
    const fd = b.socket(b.AF_INET, b.SOCK_DGRAM);
    b.bind(fd, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
    process.stdout.write('waiting\\n');
    const started = process.hrtime.bigint();
    const result = ${call};
    process.stdout.write(JSON.stringify({ result, ms: Number(process.hrtime.bigint() - started) / 1e6 }) + '\\n');
    // Exit only once the signals have stopped: one arriving during exit would kill the process.
    process.stdin.resume();
    process.stdin.on('end', () => process.exit(0));
  `;

  for (const [name, call] of [
    ['poll', 'b.poll([{ fd, events: b.POLLIN }], 600)'],
    ['select', 'b.select([fd], [], [], 600).count'],
  ] as const) {
    it(`${name} keeps its timeout's bound under a stream of signals`, async () => {
      const child = spawn(process.execPath, ['-e', program(call)], { cwd: root });
      let out = '';
      child.stdout.setEncoding('utf8');
      let signals = 0;
      const timer = setInterval(() => {
        if (out.includes('waiting')) {
          child.kill('SIGUSR2');
          signals++;
        }
      }, 20);
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        if (out.split('\n').length > 2) {
          clearInterval(timer); // the result is in: no more signals, then let the child exit
          child.stdin.end();
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearInterval(timer);
      expect(code).toBe(0);
      const { result, ms } = JSON.parse(out.split('\n')[1]!) as { result: number; ms: number };
      expect(signals).toBeGreaterThan(5);
      expect(result).toBe(0);
      expect(ms).toBeGreaterThanOrEqual(590);
      expect(ms).toBeLessThan(3000);
    }, 20000);
  }
});
