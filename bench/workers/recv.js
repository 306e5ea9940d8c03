'use strict';
// A node receiver under a C flood (bench/c/flood.c): the same measurement window as the C
// receivers (bench/c/recv_common.h). The window opens when WARMUP datagrams have arrived and
// closes when EXPECTED have, or when none arrived for IDLE_MS; CPU is process.cpuUsage()
// (user+sys of the whole process, all threads), RSS is sampled every 100 ms.
// Usage: node recv.js MODE EXPECTED WARMUP [IDLE_MS] [RCVBUF] [PENDING]
//   MODE socket:      bsdsock Socket, PENDING (64) receives pending at once, each recvfrom(buf)
//                     into its own 2048-byte buffer (the zero-allocation path)
//        socket-iter: bsdsock Socket, `for await (const d of socket)` (a Buffer per datagram)
//        socket-batch: bsdsock Socket, `await socket.recvmmsg(buffers)` in a loop, PENDING (64)
//                     buffers of 2048 bytes (one promise and one recvmmsg per wake-up)
//        socket-ring: bsdsock Socket, `for await (const batch of socket.batches({ count: PENDING,
//                     size: 2048 }))`: a ring registered once, one batch per wake-up
//        socket-gro:  bsdsock Socket with setGro(true), `await socket.recvmmsg(buffers)` in a loop
//                     (each datagram of a coalesced receive a result of its own)
//        socket-gro-iter: bsdsock Socket with setGro(true), `for await (const d of socket)`
//        socket-gro-ring: bsdsock Socket with setGro(true), socket.batches() as socket-ring
//        flat-gro:    the flat recvmsg with UDP_GRO on, blocking (SO_RCVTIMEO = IDLE_MS), one
//                     64 KiB buffer; the datagrams counted from { kind: 'gro', segmentSize }
//        dgram:       node:dgram, socket.on('message')
//        udx:         udx-native (a peer, issue 19), socket.on('message'); skipped by the runner
//                     when the package is not installed
//        bun:         Bun.udpSocket({ socket: { data } }) (a peer, issue 19): run with `bun`, not
//                     node; no SO_RCVBUF there, so RCVBUF is the system default
// Prints "READY <port>", then one JSON line.
const dgram = require('node:dgram');

const [mode, expectedArg, warmupArg, idleArg, rcvbufArg, pendingArg] = process.argv.slice(2);
// Not loaded for the peers (Bun runs this file too, and would load the addon for nothing).
const b = mode === 'udx' || mode === 'bun' ? {} : require('bsdsock');
const { AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_RCVBUF, Socket } = b;

const expected = Number(expectedArg);
const warmup = Number(warmupArg);
const idleMs = Number(idleArg ?? 300);
const rcvbuf = Number(rcvbufArg ?? 4 << 20);
const pending = Number(pendingArg ?? 64);

let received = 0;
let atOpen = 0;
let open = false;
let cpu0;
let t0 = 0n;
let rss0 = 0;
let rssMax = 0;
let heap0 = 0;
let mem0;
let finished = false;
let close = () => {};
let statsOf = () => undefined;
let stats0;
// RSS every tenth of the run (after the warm-up): a leak grows steadily, an allocator settles.
const traceEvery = Math.max(1, Math.round((expected - warmup) / 10));
const rssTrace = [];

// With --expose-gc (the memory run): the V8 heap after a full collection at the end (taken after
// the last RSS reading) tells retained memory from garbage not yet collected. Not at the start:
// a forced collection there changes how V8 sizes its young generation, hence the RSS measured.
const liveHeap = () => {
  if (typeof global.gc !== 'function') return 0;
  global.gc();
  return process.memoryUsage().heapUsed;
};

function opened() {
  open = true;
  atOpen = received;
  const m = process.memoryUsage();
  rss0 = m.rss;
  rssMax = m.rss;
  heap0 = m.heapUsed;
  mem0 = m;
  cpu0 = process.cpuUsage();
  t0 = process.hrtime.bigint();
  stats0 = statsOf();
}

// Called once per datagram by every mode: kept tiny so that it weighs the same everywhere.
function count() {
  received++;
  if (!open && received >= warmup) opened();
  else if (open && (received - atOpen) % traceEvery === 0) rssTrace.push(process.memoryUsage.rss());
  if (received >= expected) finish();
}

function finish() {
  if (finished) return;
  finished = true;
  const cpu = open ? process.cpuUsage(cpu0) : { user: 0, system: 0 };
  const ns = open ? Number(process.hrtime.bigint() - t0) : 0;
  const m = process.memoryUsage();
  const heapLive1 = liveHeap();
  const s1 = statsOf();
  const native = s1 && stats0 ? { wakeups: s1.wakeups - stats0.wakeups, jsCalls: s1.jsCalls - stats0.jsCalls, receiveSyscalls: s1.receiveSyscalls - stats0.receiveSyscalls } : undefined;
  clearInterval(ticker);
  close();
  process.stdout.write(
    `${JSON.stringify({
      received,
      measured: open ? received - atOpen : 0,
      cpuNs: (cpu.user + cpu.system) * 1000,
      ns,
      rss0,
      rss1: m.rss,
      rssMax: Math.max(rssMax, m.rss),
      heap0,
      heap1: m.heapUsed,
      // Where RSS growth sits: V8's reserved heap (heapTotal), memory outside it.
      heapTotal0: mem0?.heapTotal ?? 0,
      heapTotal1: m.heapTotal,
      external0: mem0?.external ?? 0,
      external1: m.external,
      heapLive1,
      rssAfterGc: process.memoryUsage.rss(),
      rssTrace,
      native,
    })}\n`,
  );
}

let last = -1;
let idleSince = Date.now();
const ticker = setInterval(() => {
  if (open) rssMax = Math.max(rssMax, process.memoryUsage.rss());
  if (received !== last) {
    last = received;
    idleSince = Date.now();
  } else if (received > 0 && Date.now() - idleSince >= idleMs) {
    finish();
  }
}, 50);
// Bounded in time whatever happens: two minutes, or longer for a long run (at least 50 k/s).
setTimeout(finish, Math.max(120000, expected / 50)).unref();

function ready(port) {
  process.stdout.write(`READY ${port}\n`);
}

if (mode === 'socket' || mode === 'socket-iter' || mode === 'socket-batch' || mode === 'socket-ring' || mode === 'socket-gro' || mode === 'socket-gro-iter' || mode === 'socket-gro-ring') {
  const socket = new Socket(AF_INET, SOCK_DGRAM);
  socket.setsockopt(SOL_SOCKET, SO_RCVBUF, rcvbuf);
  socket.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
  if (mode.startsWith('socket-gro')) socket.setGro(true);
  close = () => socket.close();
  statsOf = () => socket.stats();
  if (mode === 'socket') {
    const loop = async (buf) => {
      while (!finished) {
        try {
          await socket.recvfrom(buf);
        } catch (err) {
          if (finished) return;
          throw err;
        }
        count();
      }
    };
    for (let i = 0; i < pending; i++) loop(Buffer.alloc(2048));
  } else if (mode === 'socket-batch' || mode === 'socket-gro') {
    const buffers = Array.from({ length: pending }, () => Buffer.alloc(2048));
    (async () => {
      while (!finished) {
        let results;
        try {
          results = await socket.recvmmsg(buffers);
        } catch (err) {
          if (finished) return;
          throw err;
        }
        for (let i = 0; i < results.length; i++) count();
      }
    })();
  } else if (mode === 'socket-ring' || mode === 'socket-gro-ring') {
    (async () => {
      for await (const batch of socket.batches({ count: pending, size: 2048 })) {
        for (let i = 0; i < batch.length; i++) count();
        if (finished) break;
      }
    })();
  } else {
    (async () => {
      for await (const datagram of socket) {
        void datagram;
        count();
        if (finished) break;
      }
    })();
  }
  ready(socket.getsockname().port);
} else if (mode === 'flat-gro') {
  const fd = b.socket(AF_INET, SOCK_DGRAM);
  b.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf);
  b.setsockopt(fd, SOL_SOCKET, b.SO_RCVTIMEO, idleMs);
  b.setsockopt(fd, b.SOL_UDP, b.UDP_GRO, 1);
  b.bind(fd, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
  close = () => b.close(fd);
  ready(b.getsockname(fd).port);
  // Blocking: the timers above do not run, so the idle end is the receive timeout.
  const buf = Buffer.alloc(65536);
  const options = { controlSize: 64 };
  while (!finished) {
    let result;
    try {
      result = b.recvmsg(fd, [buf], 0, options);
    } catch (err) {
      if (err instanceof b.WouldBlockError && received > 0) break;
      if (err instanceof b.WouldBlockError) continue;
      throw err;
    }
    const gro = result.control.length > 0 ? result.control.find((c) => c.kind === 'gro') : undefined;
    const datagrams = gro ? Math.ceil(result.bytes / gro.segmentSize) : 1;
    for (let i = 0; i < datagrams && !finished; i++) count();
  }
  finish();
} else if (mode === 'dgram') {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: rcvbuf });
  close = () => socket.close();
  socket.on('message', count);
  socket.bind(0, '127.0.0.1', () => ready(socket.address().port));
} else if (mode === 'udx') {
  const UDX = require('udx-native');
  const socket = new UDX().createSocket();
  socket.bind(0, '127.0.0.1');
  socket.setRecvBufferSize(rcvbuf);
  close = () => socket.close();
  socket.on('message', count);
  ready(socket.address().port);
} else if (mode === 'bun') {
  /* global Bun */
  Bun.udpSocket({ hostname: '127.0.0.1', port: 0, socket: { data: count } }).then((socket) => {
    close = () => socket.close();
    ready(socket.port);
  });
} else {
  throw new Error(`unknown mode ${mode}`);
}
