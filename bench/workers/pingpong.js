'use strict';
// A ping-pong client against the C echo server (bench/c/pingpong_server.c): one SIZE-byte
// datagram out, wait for its echo, COUNT timed round trips after WARMUP untimed ones, as
// bench/c/pingpong_client.c does. Each round trip is timed from just before the send to the
// moment the echo is in the caller's hands.
// Usage: node pingpong.js MODE PORT COUNT [WARMUP] [SIZE]
//   MODE flat:   sendto(fd, buf, 0, sockaddr(...)), then a blocking recvfrom(fd, buf)
//        socket: await socket.sendto(buf, peer), then await socket.recvfrom(buf)
//        dgram:  node:dgram socket.send(buf, port, '127.0.0.1'), the echo from 'message'
const dgram = require('node:dgram');
const { performance } = require('node:perf_hooks');
const { AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_RCVTIMEO, Socket, recvfrom, sendto, setsockopt, sockaddr, socket } = require('bsdsock');
const { rank } = require('./stats');

const [mode, portArg, countArg, warmupArg, sizeArg] = process.argv.slice(2);
const port = Number(portArg);
const count = Number(countArg);
const warmup = Number(warmupArg ?? 1000);
const size = Number(sizeArg ?? 64);
const out = Buffer.alloc(size, 'p');
const input = Buffer.alloc(2048);
const peer = sockaddr({ family: 'AF_INET', address: '127.0.0.1', port });
const rtt = new Float64Array(count);
let n = 0;
let lost = 0;
const deadline = performance.now() + 60000;

function report(extra = {}) {
  const sorted = Array.from(rtt.subarray(0, n)).sort((a, b) => a - b);
  let sum = 0;
  for (const v of sorted) sum += v;
  process.stdout.write(
    `${JSON.stringify({ count: n, lost, medianNs: Math.round(rank(sorted, 0.5)), p99Ns: Math.round(rank(sorted, 0.99)), meanNs: Math.round(sum / (n || 1)), ...extra })}\n`,
  );
}

if (mode === 'flat') {
  const fd = socket(AF_INET, SOCK_DGRAM);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, 1000);
  for (let i = 0; i < warmup + count && performance.now() < deadline; i++) {
    const t0 = performance.now();
    sendto(fd, out, 0, peer);
    try {
      recvfrom(fd, input);
    } catch {
      lost++;
      continue;
    }
    const t1 = performance.now();
    if (i >= warmup) rtt[n++] = (t1 - t0) * 1e6;
  }
  report();
} else if (mode === 'socket') {
  (async () => {
    const s = new Socket(AF_INET, SOCK_DGRAM);
    // No per-receive timeout (a timer per round trip would be the benchmark's cost, not the
    // library's): a lost echo stalls the loop, and the watchdog ends the run.
    let progress = 0;
    let seen = -1;
    const watchdog = setInterval(() => {
      if (progress === seen) s.close();
      seen = progress;
    }, 2000);
    try {
      for (let i = 0; i < warmup + count && performance.now() < deadline; i++) {
        const t0 = performance.now();
        await s.sendto(out, peer);
        await s.recvfrom(input);
        const t1 = performance.now();
        progress++;
        if (i >= warmup) rtt[n++] = (t1 - t0) * 1e6;
      }
    } catch {
      lost++; // closed by the watchdog
    }
    clearInterval(watchdog);
    const { wakeups, receiveSyscalls, jsCalls } = s.stats();
    s.close();
    report({ native: { wakeups, receiveSyscalls, jsCalls } });
  })();
} else if (mode === 'dgram') {
  const s = dgram.createSocket('udp4');
  let i = 0;
  let t0 = 0;
  let progress = 0;
  const next = () => {
    if (i >= warmup + count || performance.now() >= deadline) {
      clearInterval(watchdog);
      s.close();
      report();
      return;
    }
    t0 = performance.now();
    s.send(out, port, '127.0.0.1');
  };
  s.on('message', () => {
    const t1 = performance.now();
    if (i >= warmup) rtt[n++] = (t1 - t0) * 1e6;
    i++;
    next();
  });
  // A lost datagram or echo: count it and go on (the C client's SO_RCVTIMEO of 1 s).
  let seen = -1;
  const watchdog = setInterval(() => {
    if (i === seen) {
      lost++;
      i++;
      next();
    }
    seen = i;
    progress++;
  }, 1000);
  next();
} else {
  throw new Error(`unknown mode ${mode}`);
}
