// A sequence-checked integrity run: 100,000 datagrams (every tenth zero-length, the others
// 8 to 507 bytes with a pattern derived from their sequence number) sent through one Socket to
// another on loopback, in bursts the reader keeps up with and floods that overrun the
// receiver's buffer so that the kernel drops some. What arrives must be intact, in order, never twice, with each empty datagram only
// where one was sent; and what does not arrive must be exactly what the kernel says it dropped
// (the socket's `drops` in /proc/net/udp, and the SO_RXQ_OVFL count of the last datagram).
// The library itself may lose nothing.
import * as fs from 'node:fs';

import {
  AF_INET,
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
import { closeSockets, track } from './helpers/async-sockets';
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
    const receiver = track(new Socket(AF_INET, SOCK_DGRAM));
    receiver.setsockopt(SOL_SOCKET, SO_RCVBUF, 256 * 1024); // the kernel doubles it
    receiver.setsockopt(SOL_SOCKET, SO_RXQ_OVFL!, true);
    receiver.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
    const address = receiver.getsockname() as InetAddress;
    const inode = fs.fstatSync(receiver.fd).ino;
    const sender = track(new Socket(AF_INET, SOCK_DGRAM));
    await sender.connect(address);

    const got = { datagrams: 0, empties: 0, last: -1, problems: [] as string[] };
    let emptiesSinceLast = 0;
    const problem = (text: string): void => {
      if (got.problems.length < 10) got.problems.push(text);
    };
    // The reader: through the Socket, into one buffer, until the first end marker.
    const reading = (async () => {
      const buf = Buffer.alloc(1024);
      for (;;) {
        const { bytes } = await receiver.recvfrom(buf);
        got.datagrams++;
        if (bytes === 0) {
          got.empties++;
          emptiesSinceLast++;
          continue;
        }
        const seq = buf.readUInt32BE(0);
        if (seq >= MARKER) {
          if (emptiesSinceLast > emptiesBefore(COUNT) - emptiesBefore(got.last + 1)) problem(`${emptiesSinceLast} empty datagrams after ${got.last}`);
          return;
        }
        if (seq <= got.last) problem(`${seq} after ${got.last}`);
        else if (emptiesSinceLast > emptiesBefore(seq) - emptiesBefore(got.last + 1)) problem(`${emptiesSinceLast} empty datagrams between ${got.last} and ${seq}`);
        if (bytes !== sizeOf(seq) || !buf.subarray(4, bytes).equals(patterns[seq & 0xff]!.subarray(0, bytes - 4))) problem(`datagram ${seq} corrupt (${bytes} bytes)`);
        got.last = seq;
        emptiesSinceLast = 0;
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
