// SO_REUSEPORT groups: sockets bound to one address with SO_REUSEPORT share it, and Linux
// spreads the flows over them (a flow is a source address and port); each flow stays with one.
import { execFile } from 'node:child_process';
import * as path from 'node:path';

import { AF_INET, AddressInUseError, SOCK_DGRAM, SOL_SOCKET, SO_REUSEPORT, Socket, type InetAddress } from '../lib';
import { itOnLinux } from './helpers/platform';

const root = path.join(__dirname, '..');
const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function udp(): Socket {
  const s = new Socket(AF_INET, SOCK_DGRAM);
  open.push(s);
  return s;
}

function member(port: number): Socket {
  const s = udp();
  s.setsockopt(SOL_SOCKET, SO_REUSEPORT!, true);
  s.bind({ family: 'AF_INET', address: '127.0.0.1', port });
  return s;
}

describe('SO_REUSEPORT groups', () => {
  it('without SO_REUSEPORT on both, the second bind is EADDRINUSE', () => {
    const first = member(0);
    const { port } = first.getsockname() as InetAddress;
    expect(() => udp().bind({ family: 'AF_INET', address: '127.0.0.1', port })).toThrow(AddressInUseError);
  });

  itOnLinux('two sockets in a group both receive a share of 64 flows, and every flow stays with one socket', async () => {
    const one = member(0);
    const { port } = one.getsockname() as InetAddress;
    const two = member(port);
    const FLOWS = 64;
    const clients = Array.from({ length: FLOWS }, () => udp());
    const owner = new Map<number, Socket>(); // client port -> the member that received it
    let received = 0;
    let done: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (done = resolve));
    const conflicts: number[] = [];
    for (const s of [one, two]) {
      void (async () => {
        for await (const { from } of s) {
          const source = (from as InetAddress).port;
          if (owner.has(source) && owner.get(source) !== s) conflicts.push(source);
          owner.set(source, s);
          if (++received === 2 * FLOWS) done();
        }
      })();
    }
    // Each flow sends twice: both datagrams of a flow must reach the same member.
    for (let round = 0; round < 2; round++) {
      for (const client of clients) await client.sendto(Buffer.from('flow'), { family: 'AF_INET', address: '127.0.0.1', port });
    }
    await all;
    const shares = [one, two].map((s) => [...owner.values()].filter((o) => o === s).length);
    expect(shares[0]! + shares[1]!).toBe(FLOWS);
    expect(shares[0]).toBeGreaterThan(0); // 2 ** -63 to fail by chance with a fair hash
    expect(shares[1]).toBeGreaterThan(0);
    expect(conflicts).toEqual([]);
  });

  itOnLinux('examples/udp-reuseport-workers.js: every worker thread serves a share of the flows', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [path.join(root, 'examples', 'udp-reuseport-workers.js'), '3', '60'], { cwd: root, encoding: 'utf8', timeout: 15000 }, (error, out, err) => {
        if (error) reject(new Error(`${error.message}\n${out}${err}`));
        else resolve(out);
      });
    });
    expect(stdout).toMatch(/^3 workers share 127\.0\.0\.1:\d+$/m);
    const counts = [...stdout.matchAll(/^worker (\d): (\d+) flows$/gm)].map((m) => Number(m[2]));
    expect(counts).toHaveLength(3);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(60);
    for (const count of counts) expect(count).toBeGreaterThan(0);
  });
});
