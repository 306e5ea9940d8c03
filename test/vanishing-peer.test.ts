// A peer that vanishes: its network namespace is deleted while a Socket sends to it and waits
// for its answers.
//
//   client namespace  198.18.2.1/24 --veth-- 198.18.2.2/24  peer namespace (a UDP echo process)
//
// The test process stays in its own namespace and holds sockets made inside the client
// namespace (passed back with SCM_RIGHTS, see helpers/netns.ts). Mid-conversation the echo
// process is killed and its namespace deleted: the kernel then destroys the namespace and the
// veth pair with it, so the client's link and its route to 198.18.2.0/24 disappear. What a
// user must see: every send resolves or fails with a typed error (NetworkUnreachableError once
// the route is gone), the socket stays usable, receives waiting for an answer stay pending and
// settle (SocketClosedError) on close, nothing crashes and no descriptor leaks.
//
// Addresses are from 198.18.0.0/15 only, and datagrams go only to the peer inside the namespace
// this test made. Skipped, saying why, where namespaces cannot be made (not Linux, not root).
import {
  AF_INET,
  NetworkUnreachableError,
  SOCK_DGRAM,
  Socket,
  SocketClosedError,
  SocketError,
  type InetAddress,
} from '../lib';
import { sleep } from './helpers/time';
import { openDescriptors } from './helpers/descriptors';
import { canMakeNamespaces, ip, mustIp, removeLeftovers, socketIn } from './helpers/netns';
import { start, type Child } from './helpers/processes';

const CLIENT_NS = `bsdsock-vc-${process.pid}`;
const PEER_NS = `bsdsock-vp-${process.pid}`;
const LEFTOVERS = /^(bsdsock-v[cp]-(\d+))\b/;
const CLIENT_IF = 'vanish-c';
const PEER_IF = 'vanish-p';
const CLIENT = '198.18.2.1';
const PEER = '198.18.2.2';

const support = canMakeNamespaces(`bsdsock-vprobe-${process.pid}`);
const describeNetns = support.ok ? describe : describe.skip;
const title = support.ok ? 'a peer whose namespace is deleted mid-conversation' : `a peer whose namespace is deleted (skipped: ${support.reason})`;

/** An echo process in the peer namespace: answers every datagram with itself. */
const ECHO = `
  const b = require('bsdsock');
  const s = new b.Socket(b.AF_INET, b.SOCK_DGRAM);
  s.bind({ family: 'AF_INET', address: '${PEER}', port: 0 });
  console.log('listening ' + s.getsockname().port);
  (async () => { for await (const { data, from } of s) await s.sendto(data, from); })();`;

const clientLinkExists = (): boolean => ip('-n', CLIENT_NS, 'link', 'show', CLIENT_IF).ok;

/** How a promise settled, as a user would print it: 'pending', 'resolved', or the error's class (and code). */
function watch(promise: Promise<unknown>): () => string {
  let state = 'pending';
  promise.then(
    () => (state = 'resolved'),
    (err: unknown) => {
      if (err instanceof SocketError) state = `${err.constructor.name} ${err.code}`;
      else if (err instanceof SocketClosedError) state = 'SocketClosedError';
      else state = `untyped: ${String(err)}`;
    },
  );
  return () => state;
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  const state = watch(promise);
  await promise.catch(() => undefined);
  await Promise.resolve();
  return state();
}

describeNetns(title, () => {
  let peer: Child | undefined;
  let peerAddress: InetAddress;

  beforeAll(async () => {
    removeLeftovers(LEFTOVERS);
    mustIp('netns', 'add', CLIENT_NS);
    mustIp('netns', 'add', PEER_NS);
    mustIp('link', 'add', CLIENT_IF, 'netns', CLIENT_NS, 'type', 'veth', 'peer', 'name', PEER_IF, 'netns', PEER_NS);
    for (const [ns, dev, address] of [[CLIENT_NS, CLIENT_IF, CLIENT], [PEER_NS, PEER_IF, PEER]] as const) {
      mustIp('-n', ns, 'addr', 'add', `${address}/24`, 'dev', dev);
      mustIp('-n', ns, 'link', 'set', dev, 'up');
      mustIp('-n', ns, 'link', 'set', 'lo', 'up');
    }
    peer = start('ip', ['netns', 'exec', PEER_NS, process.execPath, '-e', ECHO]);
    const port = Number((await peer.waitFor(/listening (\d+)/))[1]);
    peerAddress = { family: 'AF_INET', address: PEER, port };
  });

  afterAll(async () => {
    await peer?.stop();
    ip('netns', 'del', PEER_NS); // already deleted by the test, unless it failed first
    ip('netns', 'del', CLIENT_NS);
  });

  it('sends resolve or fail typed (NetworkUnreachableError once the route is gone); waiting receives settle on close; no leak', async () => {
    const descriptors = openDescriptors();
    const connected = Socket.from(socketIn(CLIENT_NS, AF_INET, SOCK_DGRAM));
    const unconnected = Socket.from(socketIn(CLIENT_NS, AF_INET, SOCK_DGRAM));
    const roundTrips = async (text: string): Promise<void> => {
      await connected.send(Buffer.from(`connected ${text}`));
      expect((await connected.recv({ timeout: 5000 })).toString()).toBe(`connected ${text}`);
      await unconnected.sendto(Buffer.from(`unconnected ${text}`), peerAddress);
      const { data, from } = await unconnected.recvfrom({ timeout: 5000 });
      expect([data.toString(), from]).toEqual([`unconnected ${text}`, peerAddress]);
    };
    try {
      // The conversation works while the peer is there.
      await connected.connect(peerAddress);
      for (let i = 0; i < 5; i++) await roundTrips(String(i));

      // Deleting the name of a namespace whose process lives does not cut it off: the kernel
      // destroys a namespace only when nothing is left in it.
      mustIp('netns', 'del', PEER_NS);
      await roundTrips('after ip netns del');

      // Receives wait for answers that will never come; the peer's process ends, and with it
      // its namespace and the link.
      const receives = { connected: watch(connected.recv()), unconnected: watch(unconnected.recvfrom()) };
      await peer!.stop();
      peer = undefined;

      // The kernel tears the namespace down in its own time; sends go on meanwhile, each
      // settling one way or the other: sent into a link going down, refused by the peer's
      // kernel while it still answers for its closed port (ICMP port unreachable: only the
      // connected socket hears it), or no route once the link is gone. Never a hang or an
      // untyped error.
      const during = new Set<string>();
      for (let waited = 0; clientLinkExists(); waited += 20) {
        if (waited > 15000) throw new Error('the client end of the veth pair outlived its peer namespace by 15 s');
        during.add(`connected: ${await outcome(connected.send(Buffer.from('still there?')))}`);
        during.add(`unconnected: ${await outcome(unconnected.sendto(Buffer.from('still there?'), peerAddress))}`);
        await sleep(20);
      }
      for (const o of during) {
        expect(o).toMatch(/^(connected: (resolved|ConnectionRefusedError ECONNREFUSED|NetworkUnreachableError ENETUNREACH|HostUnreachableError EHOSTUNREACH)|unconnected: (resolved|NetworkUnreachableError ENETUNREACH|HostUnreachableError EHOSTUNREACH))$/);
      }

      // The route is gone: every send now fails with NetworkUnreachableError, and the socket
      // stays open for the next one.
      for (let i = 0; i < 3; i++) {
        await expect(connected.send(Buffer.from('gone?'))).rejects.toBeInstanceOf(NetworkUnreachableError);
        await expect(unconnected.sendto(Buffer.from('gone?'), peerAddress)).rejects.toBeInstanceOf(NetworkUnreachableError);
      }
      expect([connected.closed, unconnected.closed]).toEqual([false, false]);

      // The unconnected receive heard nothing and waits; the connected one waits too, unless a
      // refusal from the peer's last moments came to it. close() settles whatever waits.
      expect(receives.unconnected()).toBe('pending');
      expect(['pending', 'ConnectionRefusedError ECONNREFUSED']).toContain(receives.connected());
      const connectedBeforeClose = receives.connected();
      connected.close();
      unconnected.close();
      await sleep(0);
      expect(receives.unconnected()).toBe('SocketClosedError');
      expect(receives.connected()).toBe(connectedBeforeClose === 'pending' ? 'SocketClosedError' : connectedBeforeClose);
    } finally {
      connected.close();
      unconnected.close();
    }
    // No descriptor left behind (the peer's pipes closed meanwhile; test/setup/descriptors.ts
    // checks the exact set when the file ends).
    expect(openDescriptors().filter((fd) => !descriptors.includes(fd))).toEqual([]);
  });
});
