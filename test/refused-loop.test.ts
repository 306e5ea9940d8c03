// A connected UDP socket refused inside a `for await` loop, as a user writes it:
//
//   for await (const { data } of socket) { ... }
//
// The peer's port is closed, so the kernel answers a send with ICMP port unreachable, which a
// connected UDP socket reports as ECONNREFUSED on its next receive. The loop must end by
// throwing that typed error from the `for await` statement (never hang, never swallow it);
// datagrams that came before it are delivered; the socket stays open and usable, the refusal is
// reported once, and a new loop on the same socket receives what comes next.
import { ConnectionRefusedError, type Datagram, type InetAddress } from '../lib';
import { closeSockets, udp } from './helpers/async-sockets';
import { closedUdpPort } from './helpers/sockets';

afterEach(closeSockets);

/** Runs a `for await` loop over `source`, calling `body` for each datagram; resolves to how it ended. */
async function loop(source: AsyncIterable<Datagram>, body: (d: Datagram) => Promise<void> | void = () => undefined): Promise<{ seen: string[]; threw?: unknown }> {
  const seen: string[] = [];
  try {
    for await (const d of source) {
      seen.push(d.data.toString());
      await body(d);
    }
  } catch (err) {
    return { seen, threw: err };
  }
  return { seen };
}

describe('a connected UDP socket refused inside a for await loop', () => {
  it('the refusal arrives while the loop waits: the for await statement throws ConnectionRefusedError', async () => {
    const client = udp();
    const refused = closedUdpPort();
    await client.socket.connect(refused);
    const ended = loop(client.socket); // waiting for its first datagram
    await client.socket.send(Buffer.from('anyone?'));
    const { seen, threw } = await ended;
    expect(seen).toEqual([]);
    expect(threw).toBeInstanceOf(ConnectionRefusedError);
    // The loop reads each wake-up's datagrams with one recvmmsg: that is the call refused.
    expect(threw).toMatchObject({ code: 'ECONNREFUSED', syscall: 'recvmmsg' });
    expect(client.socket.closed).toBe(false);
  });

  it('datagrams before the refusal are delivered; afterwards the socket works and a new loop receives, without the old error', async () => {
    const client = udp();
    const peer = udp();
    const refused = closedUdpPort();
    await client.socket.connect(peer.addr);
    for (const text of ['one', 'two']) await peer.socket.sendto(Buffer.from(text), client.addr);

    // The loop's body retargets the socket at a closed port after the second datagram and sends.
    const iterator = client.socket[Symbol.asyncIterator]();
    const first = await loop({ [Symbol.asyncIterator]: () => iterator }, async ({ data }) => {
      if (data.toString() !== 'two') return;
      await client.socket.connect(refused);
      await client.socket.send(Buffer.from('anyone?'));
    });
    expect(first.seen).toEqual(['one', 'two']);
    expect(first.threw).toBeInstanceOf(ConnectionRefusedError);

    // The iterator that threw is finished: asking it again ends at once, without a second error.
    await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
    // The socket is open, and the refusal was reported once: back on the live peer, a new loop
    // receives the next datagrams and nothing else.
    expect(client.socket.closed).toBe(false);
    await client.socket.connect(peer.addr);
    await client.socket.send(Buffer.from('ping'));
    expect((await peer.socket.recvfrom({ timeout: 5000 })).data.toString()).toBe('ping');
    for (const text of ['three', 'four']) await peer.socket.sendto(Buffer.from(text), client.addr);
    const second = await loop(client.socket, ({ data }) => {
      if (data.toString() === 'four') client.socket.close();
    });
    // close() ends a loop quietly: no error.
    expect(second).toEqual({ seen: ['three', 'four'] });
  });

  it('every send refused in turn: each new loop throws once, and the thread is not kept busy', async () => {
    const client = udp();
    const refused: InetAddress = closedUdpPort();
    await client.socket.connect(refused);
    const outcomes: string[] = [];
    for (let round = 0; round < 20; round++) {
      const ended = loop(client.socket);
      await client.socket.send(Buffer.from(`round ${round}`));
      const { seen, threw } = await ended;
      outcomes.push(seen.length === 0 && threw instanceof ConnectionRefusedError ? 'refused' : `unexpected: ${String(threw)}`);
    }
    expect(outcomes).toEqual(Array(20).fill('refused'));
    // Nothing waits any more: the watcher goes idle (it stops within a turn or two of the
    // loop) rather than waking on every turn.
    const wakeups = client.socket.stats().wakeups;
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(client.socket.stats().wakeups - wakeups).toBeLessThan(5);
    expect(client.socket.stats().watching).toBe(false);
  });
});
