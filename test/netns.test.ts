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
// CAP_SYS_ADMIN): the condition is `canMakeNamespaces()` of test/helpers/netns.ts, which makes
// the hosts (and is shared with family-netns.test.ts).
import { TwoHosts, canMakeNamespaces, type Out } from './helpers/netns';

const MTU = 1400;
const hosts = new TwoHosts('n', 0, { mtu: MTU });
const CLIENT = hosts.a.ipv4; // 198.18.0.1
const HOST = hosts.b.ipv4; // 198.18.0.2
const ABSENT = '198.18.0.99';
const UNROUTED = '198.19.0.1';

const netns = canMakeNamespaces();
const describeNetns = netns.ok ? describe : describe.skip;
const title = netns.ok ? 'real hosts in network namespaces' : `real hosts in network namespaces (skipped: ${netns.reason})`;

/**
 * Runs `body` (the inside of an async function, with `b` the package, `out` the object to
 * fill and `HOST` the host's port 9) in node inside the client namespace, and resolves to `out`.
 */
function inClient(body: string): Promise<Out> {
  return hosts.run(hosts.a, `const HOST = { family: 'AF_INET', address: '${HOST}', port: 9 };\n${body}`, 30000);
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
      try { b.connect(fd, { family: 'AF_INET', address: '${UNROUTED}', port: 9 }); out.connect = 'connected'; } catch (e) { out.connect = kind(e); out.address = e.address; out.port = e.port; }
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
  const runs: Record<string, Promise<Out>> = {};
  beforeAll(async () => {
    await hosts.setUp();
    for (const [name, body] of Object.entries(CASES)) {
      runs[name] = inClient(body);
      runs[name].catch(() => undefined); // awaited by its test
    }
  });
  afterAll(async () => {
    await Promise.allSettled(Object.values(runs));
    hosts.tearDown();
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
      address: UNROUTED,
      port: 9,
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
