// Our examples against programs that are not ours: the UDP echo server answers socat, ncat and
// Python's socket module, and our clients talk to a Python UDP echo server. socat and ncat come
// from Debian's packages (.ci/run installs them); where one is missing its tests are skipped,
// by the condition below. python3 is always there (node-gyp needs it).
import { execFile, spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { start, type Child } from './helpers/processes';

const root = path.join(__dirname, '..');
const example = (name: string) => path.join(root, 'examples', name);

const installed = (command: string, versionFlag: string) => !spawnSync(command, [versionFlag], { stdio: 'ignore' }).error;
const hasSocat = installed('socat', '-V');
const hasNcat = installed('ncat', '--version');
const itIfSocat = hasSocat ? it : it.skip;
const itIfNcat = hasNcat ? it : it.skip;

/** Runs a program to its end, with `input` on stdin; its stdout (it must exit 0). */
function run(command: string, args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { cwd: root, timeout: 15000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    child.stdin!.end(input);
  });
}

describe('our UDP echo server, with clients that are not ours', () => {
  let server: Child;
  let port: number;
  beforeEach(async () => {
    server = start(process.execPath, [example('udp-echo-server.js'), '127.0.0.1', '0']);
    port = Number((await server.waitFor(/^udp echo server on 127\.0\.0\.1:(\d+)$/m))[1]);
  });
  afterEach(() => server.stop());

  it("python3's socket module: a datagram and a zero-length one are echoed, each from the server's address", async () => {
    const out = await run('python3', ['-c', `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
for message in (b'hello from python', b''):
    s.sendto(message, ('127.0.0.1', ${port}))
    data, addr = s.recvfrom(2048)
    print(repr(data), addr[0], addr[1] == ${port})
s.close()`]);
    expect(out).toBe("b'hello from python' 127.0.0.1 True\nb'' 127.0.0.1 True\n");
    await server.waitFor(/^echoed 0 bytes to 127\.0\.0\.1:\d+$/m);
    expect(server.output()).toMatch(/^echoed 17 bytes to 127\.0\.0\.1:\d+$/m);
  });

  itIfSocat('socat sends a line and prints the echo', async () => {
    // -t 1: after the end of stdin, wait up to 1 s for the reply before exiting.
    const out = await run('socat', ['-t', '1', '-', `UDP4:127.0.0.1:${port}`], 'hello from socat\n');
    expect(out).toBe('hello from socat\n');
    await server.waitFor(/^echoed 17 bytes to 127\.0\.0\.1:\d+$/m);
  });

  itIfNcat('ncat -u sends a line and prints the echo', async () => {
    const ncat = start('ncat', ['-u', '127.0.0.1', String(port)], 'hello from ncat\n');
    try {
      await ncat.waitFor(/^hello from ncat$/m);
    } finally {
      await ncat.stop();
    }
    await server.waitFor(/^echoed 16 bytes to 127\.0\.0\.1:\d+$/m);
  });
});

describe('our UDP clients, with a server that is not ours', () => {
  let server: Child;
  let port: number;
  beforeEach(async () => {
    // A Python UDP echo server that gives up after 20 s of silence, whatever happens to this test.
    server = start('python3', ['-u', '-c', `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0))
s.settimeout(20)
print('python echo server on 127.0.0.1:%d' % s.getsockname()[1])
while True:
    data, addr = s.recvfrom(65535)
    s.sendto(data, addr)
    print('echoed %d bytes' % len(data))`]);
    port = Number((await server.waitFor(/^python echo server on 127\.0\.0\.1:(\d+)$/m))[1]);
  });
  afterEach(() => server.stop());

  it('udp-echo-client, udp-echo-client-connected and udp-zero-length get their echoes', async () => {
    const args = ['127.0.0.1', String(port)];
    expect(await run(process.execPath, [example('udp-echo-client.js'), ...args, 'to python'])).toBe(
      `reply from 127.0.0.1:${port}: "to python" (9 bytes)\n`,
    );
    expect(await run(process.execPath, [example('udp-echo-client-connected.js'), ...args, 'connected'])).toMatch(
      /^connected 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+\nreply: "connected" \(9 bytes\)\n$/,
    );
    expect(await run(process.execPath, [example('udp-zero-length.js'), ...args])).toContain(
      `sendto("") = 0; recvfrom = 0 bytes from 127.0.0.1:${port}: an empty datagram, not an end of file\n`,
    );
    await server.waitFor(/^echoed 19 bytes$/m);
  });
});

describe('our TCP echo server, with clients that are not ours', () => {
  let server: Child;
  let port: number;
  beforeEach(async () => {
    server = start(process.execPath, [example('tcp-echo-server.js'), '127.0.0.1', '0']);
    port = Number((await server.waitFor(/^tcp echo server on 127\.0\.0\.1:(\d+)$/m))[1]);
  });
  afterEach(() => server.stop());

  it("python3's socket module: the stream is echoed until the client shuts down its side", async () => {
    const out = await run('python3', ['-c', `
import socket
s = socket.create_connection(('127.0.0.1', ${port}), timeout=5)
s.sendall(b'hello over tcp')
s.shutdown(socket.SHUT_WR)
data = b''
while True:
    chunk = s.recv(1024)
    if not chunk:
        break
    data += chunk
print(repr(data))
s.close()`]);
    // The server closed its end after reading 0: the client saw end of stream after the echo.
    expect(out).toBe("b'hello over tcp'\n");
    await server.waitFor(/client closed, closing fd \d+$/m);
  });

  itIfSocat('socat sends a line and prints the echo', async () => {
    expect(await run('socat', ['-t', '2', '-', `TCP4:127.0.0.1:${port}`], 'hello from socat\n')).toBe('hello from socat\n');
  });

  itIfNcat('ncat sends a line and prints the echo', async () => {
    expect(await run('ncat', ['127.0.0.1', String(port)], 'hello from ncat\n')).toBe('hello from ncat\n');
  });
});
