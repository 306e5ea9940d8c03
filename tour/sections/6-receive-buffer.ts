// Point 6: the receive buffer is a FIFO queue of datagrams, and a full one drops arrivals.
import * as fs from 'node:fs';
import { SOL_SOCKET, SO_RCVBUF, getsockopt, recvfrom, sendto, setNonBlocking, setsockopt, type SocketError } from 'bsdsock';
import { attempt, is, type Section, type Tour } from '../context';

const SENT = 200;
const SIZE = 512;

/**
 * The kernel's own count of datagrams dropped at a UDP socket: the "drops" column of
 * /proc/net/udp, on the line whose local port is `port` (Linux only; undefined elsewhere).
 */
function kernelDrops(port: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  const rows = fs.readFileSync('/proc/net/udp', 'utf8').trim().split('\n').slice(1); // after the header
  for (const row of rows) {
    const fields = row.trim().split(/\s+/);
    // Field 1 is local_address, HEXIP:HEXPORT; "drops" is the last field of the row.
    if (parseInt(fields[1]?.split(':')[1] ?? '', 16) === port) return Number(fields[fields.length - 1]);
  }
  return undefined;
}

const section: Section = {
  point: 6,
  title: 'the socket receive buffer',
  run(t: Tour) {
    t.claim('6', '“Every UDP socket has one; each arriving datagram is queued in it, and when it is full, arriving ' +
      'datagrams are dropped. recvfrom takes datagrams out in FIFO order.”');

    t.step(`a receiver with a small buffer (SO_RCVBUF 4096; Linux doubles what it is given)`);
    const receiver = t.udp({ bound: true });
    setsockopt(receiver.fd, SOL_SOCKET, SO_RCVBUF, 4096);
    const rcvbuf = getsockopt(receiver.fd, SOL_SOCKET, SO_RCVBUF);
    t.step(`${SENT} datagrams of ${SIZE} bytes, numbered 0 to ${SENT - 1}, sent before the receiver reads any`);
    const sender = t.udp();
    const payload = Buffer.alloc(SIZE);
    t.condensed(() => {
      for (let i = 0; i < SENT; i++) {
        payload.writeUInt32BE(i, 0);
        sendto(sender, payload, 0, receiver.addr);
      }
    });
    const drops = kernelDrops(receiver.addr.port); // read while the socket exists: its row goes with it

    t.step('the receiver drains its queue without blocking, until EAGAIN');
    setNonBlocking(receiver.fd);
    const order: number[] = [];
    const buf = Buffer.alloc(SIZE);
    let stop: SocketError | undefined;
    t.condensed(() => {
      while (!(stop = attempt(() => recvfrom(receiver.fd, buf)))) order.push(buf.readUInt32BE(0));
    });
    t.closeAll();

    const received = order.length;
    const fifo = order.every((n, i) => n === i); // 0, 1, 2, ...: in order, and the first ones kept
    const dropped = drops ?? SENT - received;
    const source = drops !== undefined
      ? `the kernel's own count for this socket (the "drops" column of /proc/net/udp for port ${receiver.addr.port})`
      : 'sent minus received (this platform has no /proc/net/udp)';
    t.kernel(`SO_RCVBUF is ${rcvbuf} bytes. Of ${SENT} datagrams sent, ${received} were queued and ${dropped} dropped, ` +
      `by ${source}${drops !== undefined ? `; sent − received = ${SENT - received}` : ''}. ` +
      `recvfrom returned them as ${received > 0 ? `#0 … #${order[order.length - 1]}` : 'nothing'}` +
      `${fifo ? ', in the order sent' : ', out of order'}, and the drain ended with ${stop ? stop.code : '?'}.`);
    t.check('6', dropped > 0 && received > 0 && fifo && is(stop, 'EAGAIN'),
      'the full buffer dropped the later arrivals (the queued ones were kept), and recvfrom took them out first in, first out.',
      'the receive buffer did not queue and drop as the notes say (see above).');
  },
};

export default section;
