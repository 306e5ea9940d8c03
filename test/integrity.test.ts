// A sequence-checked integrity run: 100,000 datagrams (every tenth zero-length, the others
// 8 to 507 bytes with a pattern derived from their sequence number) sent through one Socket to
// another on loopback, in bursts the reader keeps up with and floods that overrun the
// receiver's buffer so that the kernel drops some. What arrives must be intact, in order, never twice, with each empty datagram only
// where one was sent; and what does not arrive must be exactly what the kernel says it dropped
// (the socket's `drops` in /proc/net/udp, and the SO_RXQ_OVFL count of the last datagram).
// The library itself may lose nothing. The reader uses every receive path of a Socket in turn:
// many receives outstanding at once (fresh Buffers and its own), and recvmmsg batches.
import { setMaxListeners } from 'node:events';
import * as fs from 'node:fs';

import {
  AF_INET,
  AbortError,
  MSG_DONTWAIT,
  SOCK_DGRAM,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_RXQ_OVFL,
  Socket,
  WouldBlockError,
  recvmsg,
  type InetAddress,
} from '../lib';
import { closeSockets, trackSocket } from './helpers/async-sockets';
import { itOnLinux } from './helpers/platform';
import { udpDrops } from './helpers/udp-drops';

afterEach(closeSockets);

const COUNT = 100_000;
/** Datagrams sent between two turns of the event loop (when the receiver reads)... */
const BURST = 200;
/** ...except in the first FLOOD of every 10,000, sent without a pause: more than the buffer holds. */
const FLOOD = 3000;
/** Sequence numbers from here on are end markers, sent until one arrives. */
const MARKER = 0xfffff000;
const FINAL = 0xffffffff;
/** Receives outstanding at once, and datagrams per phase of the reader. */
const WINDOW = 16;
const PHASE = 5000;

const sizeOf = (seq: number): number => (seq % 10 === 5 ? 0 : 8 + ((seq * 37) % 500));
const patterns = Array.from({ length: 256 }, (_, byte) => Buffer.alloc(512, byte));

function datagram(seq: number, size = sizeOf(seq)): Buffer {
  const buf = Buffer.alloc(size, seq & 0xff);
  if (size > 0) buf.writeUInt32BE(seq >>> 0, 0);
  return buf;
}

/** Empty datagrams scheduled before sequence number `seq`. */
const emptiesBefore = (seq: number): number => Math.floor((seq + 4) / 10);

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('integrity: 100,000 datagrams through a Socket, every loss accounted for by the kernel', () => {
  itOnLinux('intact, in order, no duplicates; received + kernel drops = sent', async () => {
    const receiver = trackSocket(new Socket(AF_INET, SOCK_DGRAM));
    receiver.setsockopt(SOL_SOCKET, SO_RCVBUF, 256 * 1024); // the kernel doubles it
    receiver.setsockopt(SOL_SOCKET, SO_RXQ_OVFL!, true);
    receiver.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
    const address = receiver.getsockname() as InetAddress;
    const inode = fs.fstatSync(receiver.fd).ino;
    const sender = trackSocket(new Socket(AF_INET, SOCK_DGRAM));
    await sender.connect(address);

    const got = { datagrams: 0, empties: 0, last: -1, problems: [] as string[] };
    let emptiesSinceLast = 0;
    const problem = (text: string): void => {
      if (got.problems.length < 10) got.problems.push(text);
    };
    /** Checks one datagram against the sequence so far; true when it is an end marker. */
    const take = (data: Buffer): boolean => {
      got.datagrams++;
      if (data.length === 0) {
        got.empties++;
        emptiesSinceLast++;
        return false;
      }
      const seq = data.readUInt32BE(0);
      if (seq >= MARKER) {
        if (emptiesSinceLast > emptiesBefore(COUNT) - emptiesBefore(got.last + 1)) problem(`${emptiesSinceLast} empty datagrams after ${got.last}`);
        return true;
      }
      if (seq <= got.last) problem(`${seq} after ${got.last}`);
      else if (emptiesSinceLast > emptiesBefore(seq) - emptiesBefore(got.last + 1)) problem(`${emptiesSinceLast} empty datagrams between ${got.last} and ${seq}`);
      if (data.length !== sizeOf(seq) || !data.subarray(4).equals(patterns[seq & 0xff]!.subarray(0, data.length - 4))) problem(`datagram ${seq} corrupt (${data.length} bytes)`);
      got.last = seq;
      emptiesSinceLast = 0;
      return false;
    };

    // The reader, until the first end marker, through every receive path of a Socket in turn:
    // WINDOW receives outstanding at once (which must complete in the order they were made),
    // alternately into fresh Buffers and into the reader's own; then recvmmsg batches.
    const stop = new AbortController();
    const { signal } = stop;
    // WINDOW receives may wait on it at once, each with its abort listener.
    setMaxListeners(WINDOW + 1, signal);
    const outstanding = new Set<Promise<Buffer>>();
    const reading = (async () => {
      const own = Array.from({ length: WINDOW }, () => Buffer.alloc(1024));
      const batch = Array.from({ length: 32 }, () => Buffer.alloc(1024));
      const receive = (k: number): Promise<Buffer> => {
        const buf = own[k % WINDOW]!;
        const p = k % 2 === 0 ? receiver.recvfrom({ signal }).then((d) => d.data) : receiver.recvfrom(buf, { signal }).then((r) => buf.subarray(0, r.bytes));
        p.catch(() => undefined); // settled below, or by the abort at the end
        outstanding.add(p);
        return p;
      };
      for (let phase = 0; ; phase++) {
        if (phase % 2 === 0) {
          const window = Array.from({ length: WINDOW }, (_, k) => receive(k));
          for (let k = 0; k < PHASE; k++) {
            const next = window[k % WINDOW]!;
            const data = await next;
            outstanding.delete(next);
            if (take(data)) return;
            // Its buffer is free again now that it is checked: receive k + WINDOW reuses it.
            if (k + WINDOW < PHASE) window[k % WINDOW] = receive(k + WINDOW);
          }
        } else {
          for (let n = 0; n < PHASE; ) {
            const results = await receiver.recvmmsg(batch, { signal });
            let ended = false;
            for (let i = 0; i < results.length; i++, n++) ended = take(batch[i]!.subarray(0, results[i]!.bytes)) || ended;
            if (ended) return;
          }
        }
      }
    })();

    // The writer: bursts, each a turn of the loop apart. A send never waits here (loopback
    // UDP: the kernel queues or drops at the receiver), and none may fail.
    let sent = 0;
    let sendFailures = 0;
    const countFailure = (): void => void sendFailures++;
    for (let seq = 0; seq < COUNT; seq++) {
      sender.send(datagram(seq)).catch(countFailure);
      sent++;
      if (seq % BURST === BURST - 1 && seq % 10_000 >= FLOOD) await turn();
    }
    // End markers until one arrives (one sent into a full buffer is dropped, and counted so).
    let readerDone = false;
    void reading.finally(() => (readerDone = true));
    for (let marker = MARKER; !readerDone; marker++) {
      await sender.send(datagram(marker, 4));
      sent++;
      for (let i = 0; i < 1000 && !readerDone; i++) await turn();
    }
    await reading;
    // Receives still outstanding when the first marker came: aborted, or given a later marker.
    stop.abort();
    for (const late of await Promise.allSettled(outstanding)) {
      if (late.status === 'rejected') {
        if (!(late.reason instanceof AbortError)) problem(`an outstanding receive failed: ${String(late.reason)}`);
      } else if (!take(late.value)) {
        problem('a datagram after the end marker');
      }
    }

    // Whatever is still queued (late markers), then a final datagram read with the flat
    // recvmsg: its SO_RXQ_OVFL is the socket's drop count once everything before it was handled.
    await sender.send(datagram(FINAL, 4));
    sent++;
    const buf = Buffer.alloc(1024);
    let dropped: number | undefined;
    for (let tries = 0; dropped === undefined; tries++) {
      let r;
      try {
        r = recvmsg(receiver.fd, [buf], MSG_DONTWAIT);
      } catch (err) {
        if (!(err instanceof WouldBlockError) || tries > 100000) throw err;
        await turn();
        continue;
      }
      got.datagrams++;
      if (r.bytes >= 4 && buf.readUInt32BE(0) === FINAL) {
        const entry = r.control.find((c) => c.kind === 'dropped');
        dropped = entry?.kind === 'dropped' ? entry.count : 0;
      }
    }
    const procDrops = udpDrops(address.port, inode);

    expect(got.problems).toEqual([]);
    expect(sendFailures).toBe(0);
    expect(sent).toBe(got.datagrams + dropped);
    expect(procDrops).toBe(dropped);
    // The floods overran the buffer (the accounting was put to work), and most datagrams came
    // through, zero-length ones among them.
    expect(dropped).toBeGreaterThan(0);
    expect(got.datagrams).toBeGreaterThan(COUNT / 2);
    expect(got.empties).toBeGreaterThan(0);
    if (process.env.BSDSOCK_INTEGRITY_REPORT) console.log({ sent, received: got.datagrams, dropped, empties: got.empties });
  });
});
