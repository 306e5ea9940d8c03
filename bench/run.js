#!/usr/bin/env node
'use strict';
// `npm run bench`: bsdsock against our own C programs (bench/c/, built here with the system
// compiler) and node:dgram, side by side in one run on loopback, as ratios (issue 9).
//
//   node bench/run.js            the full run (several minutes)
//   node bench/run.js --quick    a short run (under 30 s), for a smoke test of the numbers
//   node bench/run.js --json     the results as JSON on stdout (progress goes to stderr)
//   options: --reps=N (repetitions per measurement), --only=send,recv,pingpong,memory,gso,gro,loads,
//            --no-pin (do not pin processes to CPUs with taskset)
//
// Every sender is bounded in count and time and sends only to 127.0.0.1. Each contender runs in
// its own process; repetitions alternate the contenders and the table shows medians of runs.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const { median } = require('./workers/stats');

const ROOT = path.resolve(__dirname, '..');
const BUILD = path.join(__dirname, 'build');
const WORKERS = path.join(__dirname, 'workers');

// --- options -------------------------------------------------------------------------------

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write('usage: node bench/run.js [--quick] [--json] [--reps=N] [--only=send,recv,pingpong,memory,gso,gro,loads] [--no-pin]\n' +
    '       [--memory-count=N] [--memory-modes=socket-ring,...]: the memory group over N datagrams, only these receivers\n');
  process.exit(0);
}
const quick = argv.includes('--quick');
const json = argv.includes('--json');
const option = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const only = new Set((option('only') ?? 'send,recv,pingpong,memory,gso,gro,loads').split(','));

const config = quick
  ? {
      mode: 'quick',
      send: { ms: 200, warmupMs: 150, cWarmupMs: 50, reps: 2, size: 64, batch: 64 },
      recv: { count: 25000, rate: 50000, burst: 32, reps: 1, idleMs: 300 },
      pingpong: { count: 2000, warmup: 300, reps: 2, size: 64 },
      memory: { count: 80000, warmup: 20000, rate: 100000, burst: 64, boundMiB: 16 },
      gso: { ms: 200, warmupMs: 150, cWarmupMs: 50, reps: 2, segments: 40, size: 1200 },
      gro: { count: 200000, rate: 400000, burst: 40, size: 1200, reps: 1, idleMs: 300 },
      loads: { ms: 700, warmup: 30000, gsoBatch: 64, size: 64, reps: 1, idleMs: 300 },
    }
  : {
      mode: 'full',
      send: { ms: 1000, warmupMs: 300, cWarmupMs: 100, reps: 6, size: 64, batch: 64 },
      recv: { count: 80000, rate: 50000, burst: 32, reps: 4, idleMs: 300 },
      pingpong: { count: 10000, warmup: 1000, reps: 4, size: 64 },
      memory: { count: 1000000, warmup: 100000, rate: 100000, burst: 64, boundMiB: 16 },
      gso: { ms: 1000, warmupMs: 300, cWarmupMs: 100, reps: 4, segments: 40, size: 1200 },
      gro: { count: 1000000, rate: 400000, burst: 40, size: 1200, reps: 3, idleMs: 300 },
      loads: { ms: 2000, warmup: 100000, gsoBatch: 64, size: 64, reps: 3, idleMs: 300 },
    };
if (option('reps')) for (const group of ['send', 'recv', 'pingpong', 'gso', 'gro', 'loads']) config[group].reps = Number(option('reps'));
// The issue's ten million: `--memory-count=10000000` (a tenth of it is the warm-up).
if (option('memory-count')) Object.assign(config.memory, { count: Number(option('memory-count')), warmup: Math.round(Number(option('memory-count')) / 10) });
const MEMORY_MODES = ['socket', 'socket-iter', 'socket-batch', 'socket-ring', 'socket-gro', 'socket-gro-iter', 'socket-gro-ring'];
const memoryModes = option('memory-modes')?.split(',') ?? MEMORY_MODES;
for (const mode of memoryModes) if (!MEMORY_MODES.includes(mode)) throw new Error(`--memory-modes: ${mode} is none of ${MEMORY_MODES.join(', ')}`);

const log = (line) => process.stderr.write(`${line}\n`);

// On a small shared machine the CPUs are not alike from one second to the next, and where the
// scheduler puts a process changes its numbers. So every process is pinned (taskset): the
// contenders of one repetition all run on the same CPU, repetitions alternate the CPUs, a flood
// sender runs on the other CPU than its receiver, and a ping-pong client on the same CPU as the
// echo server (see pingpongGroup).
const NPROC = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
const PIN = process.platform === 'linux' && NPROC >= 2 && !argv.includes('--no-pin') && spawnSync('taskset', ['-V']).status === 0;
const cpuOf = (n) => (PIN ? ((n % NPROC) + NPROC) % NPROC : undefined);

// --- the C programs ------------------------------------------------------------------------

function buildC() {
  fs.mkdirSync(BUILD, { recursive: true });
  const cdir = path.join(__dirname, 'c');
  const headers = fs.readdirSync(cdir).filter((f) => f.endsWith('.h')).map((f) => path.join(cdir, f));
  const newestHeader = Math.max(...headers.map((h) => fs.statSync(h).mtimeMs));
  const cc = process.env.CC || 'cc';
  for (const file of fs.readdirSync(cdir).filter((f) => f.endsWith('.c'))) {
    const src = path.join(cdir, file);
    const out = path.join(BUILD, path.basename(file, '.c'));
    const stale = !fs.existsSync(out) || fs.statSync(out).mtimeMs < Math.max(fs.statSync(src).mtimeMs, newestHeader);
    if (!stale) continue;
    const r = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-o', out, src], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cc} ${file} failed:\n${r.stderr || r.error}`);
    if (r.stderr) log(r.stderr.trim());
  }
  return spawnSync(cc, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
}

const bin = (name) => path.join(BUILD, name);

// --- the addon -----------------------------------------------------------------------------

// Other work rebuilds build/Release/bsdsock.node while we run (and sometimes builds a portable
// variant there, under /tmp/bsdsock-build.lock). Copy it once, under that lock, and make every
// process of this run load the copy: all numbers then come from one and the same build.
function snapshotAddon() {
  if (process.env.BSDSOCK_ADDON) return path.resolve(process.env.BSDSOCK_ADDON);
  const src = path.join(ROOT, 'build', 'Release', 'bsdsock.node');
  const dst = path.join(BUILD, 'bsdsock.node');
  const lock = '/tmp/bsdsock-build.lock';
  const tmp = `${dst}.${process.pid}`;
  const hasFlock = process.platform === 'linux' && spawnSync('flock', ['-V']).status === 0;
  const r = hasFlock
    ? spawnSync('flock', ['-s', '-w', '300', lock, 'cp', src, tmp], { encoding: 'utf8' })
    : spawnSync('cp', [src, tmp], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot copy the addon ${src} (build it with 'npm run build'): ${r.stderr}`);
  fs.renameSync(tmp, dst);
  return dst;
}

// --- processes -----------------------------------------------------------------------------

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) child.kill('SIGKILL');
    process.exit(130);
  });
}

/**
 * Runs a program; resolves to its last JSON line. `onReady(port)` is awaited when it prints
 * "READY <port>". Every child has a hard time limit.
 */
function run(cmd, args, { onReady, onSpawn, cpu, timeoutMs = 90000 } = {}) {
  return new Promise((resolve, reject) => {
    const child =
      cpu === undefined
        ? spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env })
        : spawn('taskset', ['-c', String(cpu), cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    children.add(child);
    onSpawn?.(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let stderr = '';
    let result;
    let readyWork = Promise.resolve();
    child.stderr.on('data', (d) => (stderr += d));
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) {
        readyWork = Promise.resolve(onReady?.(Number(line.slice(6)))).catch((err) => {
          child.kill('SIGKILL');
          throw err;
        });
        readyWork.catch(() => {}); // awaited (and rethrown) when the child has exited
      } else if (line.startsWith('{')) {
        result = JSON.parse(line);
      }
    });
    child.on('close', async (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      try {
        const ready = await readyWork;
        if (code !== 0 || result === undefined) {
          reject(new Error(`${path.basename(cmd)} ${args.join(' ')}: exit ${code ?? signal}\n${stderr}`));
        } else {
          resolve(Object.assign(result, ready === undefined ? {} : { peer: ready }));
        }
      } catch (err) {
        reject(err);
      }
    });
  });
}

const node = (script, args, opts = {}) => run(process.execPath, [...(opts.nodeFlags ?? []), path.join(WORKERS, script), ...args.map(String)], opts);
const c = (name, args, opts) => run(bin(name), args.map(String), opts);

/** Repetitions that alternate the contenders, forwards then backwards, so drift hits all alike. */
async function alternate(contenders, reps, measure) {
  const results = Object.fromEntries(contenders.map((k) => [k.id, []]));
  for (let rep = 0; rep < reps; rep++) {
    const order = rep % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) {
      const value = await measure(contender, rep);
      results[contender.id].push(value);
    }
  }
  return results;
}

// --- measurements --------------------------------------------------------------------------

const fmtRate = (v) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)} M/s` : `${(v / 1e3).toFixed(0)} k/s`);
const fmtUs = (ns) => `${(ns / 1000).toFixed(2)} µs`;

async function sendGroup(sink) {
  const { ms, warmupMs, cWarmupMs, reps, size, batch } = config.send;
  const contenders = [
    { id: 'c.sendto', label: 'C sendto() loop', run: (o) => c('sendto_loop', [sink, size, ms, cWarmupMs], o) },
    { id: 'bsdsock.sendto', label: 'bsdsock flat sendto(fd, buf, 0, sockaddr(...))', run: (o) => node('send.js', ['sendto', sink, size, ms, warmupMs], o) },
    { id: 'bsdsock.sendto-plain', label: 'bsdsock flat sendto(fd, buf, 0, { family, address, port })', run: (o) => node('send.js', ['sendto-plain', sink, size, ms, warmupMs], o) },
    { id: 'c.send', label: 'C send() loop, connected', run: (o) => c('send_loop', [sink, size, ms, cWarmupMs], o) },
    { id: 'bsdsock.send', label: 'bsdsock flat send(fd, buf), connected', run: (o) => node('send.js', ['send', sink, size, ms, warmupMs], o) },
    { id: 'c.sendmmsg', label: `C sendmmsg() ×${batch}, connected`, run: (o) => c('sendmmsg_loop', [sink, size, ms, cWarmupMs, batch, 'connected'], o) },
    { id: 'bsdsock.sendmmsg', label: `bsdsock flat sendmmsg(fd, ${batch} messages), connected`, run: (o) => node('send.js', ['sendmmsg', sink, size, ms, warmupMs, batch], o) },
    { id: 'c.sendmmsg-to', label: `C sendmmsg() ×${batch}, address in each`, run: (o) => c('sendmmsg_loop', [sink, size, ms, cWarmupMs, batch, 'to'], o) },
    { id: 'bsdsock.sendmmsg-to', label: `bsdsock flat sendmmsg(fd, ${batch} messages with sockaddr())`, run: (o) => node('send.js', ['sendmmsg-to', sink, size, ms, warmupMs, batch], o) },
    { id: 'bsdsock.sendmmsg-prepared', label: `bsdsock flat sendmmsg(fd, prepareBatch(${batch} messages)), connected`, run: (o) => node('send.js', ['sendmmsg-prepared', sink, size, ms, warmupMs, batch], o) },
    { id: 'bsdsock.sendmmsg-to-prepared', label: `bsdsock flat sendmmsg(fd, prepareBatch(${batch} messages with sockaddr()))`, run: (o) => node('send.js', ['sendmmsg-to-prepared', sink, size, ms, warmupMs, batch], o) },
  ];
  const raw = await alternate(contenders, reps, async (k, rep) => {
    const r = await k.run({ cpu: cpuOf(rep) });
    // Datagrams per second of the sender's own CPU time (user+sys): on a shared machine the
    // wall clock also counts the time other processes had the CPU. Both are kept.
    const rate = (r.sent / r.cpuNs) * 1e9;
    const wallRate = (r.sent / r.ns) * 1e9;
    log(`  send  ${k.id.padEnd(22)} run ${rep + 1}/${reps}: ${fmtRate(rate)} of CPU time (${fmtRate(wallRate)} of wall time)${r.errors ? ` (${r.errors} errors)` : ''}`);
    return { rate, wallRate, ...r };
  });
  return { contenders, raw };
}

// GSO send (issue 19): datagrams of 1200 bytes, 40 per call, to the sink.
async function gsoGroup(sink) {
  const { ms, warmupMs, cWarmupMs, reps, segments, size } = config.gso;
  const contenders = [
    { id: 'c.gso', label: `C sendmsg() with UDP_SEGMENT, ${segments} × ${size} B`, run: (o) => c('gso_send', [sink, ms, cWarmupMs, segments, size, 'gso'], o) },
    { id: 'c.sendmmsg', label: `C sendmmsg() of ${segments} × ${size} B`, run: (o) => c('gso_send', [sink, ms, cWarmupMs, segments, size, 'mmsg'], o) },
    { id: 'bsdsock.flat', label: `bsdsock flat sendmsg(fd, [buf], 0, { control: [{ kind: 'segment', size: ${size} }] })`, run: (o) => node('gso.js', ['flat', sink, ms, warmupMs, segments, size], o) },
    { id: 'bsdsock.socket', label: `bsdsock await socket.sendmsg([buf], { segmentSize: ${size} })`, run: (o) => node('gso.js', ['socket', sink, ms, warmupMs, segments, size], o) },
  ];
  const raw = await alternate(contenders, reps, async (k, rep) => {
    const r = await k.run({ cpu: cpuOf(rep) });
    const rate = (r.sent / r.cpuNs) * 1e9;
    log(`  gso   ${k.id.padEnd(22)} run ${rep + 1}/${reps}: ${fmtRate(rate)} datagrams per CPU-second${r.errors ? ` (${r.errors} errors)` : ''}`);
    return { rate, ...r };
  });
  return { contenders, raw };
}

// GRO receive (issue 19): a paced GSO flood of 1200-byte datagrams, 40 per sendmsg.
async function groGroup() {
  const { count, rate, burst, size, reps, idleMs } = config.gro;
  const warmup = Math.round(count / 10);
  const rcvbuf = 4 << 20;
  const options = (rep) => ({
    cpu: cpuOf(rep + 1),
    onReady: (port) => c('flood', [port, count, rate, burst, Math.ceil((count / rate) * 1000) + 10000, size, 'gso'], { cpu: cpuOf(rep) }),
  });
  const contenders = [
    { id: 'c.gro', label: 'C blocking recvmsg() with UDP_GRO, 64 KiB', run: (o) => c('gro_recv', [count, warmup, idleMs, rcvbuf], o) },
    { id: 'c.recvmmsg', label: 'C blocking recvmmsg() ×64 of 2048 B, no GRO', run: (o) => c('recvmmsg_recv', [count, warmup, idleMs, rcvbuf, 2048, 64], o) },
    { id: 'bsdsock.flat-gro', label: 'bsdsock flat recvmsg() with UDP_GRO (blocking), counted from segmentSize', run: (o) => node('recv.js', ['flat-gro', count, warmup, idleMs, rcvbuf], o) },
    { id: 'bsdsock.socket-gro', label: 'bsdsock Socket, setGro(true), await recvmmsg(64 buffers) in a loop', run: (o) => node('recv.js', ['socket-gro', count, warmup, idleMs, rcvbuf, 64], o) },
    { id: 'bsdsock.socket-gro-iter', label: 'bsdsock Socket, setGro(true), for await (const d of socket)', run: (o) => node('recv.js', ['socket-gro-iter', count, warmup, idleMs, rcvbuf], o) },
    { id: 'bsdsock.socket-gro-ring', label: 'bsdsock Socket, setGro(true), for await (const batch of socket.batches())', run: (o) => node('recv.js', ['socket-gro-ring', count, warmup, idleMs, rcvbuf, 64], o) },
    { id: 'bsdsock.socket-batch', label: 'bsdsock Socket, no GRO, await recvmmsg(64 buffers) in a loop', run: (o) => node('recv.js', ['socket-batch', count, warmup, idleMs, rcvbuf, 64], o) },
  ];
  const raw = await alternate(contenders, reps, async (k, rep) => {
    const r = await k.run(options(rep));
    const perDatagram = r.measured > 0 ? r.cpuNs / r.measured : NaN;
    const lost = count - r.received;
    log(`  gro   ${k.id.padEnd(22)} run ${rep + 1}/${reps}: ${fmtUs(perDatagram)} CPU/datagram, ${lost} lost`);
    return { perDatagram, lost, ...r };
  });
  return { contenders, raw };
}

// The two loads of issue 19 (64-byte datagrams), receivers side by side under each, CPU of the
// receiving process per datagram as in (4). Both senders are bounded in time, not in count, and
// the receivers end when nothing arrived for IDLE_MS:
//  - saturating: bench/c/flood.c unpaced, one sendmsg of 64 datagrams with UDP_SEGMENT per call,
//    more than any receiver keeps up with (the rest is dropped): the cost of the receive path;
//  - wake-dominated: bench/c/send_loop.c, one send() per datagram as fast as it goes (about 290k/s
//    here), a few datagrams per wake-up: the cost of waking up.
// The peers (udx-native, Bun.udpSocket) are rows when they are present.
function peerReceivers(count, warmup, idleMs, rcvbuf) {
  const peers = [];
  const skipped = [];
  let udx;
  try {
    udx = require('udx-native/package.json').version;
  } catch {
    skipped.push({ id: 'udx', why: 'udx-native is not installed (a devDependency: npm install)' });
  }
  if (udx) peers.push({ id: 'udx', label: `udx-native ${udx}, socket.on('message')`, run: (o) => node('recv.js', ['udx', count, warmup, idleMs, rcvbuf], o) });
  const bun = spawnSync('bun', ['--version'], { encoding: 'utf8' });
  if (bun.status === 0) {
    peers.push({ id: 'bun', label: `Bun ${bun.stdout.trim()} Bun.udpSocket({ socket: { data } })`, run: (o) => run('bun', [path.join(WORKERS, 'recv.js'), 'bun', count, warmup, idleMs, rcvbuf].map(String), o) });
  } else {
    skipped.push({ id: 'bun', why: 'no `bun` binary on PATH' });
  }
  return { peers, skipped };
}

async function loadsGroup(load) {
  const { ms, warmup, gsoBatch, size, reps, idleMs } = config.loads;
  const count = 100000000; // the receivers end at the sender's end (idle), not at a count
  const rcvbuf = 4 << 20;
  const sender =
    load === 'saturating'
      ? (port, cpu) => c('flood', [port, count, 0, gsoBatch, ms, size, 'gso'], { cpu })
      : (port, cpu) => c('send_loop', [port, size, ms, 0], { cpu });
  const options = (rep) => ({ cpu: cpuOf(rep + 1), onReady: (port) => sender(port, cpuOf(rep)) });
  const { peers, skipped } = peerReceivers(count, warmup, idleMs, rcvbuf);
  const contenders = [
    { id: 'c.recvmmsg', label: 'C blocking recvmmsg() ×64, MSG_WAITFORONE', run: (o) => c('recvmmsg_recv', [count, warmup, idleMs, rcvbuf, 2048, 64], o) },
    { id: 'c.epoll', label: 'C epoll_wait() + recvmmsg() ×64 (the event-loop floor)', run: (o) => c('epoll_recv', [count, warmup, idleMs, rcvbuf, 2048, 64], o) },
    { id: 'dgram', label: "node:dgram, socket.on('message')", run: (o) => node('recv.js', ['dgram', count, warmup, idleMs, rcvbuf], o) },
    { id: 'bsdsock.socket-iter', label: 'bsdsock Socket, for await (const d of socket)', run: (o) => node('recv.js', ['socket-iter', count, warmup, idleMs, rcvbuf], o) },
    { id: 'bsdsock.socket-recvfrom', label: 'bsdsock Socket, await recvfrom(buf) in one loop', run: (o) => node('recv.js', ['socket', count, warmup, idleMs, rcvbuf, 1], o) },
    { id: 'bsdsock.socket-batch', label: 'bsdsock Socket, await recvmmsg(64 buffers) in a loop', run: (o) => node('recv.js', ['socket-batch', count, warmup, idleMs, rcvbuf, 64], o) },
    { id: 'bsdsock.socket-ring', label: 'bsdsock Socket, for await (const batch of socket.batches({ count: 64 }))', run: (o) => node('recv.js', ['socket-ring', count, warmup, idleMs, rcvbuf, 64], o) },
    ...peers,
  ];
  const tag = load === 'saturating' ? 'sat ' : 'wake';
  const raw = await alternate(contenders, reps, async (k, rep) => {
    const r = await k.run(options(rep));
    const perDatagram = r.measured > 0 ? r.cpuNs / r.measured : NaN;
    const wakeups = r.native?.wakeups ?? r.wakeups;
    const extra = wakeups ? `, ${(r.measured / wakeups).toFixed(1)} datagrams/wake-up` : '';
    log(`  ${tag}  ${k.id.padEnd(22)} run ${rep + 1}/${reps}: ${fmtUs(perDatagram)} CPU/datagram, ${r.received} received of ${r.peer?.sent ?? '?'} sent in ${(r.ns / 1e9).toFixed(2)} s${extra}`);
    return { perDatagram, ...r };
  });
  for (const s of skipped) log(`  ${tag}  ${s.id.padEnd(22)} skipped: ${s.why}`);
  return { contenders, raw, skipped };
}

async function recvGroup() {
  const { count, rate, burst, reps, idleMs } = config.recv;
  const warmup = Math.round(count / 10);
  const rcvbuf = 4 << 20;
  // The receiver runs on CPU (rep + 1), the flood on CPU rep: they alternate between runs.
  const options = (rep) => ({ cpu: cpuOf(rep + 1), onReady: (port) => c('flood', [port, count, rate, burst, Math.ceil((count / rate) * 1000) + 10000], { cpu: cpuOf(rep) }) });
  const contenders = [
    { id: 'c.recvfrom', label: 'C blocking recvfrom()', run: (o) => c('recvfrom_recv', [count, warmup, idleMs, rcvbuf], o) },
    { id: 'c.recvmmsg', label: 'C blocking recvmmsg() ×64, MSG_WAITFORONE', run: (o) => c('recvmmsg_recv', [count, warmup, idleMs, rcvbuf, 2048, 64], o) },
    { id: 'bsdsock.socket', label: 'bsdsock Socket, 64 × await recvfrom(buf) pending', run: (o) => node('recv.js', ['socket', count, warmup, idleMs, rcvbuf, 64], o) },
    { id: 'bsdsock.socket-iter', label: 'bsdsock Socket, for await (const d of socket)', run: (o) => node('recv.js', ['socket-iter', count, warmup, idleMs, rcvbuf], o) },
    { id: 'bsdsock.socket-batch', label: 'bsdsock Socket, await recvmmsg(64 buffers) in a loop', run: (o) => node('recv.js', ['socket-batch', count, warmup, idleMs, rcvbuf, 64], o) },
    { id: 'bsdsock.socket-ring', label: 'bsdsock Socket, for await (const batch of socket.batches({ count: 64 }))', run: (o) => node('recv.js', ['socket-ring', count, warmup, idleMs, rcvbuf, 64], o) },
    { id: 'dgram', label: "node:dgram, socket.on('message')", run: (o) => node('recv.js', ['dgram', count, warmup, idleMs, rcvbuf], o) },
  ];
  const raw = await alternate(contenders, reps, async (k, rep) => {
    const r = await k.run(options(rep));
    const perDatagram = r.measured > 0 ? r.cpuNs / r.measured : NaN;
    const lost = count - r.received;
    const extra = r.native ? `, ${(r.measured / r.native.wakeups).toFixed(1)} datagrams/wake-up` : r.syscalls ? `, ${(r.measured / r.syscalls).toFixed(1)} datagrams/syscall` : '';
    log(`  recv  ${k.id.padEnd(22)} run ${rep + 1}/${reps}: ${fmtUs(perDatagram)} CPU/datagram, ${lost} lost${extra}`);
    return { perDatagram, lost, ...r };
  });
  return { contenders, raw };
}

async function pingpongGroup() {
  const { count, warmup, reps, size } = config.pingpong;
  let port;
  let server;
  let serverDone;
  // One echo server for every client. Client and server share one CPU, which alternates between
  // runs (the server is moved with taskset -p): the scheduler's choice of placing them on one
  // CPU or two, and a wake-up of a halted virtual CPU (about 140 µs here instead of 17 when
  // pinned apart), then no longer decide the numbers.
  const serverReady = new Promise((resolve) => {
    serverDone = c('pingpong_server', [10000, 170000], { onSpawn: (child) => (server = child), onReady: (p) => resolve((port = p)), timeoutMs: 180000 });
  });
  await Promise.race([serverReady, serverDone]);
  const contenders = [
    { id: 'c', label: 'C sendto() + blocking recvfrom()', run: (o) => c('pingpong_client', [port, count, warmup, size], o) },
    { id: 'bsdsock.flat', label: 'bsdsock flat sendto() + blocking recvfrom()', run: (o) => node('pingpong.js', ['flat', port, count, warmup, size], o) },
    { id: 'bsdsock.socket', label: 'bsdsock Socket: await sendto(), await recvfrom(buf)', run: (o) => node('pingpong.js', ['socket', port, count, warmup, size], o) },
    { id: 'dgram', label: "node:dgram: send(), 'message'", run: (o) => node('pingpong.js', ['dgram', port, count, warmup, size], o) },
  ];
  const raw = await alternate(contenders, reps, async (k, rep) => {
    if (PIN) spawnSync('taskset', ['-p', '-c', String(cpuOf(rep)), String(server.pid)], { stdio: 'ignore' });
    const r = await k.run({ cpu: cpuOf(rep) });
    log(`  ping  ${k.id.padEnd(22)} run ${rep + 1}/${reps}: median ${fmtUs(r.medianNs)}, p99 ${fmtUs(r.p99Ns)}${r.lost ? `, ${r.lost} lost` : ''}`);
    return r;
  });
  // The server stops on its own after 10 s without a datagram; do not wait for that.
  server.kill('SIGTERM');
  await serverDone.catch(() => {});
  return { contenders, raw };
}

async function memoryGroup() {
  const { count, warmup, rate, burst } = config.memory;
  const sendCount = Math.round(count * 1.2); // room for some loss; the receiver stops at `count`
  const floodMs = (r) => Math.ceil((sendCount / r) * 1000) + 5000;
  const flood = (port) => c('flood', [port, sendCount, rate, burst, floodMs(rate)], { cpu: cpuOf(0), timeoutMs: floodMs(rate) + 10000 });
  // The GRO receivers get GSO sends of 1200-byte datagrams, at the GRO group's rate.
  const gro = config.gro;
  const gsoFlood = (port) => c('flood', [port, sendCount, gro.rate, gro.burst, floodMs(gro.rate), gro.size, 'gso'], { cpu: cpuOf(0), timeoutMs: floodMs(gro.rate) + 10000 });
  const results = {};
  for (const mode of memoryModes) {
    const onReady = mode.startsWith('socket-gro') ? gsoFlood : flood;
    const timeoutMs = Math.max(120000, Math.ceil((sendCount / Math.min(rate, gro.rate)) * 1500));
    const r = await node('recv.js', [mode, count, warmup, 1000, 4 << 20, 64], { cpu: cpuOf(1), onReady, timeoutMs, nodeFlags: ['--expose-gc'] });
    const MiB = 1024 * 1024;
    results[mode] = {
      received: r.received,
      rssStartMiB: r.rss0 / MiB,
      rssEndMiB: r.rss1 / MiB,
      growthMiB: (r.rss1 - r.rss0) / MiB,
      peakGrowthMiB: (r.rssMax - r.rss0) / MiB,
      heapGrowthMiB: (r.heap1 - r.heap0) / MiB,
      liveHeapEndMiB: r.heapLive1 / MiB,
      heapTotalGrowthMiB: (r.heapTotal1 - r.heapTotal0) / MiB,
      // RSS growth (MiB) at each tenth of the run, and over its second half alone: a leak keeps
      // growing there, allocator and heap warm-up does not.
      growthTraceMiB: r.rssTrace.map((v) => Number(((v - r.rss0) / MiB).toFixed(2))),
      secondHalfGrowthMiB: r.rssTrace.length >= 2 ? (r.rssTrace[r.rssTrace.length - 1] - r.rssTrace[Math.floor(r.rssTrace.length / 2) - 1]) / MiB : NaN,
    };
    log(`  mem   ${mode.padEnd(22)} ${r.received} received: RSS ${(r.rss0 / MiB).toFixed(1)} → ${(r.rss1 / MiB).toFixed(1)} MiB (peak +${results[mode].peakGrowthMiB.toFixed(1)} MiB)`);
  }
  return results;
}

// --- the table -----------------------------------------------------------------------------

function summarize(results) {
  const rows = [];
  const med = (group, id, key) => median(results[group].raw[id].map((r) => r[key]));
  // Paired ratios: run i of one against run i of the other (same repetition, same CPU). The
  // ratio shown is their median, "runs" their range.
  const pairs = (group, a, b, key) => {
    const xs = results[group].raw[a];
    const ys = results[group].raw[b];
    return xs.map((x, i) => x[key] / ys[i][key]).filter(Number.isFinite);
  };
  const paired = (group, a, b, key) => median(pairs(group, a, b, key));
  const spread = (group, a, b, key) => {
    const ratios = pairs(group, a, b, key);
    return ratios.length ? [Math.min(...ratios), Math.max(...ratios)] : undefined;
  };
  const row = (id, measure, bsdsock, reference, ratio, range, target, met, note) =>
    rows.push({ id, measure, bsdsock, reference, ratio, range, target, status: met === undefined ? 'info' : met ? 'MET' : 'MISSED', note });

  if (results.send) {
    const rate = (id) => med('send', id, 'rate');
    const r1a = paired('send', 'bsdsock.sendto', 'c.sendto', 'rate');
    row('1a', '64 B datagrams/CPU-s: flat sendto(sockaddr) vs C sendto', fmtRate(rate('bsdsock.sendto')), fmtRate(rate('c.sendto')), r1a, spread('send', 'bsdsock.sendto', 'c.sendto', 'rate'), '≥ 0.95×', r1a >= 0.95);
    const r1p = paired('send', 'bsdsock.sendto-plain', 'c.sendto', 'rate');
    row('1a-plain', '64 B datagrams/CPU-s: flat sendto(plain address object) vs C sendto', fmtRate(rate('bsdsock.sendto-plain')), fmtRate(rate('c.sendto')), r1p, spread('send', 'bsdsock.sendto-plain', 'c.sendto', 'rate'), '≥ 0.8×', r1p >= 0.8);
    const r1b = paired('send', 'bsdsock.send', 'c.send', 'rate');
    row('1b', '64 B datagrams/CPU-s: flat send (connected) vs C send', fmtRate(rate('bsdsock.send')), fmtRate(rate('c.send')), r1b, spread('send', 'bsdsock.send', 'c.send', 'rate'), '≥ 0.95×', r1b >= 0.95);
    const cConn = paired('send', 'c.send', 'c.sendto', 'rate');
    const bConn = paired('send', 'bsdsock.send', 'bsdsock.sendto', 'rate');
    row('2', 'connected ÷ unconnected send rate (bsdsock | C)', `${bConn.toFixed(2)}×`, `${cConn.toFixed(2)}×`, bConn / cConn, undefined, 'info', undefined, 'a ratio of ratios: 1.00 = bsdsock keeps all of C’s gain from connect()');
    const r3 = paired('send', 'bsdsock.sendmmsg', 'c.sendmmsg', 'rate');
    row('3a', `datagrams/CPU-s: flat sendmmsg ×${config.send.batch} vs C sendmmsg (connected)`, fmtRate(rate('bsdsock.sendmmsg')), fmtRate(rate('c.sendmmsg')), r3, spread('send', 'bsdsock.sendmmsg', 'c.sendmmsg', 'rate'), '≥ 0.95×', r3 >= 0.95);
    const r3b = paired('send', 'bsdsock.sendmmsg-to', 'c.sendmmsg-to', 'rate');
    row('3b', `datagrams/CPU-s: flat sendmmsg ×${config.send.batch} vs C, address per message`, fmtRate(rate('bsdsock.sendmmsg-to')), fmtRate(rate('c.sendmmsg-to')), r3b, spread('send', 'bsdsock.sendmmsg-to', 'c.sendmmsg-to', 'rate'), '≥ 0.95×', r3b >= 0.95);
    const r3c = paired('send', 'bsdsock.sendmmsg-prepared', 'c.sendmmsg', 'rate');
    row('3c', `datagrams/CPU-s: flat sendmmsg of a PreparedBatch ×${config.send.batch} vs C sendmmsg (connected)`, fmtRate(rate('bsdsock.sendmmsg-prepared')), fmtRate(rate('c.sendmmsg')), r3c, spread('send', 'bsdsock.sendmmsg-prepared', 'c.sendmmsg', 'rate'), '≥ 0.95×', r3c >= 0.95);
    const r3d = paired('send', 'bsdsock.sendmmsg-to-prepared', 'c.sendmmsg-to', 'rate');
    row('3d', `datagrams/CPU-s: flat sendmmsg of a PreparedBatch ×${config.send.batch} vs C, address per message`, fmtRate(rate('bsdsock.sendmmsg-to-prepared')), fmtRate(rate('c.sendmmsg-to')), r3d, spread('send', 'bsdsock.sendmmsg-to-prepared', 'c.sendmmsg-to', 'rate'), '≥ 0.95×', r3d >= 0.95);
  }
  if (results.recv) {
    const cpu = (id) => med('recv', id, 'perDatagram');
    for (const [suffix, id, what] of [['', 'bsdsock.socket', 'Socket (64 pending recvfrom(buf))'], ['-iter', 'bsdsock.socket-iter', 'Socket (for await)'], ['-batch', 'bsdsock.socket-batch', 'Socket (recvmmsg ×64)'], ['-ring', 'bsdsock.socket-ring', 'Socket (batches() ×64)']]) {
      const vsDgram = paired('recv', id, 'dgram', 'perDatagram');
      row(`4a${suffix}`, `receive CPU/datagram: ${what} vs node:dgram`, fmtUs(cpu(id)), fmtUs(cpu('dgram')), vsDgram, spread('recv', id, 'dgram', 'perDatagram'), '≤ 0.5×', vsDgram <= 0.5);
      const vsC = paired('recv', id, 'c.recvmmsg', 'perDatagram');
      row(`4b${suffix}`, `receive CPU/datagram: ${what} vs C recvmmsg`, fmtUs(cpu(id)), fmtUs(cpu('c.recvmmsg')), vsC, spread('recv', id, 'c.recvmmsg', 'perDatagram'), '≤ 1.5×', vsC <= 1.5);
    }
    row('4c', 'receive CPU/datagram: C recvmmsg vs C recvfrom', fmtUs(cpu('c.recvmmsg')), fmtUs(cpu('c.recvfrom')), paired('recv', 'c.recvmmsg', 'c.recvfrom', 'perDatagram'), spread('recv', 'c.recvmmsg', 'c.recvfrom', 'perDatagram'), 'info', undefined);
  }
  if (results.gso) {
    const rate = (id) => med('gso', id, 'rate');
    const { segments, size } = config.gso;
    const what = `${size} B datagrams/CPU-s, ${segments} per call`;
    const r7a = paired('gso', 'bsdsock.socket', 'c.gso', 'rate');
    row('7a', `${what}: Socket sendmsg(segmentSize) vs C UDP_SEGMENT`, fmtRate(rate('bsdsock.socket')), fmtRate(rate('c.gso')), r7a, spread('gso', 'bsdsock.socket', 'c.gso', 'rate'), '≥ 0.9×', r7a >= 0.9);
    const r7b = paired('gso', 'bsdsock.flat', 'c.gso', 'rate');
    row('7b', `${what}: flat sendmsg({ kind: 'segment' }) vs C UDP_SEGMENT`, fmtRate(rate('bsdsock.flat')), fmtRate(rate('c.gso')), r7b, spread('gso', 'bsdsock.flat', 'c.gso', 'rate'), '≥ 0.9×', r7b >= 0.9);
    const r7c = paired('gso', 'bsdsock.socket', 'c.sendmmsg', 'rate');
    row('7c', `${what}: Socket sendmsg(segmentSize) vs C sendmmsg`, fmtRate(rate('bsdsock.socket')), fmtRate(rate('c.sendmmsg')), r7c, spread('gso', 'bsdsock.socket', 'c.sendmmsg', 'rate'), '≥ 4×', r7c >= 4);
    row('7d', `${what}: C UDP_SEGMENT vs C sendmmsg`, fmtRate(rate('c.gso')), fmtRate(rate('c.sendmmsg')), paired('gso', 'c.gso', 'c.sendmmsg', 'rate'), spread('gso', 'c.gso', 'c.sendmmsg', 'rate'), 'info', undefined);
  }
  if (results.gro) {
    const cpu = (id) => med('gro', id, 'perDatagram');
    const what = `receive CPU/datagram, ${config.gro.size} B GSO-sent`;
    const r8a = paired('gro', 'bsdsock.socket-gro-ring', 'c.recvmmsg', 'perDatagram');
    row('8a', `${what}: Socket GRO (batches()) vs C recvmmsg`, fmtUs(cpu('bsdsock.socket-gro-ring')), fmtUs(cpu('c.recvmmsg')), r8a, spread('gro', 'bsdsock.socket-gro-ring', 'c.recvmmsg', 'perDatagram'), '≤ 0.5×', r8a <= 0.5);
    for (const [n, id, label] of [['8a-batch', 'bsdsock.socket-gro', 'Socket GRO (recvmmsg ×64)'], ['8b', 'bsdsock.socket-gro-iter', 'Socket GRO (for await)'], ['8c', 'bsdsock.flat-gro', 'flat recvmsg GRO'], ['8d', 'bsdsock.socket-batch', 'Socket no GRO (recvmmsg ×64)'], ['8e', 'c.gro', 'C UDP_GRO']]) {
      row(n, `${what}: ${label} vs C recvmmsg`, fmtUs(cpu(id)), fmtUs(cpu('c.recvmmsg')), paired('gro', id, 'c.recvmmsg', 'perDatagram'), spread('gro', id, 'c.recvmmsg', 'perDatagram'), 'info', undefined);
    }
    row('8f', `${what}: Socket GRO (batches()) vs C UDP_GRO`, fmtUs(cpu('bsdsock.socket-gro-ring')), fmtUs(cpu('c.gro')), paired('gro', 'bsdsock.socket-gro-ring', 'c.gro', 'perDatagram'), spread('gro', 'bsdsock.socket-gro-ring', 'c.gro', 'perDatagram'), 'info', undefined);
  }
  for (const [group, load, refId, refName, targets] of [
    ['loads-saturating', 'saturating', 'c.recvmmsg', 'C recvmmsg', { 'bsdsock.socket-ring': 1.3 }],
    ['loads-wake', 'wake-dominated', 'c.epoll', 'C epoll floor', { 'bsdsock.socket-iter': 1.25, 'bsdsock.socket-ring': 1.15 }],
  ]) {
    if (!results[group]) continue;
    const cpu = (id) => med(group, id, 'perDatagram');
    const prefix = group === 'loads-saturating' ? '9s' : '9w';
    const what = `${load} load, receive CPU/datagram`;
    // Whether the load was what its name says: on a busy machine a receiver wakes late and finds
    // more datagrams waiting (issue 19 measured about 5 per wake-up of the C floor, wake-dominated).
    const all = Object.values(results[group].raw).flat();
    const senderRate = median(all.filter((r) => r.peer?.ns > 0).map((r) => (r.peer.sent / r.peer.ns) * 1e9));
    const perWake = median(results[group].raw['c.epoll'].map((r) => r.measured / r.wakeups));
    const loadNote = `sender ${fmtRate(senderRate)} (median over the runs), C epoll floor ${perWake.toFixed(1)} datagrams per wake-up`;
    let first = true;
    for (const k of results[group].contenders) {
      if (k.id === refId) continue;
      const ratio = paired(group, k.id, refId, 'perDatagram');
      const target = targets[k.id];
      row(`${prefix}-${k.id.replace(/^bsdsock\.socket-?/, '')}`, `${what}: ${k.label} vs ${refName}`, fmtUs(cpu(k.id)), fmtUs(cpu(refId)), ratio, spread(group, k.id, refId, 'perDatagram'),
        target === undefined ? 'info' : `≤ ${target}×`, target === undefined ? undefined : ratio <= target, first ? loadNote : undefined);
      first = false;
      if (group === 'loads-saturating' && k.id === 'bsdsock.socket-iter') {
        const vsDgram = paired(group, k.id, 'dgram', 'perDatagram');
        row(`${prefix}-iter-dgram`, `${what}: ${k.label} vs node:dgram`, fmtUs(cpu(k.id)), fmtUs(cpu('dgram')), vsDgram, spread(group, k.id, 'dgram', 'perDatagram'), '≤ 0.4×', vsDgram <= 0.4);
      }
    }
    for (const s of results[group].skipped) rows.push({ id: `${prefix}-${s.id}`, measure: `${what}: ${s.id} (a peer)`, bsdsock: '', reference: '', target: 'info', status: 'skipped', note: s.why });
  }
  if (results.pingpong) {
    const m = (id) => med('pingpong', id, 'medianNs');
    const p99 = (id) => med('pingpong', id, 'p99Ns');
    const r5a = paired('pingpong', 'bsdsock.flat', 'c', 'medianNs');
    row('5a', 'round trip median: flat (blocking recvfrom) vs C', fmtUs(m('bsdsock.flat')), fmtUs(m('c')), r5a, spread('pingpong', 'bsdsock.flat', 'c', 'medianNs'), '≤ 1.05×', r5a <= 1.05);
    // Per run: (Socket − C) ÷ (dgram − C), the three medians of the same repetition and CPU.
    const runs = results.pingpong.raw;
    const excessRatios = runs.c.map((c, i) => {
      const dgram = runs.dgram[i].medianNs - c.medianNs;
      return dgram > 0 ? Math.max(0, runs['bsdsock.socket'][i].medianNs - c.medianNs) / dgram : NaN;
    }).filter(Number.isFinite);
    const excess = (id) => median(runs[id].map((r, i) => r.medianNs - runs.c[i].medianNs));
    const r5b = median(excessRatios);
    row('5b', 'round trip median above C’s: Socket vs node:dgram', `+${fmtUs(excess('bsdsock.socket'))}`, `+${fmtUs(excess('dgram'))}`, r5b,
      excessRatios.length ? [Math.min(...excessRatios), Math.max(...excessRatios)] : undefined, '≤ 0.5×', Number.isFinite(r5b) ? r5b <= 0.5 : false,
      `medians: Socket ${fmtUs(m('bsdsock.socket'))}, dgram ${fmtUs(m('dgram'))}, C ${fmtUs(m('c'))}`);
    for (const [n, id, what] of [['5c', 'bsdsock.flat', 'flat'], ['5d', 'bsdsock.socket', 'Socket'], ['5e', 'dgram', 'node:dgram']]) {
      row(n, `round trip p99: ${what} vs C`, fmtUs(p99(id)), fmtUs(p99('c')), paired('pingpong', id, 'c', 'p99Ns'), spread('pingpong', id, 'c', 'p99Ns'), 'info', undefined);
    }
  }
  if (results.memory) {
    const bound = config.memory.boundMiB;
    for (const [suffix, mode, what] of [
      ['', 'socket', 'Socket (64 pending recvfrom(buf))'],
      ['-iter', 'socket-iter', 'Socket (for await)'],
      ['-batch', 'socket-batch', 'Socket (recvmmsg ×64)'],
      ['-ring', 'socket-ring', 'Socket (batches() ×64)'],
      ['-gro', 'socket-gro', 'Socket, GRO on, GSO-sent (recvmmsg ×64)'],
      ['-gro-iter', 'socket-gro-iter', 'Socket, GRO on, GSO-sent (for await)'],
      ['-gro-ring', 'socket-gro-ring', 'Socket, GRO on, GSO-sent (batches())'],
    ]) {
      const m = results.memory[mode];
      if (m === undefined) continue; // not in --memory-modes
      row(`6${suffix}`, `RSS growth over ${(m.received / 1e6).toFixed(m.received >= 1e6 ? 0 : 1)}M datagrams received: ${what}`, `+${m.peakGrowthMiB.toFixed(1)} MiB`, `bound ${bound} MiB`, undefined, undefined, `≤ ${bound} MiB`, m.peakGrowthMiB <= bound,
        `RSS ${m.rssStartMiB.toFixed(1)} → ${m.rssEndMiB.toFixed(1)} MiB after warm-up, peak growth shown; second half of the run ${m.secondHalfGrowthMiB >= 0 ? '+' : ''}${m.secondHalfGrowthMiB.toFixed(1)} MiB; V8 heapTotal ${m.heapTotalGrowthMiB >= 0 ? '+' : ''}${m.heapTotalGrowthMiB.toFixed(1)} MiB; live V8 heap after a full GC at the end ${m.liveHeapEndMiB.toFixed(1)} MiB; growth by tenths: ${m.growthTraceMiB.map((v) => v.toFixed(1)).join(' ')}`);
    }
  }
  return rows;
}

function printTable(rows, machine) {
  const header = ['#', 'measure', 'bsdsock', 'reference', 'ratio', 'runs', 'target', 'status'];
  const cells = rows.map((r) => [
    r.id,
    r.measure,
    r.bsdsock,
    r.reference,
    r.ratio === undefined || !Number.isFinite(r.ratio) ? '' : `${r.ratio.toFixed(2)}×`,
    r.range ? `${r.range[0].toFixed(2)}–${r.range[1].toFixed(2)}` : '',
    r.target,
    r.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  const out = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)];
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.id}: ${r.note}`);
  process.stdout.write(
    `\nbsdsock benchmark (${config.mode} run, ${machine.date})\n` +
      `${machine.cpu}, ${machine.nproc} CPUs, Linux ${machine.kernel}, node ${machine.node}, ${machine.cc}\n` +
      `addon: ${machine.addon.buildSystem}, portable=${machine.addon.portable}; load average ${machine.loadBefore} before, ${machine.loadAfter} after\n` +
      `${PIN ? 'processes pinned to CPUs; ' : ''}values are medians of runs; a ratio is the median of paired per-run ratios, "runs" their range\n\n${out.join('\n')}\n` +
      (notes.length ? `\n${notes.join('\n')}\n` : ''),
  );
}

// --- main ----------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const cc = buildC();
  process.env.BSDSOCK_ADDON = snapshotAddon();
  const bsdsock = require('bsdsock');
  const { AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_RCVBUF, bind, close, getsockname, setsockopt, socket } = bsdsock;
  const load = () => os.loadavg().map((v) => v.toFixed(2)).join(' ');
  const machine = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    nproc: NPROC,
    cpu: (fs.existsSync('/proc/cpuinfo') && /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]) || os.cpus()[0]?.model,
    kernel: os.release(),
    node: process.version,
    cc,
    addon: { ...bsdsock.buildInfo, file: path.relative(ROOT, process.env.BSDSOCK_ADDON) },
    pinned: PIN,
    loadBefore: load(),
  };
  if (machine.addon.portable) log('WARNING: the addon is the portable build (no sendmmsg/recvmmsg): rebuild it with `npm run build`');

  // The send tests' destination: bound, never read, with a small receive buffer, so that every
  // datagram makes the whole trip through loopback and is then dropped by the kernel.
  const sinkFd = socket(AF_INET, SOCK_DGRAM);
  setsockopt(sinkFd, SOL_SOCKET, SO_RCVBUF, 4096);
  bind(sinkFd, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
  const sink = getsockname(sinkFd).port;

  const results = {};
  try {
    if (only.has('send')) {
      log('send throughput (1)-(3)');
      results.send = await sendGroup(sink);
    }
    if (only.has('recv')) {
      log(`receive under a ${config.recv.rate / 1000}k datagrams/s flood (4)`);
      results.recv = await recvGroup();
    }
    if (only.has('pingpong')) {
      log('ping-pong against the C echo server (5)');
      results.pingpong = await pingpongGroup();
    }
    if (only.has('gso')) {
      log(`GSO send of ${config.gso.size}-byte datagrams, ${config.gso.segments} per call (7)`);
      results.gso = await gsoGroup(sink);
    }
    if (only.has('gro')) {
      log(`GRO receive under a ${config.gro.rate / 1000}k datagrams/s GSO flood (8)`);
      results.gro = await groGroup();
    }
    if (only.has('loads')) {
      log(`saturating load: an unpaced GSO flood of ${config.loads.size}-byte datagrams, ${config.loads.gsoBatch} per call, for ${config.loads.ms} ms (9s)`);
      results['loads-saturating'] = await loadsGroup('saturating');
      log(`wake-dominated load: a C send() loop of ${config.loads.size}-byte datagrams for ${config.loads.ms} ms (9w)`);
      results['loads-wake'] = await loadsGroup('wake');
    }
    if (only.has('memory')) {
      log(`memory over ${config.memory.count} datagrams (6)`);
      results.memory = await memoryGroup();
    }
  } finally {
    close(sinkFd);
  }
  machine.loadAfter = load();
  machine.seconds = Math.round((Date.now() - started) / 1000);
  const rows = summarize(results);
  if (json) {
    const raw = {};
    for (const [group, r] of Object.entries(results)) raw[group] = r.raw ?? r;
    process.stdout.write(`${JSON.stringify({ machine, config, rows, raw }, null, 2)}\n`);
  } else {
    printTable(rows, machine);
    process.stdout.write(`\n(${machine.seconds} s)\n`);
  }
}

main().catch((err) => {
  log(err.stack || String(err));
  process.exitCode = 1;
});
