// Socket.errors(): the error queue read asynchronously (Linux). Real ICMP port unreachables on
// loopback; the watcher drains the queue on every wake-up, so the thread goes idle again.
import {
  IPPROTO_IP,
  IP_RECVERR,
  ConnectionRefusedError,
  UnsupportedError,
  type ErrorReport,
} from '../lib';
import { closeSockets, udp } from './helpers/async-sockets';
import { sleep } from './helpers/time';
import { itOnLinux, onLinux } from './helpers/platform';
import { closedUdpPort } from './helpers/sockets';

afterEach(closeSockets);

async function take(iterator: AsyncIterator<ErrorReport>, count: number): Promise<ErrorReport[]> {
  const reports: ErrorReport[] = [];
  while (reports.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    reports.push(next.value);
  }
  return reports;
}

describe('Socket.errors()', () => {
  itOnLinux('an unconnected socket learns which of its peers refused, and from whom', async () => {
    const client = udp();
    const live = udp();
    const dead = [closedUdpPort(), closedUdpPort(), closedUdpPort()];
    const reports = client.socket.errors();
    for (const to of dead) await client.socket.sendto(Buffer.from(`to ${to.port}`), to);
    await client.socket.sendto(Buffer.from('hello'), live.addr);
    const got = await take(reports, 3);
    expect(got.map((r) => r.destination)).toEqual(dead);
    for (const [i, r] of got.entries()) {
      expect(r.error).toBeInstanceOf(ConnectionRefusedError);
      expect(r).toMatchObject({ origin: 'ICMP', icmpType: 3, icmpCode: 3, offender: { family: 'AF_INET', address: '127.0.0.1' } });
      expect(r.payload.toString()).toBe(`to ${dead[i]!.port}`);
    }
    // The live peer got its datagram; the socket is fine.
    expect((await live.socket.recvfrom()).data.toString()).toBe('hello');
    await reports.return!();
  });

  itOnLinux('a pending receive is not failed by errors that belong to the queue', async () => {
    const client = udp();
    const live = udp();
    const reports = client.socket.errors();
    const receive = client.socket.recvfrom();
    await client.socket.sendto(Buffer.from('x'), closedUdpPort());
    const [report] = await take(reports, 1);
    expect(report!.error.code).toBe('ECONNREFUSED');
    // Still waiting: the refusal went to the report, not to the receive.
    const raced = await Promise.race([receive.then(() => 'resolved', () => 'rejected'), sleep(50).then(() => 'pending')]);
    expect(raced).toBe('pending');
    await live.socket.sendto(Buffer.from('data'), client.addr);
    expect((await receive).data.toString()).toBe('data');
    // A send after the report is clean too (the pending error was reset by reading the queue).
    await expect(client.socket.sendto(Buffer.from('y'), live.addr)).resolves.toBe(1);
    await reports.return!();
  });

  itOnLinux('after a burst of errors the thread goes idle: no busy loop on POLLERR', async () => {
    const client = udp();
    const reports = client.socket.errors();
    const targets = Array.from({ length: 40 }, () => closedUdpPort());
    for (const to of targets) await client.socket.sendto(Buffer.from('x'), to);
    await take(reports, 10);
    await sleep(100);
    const wakeups = client.socket.stats().wakeups;
    // A busy loop on POLLERR would wake the watcher thousands of times in this second; counted
    // in wake-ups, not CPU time, so a slow (sanitizer, shared) machine cannot make it fail.
    await sleep(1000);
    expect(client.socket.stats().wakeups - wakeups).toBeLessThan(5);
    expect(client.socket.stats().watching).toBe(true); // still watching for reports
    await reports.return!();
    expect(client.socket.stats().watching).toBe(false);
  });

  itOnLinux('IP_RECVERR turned on by hand, with no reader: the queue is emptied, no busy loop', async () => {
    const client = udp();
    client.socket.setsockopt(IPPROTO_IP, IP_RECVERR!, true);
    // A receive waits (the watcher runs) while the reports pile up in the error queue.
    const receive = client.socket.recvfrom().catch((err: unknown) => err);
    for (let i = 0; i < 5; i++) {
      // The kernel's rule: each report is also the pending error, which fails the next call
      // once. Here that is sometimes this send.
      await client.socket.sendto(Buffer.from('x'), closedUdpPort()).catch((err: unknown) => {
        expect(err).toBeInstanceOf(ConnectionRefusedError);
      });
    }
    await sleep(100);
    const wakeups = client.socket.stats().wakeups;
    await sleep(500);
    expect(client.socket.stats().wakeups - wakeups).toBeLessThan(5);
    client.socket.close();
    const outcome = await receive;
    // Whichever came first: a refusal the receive was given, or the close.
    expect([ConnectionRefusedError.name, 'SocketClosedError']).toContain((outcome as Error).name);
  });

  itOnLinux('closing the socket ends the iteration', async () => {
    const client = udp();
    const reports = client.socket.errors();
    const next = reports.next();
    client.socket.close();
    await expect(next).resolves.toEqual({ value: undefined, done: true });
  });

  describe('when the iteration ends, the socket is as it was before errors()', () => {
    /** errors() on an unconnected socket, one refusal sent, then `end` reads it and leaves. */
    async function oneRefusalThen(end: (reports: AsyncIterableIterator<ErrorReport>) => Promise<unknown>): Promise<ReturnType<typeof udp>> {
      const client = udp();
      const reports = client.socket.errors();
      await client.socket.sendto(Buffer.from('refused'), closedUdpPort());
      await end(reports);
      return client;
    }

    /** Later refusals fail no data receive, and no datagram of `count` is lost to reports. */
    async function expectCleanReceives(client: ReturnType<typeof udp>, count: number): Promise<void> {
      const sender = udp();
      const dead = closedUdpPort();
      for (let i = 0; i < count; i++) {
        await client.socket.sendto(Buffer.from(`to nobody ${i}`), dead); // refused, each one
        await sender.socket.sendto(Buffer.from(`datagram ${i}`), client.addr);
      }
      for (let i = 0; i < count; i++) {
        expect((await client.socket.recvfrom({ timeout: 5000 })).data.toString()).toBe(`datagram ${i}`);
      }
    }

    for (const [how, end] of [
      ['break', async (reports: AsyncIterableIterator<ErrorReport>) => {
        for await (const report of reports) {
          expect(report.error).toBeInstanceOf(ConnectionRefusedError);
          break;
        }
      }],
      ['return()', async (reports: AsyncIterableIterator<ErrorReport>) => {
        expect((await take(reports, 1))[0]!.error).toBeInstanceOf(ConnectionRefusedError);
        await reports.return!();
      }],
      ['a throw in the loop', async (reports: AsyncIterableIterator<ErrorReport>) => {
        await expect((async () => {
          for await (const report of reports) throw new Error(`stop at ${report.error.code}`);
        })()).rejects.toThrow('stop at ECONNREFUSED');
      }],
    ] as const) {
      itOnLinux(`after ${how}: IP_RECVERR is off again and 100 datagrams arrive whole, none failed by refusals`, async () => {
        const client = await oneRefusalThen(end);
        expect(client.socket.getsockopt(IPPROTO_IP, IP_RECVERR!)).toBe(0);
        await expectCleanReceives(client, 100);
      });
    }

    itOnLinux('return() before the first next() turns IP_RECVERR off again', async () => {
      const client = udp();
      const reports = client.socket.errors();
      expect(client.socket.getsockopt(IPPROTO_IP, IP_RECVERR!)).toBe(1);
      await reports.return!();
      expect(client.socket.getsockopt(IPPROTO_IP, IP_RECVERR!)).toBe(0);
      await expectCleanReceives(client, 10);
    });

    itOnLinux('with a signal already aborted it ends at once, and turns nothing on', async () => {
      const client = udp();
      const reports = client.socket.errors({ signal: AbortSignal.abort() });
      await expect(reports.next()).resolves.toEqual({ value: undefined, done: true });
      expect(client.socket.getsockopt(IPPROTO_IP, IP_RECVERR!)).toBe(0);
    });

    itOnLinux('two iterations at once: the option stays on until the last one ends', async () => {
      const client = udp();
      const first = client.socket.errors();
      const second = client.socket.errors();
      await first.return!();
      expect(client.socket.getsockopt(IPPROTO_IP, IP_RECVERR!)).toBe(1);
      await client.socket.sendto(Buffer.from('refused'), closedUdpPort());
      expect((await take(second, 1))[0]!.error).toBeInstanceOf(ConnectionRefusedError);
      await second.return!();
      expect(client.socket.getsockopt(IPPROTO_IP, IP_RECVERR!)).toBe(0);
    });

    itOnLinux('IP_RECVERR that the user had set stays on, and is the user\'s to read', async () => {
      const client = udp();
      client.socket.setsockopt(IPPROTO_IP, IP_RECVERR!, true);
      const reports = client.socket.errors();
      await reports.return!();
      expect(client.socket.getsockopt(IPPROTO_IP, IP_RECVERR!)).toBe(1);
    });
  });

  (onLinux ? it.skip : it)('outside Linux it is a typed UnsupportedError', () => {
    const client = udp();
    expect(() => client.socket.errors()).toThrow(UnsupportedError);
  });
});
