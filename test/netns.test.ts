// Real hosts: two network namespaces made by this test and joined by a veth pair, so that the
// errors come from a second host's real ICMP and a real link, not from loopback.
//
//   client namespace  198.18.0.1/24 --veth (MTU 1400)-- 198.18.0.2/24  host namespace
//
// Addresses are from the benchmarking range 198.18.0.0/15 only, and every datagram goes to an
// address inside these namespaces (198.18.0.99 is a host that does not exist on the link;
// 198.19.0.1 has no route, so nothing is sent to it). The client side runs inside the client
// namespace as `ip netns exec <ns> node -e ...` using the package. Both namespaces (and with
// them the veth pair) are removed after the tests.
//
// Skipped, saying why, where network namespaces cannot be made (not Linux, no `ip`, or no
// CAP_SYS_ADMIN): the condition is `canMakeNamespaces()` below.
import { execFile } from 'node:child_process';
import * as path from 'node:path';

import { canMakeNamespaces, ip, must, removeLeftovers } from './helpers/netns';

const root = path.join(__dirname, '..');
const tag = `${process.pid % 100000}`;
const CLIENT_NS = `bsdsock-c-${tag}`;
const HOST_NS = `bsdsock-h-${tag}`;
const CLIENT_IF = `bsv${tag}c`;
const HOST_IF = `bsv${tag}h`;
const CLIENT = '198.18.0.1';
const HOST = '198.18.0.2';
const ABSENT = '198.18.0.99';
const UNROUTED = '198.19.0.1';
const MTU = 1400;

const netns = canMakeNamespaces(tag);
const describeNetns = netns.ok ? describe : describe.skip;
const title = netns.ok ? 'real hosts in network namespaces' : `real hosts in network namespaces (skipped: ${netns.reason})`;

function setUp(): void {
  must('netns', 'add', CLIENT_NS);
  must('netns', 'add', HOST_NS);
  must('link', 'add', CLIENT_IF, 'netns', CLIENT_NS, 'type', 'veth', 'peer', 'name', HOST_IF, 'netns', HOST_NS);
  for (const [ns, dev, address] of [[CLIENT_NS, CLIENT_IF, CLIENT], [HOST_NS, HOST_IF, HOST]] as const) {
    must('-n', ns, 'addr', 'add', `${address}/24`, 'dev', dev);
    must('-n', ns, 'link', 'set', dev, 'mtu', String(MTU), 'up');
    must('-n', ns, 'link', 'set', 'lo', 'up');
  }
}

function tearDown(): void {
  // Deleting a namespace deletes the veth end in it, and with it the pair.
  ip('netns', 'del', CLIENT_NS);
  ip('netns', 'del', HOST_NS);
}

/**
 * Runs `body` (the inside of an async function, with `b` the package and `out` the object to
 * fill) in node inside the client namespace, and resolves to `out`.
 */
function inClient(body: string, timeout = 30000): Promise<Record<string, unknown>> {
  const script = `
    const b = require('bsdsock');
    const HOST = { family: 'AF_INET', address: '${HOST}', port: 9 };
    const kind = (e) => e.constructor.name + ' ' + e.code;
    const out = {};
    (async () => { ${body} })().then(
      () => console.log(JSON.stringify(out)),
      (e) => { console.log(JSON.stringify({ crashed: String((e && e.stack) || e) })); process.exitCode = 1; },
    );`;
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', CLIENT_NS, process.execPath, '-e', script], { cwd: root, encoding: 'utf8', timeout }, (error, stdout, stderr) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (error || !last.startsWith('{')) reject(new Error(`client failed (${error?.message}): ${stdout}${stderr}`));
      else resolve(JSON.parse(last) as Record<string, unknown>);
    });
  });
}

/** What each case runs in the client namespace (see inClient). */
const CASES: Record<string, string> = {
  link: `
      const fd = b.socket(b.AF_INET, b.SOCK_DGRAM);
      b.connect(fd, HOST);
      out.local = b.getsockname(fd).address;
      out.mtu = b.getsockopt(fd, b.IPPROTO_IP, b.IP_MTU);
      b.close(fd);`,
  refused: `
      // Unconnected: the host's ICMP port unreachable arrives, and is not reported.
      const u = b.socket(b.AF_INET, b.SOCK_DGRAM);
      b.setsockopt(u, b.SOL_SOCKET, b.SO_RCVTIMEO, 1000);
      b.sendto(u, Buffer.from('anyone?'), 0, HOST);
      try { b.recvfrom(u, Buffer.alloc(64)); out.unconnected = 'received'; } catch (e) { out.unconnected = kind(e); }
      b.close(u);
      // Connected, flat API: the next receive fails with it.
      const c = b.socket(b.AF_INET, b.SOCK_DGRAM);
      b.setsockopt(c, b.SOL_SOCKET, b.SO_RCVTIMEO, 3000);
      b.connect(c, HOST);
      b.send(c, Buffer.from('anyone?'));
      try { b.recv(c, Buffer.alloc(64)); out.connected = 'received'; } catch (e) { out.connected = kind(e); }
      b.close(c);
      // Connected, Socket class: the pending receive rejects.
      const s = new b.Socket(b.AF_INET, b.SOCK_DGRAM);
      await s.connect(HOST);
      const pending = s.recv({ timeout: 3000 });
      await s.send(Buffer.from('anyone?'));
      try { await pending; out.socket = 'received'; } catch (e) { out.socket = kind(e); }
      s.close();`,
  unrouted: `
      const fd = b.socket(b.AF_INET, b.SOCK_DGRAM);
      try { b.connect(fd, { family: 'AF_INET', address: '${UNROUTED}', port: 9 }); out.connect = 'connected'; } catch (e) { out.connect = kind(e); out.address = e.address; }
      b.close(fd);`,
  mtu: `
      // Unconnected: the host's port unreachable for the datagrams that do go is not reported.
      const big = Buffer.alloc(${MTU + 600});
      const fd = b.socket(b.AF_INET, b.SOCK_DGRAM);
      b.setsockopt(fd, b.IPPROTO_IP, b.IP_MTU_DISCOVER, b.IP_PMTUDISC_DO);
      try { b.sendto(fd, big, 0, HOST); out.dontFragment = 'sent'; } catch (e) { out.dontFragment = kind(e); }
      try { b.sendto(fd, big.subarray(0, ${MTU - 28}), 0, HOST); out.fits = 'sent'; } catch (e) { out.fits = kind(e); }
      b.setsockopt(fd, b.IPPROTO_IP, b.IP_MTU_DISCOVER, b.IP_PMTUDISC_DONT);
      out.fragmented = b.sendto(fd, big, 0, HOST);
      b.close(fd);
      const s = new b.Socket(b.AF_INET, b.SOCK_DGRAM);
      s.setsockopt(b.IPPROTO_IP, b.IP_MTU_DISCOVER, b.IP_PMTUDISC_DO);
      try { await s.sendto(big, HOST); out.socket = 'sent'; } catch (e) { out.socket = kind(e); }
      s.close();`,
  absent: `
      const ABSENT = { family: 'AF_INET', address: '${ABSENT}', port: 9 };
      const quiet = new b.Socket(b.AF_INET, b.SOCK_DGRAM);
      const told = new b.Socket(b.AF_INET, b.SOCK_DGRAM);
      told.setsockopt(b.IPPROTO_IP, b.IP_RECVERR, true);
      await quiet.connect(ABSENT);
      await told.connect(ABSENT);
      // A flat socket with IP_RECVERR too, whose error queue nobody else reads.
      const flat = b.socket(b.AF_INET, b.SOCK_DGRAM);
      b.setsockopt(flat, b.IPPROTO_IP, b.IP_RECVERR, true);
      b.connect(flat, ABSENT);
      const start = Date.now();
      const results = [quiet.recv({ timeout: 5000 }), told.recv({ timeout: 5000 })].map((p) =>
        p.then(() => 'received', (e) => ({ error: kind(e), ms: Date.now() - start })));
      await quiet.send(Buffer.from('hello?'));
      await told.send(Buffer.from('hello?'));
      b.send(flat, Buffer.from('hello?'));
      [out.quiet, out.told] = await Promise.all(results);
      // The error queue (recvmsg with MSG_ERRQUEUE) says who answered: this host, by ICMP.
      if (typeof b.recvmsg === 'function') {
        const r = b.recvmsg(flat, [Buffer.alloc(64)], b.MSG_ERRQUEUE);
        const e = r.control.find((c) => c.kind === 'error');
        out.queue = { error: kind(e.error), origin: e.origin, offender: e.offender && e.offender.address, to: r.from.address };
      }
      b.close(flat);
      quiet.close();
      told.close();`,
};

describeNetns(title, () => {
  // The cases run at once, each in its own client process, started when the hosts are up: the
  // slowest (the ARP timeout, about 3 s) sets the time of the whole file.
  const runs: Record<string, Promise<Record<string, unknown>>> = {};
  beforeAll(() => {
    removeLeftovers(/^[ch]$/, tag);
    setUp();
    for (const [name, body] of Object.entries(CASES)) {
      runs[name] = inClient(body);
      runs[name].catch(() => undefined); // awaited by its test
    }
  });
  afterAll(async () => {
    await Promise.allSettled(Object.values(runs));
    tearDown();
  });

  it('the link is up: the client reaches the host, which has no listener on the port', async () => {
    const out = await runs.link!;
    expect(out).toEqual({ local: CLIENT, mtu: MTU });
  });

  it("an unconnected send to a host with no listener stays silent; a connected one gets that host's ECONNREFUSED", async () => {
    const out = await runs.refused!;
    expect(out).toEqual({
      unconnected: 'WouldBlockError EAGAIN',
      connected: 'ConnectionRefusedError ECONNREFUSED',
      socket: 'ConnectionRefusedError ECONNREFUSED',
    });
  });

  it('a route that does not exist: connect fails with NetworkUnreachableError', async () => {
    const out = await runs.unrouted!;
    expect(out).toEqual({
      connect: 'NetworkUnreachableError ENETUNREACH',
      address: { family: 'AF_INET', address: UNROUTED, port: 9 },
    });
  });

  it('a datagram larger than the link MTU with IP_PMTUDISC_DO: MessageTooLongError (fragmented without)', async () => {
    const out = await runs.mtu!;
    expect(out).toEqual({
      dontFragment: 'MessageTooLongError EMSGSIZE',
      fits: 'sent',
      fragmented: MTU + 600,
      socket: 'MessageTooLongError EMSGSIZE',
    });
  });

  it('a host missing from the link: silence without IP_RECVERR, EHOSTUNREACH after the ARP timeout with it', async () => {
    // Both sockets send to the same absent host at once; the neighbour lookup fails after about
    // 3 s (3 ARP probes a second apart) and the kernel answers each with ICMP host unreachable,
    // a soft error that only the socket with IP_RECVERR hears.
    const out = await runs.absent!;
    const told = out.told as { error: string; ms: number };
    expect(out.quiet).toMatchObject({ error: 'TimedOutError ETIMEDOUT' });
    expect(told.error).toBe('HostUnreachableError EHOSTUNREACH');
    // Not at once: only after the neighbour lookup gave up (about 3 s here).
    expect(told.ms).toBeGreaterThanOrEqual(1000);
    expect(told.ms).toBeLessThan(5000);
    if (out.queue !== undefined) {
      expect(out.queue).toEqual({ error: 'HostUnreachableError EHOSTUNREACH', origin: 'ICMP', offender: CLIENT, to: ABSENT });
    }
  });
});
