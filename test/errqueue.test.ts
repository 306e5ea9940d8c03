// The Linux error queue (IP_RECVERR / IPV6_RECVERR, read with recvmsg(MSG_ERRQUEUE)) on real
// sockets: on loopback, and across network namespaces where a second host and a router are
// needed (a missing host, a smaller path MTU). The namespaces use 198.18.0.0/15 only, are made
// by this file and removed by it, and their tests are skipped where namespaces are not allowed.
import { sleep } from './helpers/time';
import {
  AF_INET,
  ConnectionRefusedError,
  HostUnreachableError,
  ICMP6_DST_UNREACH,
  ICMP6_DST_UNREACH_NOPORT,
  ICMP_DEST_UNREACH,
  ICMP_FRAG_NEEDED,
  ICMP_HOST_UNREACH,
  ICMP_PORT_UNREACH,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPV6_RECVERR,
  IP_MTU_DISCOVER,
  IP_PMTUDISC_DO,
  IP_RECVERR,
  MSG_DONTWAIT,
  MSG_ERRQUEUE,
  MessageTooLongError,
  SOCK_DGRAM,
  SOL_SOCKET,
  SO_ERROR,
  WouldBlockError,
  bind,
  getsockname,
  getsockopt,
  recvfrom,
  recvmsg,
  sendmsg,
  sendto,
  setsockopt,
  type ErrorQueueMessage,
  type InetAddress,
  type SocketAddress,
} from '../lib';
import { canMakeNamespaces, ip, mustIp, socketIn } from './helpers/netns';
import { itOnLinux } from './helpers/platform';
import { boundUdp, boundUdp6, closeAll, closeTracked, closedUdpPort, receiveTimeout, track } from './helpers/sockets';

afterEach(closeAll);


interface QueuedError {
  entry: ErrorQueueMessage;
  from: SocketAddress;
  payload: Buffer;
}

/** One read of the error queue: the report, the original destination and the returned payload. */
function readError(fd: number): QueuedError {
  const buf = Buffer.alloc(2048);
  const got = recvmsg(fd, [buf], MSG_ERRQUEUE!);
  expect(got.control).toHaveLength(1);
  const entry = got.control[0] as ErrorQueueMessage;
  expect(entry.kind).toBe('error');
  return { entry, from: got.from, payload: Buffer.from(buf.subarray(0, got.bytes)) };
}

/** Waits (without spinning: a timer between tries) until the queue holds a report, and reads it. */
async function nextError(fd: number, deadlineMs = 10_000): Promise<QueuedError> {
  for (const end = Date.now() + deadlineMs; ; ) {
    try {
      return readError(fd);
    } catch (err) {
      if (!(err instanceof WouldBlockError) || Date.now() > end) throw err;
      await sleep(10);
    }
  }
}

/** A loopback address and port where nothing listens. */
function closedPeer(address: string): InetAddress {
  return { family: 'AF_INET', address, port: closedUdpPort().port };
}

function recverrUdp(): { fd: number; addr: InetAddress } {
  const socket = boundUdp();
  setsockopt(socket.fd, IPPROTO_IP, IP_RECVERR!, true);
  return socket;
}

describe('loopback', () => {
  itOnLinux('MSG_ERRQUEUE on a socket without IP_RECVERR (or with nothing queued) is WouldBlockError', () => {
    const plain = boundUdp();
    let caught: unknown;
    try {
      recvmsg(plain.fd, [Buffer.alloc(64)], MSG_ERRQUEUE!);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(WouldBlockError);
    expect(caught).toMatchObject({ syscall: 'recvmsg' });
    // Without IP_RECVERR an ICMP error never reaches the queue.
    sendto(plain.fd, Buffer.from('x'), 0, closedPeer('127.0.0.2'));
    expect(() => recvmsg(plain.fd, [Buffer.alloc(64)], MSG_ERRQUEUE!)).toThrow(WouldBlockError);
    const withOption = recverrUdp();
    expect(() => recvmsg(withOption.fd, [], MSG_ERRQUEUE!)).toThrow(WouldBlockError);
  });

  itOnLinux('an unconnected socket learns which of several peers refused, with each offender', async () => {
    const client = recverrUdp();
    const listener = boundUdp();
    const refusedA = closedPeer('127.0.0.2');
    const refusedB = closedPeer('127.0.0.3');
    const reports: QueuedError[] = [];
    for (const [peer, refuses] of [[refusedA, true], [listener.addr, false], [refusedB, true]] as const) {
      sendmsg(client.fd, [Buffer.from(`hello ${peer.address}:${peer.port}`)], 0, { address: peer });
      // Read each report before the next send: a report also sets the socket's pending error,
      // which would fail that send (see the next test).
      if (refuses) reports.push(await nextError(client.fd));
    }
    expect(reports).toHaveLength(2);
    for (const [report, peer] of [[reports[0]!, refusedA], [reports[1]!, refusedB]] as const) {
      expect(report.entry.error).toBeInstanceOf(ConnectionRefusedError);
      expect(report.entry).toMatchObject({
        origin: 'ICMP',
        icmpType: ICMP_DEST_UNREACH,
        icmpCode: ICMP_PORT_UNREACH,
        offender: { family: 'AF_INET', address: peer.address, port: 0 },
        destination: peer,
      });
      expect(report.entry.error.message).toBe(`recvmsg ECONNREFUSED ${peer.address}:${peer.port}`);
      expect(report.from).toEqual(peer);
      expect(report.payload.toString()).toBe(`hello ${peer.address}:${peer.port}`);
    }
    // The listener got its datagram; nothing else is queued.
    expect(recvfrom(listener.fd, Buffer.alloc(64)).from).toEqual(client.addr);
    expect(() => readError(client.fd)).toThrow(WouldBlockError);
  });

  itOnLinux('each report is also the pending error: it fails the next call once until the queue is read', () => {
    const client = recverrUdp();
    const listener = boundUdp();
    const refusedA = closedPeer('127.0.0.2');
    const refusedB = closedPeer('127.0.0.3');
    // A blocking receive waits for the ICMP error and fails with it (data or not), once.
    sendto(client.fd, Buffer.from('a'), 0, refusedA);
    expect(() => recvmsg(client.fd, [Buffer.alloc(8)])).toThrow(ConnectionRefusedError);
    sendto(client.fd, Buffer.from('b'), 0, refusedB);
    expect(() => recvmsg(client.fd, [Buffer.alloc(8)])).toThrow(ConnectionRefusedError);
    // Both reports are still queued. Reading one sets the pending error to the next one, which
    // fails the next send to a peer that is fine: the datagram is not sent.
    expect(readError(client.fd).from).toEqual(refusedA);
    expect(() => sendto(client.fd, Buffer.from('lost'), 0, listener.addr)).toThrow(ConnectionRefusedError);
    expect(readError(client.fd).from).toEqual(refusedB);
    // With the queue drained, nothing is pending: sends and receives are clean again.
    expect(getsockopt(client.fd, SOL_SOCKET, SO_ERROR)).toBe(0);
    expect(sendto(client.fd, Buffer.from('sent'), 0, listener.addr)).toBe(4);
    const buf = Buffer.alloc(8);
    expect(buf.toString('latin1', 0, recvfrom(listener.fd, buf).bytes)).toBe('sent');
    expect(() => recvmsg(listener.fd, [buf], MSG_DONTWAIT)).toThrow(WouldBlockError);
  });

  itOnLinux('draining the error queue first leaves data receives clean', async () => {
    const client = recverrUdp();
    const peer = boundUdp();
    sendto(peer.fd, Buffer.from('data'), 0, client.addr);
    sendto(client.fd, Buffer.from('x'), 0, closedPeer('127.0.0.2'));
    const report = await nextError(client.fd);
    expect(report.entry.error).toBeInstanceOf(ConnectionRefusedError);
    const buf = Buffer.alloc(8);
    const got = recvmsg(client.fd, [buf]);
    expect(got).toMatchObject({ bytes: 4, from: peer.addr, control: [] });
  });

  itOnLinux('IPv6: IPV6_RECVERR reports ECONNREFUSED from ICMPv6, offender ::1', async () => {
    const client = boundUdp6();
    setsockopt(client.fd, IPPROTO_IPV6, IPV6_RECVERR!, true);
    const probe = boundUdp6();
    closeTracked(probe.fd);
    sendmsg(client.fd, [Buffer.from('six')], 0, { address: probe.addr });
    const report = await nextError(client.fd);
    expect(report.entry.error).toBeInstanceOf(ConnectionRefusedError);
    expect(report.entry).toMatchObject({
      origin: 'ICMP6',
      icmpType: ICMP6_DST_UNREACH,
      icmpCode: ICMP6_DST_UNREACH_NOPORT,
      offender: { family: 'AF_INET6', address: '::1', port: 0 },
    });
    expect(report.from).toMatchObject({ family: 'AF_INET6', address: '::1', port: probe.addr.port });
    expect(report.payload.toString()).toBe('six');
  });

  itOnLinux('after a burst of errors, draining the queue ends: every report read, then EAGAIN, no pending error left', async () => {
    const client = recverrUdp();
    const targets = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'].map(closedPeer);
    let sent = 0;
    let refusedAtSend = 0;
    let reports = 0;
    const payload = Buffer.from('burst');
    for (let i = 0; i < 200; i++) {
      try {
        sendmsg(client.fd, [payload], 0, { address: targets[i % targets.length]! });
        sent++;
      } catch (err) {
        // The pending error of an earlier datagram: that datagram was not sent.
        expect(err).toBeInstanceOf(ConnectionRefusedError);
        refusedAtSend++;
      }
    }
    expect(sent + refusedAtSend).toBe(200);
    await sleep(100);
    // Each read takes one report; an empty queue answers EAGAIN at once. The cap only guards
    // the test: the loop must end long before it.
    for (let i = 0; i < 10_000; i++) {
      try {
        readError(client.fd);
        reports++;
      } catch (err) {
        expect(err).toBeInstanceOf(WouldBlockError);
        break;
      }
    }
    expect(reports).toBeGreaterThan(0);
    expect(reports).toBeLessThanOrEqual(sent); // the kernel rate-limits ICMP: some never came
    expect(getsockopt(client.fd, SOL_SOCKET, SO_ERROR)).toBe(0);
    expect(() => recvmsg(client.fd, [Buffer.alloc(8)], MSG_DONTWAIT)).toThrow(WouldBlockError);
    // With the queue empty and no pending error, POLLERR is down: a watcher on this socket
    // sleeps (counted in wake-ups, not in CPU time, by test/socket-errors.test.ts).
  });
});

/* ---------------------------------------------------------------------------------------------
 * Network namespaces: a client, a router and a host.
 *
 *   client ns            router ns                        host ns
 *   c0 198.18.0.1/24 --- r0 198.18.0.2/24
 *                        r1 198.18.1.1/24 (MTU 1280) ---- h0 198.18.1.2/24, 198.18.1.3/24 (MTU 1280)
 *
 * The test process stays in its own namespace: a child started with `ip netns exec` creates
 * each socket inside a namespace and passes it back over an AF_UNIX socket (SCM_RIGHTS).
 * ------------------------------------------------------------------------------------------- */

const canNetns = canMakeNamespaces(`bsq${process.pid}probe`).ok;
const itIfNetns = canNetns ? it : it.skip;

const prefix = `bsq${process.pid}`;
const ns = { client: `${prefix}c`, router: `${prefix}r`, host: `${prefix}h` };
const ROUTER = '198.18.0.2';
const HOST = '198.18.1.2';
const HOST_SECOND = '198.18.1.3';
const MISSING = '198.18.1.99';
const CLIENT = '198.18.0.1';
const LINK_MTU = 1280;

function buildTopology(): void {
  for (const name of Object.values(ns)) mustIp('netns', 'add', name);
  mustIp('link', 'add', 'c0', 'netns', ns.client, 'type', 'veth', 'peer', 'r0', 'netns', ns.router);
  mustIp('link', 'add', 'r1', 'netns', ns.router, 'mtu', String(LINK_MTU), 'type', 'veth', 'peer', 'h0', 'netns', ns.host, 'mtu', String(LINK_MTU));
  const addresses: [string, string, string][] = [
    [ns.client, 'c0', `${CLIENT}/24`],
    [ns.router, 'r0', `${ROUTER}/24`],
    [ns.router, 'r1', '198.18.1.1/24'],
    [ns.host, 'h0', `${HOST}/24`],
    [ns.host, 'h0', `${HOST_SECOND}/24`],
  ];
  for (const [name, dev, address] of addresses) mustIp('-n', name, 'addr', 'add', address, 'dev', dev);
  for (const [name, devs] of [[ns.client, ['lo', 'c0']], [ns.router, ['lo', 'r0', 'r1']], [ns.host, ['lo', 'h0']]] as const) {
    for (const dev of devs) mustIp('-n', name, 'link', 'set', dev, 'up');
  }
  mustIp('-n', ns.client, 'route', 'add', 'default', 'via', ROUTER);
  mustIp('-n', ns.host, 'route', 'add', 'default', 'via', '198.18.1.1');
  // The router forwards, and gives up on an address that does not answer ARP after 100 ms
  // (the default is 3 s) before it reports the host unreachable.
  mustIp('netns', 'exec', ns.router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1',
    'net.ipv4.neigh.r1.retrans_time_ms=100', 'net.ipv4.neigh.r1.mcast_solicit=1');
}

function removeTopology(): void {
  for (const name of Object.values(ns)) ip('netns', 'del', name); // one not made answers an error: fine
}

/** A UDP socket created inside namespace `name`, tracked, with the safety receive timeout. */
function udpIn(name: string): number {
  const fd = track(socketIn(name, AF_INET, SOCK_DGRAM));
  receiveTimeout(fd, 5000);
  return fd;
}

describe('network namespaces', () => {
  beforeAll(() => {
    if (canNetns) buildTopology();
  });
  afterAll(() => {
    if (canNetns) removeTopology();
  });

  itIfNetns('a missing host: EHOSTUNREACH reported by the router, which is the offender', async () => {
    const client = udpIn(ns.client);
    setsockopt(client, IPPROTO_IP, IP_RECVERR!, true);
    const missing: InetAddress = { family: 'AF_INET', address: MISSING, port: 7 };
    expect(sendmsg(client, [Buffer.from('anyone there?')], 0, { address: missing })).toBe(13);
    const report = await nextError(client);
    expect(report.entry.error).toBeInstanceOf(HostUnreachableError);
    expect(report.entry).toMatchObject({
      origin: 'ICMP',
      icmpType: ICMP_DEST_UNREACH,
      icmpCode: ICMP_HOST_UNREACH,
      offender: { family: 'AF_INET', address: ROUTER, port: 0 },
      destination: missing,
    });
    expect(report.payload.toString()).toBe('anyone there?');
  });

  itIfNetns('a datagram over the path MTU with IP_PMTUDISC_DO: EMSGSIZE with the MTU in info', async () => {
    const client = udpIn(ns.client);
    setsockopt(client, IPPROTO_IP, IP_RECVERR!, true);
    setsockopt(client, IPPROTO_IP, IP_MTU_DISCOVER!, IP_PMTUDISC_DO!);
    const host: InetAddress = { family: 'AF_INET', address: HOST, port: 9 };
    // The first link is 1500 bytes: the datagram leaves, and the router cannot forward it.
    expect(sendmsg(client, [Buffer.alloc(1400, 1)], 0, { address: host })).toBe(1400);
    const report = await nextError(client);
    expect(report.entry.error).toBeInstanceOf(MessageTooLongError);
    expect(report.entry).toMatchObject({
      origin: 'ICMP',
      icmpType: ICMP_DEST_UNREACH,
      icmpCode: ICMP_FRAG_NEEDED,
      info: LINK_MTU,
      offender: { family: 'AF_INET', address: ROUTER, port: 0 },
      destination: host,
    });
    // Now the kernel knows the path MTU: the next one fails at once, and a local report (no
    // offender) carries the same MTU.
    expect(() => sendmsg(client, [Buffer.alloc(1400, 1)], 0, { address: host })).toThrow(MessageTooLongError);
    const local = readError(client);
    expect(local.entry.error).toBeInstanceOf(MessageTooLongError);
    expect(local.entry).toMatchObject({ origin: 'LOCAL', info: LINK_MTU, offender: null });
    expect(local.payload).toHaveLength(0);
    // A datagram that fits still goes.
    expect(sendmsg(client, [Buffer.alloc(LINK_MTU - 28, 1)], 0, { address: host })).toBe(LINK_MTU - 28);
  });

  itIfNetns('several peers on another host: the reports name the ones that refused', async () => {
    const client = udpIn(ns.client);
    setsockopt(client, IPPROTO_IP, IP_RECVERR!, true);
    bind(client, { family: 'AF_INET', address: CLIENT, port: 0 });
    const listenerFd = udpIn(ns.host);
    bind(listenerFd, { family: 'AF_INET', address: HOST, port: 0 });
    const listener = getsockname(listenerFd) as InetAddress;
    const closedOnSecond: InetAddress = { family: 'AF_INET', address: HOST_SECOND, port: listener.port };
    const closedOnHost: InetAddress = { family: 'AF_INET', address: HOST, port: listener.port === 65535 ? 65534 : listener.port + 1 };
    const reports: QueuedError[] = [];
    for (const [peer, refuses] of [[closedOnSecond, true], [listener, false], [closedOnHost, true]] as const) {
      sendmsg(client, [Buffer.from(`to ${peer.address}:${peer.port}`)], 0, { address: peer });
      if (refuses) reports.push(await nextError(client));
    }
    expect(reports.map((r) => [r.entry.offender, r.entry.destination])).toEqual([
      [{ family: 'AF_INET', address: HOST_SECOND, port: 0 }, closedOnSecond],
      [{ family: 'AF_INET', address: HOST, port: 0 }, closedOnHost],
    ]);
    for (const r of reports) {
      expect(r.entry.error).toBeInstanceOf(ConnectionRefusedError);
      expect(r.entry).toMatchObject({ origin: 'ICMP', icmpType: ICMP_DEST_UNREACH, icmpCode: ICMP_PORT_UNREACH });
    }
    const buf = Buffer.alloc(64);
    const got = recvmsg(listenerFd, [buf]);
    expect(buf.toString('latin1', 0, got.bytes)).toBe(`to ${HOST}:${listener.port}`);
    expect(got.from).toEqual(getsockname(client));
  });
});
