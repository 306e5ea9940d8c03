// GSO and GRO across a real link: a veth pair between two network namespaces made here.
//
//   client namespace  198.18.0.1/24 --veth-- 198.18.0.2/24  host namespace
//
// The client sends segmented buffers (a Socket's sendmsg and the flat sendmsg); the host
// receives them on a plain socket and on a GRO socket. Each case runs with the client device's
// offloads set by `ethtool -K`:
// - as made (tx-udp-segmentation on): a veth passes the GSO packet whole;
// - tx-udp-segmentation off: the kernel segments in software before the device;
// and once more with the fallback forced (BSDSOCK_GSO=fallback): one datagram per segment.
// Every case must deliver exactly the same datagrams. Addresses are 198.18.0.0/15 only, and
// every datagram goes to the host namespace. Skipped, saying why, without namespaces or ethtool.
import { execFile, spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { UDP_GRO } from '../lib';
import { canMakeNamespaces, ip, mustIp, removeLeftovers } from './helpers/netns';
import { start } from './helpers/processes';

const root = path.join(__dirname, '..');
const tag = `${process.pid % 100000}`;
const CLIENT_NS = `bsdsock-gc-${tag}`;
const HOST_NS = `bsdsock-gh-${tag}`;
const CLIENT_IF = `bsg${tag}c`;
const HOST_IF = `bsg${tag}h`;
const CLIENT = '198.18.0.1';
const HOST = '198.18.0.2';

function prerequisites(): { ok: true } | { ok: false; reason: string } {
  const netns = canMakeNamespaces(`bsdsock-probe-g${tag}`);
  if (!netns.ok) return netns;
  if (UDP_GRO === undefined) return { ok: false, reason: 'this build has no UDP GSO/GRO (not Linux, or the portable build)' };
  if (spawnSync('ethtool', ['--version']).status !== 0) return { ok: false, reason: 'no ethtool (Debian package ethtool)' };
  return { ok: true };
}

const ready = prerequisites();
const describeNetns = ready.ok ? describe : describe.skip;
const title = ready.ok ? 'GSO and GRO across a veth pair' : `GSO and GRO across a veth pair (skipped: ${ready.reason})`;

function setUp(): void {
  mustIp('netns', 'add', CLIENT_NS);
  mustIp('netns', 'add', HOST_NS);
  mustIp('link', 'add', CLIENT_IF, 'netns', CLIENT_NS, 'type', 'veth', 'peer', 'name', HOST_IF, 'netns', HOST_NS);
  for (const [ns, dev, address] of [[CLIENT_NS, CLIENT_IF, CLIENT], [HOST_NS, HOST_IF, HOST]] as const) {
    mustIp('-n', ns, 'addr', 'add', `${address}/24`, 'dev', dev);
    mustIp('-n', ns, 'link', 'set', dev, 'up');
    mustIp('-n', ns, 'link', 'set', 'lo', 'up');
  }
}

function ethtool(...features: string[]): void {
  const r = spawnSync('ip', ['netns', 'exec', CLIENT_NS, 'ethtool', '-K', CLIENT_IF, ...features], { encoding: 'utf8', timeout: 10000 });
  if (r.status !== 0) throw new Error(`ethtool -K ${features.join(' ')}: ${r.stdout}${r.stderr}`);
}

// Each send: 10 datagrams of 1200 bytes and one of 300, segment i filled with i (the flat
// call's with 100 + i), so the receiver can tell order, size and sender apart.
const SEGMENT = 1200;
const PER_SEND = 11;
const EXPECTED = [
  ...Array.from({ length: PER_SEND }, (_, i) => [i === PER_SEND - 1 ? 300 : SEGMENT, i, CLIENT]),
  ...Array.from({ length: PER_SEND }, (_, i) => [i === PER_SEND - 1 ? 300 : SEGMENT, 100 + i, CLIENT]),
];

const RECEIVER = `
  const b = require('bsdsock');
  (async () => {
    const make = (gro) => {
      const s = new b.Socket(b.AF_INET, b.SOCK_DGRAM);
      s.bind({ family: 'AF_INET', address: '${HOST}', port: 0 });
      s.setsockopt(b.SOL_SOCKET, b.SO_RCVBUF, 1 << 20);
      if (gro) s.setGro(true);
      return s;
    };
    const plain = make(false);
    const gro = make(true);
    console.log('ports ' + plain.getsockname().port + ' ' + gro.getsockname().port);
    const take = async (s) => {
      const got = [];
      while (got.length < ${2 * PER_SEND}) {
        const d = await s.recvfrom({ timeout: 5000 });
        got.push([d.data.length, d.data[0], d.from.address]);
      }
      return got;
    };
    console.log(JSON.stringify({ plain: await take(plain), gro: await take(gro) }));
    plain.close();
    gro.close();
  })().catch((e) => console.log(JSON.stringify({ crashed: String(e.stack || e) })));`;

function sender(ports: number[]): string {
  return `
  const b = require('bsdsock');
  (async () => {
    const data = (base) => {
      const buf = Buffer.alloc(${SEGMENT * (PER_SEND - 1) + 300});
      for (let i = 0; i < ${PER_SEND}; i++) buf.fill(base + i, i * ${SEGMENT}, Math.min((i + 1) * ${SEGMENT}, buf.length));
      return buf;
    };
    const s = new b.Socket(b.AF_INET, b.SOCK_DGRAM);
    const fd = b.socket(b.AF_INET, b.SOCK_DGRAM);
    const sent = [];
    for (const port of ${JSON.stringify(ports)}) {
      const address = { family: 'AF_INET', address: '${HOST}', port };
      sent.push(await s.sendmsg([data(0)], { address, segmentSize: ${SEGMENT} }));
      sent.push(b.sendmsg(fd, [data(100)], 0, { address, control: [{ kind: 'segment', size: ${SEGMENT} }] }));
    }
    console.log(JSON.stringify({ sent, mode: s.segmentation() }));
    s.close();
    b.close(fd);
  })().catch((e) => console.log(JSON.stringify({ crashed: String(e.stack || e) })));`;
}

function runIn(ns: string, script: string, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const options = { cwd: root, encoding: 'utf8' as const, timeout: 20000, env: { ...process.env, ...env } };
    execFile('ip', ['netns', 'exec', ns, process.execPath, '-e', script], options, (error, stdout, stderr) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (error || !last.startsWith('{')) reject(new Error(`${ns} failed (${error?.message}): ${stdout}${stderr}`));
      else resolve(JSON.parse(last) as Record<string, unknown>);
    });
  });
}

/** One exchange: the receiver in the host namespace, then the sender in the client's. */
async function exchange(env: Record<string, string> = {}): Promise<{ received: Record<string, unknown>; sent: Record<string, unknown> }> {
  const receiver = start('ip', ['netns', 'exec', HOST_NS, process.execPath, '-e', RECEIVER]);
  try {
    const m = await receiver.waitFor(/^ports (\d+) (\d+)$/m);
    const sent = await runIn(CLIENT_NS, sender([Number(m[1]), Number(m[2])]), env);
    const line = await receiver.waitFor(/^\{.*\}$/m);
    return { received: JSON.parse(line[0]) as Record<string, unknown>, sent };
  } finally {
    await receiver.stop();
  }
}

describeNetns(title, () => {
  beforeAll(() => {
    removeLeftovers(/^(bsdsock-g[ch]-(\d+))\b/, tag);
    setUp();
  });
  afterAll(() => {
    ip('netns', 'del', CLIENT_NS);
    ip('netns', 'del', HOST_NS);
  });

  const total = SEGMENT * (PER_SEND - 1) + 300;

  it('with the device segmenting (a veth passes the GSO packet whole): the same datagrams, plain and GRO', async () => {
    ethtool('tx-udp-segmentation', 'on');
    const { received, sent } = await exchange();
    expect(sent).toEqual({ sent: [total, total, total, total], mode: 'kernel' });
    expect(received).toEqual({ plain: EXPECTED, gro: EXPECTED });
  });

  it('with tx-udp-segmentation off (the kernel segments in software): the same datagrams', async () => {
    ethtool('tx-udp-segmentation', 'off');
    const { received, sent } = await exchange();
    expect(sent).toEqual({ sent: [total, total, total, total], mode: 'kernel' });
    expect(received).toEqual({ plain: EXPECTED, gro: EXPECTED });
  });

  it('with the fallback forced (BSDSOCK_GSO=fallback): one datagram per segment, the same datagrams', async () => {
    ethtool('tx-udp-segmentation', 'on');
    const { received, sent } = await exchange({ BSDSOCK_GSO: 'fallback' });
    expect(sent).toEqual({ sent: [total, total, total, total], mode: 'fallback' });
    expect(received).toEqual({ plain: EXPECTED, gro: EXPECTED });
  });
});
