// Point 9: is a connected UDP socket faster at sending to one peer? Measured here, in this run:
// the tour does not know the answer in advance, and says so when the measurement disagrees.
import { connect, send, sendto, sockaddr } from 'bsdsock';
import { CONFIRMED, CONTRADICTED, NOT_CONFIRMED, type Section, type Tour } from '../context';

const ROUNDS = 5; // alternated, so that a burst of other load hits both kinds alike
const ROUND_MS = 100;
const BATCH = 500;
const MARGIN = 0.05; // a difference under 5% is noise on a shared machine, not a finding

/** Datagrams per second `sendOne` achieves for about ROUND_MS. */
function rate(sendOne: () => unknown): number {
  const start = process.hrtime.bigint();
  const end = start + BigInt(ROUND_MS * 1e6);
  let count = 0;
  let now = start;
  while (now < end) {
    for (let i = 0; i < BATCH; i++) sendOne();
    count += BATCH;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - start) / 1e9);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const perSecond = (r: number): string => `${Math.round(r).toLocaleString('en-US')} datagrams/s`;

const section: Section = {
  point: 9,
  title: 'performance of a connected UDP socket',
  run(t: Tour) {
    t.claim('9', '“When sending many datagrams to the same peer, a connected UDP socket is more efficient (the ' +
      'kernel does not set up and tear down the destination for every datagram).”');
    const receiver = t.udp({ bound: true }); // never read: once its queue is full the kernel drops, for both alike
    const unconnected = t.udp();
    const connected = t.udp();
    connect(connected, receiver.addr);
    // Encoded once, so that the unconnected loop does not pay for parsing the address in JavaScript:
    // what differs between the two loops is what the kernel does.
    const peer = sockaddr(receiver.addr);
    const payload = Buffer.alloc(32);
    t.step('one call of each kind; the measured loops run with tracing off');
    sendto(unconnected, payload, 0, peer);
    send(connected, payload);

    const rates: { unconnected: number[]; connected: number[] } = { unconnected: [], connected: [] };
    t.untraced(() => {
      for (let r = 0; r < ROUNDS; r++) {
        rates.unconnected.push(rate(() => sendto(unconnected, payload, 0, peer)));
        rates.connected.push(rate(() => send(connected, payload)));
      }
    });
    t.closeAll();

    const u = median(rates.unconnected);
    const c = median(rates.connected);
    const ratio = c / u;
    t.kernel(`unconnected sendto: ${perSecond(u)}; connected send: ${perSecond(c)}; ratio connected/unconnected ` +
      `${ratio.toFixed(2)} (median of ${ROUNDS} alternated rounds of ${ROUND_MS} ms, ${payload.length}-byte datagrams on loopback).`);
    if (ratio >= 1 + MARGIN) {
      t.verdict('9', CONFIRMED, `connected sends were ${Math.round((ratio - 1) * 100)}% faster in this run.`);
    } else if (ratio <= 1 - MARGIN) {
      t.verdict('9', CONTRADICTED, `connected sends were ${Math.round((1 - ratio) * 100)}% slower in this run.`);
    } else {
      t.verdict('9', NOT_CONFIRMED, `this run measured no difference beyond ${MARGIN * 100}% (ratio ${ratio.toFixed(2)}): ` +
        'the claim is not borne out here.');
    }
  },
};

export default section;
