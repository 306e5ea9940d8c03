// The programs of chapter 8 in TypeScript (examples/ch8/): compiled here under the student's
// strict tsconfig, then run against each other as a student runs them, host and port on the
// command line and lines on stdin. Every child has a timeout, and every server is stopped.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { AF_INET, SOCK_STREAM, SOL_SOCKET, SO_RCVTIMEO, connect, read, setsockopt, socket, write, type InetAddress } from '../lib';
import { onLinux } from './helpers/platform';
import { waitFor } from './helpers/processes';
import { closeAll, closeTracked, closedUdpPort, releaseHeldPorts, track } from './helpers/sockets';

const root = path.join(__dirname, '..');
// Inside the package, so that `import ... from 'bsdsock'` resolves to it as it would from npm.
const out = path.join(root, 'build', 'ch8-examples');
const program = (name: string) => path.join(out, `${name}.js`);

afterEach(closeAll);
afterAll(releaseHeldPorts);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end with `input` on stdin. */
async function run(name: string, args: string[], input = '', env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = spawn(process.execPath, [program(name), ...args], { cwd: root, env: { ...process.env, ...env }, timeout: 15000 });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin.end(input);
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

interface Server {
  child: ChildProcessWithoutNullStreams;
  port: number;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a server program; resolves once it prints where it listens (` on HOST:PORT`). */
async function startServer(name: string, args: string[]): Promise<Server> {
  const child = spawn(process.execPath, [program(name), ...args], { cwd: root });
  const closed = once(child, 'close');
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (text += c));
  const server: Server = {
    child,
    port: 0,
    output: () => text,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code] = (await closed) as [number | null];
      return code;
    },
  };
  try {
    server.port = Number((await waitFor(() => / on [\d.]+:(\d+)/.exec(text), `${name} to start; got: ${text}`))[1]);
  } catch (err) {
    await server.stop('SIGKILL');
    throw err;
  }
  return server;
}

describe('chapter 8 in TypeScript (examples/ch8)', () => {
  beforeAll(() => {
    fs.rmSync(out, { recursive: true, force: true });
    // The student's tsconfig, strict: a type error fails this (tsc exits non-zero).
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'examples/ch8/tsconfig.json', '--outDir', out], {
      cwd: root, encoding: 'utf8', timeout: 120000,
    });
  }, 120000);

  it('compiles every program under the strict tsconfig', () => {
    const names = fs.readdirSync(path.join(root, 'examples', 'ch8')).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '.js'));
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const name of names) expect(fs.existsSync(path.join(out, name))).toBe(true);
    const config = fs.readFileSync(path.join(root, 'examples', 'ch8', 'tsconfig.json'), 'utf8');
    expect(config).toMatch(/"strict": true/);
  });

  describe('8.3–8.7: the echo server and dg_cli', () => {
    let server: Server;
    beforeEach(async () => {
      server = await startServer('udp-echo-server', ['127.0.0.1', '0']);
    });
    afterEach(() => server.stop());

    it('the client sends each line of stdin and prints the echo; one server serves every client', async () => {
      const one = await run('udp-echo-client', ['127.0.0.1', String(server.port)], 'hello\nsecond line\n');
      expect(one).toEqual({ code: 0, stdout: 'hello\nsecond line\n', stderr: '' });
      const two = await run('udp-echo-client', ['127.0.0.1', String(server.port)], 'another client\n');
      expect(two.stdout).toBe('another client\n');
      await waitFor(() => server.output().includes('echoed 15 bytes'), 'the third echo');
      const echoes = [...server.output().matchAll(/^echoed (\d+) bytes to 127\.0\.0\.1:(\d+)$/gm)];
      expect(echoes.map((m) => Number(m[1]))).toEqual([6, 12, 15]);
      expect(new Set(echoes.map((m) => m[2])).size).toBe(2); // two clients, two ports
    });

    it('8.12: the connected client echoes with write and read', async () => {
      const result = await run('udp-echo-client-connected', ['127.0.0.1', String(server.port)], 'connected\n');
      expect(result).toEqual({ code: 0, stdout: 'connected\n', stderr: '' });
    });
  });

  it('8.9: with no server the client blocks in recvfrom for ever, and the trace shows it waiting', async () => {
    const nobody = closedUdpPort();
    const child = spawn(process.execPath, [program('udp-echo-client'), '127.0.0.1', String(nobody.port)], {
      cwd: root, env: { ...process.env, BSDSOCK_TRACE: '1' }, timeout: 15000,
    });
    const closed = once(child, 'close');
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdin.write('anyone?\n');
    try {
      await waitFor(() => /^recvmsg\(\d+, <unfinished \.\.\.>$/m.test(stderr), `the blocked recvmsg; got: ${stderr}`);
      expect(stderr).toMatch(new RegExp(`^sendto\\(\\d+, "anyone\\?\\\\n", 8, (MSG_NOSIGNAL|0), 127\\.0\\.0\\.1:${nobody.port}\\) = 8$`, 'm'));
      expect(child.exitCode).toBeNull(); // still waiting: the ICMP error is not reported to it
      expect(stderr).not.toContain('resumed');
    } finally {
      child.kill('SIGKILL');
      await closed;
    }
  });

  it('8.11–8.12: the connected client hears ECONNREFUSED and says so in the book\'s words', async () => {
    const nobody = closedUdpPort();
    const result = await run('udp-echo-client-connected', ['127.0.0.1', String(nobody.port)], 'anyone?\n');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('read error: Connection refused\n');
  });

  describe('8.8: verifying the reply', () => {
    let server: Server;
    beforeEach(async () => {
      server = await startServer('udp-echo-server', ['0.0.0.0', '0']); // the wildcard address
    });
    afterEach(() => server.stop());

    it('a reply from the address the client asked is kept', async () => {
      const result = await run('udp-echo-client-verify', ['127.0.0.1', String(server.port)], 'checked\n');
      expect(result).toEqual({ code: 0, stdout: 'checked\n', stderr: '' });
    });

    // Only 127.0.0.1 is configured on macOS's loopback; Linux routes all of 127/8 to lo.
    (onLinux ? it : it.skip)('the multihomed case: sent to 127.0.0.2, answered from 127.0.0.1, so ignored', async () => {
      const result = await run('udp-echo-client-verify', ['127.0.0.2', String(server.port)], 'to the other address\n');
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`reply from 127.0.0.1:${server.port} (ignored)\n`);
    });
  });

  it('8.14: connect then getsockname gives the outgoing address, and nothing is sent', async () => {
    const v4 = await run('udp-outgoing-address', ['127.0.0.1', '9']);
    expect(v4.stdout).toMatch(/^local address 127\.0\.0\.1:\d+\n$/);
    const v6 = await run('udp-outgoing-address', ['::1', '9']);
    expect(v6.stdout).toMatch(/^local address \[::1\]:\d+\n$/);
    const usage = await run('udp-outgoing-address', []);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^usage: /);
  });

  describe('8.13: no flow control', () => {
    /** The rx_queue of a Linux UDP socket: bytes queued, from /proc/net/udp. */
    function queued(port: number): number | undefined {
      for (const row of fs.readFileSync('/proc/net/udp', 'utf8').trim().split('\n').slice(1)) {
        const fields = row.trim().split(/\s+/);
        if (parseInt(fields[1]!.split(':')[1]!, 16) === port) return parseInt(fields[4]!.split(':')[1]!, 16);
      }
      return undefined;
    }

    it('a burst into a stopped receiver drops what does not fit; the drop count accounts for the rest', async () => {
      const server = await startServer('udp-flow-server', ['127.0.0.1', '0', '4096']);
      try {
        expect(server.output()).toMatch(/SO_RCVBUF \d+ bytes \(asked 4096\)/);
        const args = ['127.0.0.1', String(server.port)];
        // The receiver is slower than the sender: here it does not read at all during the burst.
        server.child.kill('SIGSTOP');
        const burst = await run('udp-flow-client', [...args, '2000', '1400']);
        expect(burst.stdout).toBe('sent 2000 datagrams of 1400 bytes\n');
        server.child.kill('SIGCONT');
        if (onLinux) {
          // Once it has read its queue, one datagram more carries the drop count (SO_RXQ_OVFL).
          await waitFor(() => queued(server.port) === 0, 'the server to read its queue');
          await run('udp-flow-client', [...args, '1', '1400']);
          await waitFor(() => queued(server.port) === 0, 'the server to read the last datagram');
        }
        expect(await server.stop('SIGINT')).toBe(0);
        const text = server.output();
        const received = Number(/^received (\d+) datagrams$/m.exec(text)![1]);
        expect(received).toBeGreaterThan(0);
        if (onLinux) {
          const dropped = Number(/^dropped (\d+) \(the kernel's count for this socket: \/proc\/net\/udp\)$/m.exec(text)![1]);
          expect(dropped).toBeGreaterThan(0);
          expect(received + dropped).toBe(2001); // loopback loses nothing else
          expect(text).toContain(`SO_RXQ_OVFL: ${dropped} dropped when the last counted datagram was queued`);
        } else {
          expect(received).toBeLessThan(2000);
        }
      } finally {
        await server.stop('SIGKILL');
      }
    }, 30000);
  });

  describe('8.15: one process serving TCP and UDP with select', () => {
    let server: Server;
    beforeEach(async () => {
      server = await startServer('tcp-udp-echo-server', ['127.0.0.1', '0']);
    });
    afterEach(() => server.stop());

    it('echoes two TCP connections and UDP clients on the same port, all from one select loop', async () => {
      const addr: InetAddress = { family: 'AF_INET', address: '127.0.0.1', port: server.port };
      const tcp = [1, 2].map(() => {
        const fd = track(socket(AF_INET, SOCK_STREAM));
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, 5000);
        connect(fd, addr);
        return fd;
      });
      const buf = Buffer.alloc(64);
      // Both connections are open at once; between their echoes a UDP client is served too.
      write(tcp[0]!, Buffer.from('tcp one'));
      expect(buf.toString('latin1', 0, read(tcp[0]!, buf))).toBe('tcp one');
      const udp = await run('udp-echo-client', ['127.0.0.1', String(server.port)], 'over udp\n');
      expect(udp.stdout).toBe('over udp\n');
      write(tcp[1]!, Buffer.from('tcp two'));
      expect(buf.toString('latin1', 0, read(tcp[1]!, buf))).toBe('tcp two');
      write(tcp[0]!, Buffer.from('again'));
      expect(buf.toString('latin1', 0, read(tcp[0]!, buf))).toBe('again');
      for (const fd of tcp) closeTracked(fd);
      await waitFor(() => (server.output().match(/closed by the client/g) ?? []).length === 2, 'both connections to close');
      const text = server.output();
      expect(text.match(/^tcp connection from 127\.0\.0\.1:\d+ on fd \d+$/gm)).toHaveLength(2);
      expect(text).toMatch(/^udp: echoed 9 bytes to 127\.0\.0\.1:\d+$/m);
      expect(text.match(/^tcp: echoed \d+ bytes on fd \d+$/gm)).toHaveLength(3);
    });
  });
});
