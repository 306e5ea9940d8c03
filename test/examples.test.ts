// The programs in examples/ run as a user would run them (host and port on the command line),
// and say what the notes say. Servers run as child processes on a port the kernel picks; every
// child has a timeout, and every server is stopped before its test ends.
import { execFile, execFileSync } from 'node:child_process';
import * as path from 'node:path';

import { AF_INET, SOCK_STREAM, SOL_SOCKET, SO_RCVTIMEO, bind, connect, read, recv, recvfrom, send, sendto, setsockopt, socket, write } from '../lib';
import { itOnLinux, onLinux } from './helpers/platform';
import { start, waitFor, type Child } from './helpers/processes';
import { closeAll, closeTracked, closedUdpPort, track, udpSocket } from './helpers/sockets';

const root = path.join(__dirname, '..');
const example = (name: string) => path.join(root, 'examples', name);

afterEach(closeAll);

/** Runs an example to its end: exit code and stdout (a failing exit is a result, not a throw). */
function runExample(name: string, args: string[] = []): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [example(name), ...args], { cwd: root, timeout: 15000 }, (err, stdout) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolve({ code: err ? (err.code as number) : 0, stdout });
    });
  });
}

interface Server extends Child {
  port: number;
}

/** Starts a server example on 127.0.0.1 and a free port; resolves once it says where it listens. */
async function startServer(name: string): Promise<Server> {
  const child = start(process.execPath, [example(name), '127.0.0.1', '0']);
  try {
    const port = Number((await child.waitFor(/ on 127\.0\.0\.1:(\d+)$/m))[1]);
    return { ...child, port };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

describe('examples', () => {
  it('udp-echo-demo walks the client/server sequence and echoes a zero-length datagram', () => {
    const out = execFileSync(process.execPath, [example('udp-echo-demo.js')], { cwd: root, encoding: 'utf8', timeout: 15000 });
    expect(out).toMatch(/^server: fd \d+ bound to 127\.0\.0\.1:\d+$/m);
    expect(out).toMatch(/^client: sendto\("hello"\) = 5$/m);
    expect(out).toMatch(/^client: sendto\(""\) = 0$/m);
    expect(out).toMatch(/^server: recvfrom = 0 bytes from 127\.0\.0\.1:\d+$/m);
    expect(out).toMatch(/^client: recvfrom = "" \(0 bytes\) from 127\.0\.0\.1:\d+$/m);
    expect(out).toMatch(/^client: recvfrom = "datagrams keep their boundaries" \(31 bytes\)/m);
  });

  it('udp-echo-server-async (a Socket) serves the same clients, zero-length datagrams included', async () => {
    const server = await startServer('udp-echo-server-async.js');
    try {
      const reply = await runExample('udp-echo-client.js', ['127.0.0.1', String(server.port), 'async', '']);
      expect(reply.code).toBe(0);
      expect(reply.stdout).toBe(
        [`reply from 127.0.0.1:${server.port}: "async" (5 bytes)`, `reply from 127.0.0.1:${server.port}: "" (0 bytes)`, ''].join('\n'),
      );
      await waitFor(() => /echoed 0 bytes/.test(server.output()), 'the server to log the empty echo');
      expect(server.output()).toMatch(/^echoed 5 bytes to 127\.0\.0\.1:\d+ \(\d+ s up\)$/m);
    } finally {
      await server.stop();
    }
  });

  it('udp-batch-echo-server (Socket.batches() and sendmmsg) echoes each datagram of a batch, zero-length included', async () => {
    const server = await startServer('udp-batch-echo-server.js');
    try {
      const reply = await runExample('udp-echo-client.js', ['127.0.0.1', String(server.port), 'batch', '']);
      expect(reply.code).toBe(0);
      expect(reply.stdout).toBe(
        [`reply from 127.0.0.1:${server.port}: "batch" (5 bytes)`, `reply from 127.0.0.1:${server.port}: "" (0 bytes)`, ''].join('\n'),
      );
      await waitFor(() => /\(0 bytes\)$/m.test(server.output()), 'the server to log the empty echo');
      expect(server.output()).toMatch(/^echoed a batch of 1 \(5 bytes\)$/m);
    } finally {
      await server.stop();
    }
  });

  describe('the UDP echo server and its clients', () => {
    let server: Server;
    beforeEach(async () => {
      server = await startServer('udp-echo-server.js');
    });
    afterEach(() => server.stop());

    it('one server process echoes every client: unconnected, connected, and zero-length datagrams', async () => {
      const args = ['127.0.0.1', String(server.port)];
      const plain = await runExample('udp-echo-client.js', [...args, 'hello', 'two words', '']);
      expect(plain.code).toBe(0);
      expect(plain.stdout).toBe([
        `reply from 127.0.0.1:${server.port}: "hello" (5 bytes)`,
        `reply from 127.0.0.1:${server.port}: "two words" (9 bytes)`,
        `reply from 127.0.0.1:${server.port}: "" (0 bytes)`,
        '',
      ].join('\n'));

      const connected = await runExample('udp-echo-client-connected.js', [...args, 'over a connected socket']);
      expect(connected.code).toBe(0);
      const [, clientPort] = /^connected 127\.0\.0\.1:(\d+) to 127\.0\.0\.1:(\d+)$/m.exec(connected.stdout)!;
      expect(connected.stdout).toContain('reply: "over a connected socket" (23 bytes)');

      const zero = await runExample('udp-zero-length.js', args);
      expect(zero.code).toBe(0);
      expect(zero.stdout).toBe([
        `sendto("") = 0; recvfrom = 0 bytes from 127.0.0.1:${server.port}: an empty datagram, not an end of file`,
        `sendto("after the empty one") = 19; recvfrom = 19 bytes from 127.0.0.1:${server.port}`,
        '',
      ].join('\n'));

      // The server saw three different clients (three ports), one after the other, on one socket.
      await waitFor(() => server.output().includes('echoed 19 bytes'), 'the last echo');
      const echoes = [...server.output().matchAll(/^echoed (\d+) bytes to 127\.0\.0\.1:(\d+)$/gm)];
      expect(echoes.map((m) => Number(m[1]))).toEqual([5, 9, 0, 23, 0, 19]);
      expect(new Set(echoes.map((m) => m[2])).size).toBe(3);
      expect(echoes[3]![2]).toBe(clientPort);
    });
  });

  it('the connected client hears ECONNREFUSED when no server runs; the unconnected one would wait', async () => {
    const nobody = closedUdpPort();
    const connected = await runExample('udp-echo-client-connected.js', ['127.0.0.1', String(nobody.port), 'anyone?']);
    expect(connected.code).toBe(1);
    expect(connected.stdout).toContain(`read: ECONNREFUSED (connection refused): no server at 127.0.0.1:${nobody.port}`);
  });

  it('udp-econnrefused: sendto succeeds, the unconnected socket hears nothing, the connected one ECONNREFUSED', async () => {
    const { code, stdout } = await runExample('udp-econnrefused.js');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^nothing listens on 127\.0\.0\.1:\d+\n/);
    expect(stdout).toContain('unconnected: sendto = 5\n');
    expect(stdout).toMatch(/^unconnected: recvfrom -> EAGAIN \(.+\): silence, the ICMP error is not reported$/m);
    expect(stdout).toContain('connected:   write = 5\n');
    expect(stdout).toContain('connected:   read -> ECONNREFUSED (connection refused)\n');
  });

  it('udp-econnrefused takes the host and port where nothing listens', async () => {
    const nobody = closedUdpPort();
    const { stdout } = await runExample('udp-econnrefused.js', ['127.0.0.1', String(nobody.port)]);
    expect(stdout).toContain(`nothing listens on 127.0.0.1:${nobody.port}\n`);
    expect(stdout).toContain('connected:   read -> ECONNREFUSED');
  });

  it('udp-unspec: connect, connect again, AF_UNSPEC dissolves (and Linux releases the chosen port)', async () => {
    const { code, stdout } = await runExample('udp-unspec.js', ['127.0.0.1', '9']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^connect\(127\.0\.0\.1:9\): peer 127\.0\.0\.1:9, local 127\.0\.0\.1:\d+ \(chosen by the kernel\)$/m);
    expect(stdout).toContain('connect(127.0.0.1:10): peer 127.0.0.1:10\n');
    expect(stdout).toContain('connect(AF_UNSPEC): done\n');
    expect(stdout).toContain('getpeername -> ENOTCONN (socket is not connected)\n');
    expect(stdout).toContain('send without an address -> EDESTADDRREQ (destination address required)\n');
    if (onLinux) expect(stdout).toContain('getsockname = 0.0.0.0:0  (Linux released the port it had chosen)\n');
  });

  it('udp-rcvbuf-overflow: a small receive buffer drops what does not fit, and says how many', async () => {
    const { code, stdout } = await runExample('udp-rcvbuf-overflow.js', ['127.0.0.1', '0', '300']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^receiver on 127\.0\.0\.1:\d+, SO_RCVBUF \d+ bytes$/m);
    expect(stdout).toContain('sent 300 datagrams of 512 bytes\n');
    const received = Number(/^received (\d+)$/m.exec(stdout)![1]);
    const dropped = Number(/^dropped (\d+) /m.exec(stdout)![1]);
    expect(received).toBeGreaterThan(0);
    expect(dropped).toBeGreaterThan(0);
    if (onLinux) {
      // The kernel's own count, which on loopback accounts for every datagram not received.
      expect(stdout).toContain("(the kernel's count: the drops column of /proc/net/udp)");
      expect(received + dropped).toBe(300);
    } else {
      expect(stdout).toContain('(sent minus received)');
    }
  });

  // Linux routes all of 127.0.0.0/8 to loopback, so 127.0.0.2 is a second local address to ask on.
  itOnLinux('udp-pktinfo-server: bound to 0.0.0.0, it answers from the address each client asked', async () => {
    const server = start(process.execPath, [example('udp-pktinfo-server.js'), '0']);
    try {
      const port = Number((await server.waitFor(/ on 0\.0\.0\.0:(\d+)$/m))[1]);
      const client = udpSocket();
      bind(client, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
      const buf = Buffer.alloc(64);
      for (const asked of ['127.0.0.2', '127.0.0.1']) {
        sendto(client, Buffer.from(`to ${asked}`), 0, { family: 'AF_INET', address: asked, port });
        const { bytes, from } = recvfrom(client, buf);
        expect(buf.toString('latin1', 0, bytes)).toBe(`to ${asked}`);
        expect(from).toEqual({ family: 'AF_INET', address: asked, port });
      }
      // A client connected to 127.0.0.2 only hears replies from 127.0.0.2: it gets this one.
      const connected = udpSocket();
      connect(connected, { family: 'AF_INET', address: '127.0.0.2', port });
      send(connected, Buffer.from('connected'));
      expect(buf.toString('latin1', 0, recv(connected, buf))).toBe('connected');
      await waitFor(() => /answered 9 bytes/.test(server.output()), 'the server to log the third answer');
      expect(server.output()).toMatch(/^answered 12 bytes to 127\.0\.0\.1:\d+ from 127\.0\.0\.2$/m);
    } finally {
      await server.stop();
    }
  });

  describe('the TCP echo server', () => {
    let server: Server;
    beforeEach(async () => {
      server = await startServer('tcp-echo-server.js');
    });
    afterEach(() => server.stop());

    it('serves each connection in a worker thread of its own, at the same time', async () => {
      const addr = { family: 'AF_INET' as const, address: '127.0.0.1', port: server.port };
      const clients = [1, 2].map(() => {
        const fd = track(socket(AF_INET, SOCK_STREAM));
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, 5000);
        connect(fd, addr);
        return fd;
      });
      // Both connections are open at once; each is echoed by its own worker.
      clients.forEach((fd, i) => write(fd, Buffer.from(`client ${i + 1}`)));
      const buf = Buffer.alloc(64);
      for (const [i, fd] of clients.entries()) {
        const n = read(fd, buf);
        expect(buf.toString('latin1', 0, n)).toBe(`client ${i + 1}`);
      }
      for (const fd of clients) closeTracked(fd);
      await waitFor(() => (server.output().match(/client closed/g) ?? []).length === 2, 'both workers to finish');
      const accepted = [...server.output().matchAll(/^accepted 127\.0\.0\.1:\d+ on fd \d+, served by worker thread (\d+)$/gm)];
      expect(new Set(accepted.map((m) => m[1])).size).toBe(2);
    });
  });
});
