#!/usr/bin/env node
// Soak test of the library's datagram paths, on loopback:
//
//   1. echo, below capacity: N checksummed datagrams go from a client Socket (main thread) to an
//      echo Socket (worker thread) and back, at most WINDOW in flight. Every one must come
//      back exactly once and intact: lost, corrupt and duplicate must all be 0.
//   2. overload: a worker blasts datagrams with the flat API at a receiver with a small
//      SO_RCVBUF that reads them through the library. The kernel drops what does not fit, and
//      must account for every loss: sent == received + dropped, where dropped is the socket's
//      `drops` in /proc/net/udp (matched by local port and inode) and, with recvmsg, also the
//      SO_RXQ_OVFL count carried by a last marker datagram. The library itself loses nothing.
//   Throughout, the RSS of the process stays bounded (checked when not under ASan, whose
//   quarantine keeps freed memory).
//
// Usage: node soak/run.js [--short] [--count N] [--json FILE]
//   default: 1,000,000 echoed and 1,000,000 blasted; --short: 50,000 each (a few seconds, CI).
// Loads the package from this checkout (dist/), with the addon BSDSOCK_ADDON names if set.
// Exits 1 when an invariant is broken; the last line is a JSON summary.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { Worker } = require('node:worker_threads');

const root = path.join(__dirname, '..');
const bsdsock = require(root);
const { AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_RCVBUF, Socket } = bsdsock;

const args = process.argv.slice(2);
const short = args.includes('--short');
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const COUNT = Number(option('--count') ?? (short ? 50_000 : 1_000_000));
const WINDOW = 64;
const MAX_PAYLOAD = 512;
const RSS_LIMIT = 96 * 1024 * 1024; // growth allowed after warm-up
// Under AddressSanitizer freed memory sits in its quarantine (256 MiB by default) and every
// allocation has shadow memory: the RSS says nothing about leaks there, so it is only reported.
const SANITIZED = /asan/.test(process.env.LD_PRELOAD ?? '');
const report = { count: COUNT, short, addon: bsdsock.buildInfo, echo: null, overload: [], rss: null, ok: true };
const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
};

// ------------------------------------------------------------------------------------------
// RSS

const rss = { warm: 0, max: 0, samples: 0 };
const sampler = setInterval(() => {
  const now = process.memoryUsage().rss;
  rss.samples++;
  if (rss.warm === 0 && rss.samples >= 10) rss.warm = now;
  rss.max = Math.max(rss.max, now);
}, 100).unref();

// ------------------------------------------------------------------------------------------
// 1. Echo

// The payload of datagram `seq`: its length and bytes follow from seq alone.
function payloadOf(seq) {
  const length = (seq * 2654435761) % (MAX_PAYLOAD + 1);
  const bytes = Buffer.allocUnsafe(length);
  let x = seq ^ 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

// [seq u32][payload][crc32 of seq+payload u32]
function datagram(seq) {
  const payload = payloadOf(seq);
  const out = Buffer.allocUnsafe(8 + payload.length);
  out.writeUInt32BE(seq, 0);
  payload.copy(out, 4);
  out.writeUInt32BE(zlib.crc32(out.subarray(0, 4 + payload.length)), 4 + payload.length);
  return out;
}

function verify(data) {
  if (data.length < 8) return { corrupt: true };
  const body = data.subarray(0, data.length - 4);
  if (zlib.crc32(body) !== data.readUInt32BE(data.length - 4)) return { corrupt: true };
  const seq = data.readUInt32BE(0);
  if (seq >= COUNT || !payloadOf(seq).equals(body.subarray(4))) return { corrupt: true };
  return { seq };
}

function startWorker(data) {
  const worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: { package: root, ...data } });
  const messages = [];
  let wake = null;
  worker.on('message', (m) => {
    messages.push(m);
    if (wake) wake();
  });
  worker.on('error', (err) => failures.push(`worker: ${err.stack || err}`));
  const next = async () => {
    while (messages.length === 0) await new Promise((resolve) => (wake = resolve));
    return messages.shift();
  };
  return { worker, next };
}

async function echo() {
  const { worker, next } = startWorker({ mode: 'echo' });
  const { address: server } = await next();
  const client = new Socket(AF_INET, SOCK_DGRAM);
  client.setsockopt(SOL_SOCKET, SO_RCVBUF, 4 * 1024 * 1024);
  client.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
  const seen = new Uint8Array(COUNT);
  const result = { sent: 0, received: 0, lost: 0, corrupt: 0, duplicate: 0, seconds: 0 };
  const start = process.hrtime.bigint();
  let progress = null;
  const receiver = (async () => {
    while (result.received + result.corrupt + result.duplicate < COUNT) {
      let d;
      try {
        d = await client.recvfrom({ timeout: 5000 });
      } catch (err) {
        if (err.code === 'ETIMEDOUT') break; // nothing for 5 s: the rest is lost
        throw err;
      }
      const v = verify(d.data);
      if (v.corrupt) result.corrupt++;
      else if (seen[v.seq]) result.duplicate++;
      else {
        seen[v.seq] = 1;
        result.received++;
      }
      if (progress) progress();
    }
  })();
  for (let seq = 0; seq < COUNT; seq++) {
    while (seq - (result.received + result.corrupt + result.duplicate) >= WINDOW) {
      await new Promise((resolve) => (progress = resolve));
    }
    await client.sendto(datagram(seq), server);
    result.sent++;
    if (seq % 100_000 === 0 && seq > 0) process.stderr.write(`  echo: ${seq} sent\n`);
  }
  await receiver;
  result.seconds = Number(process.hrtime.bigint() - start) / 1e9;
  result.lost = COUNT - result.received;
  client.close();
  worker.postMessage('stop');
  const { echoed } = await next();
  result.echoed = echoed;
  await worker.terminate();
  check(result.lost === 0, `echo: ${result.lost} datagrams lost`);
  check(result.corrupt === 0, `echo: ${result.corrupt} corrupt`);
  check(result.duplicate === 0, `echo: ${result.duplicate} duplicated`);
  return result;
}

// ------------------------------------------------------------------------------------------
// 2. Overload

/** The kernel's drop count of a UDP socket: /proc/net/udp, matched by local port and inode. */
function procDrops(port, inode) {
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 13) continue;
      const localPort = parseInt(f[1].split(':')[1], 16);
      if (localPort === port && f[9] === String(inode)) return Number(f[12]);
    }
  }
  return undefined;
}

const SIZE = 256;

async function overload(receiverKind) {
  const sink = bsdsock.socket(AF_INET, SOCK_DGRAM);
  bsdsock.setsockopt(sink, SOL_SOCKET, SO_RCVBUF, 16 * 1024); // the kernel doubles it
  bsdsock.bind(sink, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
  const address = bsdsock.getsockname(sink);
  const inode = fs.fstatSync(sink).ino;
  const rxqOvfl = receiverKind === 'recvmsg' && bsdsock.SO_RXQ_OVFL !== undefined;
  if (rxqOvfl) bsdsock.setsockopt(sink, SOL_SOCKET, bsdsock.SO_RXQ_OVFL, true);
  const result = { receiver: receiverKind, sent: 0, refused: 0, received: 0, dropped: null, rxqOvfl: null, marker: false, seconds: 0 };
  const start = process.hrtime.bigint();
  const { worker, next } = startWorker({ mode: 'blast', count: COUNT, target: address, size: SIZE });
  let done = false;
  const finished = next().then((m) => {
    done = true;
    return m;
  });
  const count = (bytes, data, dropped) => {
    if (data.readUInt32BE(0) === 0xffffffff) {
      result.marker = true;
      if (dropped !== undefined) result.rxqOvfl = dropped;
    } else if (bytes === SIZE) result.received++;
  };
  if (receiverKind === 'Socket') {
    // The library's async path: a Socket adopting the descriptor, one receive at a time.
    const socket = Socket.from(sink);
    const buf = Buffer.alloc(SIZE);
    for (;;) {
      try {
        const r = await socket.recvfrom(buf, { timeout: 300 });
        count(r.bytes, buf);
      } catch (err) {
        if (err.code !== 'ETIMEDOUT') throw err;
        if (done) break;
      }
    }
    Object.assign(result, await finished);
    result.dropped = procDrops(address.port, inode) ?? null;
    socket.close();
  } else {
    // The flat recvmsg, which gives the SO_RXQ_OVFL count of each datagram.
    bsdsock.setsockopt(sink, SOL_SOCKET, bsdsock.SO_RCVTIMEO, 300);
    const buf = Buffer.alloc(SIZE);
    for (;;) {
      try {
        const r = bsdsock.recvmsg(sink, [buf], 0);
        const d = r.control.find((c) => c.kind === 'dropped');
        count(r.bytes, buf, d ? d.count : rxqOvfl ? 0 : undefined);
      } catch (err) {
        if (err.code !== 'EAGAIN') throw err;
        if (done) break;
        await new Promise((resolve) => setImmediate(resolve)); // let the worker's message in
      }
    }
    Object.assign(result, await finished);
    result.dropped = procDrops(address.port, inode) ?? null;
    bsdsock.close(sink);
  }
  await worker.terminate();
  result.seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const total = result.sent + 1; // and the marker
  const got = result.received + (result.marker ? 1 : 0);
  if (result.dropped !== null) {
    check(total === got + result.dropped, `overload (${receiverKind}): sent ${total} != received ${got} + dropped ${result.dropped}`);
    check(result.dropped > 0, `overload (${receiverKind}): nothing was dropped, so this was no overload`);
  }
  if (result.rxqOvfl !== null && result.marker) {
    check(total === got + result.rxqOvfl, `overload (${receiverKind}): sent ${total} != received ${got} + SO_RXQ_OVFL ${result.rxqOvfl}`);
  }
  return result;
}

// ------------------------------------------------------------------------------------------

async function main() {
  process.stderr.write(`soak: ${COUNT} datagrams echoed, then ${COUNT} blasted (addon ${JSON.stringify(bsdsock.buildInfo)})\n`);
  report.echo = await echo();
  process.stderr.write(`  echo: ${JSON.stringify(report.echo)}\n`);
  report.overload.push(await overload('Socket'));
  process.stderr.write(`  overload: ${JSON.stringify(report.overload[0])}\n`);
  if (typeof bsdsock.recvmsg === 'function') {
    report.overload.push(await overload('recvmsg'));
    process.stderr.write(`  overload: ${JSON.stringify(report.overload[1])}\n`);
  }
  clearInterval(sampler);
  rss.max = Math.max(rss.max, process.memoryUsage().rss);
  if (rss.warm === 0) rss.warm = rss.max;
  report.rss = { warmMiB: +(rss.warm / 2 ** 20).toFixed(1), maxMiB: +(rss.max / 2 ** 20).toFixed(1) };
  report.rss.enforced = !SANITIZED;
  if (!SANITIZED) check(rss.max - rss.warm < RSS_LIMIT, `RSS grew by ${((rss.max - rss.warm) / 2 ** 20).toFixed(1)} MiB after warm-up`);
  report.ok = failures.length === 0;
  report.failures = failures;
  if (option('--json')) fs.writeFileSync(option('--json'), `${JSON.stringify(report, null, 2)}\n`);
  for (const f of failures) process.stderr.write(`FAILED: ${f}\n`);
  console.log(JSON.stringify(report));
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
