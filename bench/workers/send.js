'use strict';
// Send throughput of the flat API, the same timed loop as bench/c/send_loop_common.h:
// WARMUP_MS untimed (the JIT settles), then MS timed, the clock read once per 256 calls.
// Usage: node send.js MODE PORT SIZE MS WARMUP_MS [BATCH]
//   MODE sendto:      sendto(fd, buf, 0, sockaddr(...)) on an unconnected socket
//        sendto-plain: sendto(fd, buf, 0, { family, address, port }): a plain object, as users write it
//        send:        send(fd, buf) on a connected socket
//        sendmmsg:    sendmmsg(fd, messages) of BATCH datagrams on a connected socket
//        sendmmsg-to: sendmmsg(fd, messages) of BATCH datagrams, each with a sockaddr() address
//        sendmmsg-prepared, sendmmsg-to-prepared: the same, through prepareBatch(messages) once
//        binding-sendto, binding-send: bsdsock's own native calls without lib/flat.ts around
//                     them (its checks, trace test and error check): what the JavaScript layer costs
//        lean-sendto, lean-send, lean-sendmmsg, lean-prepared, lean-noop: the same calls through bench/lean/lean.c, a minimal
//                     Node-API addon (bench/profile.js lean): the floor of one crossing
const { performance } = require('node:perf_hooks');
const { AF_INET, SOCK_DGRAM, connect, prepareBatch, send, sendmmsg, sendto, sockaddr, socket } = require('bsdsock');

const [mode, portArg, sizeArg, msArg, warmupArg, batchArg] = process.argv.slice(2);
const port = Number(portArg);
const size = Number(sizeArg ?? 64);
const ms = Number(msArg ?? 1000);
const warmupMs = Number(warmupArg ?? 300);
const batch = Number(batchArg ?? 64);
const CHECK = 256;
const MAX_SENT = 100e6; // bounded in count as well as in time, as the C loops

const fd = socket(AF_INET, SOCK_DGRAM);
const peer = sockaddr({ family: 'AF_INET', address: '127.0.0.1', port });
const buf = Buffer.alloc(size, 'x');
let errors = 0;

let unit;
if (mode === 'sendto') {
  unit = () => sendto(fd, buf, 0, peer) >= 0 ? 1 : 0;
} else if (mode === 'sendto-plain') {
  const plain = { family: 'AF_INET', address: '127.0.0.1', port };
  unit = () => sendto(fd, buf, 0, plain) >= 0 ? 1 : 0;
} else if (mode === 'send') {
  connect(fd, peer);
  unit = () => send(fd, buf) >= 0 ? 1 : 0;
} else if (/^sendmmsg(-to)?(-prepared)?$/.test(mode)) {
  const connected = !mode.startsWith('sendmmsg-to');
  if (connected) connect(fd, peer);
  const messages = [];
  for (let i = 0; i < batch; i++) {
    messages.push(connected ? { buf: Buffer.alloc(size, 'x') } : { buf: Buffer.alloc(size, 'x'), address: peer });
  }
  const what = mode.endsWith('-prepared') ? prepareBatch(messages) : messages;
  unit = () => sendmmsg(fd, what);
} else if (mode === 'binding-sendto') {
  const { binding } = require('../../dist/native');
  unit = () => binding.sendto(fd, buf, 0, peer.bytes) >= 0 ? 1 : 0;
} else if (mode === 'binding-send') {
  const { binding } = require('../../dist/native');
  connect(fd, peer);
  unit = () => binding.send(fd, buf, 0) >= 0 ? 1 : 0;
} else if (mode.startsWith('lean-')) {
  const lean = require('../build/lean.node');
  if (mode === 'lean-sendto') unit = () => lean.sendto(fd, buf, peer.bytes) >= 0 ? 1 : 0;
  else if (mode === 'lean-send') {
    connect(fd, peer);
    unit = () => lean.send(fd, buf) >= 0 ? 1 : 0;
  } else if (mode === 'lean-sendmmsg') {
    connect(fd, peer);
    const buffers = Array.from({ length: batch }, () => Buffer.alloc(size, 'x'));
    unit = () => Math.max(0, lean.sendmmsg(fd, buffers));
  } else if (mode === 'lean-prepared') {
    connect(fd, peer);
    const buffers = Array.from({ length: batch }, () => Buffer.alloc(size, 'x'));
    lean.prepare(buffers);
    unit = () => Math.max(0, lean.sendPrepared(fd));
  } else unit = () => lean.noop(fd) >= 0 ? 1 : 0;
} else {
  throw new Error(`unknown mode ${mode}`);
}

function step() {
  let n = 0;
  for (let i = 0; i < CHECK; i++) {
    try {
      n += unit();
    } catch {
      errors++;
    }
  }
  return n;
}

if (!(ms > 0 && ms <= 60000 && warmupMs >= 0 && warmupMs <= 60000)) throw new RangeError('MS and WARMUP_MS must be 0..60000');
let end = performance.now() + warmupMs;
let warm = 0;
while (performance.now() < end && warm < MAX_SENT) warm += step();

let sent = 0;
const start = performance.now();
const cpu0 = process.cpuUsage();
end = start + ms;
let t = start;
while (t < end && sent < MAX_SENT) {
  sent += step();
  t = performance.now();
}
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ sent, ns: Math.round((t - start) * 1e6), cpuNs: (cpu.user + cpu.system) * 1000, errors })}\n`);
