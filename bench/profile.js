#!/usr/bin/env node
'use strict';
// Profiles of the benchmark's cases, to find what bounds a missed target (bench/README.md,
// "Profiles"). Writes perf data and text reports to bench/build/profiles/<case>/ and prints a
// summary. Linux only; needs perf (sampling on cpu-clock: this VM has no hardware counters),
// and for --callgrind valgrind, for --strace strace.
//
//   node bench/profile.js sendto            perf of the flat sendto loop and of the C loop
//   node bench/profile.js send|sendmmsg|sendmmsg-to
//   node bench/profile.js recv-socket       perf of a receiver under the 50k/s flood
//   node bench/profile.js recv-iter|recv-batch|recv-ring|recv-dgram|recv-c-recvmmsg
//   node bench/profile.js recv-gro-ring --load=gro   a GRO receiver (also recv-gro, recv-gro-iter,
//                                           recv-flat-gro, recv-c-gro) under rows 8's GSO flood
//   node bench/profile.js pingpong-flat|pingpong-socket|pingpong-dgram|pingpong-c
//   node bench/profile.js sendto --callgrind   user-space instructions per call, by function
//                                           (valgrind; also send, sendmmsg, sendmmsg-to, and
//                                           pingpong-flat: per round trip)
//   node bench/profile.js lean              C vs flat vs bsdsock's binding alone vs a minimal
//                                           Node-API addon (bench/lean/)
//   node bench/profile.js probe             what a syscall costs the code after it (bench/lean/)
//   node bench/profile.js recv-socket --strace syscalls per datagram (strace -c)
//   node bench/profile.js recv-batch --load=saturating|wake
//                                           a receiver under one of issue 19's loads (rows 9s,
//                                           9w of bench/run.js) instead of the paced flood; also
//                                           recv-c-epoll (the event-loop floor)
//
// Run `node bench/run.js --quick` once first: it builds the C programs and the addon copy.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const BUILD = path.join(__dirname, 'build');
const WORKERS = path.join(__dirname, 'workers');
if (!process.env.BSDSOCK_ADDON && fs.existsSync(path.join(BUILD, 'bsdsock.node'))) process.env.BSDSOCK_ADDON = path.join(BUILD, 'bsdsock.node');
const { AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_RCVBUF, bind, close, getsockname, setsockopt, socket } = require('bsdsock');

const [which, ...flags] = process.argv.slice(2);
const CPU = '1';
const bin = (name) => path.join(BUILD, name);
const nodeArgs = (script, args, perfMap = true) => [process.execPath, ...(perfMap ? ['--perf-basic-prof'] : []), path.join(WORKERS, script), ...args.map(String)];

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

// Instructions per call by function: the difference of two callgrind runs that differ only in
// the number of calls, divided by that number (start-up and warm-up cancel out; one-off JIT
// compilation that happens to fall in between does not, and shows as v8::internal::compiler).
function perCall(fileA, fileB, calls, out) {
  const load = (file) => {
    const costs = new Map();
    for (const line of sh('callgrind_annotate', ['--threshold=100', file]).split('\n')) {
      const m = /^\s*([\d,]+)\s+\([^)]*\)\s+(.*)$/.exec(line);
      if (!m || line.includes('PROGRAM TOTALS')) continue;
      const name = m[2].replace(/\s*\[[^\]]*\]$/, '');
      costs.set(name, (costs.get(name) ?? 0) + Number(m[1].replace(/,/g, '')));
    }
    return costs;
  };
  const a = load(fileA);
  const b = load(fileB);
  const rows = [...new Set([...a.keys(), ...b.keys()])].map((k) => [((b.get(k) ?? 0) - (a.get(k) ?? 0)) / calls, k]).sort((x, y) => y[0] - x[0]);
  const total = rows.reduce((sum, [v]) => sum + v, 0);
  // The crossing: bsdsock's native functions, Node-API, and the V8 API and runtime they call.
  const crossing = /bsdsock::|napi_|Napi::|v8impl|node_napi_env|Builtins_CallApiCallback|Builtins_TypedArrayPrototypeByteLength|v8::(Value|TypedArray|ArrayBufferView|Number|Object::Get|Context::GetNumberOfEmbedderDataFields|EscapableHandleScope|HandleScope|CallDepthScope|TryCatch|internal::(JSTypedArray|LookupIterator|Object::GetProperty|PropertyKey|\(anonymous namespace\)::ElementsAccessor))/;
  const crossed = rows.filter(([, k]) => crossing.test(k)).reduce((sum, [v]) => sum + v, 0);
  const text = [`${total.toFixed(0)} instructions per call in all (one-off start-up and JIT work that falls between the two runs included);`, `${crossed.toFixed(0)} of them in bsdsock's native code, Node-API and the V8 API it calls`, ...rows.filter(([v]) => Math.abs(v) >= 5).map(([v, k]) => `${v.toFixed(0).padStart(8)}  ${k.slice(0, 160)}`)].join('\n');
  fs.writeFileSync(out, `${text}\n`);
  return text.split('\n').slice(0, 30).join('\n');
}

function report(data, out, extra = []) {
  const base = ['report', '-i', data, '--stdio', '--no-children', '-g', 'none', '--percent-limit', '0.3', ...extra];
  const text = (args) => sh('perf', [...base, ...args]).split('\n').filter((l) => l && !l.startsWith('#')).join('\n');
  const byDso = text(['--sort', 'dso']);
  const bySym = text(['--sort', 'dso,sym']);
  fs.writeFileSync(`${out}.dso.txt`, `${byDso}\n`);
  fs.writeFileSync(`${out}.sym.txt`, `${bySym}\n`);
  // Callers of everything, for reading by hand.
  fs.writeFileSync(`${out}.callers.txt`, sh('perf', ['report', '-i', data, '--stdio', '--children', '-G', '--percent-limit', '2', ...extra]));
  // "Inclusive" shares of chosen frames: what part of the samples is under each.
  const children = sh('perf', ['report', '-i', data, '--stdio', '--children', '-g', 'none', '--sort', 'sym', '--percent-limit', '0.2', ...extra]);
  fs.writeFileSync(`${out}.inclusive.txt`, children);
  return { byDso, bySym: bySym.split('\n').slice(0, 25).join('\n') };
}

function inclusive(out, pattern) {
  const text = fs.readFileSync(`${out}.inclusive.txt`, 'utf8');
  return text
    .split('\n')
    .filter((l) => pattern.test(l))
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .join('\n');
}

function withSink(fn) {
  const fd = socket(AF_INET, SOCK_DGRAM);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 4096);
  bind(fd, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
  try {
    return fn(getsockname(fd).port);
  } finally {
    close(fd);
  }
}

// The senders of issue 19's loads, as bench/run.js runs them (loadsGroup), for 3 s.
const loadSenders = {
  saturating: (port) => [bin('flood'), port, 100000000, 0, 64, 3000, 64, 'gso'],
  wake: (port) => [bin('send_loop'), port, 64, 3000, 0],
  // Rows 8: 1200-byte datagrams, GSO sends of 40, 400 k/s (for the GRO receivers).
  gro: (port) => [bin('flood'), port, 1200000, 400000, 40, 3000, 1200, 'gso'],
};
const load = flags.find((f) => f.startsWith('--load='))?.slice(7);
if (load !== undefined && !loadSenders[load]) throw new Error(`--load=${load}: saturating, wake or gro`);

// A receiver (argv) under perf or strace, fed by the flood (or the sender of --load) once it
// says READY.
function underFlood(wrapper, argv, count, rate = 50000) {
  return new Promise((resolve, reject) => {
    const child = spawn(wrapper[0], [...wrapper.slice(1), 'taskset', '-c', CPU, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
    let result = '';
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('READY ')) {
        const sender = load ? loadSenders[load](line.slice(6)) : [bin('flood'), line.slice(6), count, rate, 32, 60000];
        const flood = spawnSync('taskset', ['-c', '0', ...sender.map(String)], { encoding: 'utf8' });
        process.stdout.write(`flood: ${flood.stdout}`);
      } else if (line.startsWith('{')) result = line;
    });
    child.on('close', (code) => (code === 0 ? resolve(result) : reject(new Error(`exit ${code}`))));
  });
}

const sends = {
  sendto: [['send.js', 'sendto'], 'sendto_loop', []],
  send: [['send.js', 'send'], 'send_loop', []],
  sendmmsg: [['send.js', 'sendmmsg'], 'sendmmsg_loop', [64, 'connected']],
  'sendmmsg-to': [['send.js', 'sendmmsg-to'], 'sendmmsg_loop', [64, 'to']],
};
const receivers = {
  'recv-socket': nodeArgs('recv.js', ['socket']),
  'recv-iter': nodeArgs('recv.js', ['socket-iter']),
  'recv-batch': nodeArgs('recv.js', ['socket-batch']),
  'recv-ring': nodeArgs('recv.js', ['socket-ring']),
  'recv-gro': nodeArgs('recv.js', ['socket-gro']),
  'recv-gro-iter': nodeArgs('recv.js', ['socket-gro-iter']),
  'recv-gro-ring': nodeArgs('recv.js', ['socket-gro-ring']),
  'recv-flat-gro': nodeArgs('recv.js', ['flat-gro']),
  'recv-c-gro': [bin('gro_recv')],
  'recv-dgram': nodeArgs('recv.js', ['dgram']),
  'recv-c-recvmmsg': [bin('recvmmsg_recv')],
  'recv-c-recvfrom': [bin('recvfrom_recv')],
  'recv-c-epoll': [bin('epoll_recv')],
};
const pingpongs = ['pingpong-flat', 'pingpong-socket', 'pingpong-dgram', 'pingpong-c'];

// The floor of a Node-API crossing: bench/lean/lean.c against C and bsdsock's flat calls, in
// alternating pinned runs, datagrams per CPU-second as in bench/run.js.
function lean() {
  const cc = process.env.CC || 'cc';
  sh(cc, ['-O2', '-Wall', '-Wextra', '-shared', '-fPIC', `-I${path.join(path.dirname(process.execPath), '..', 'include', 'node')}`, '-o', bin('lean.node'), path.join(__dirname, 'lean', 'lean.c')]);
  const reps = Number(flags.find((f) => f.startsWith('--reps='))?.slice(7) ?? 5);
  const cases = [
    ['C sendto', (port) => [bin('sendto_loop'), port, 64, 1000, 100]],
    ['flat sendto', (port) => nodeArgs('send.js', ['sendto', port, 64, 1000, 300], false)],
    ['binding sendto', (port) => nodeArgs('send.js', ['binding-sendto', port, 64, 1000, 300], false)],
    ['lean sendto', (port) => nodeArgs('send.js', ['lean-sendto', port, 64, 1000, 300], false)],
    ['C send', (port) => [bin('send_loop'), port, 64, 1000, 100]],
    ['flat send', (port) => nodeArgs('send.js', ['send', port, 64, 1000, 300], false)],
    ['binding send', (port) => nodeArgs('send.js', ['binding-send', port, 64, 1000, 300], false)],
    ['lean send', (port) => nodeArgs('send.js', ['lean-send', port, 64, 1000, 300], false)],
    ['C sendmmsg ×64', (port) => [bin('sendmmsg_loop'), port, 64, 1000, 100, 64, 'connected']],
    ['flat sendmmsg ×64', (port) => nodeArgs('send.js', ['sendmmsg', port, 64, 1000, 300, 64], false)],
    ['flat prepared ×64', (port) => nodeArgs('send.js', ['sendmmsg-prepared', port, 64, 1000, 300, 64], false)],
    ['lean sendmmsg ×64', (port) => nodeArgs('send.js', ['lean-sendmmsg', port, 64, 1000, 300, 64], false)],
    ['lean prepared ×64', (port) => nodeArgs('send.js', ['lean-prepared', port, 64, 1000, 300, 64], false)],
    ['lean noop (no syscall)', (port) => nodeArgs('send.js', ['lean-noop', port, 64, 1000, 300], false)],
  ];
  const rates = Object.fromEntries(cases.map(([name]) => [name, []]));
  withSink((port) => {
    for (let rep = 0; rep < reps; rep++) {
      for (const [name, argv] of rep % 2 ? [...cases].reverse() : cases) {
        const r = JSON.parse(sh('taskset', ['-c', String(rep % 2), ...argv(port).map(String)]));
        rates[name].push({ rate: (r.sent / r.cpuNs) * 1e9, rep });
      }
    }
  });
  const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  const paired = (a, b) => med(rates[a].map((x, i) => x.rate / rates[b][i].rate));
  for (const [name] of cases) {
    const rate = med(rates[name].map((x) => x.rate));
    const ref = name.includes('sendto') ? 'C sendto' : name.includes('×64') ? 'C sendmmsg ×64' : name.includes(' send') ? 'C send' : undefined;
    process.stdout.write(`${name.padEnd(24)} ${(rate / 1e3).toFixed(0).padStart(6)} k/CPU-s  ${(1e9 / rate).toFixed(0).padStart(5)} ns/datagram${ref && ref !== name ? `  ${paired(name, ref).toFixed(2)}× ${ref}` : ''}\n`);
  }
}

// What a syscall costs the user-space code after it: K cache lines re-read after each sendto,
// against the same reads without syscalls (bench/lean/syscall_probe.c).
function probe() {
  const cc = process.env.CC || 'cc';
  sh(cc, ['-O2', '-Wall', '-Wextra', '-o', bin('syscall_probe'), path.join(__dirname, 'lean', 'syscall_probe.c')]);
  const cases = [[0, 64], [64, 64], [256, 64], [512, 64], [16, 4160], [64, 4160], [256, 4160]];
  withSink((port) => {
    const rows = [];
    for (let rep = 0; rep < 3; rep++) {
      for (const [k, stride] of cases) {
        for (const syscall of [1, 0]) {
          const r = JSON.parse(sh('taskset', ['-c', String(rep % 2), bin('syscall_probe'), String(port), String(k), String(syscall), '500', String(stride)]));
          rows.push(r);
        }
      }
    }
    const med = (k, stride, syscall) => {
      const xs = rows.filter((r) => r.k === k && r.stride === stride && r.syscall === syscall).map((r) => r.nsPerIteration).sort((a, b) => a - b);
      return xs[xs.length >> 1];
    };
    const base = med(0, 64, 1);
    process.stdout.write('lines re-read        footprint   sendto+reads  reads alone  cost the syscall adds to the reads\n');
    for (const [k, stride] of cases.slice(1)) {
      const what = stride === 64 ? `${k} contiguous` : `${k}, 1 per page`;
      const extra = med(k, stride, 1) - base - med(k, stride, 0);
      process.stdout.write(`${what.padEnd(20)} ${`${(k * 64) / 1024} KiB`.padStart(9)} ${med(k, stride, 1).toFixed(0).padStart(11)} ns ${med(k, stride, 0).toFixed(0).padStart(9)} ns ${extra.toFixed(0).padStart(9)} ns\n`);
    }
    process.stdout.write(`(sendto alone: ${base.toFixed(0)} ns)\n`);
  });
}

async function main() {
  if (which === 'lean') return lean();
  if (which === 'probe') return probe();
  if (!which || (!sends[which] && !receivers[which] && !pingpongs.includes(which))) {
    process.stderr.write(`usage: node bench/profile.js ${[...Object.keys(sends), ...Object.keys(receivers), ...pingpongs].join('|')} [--callgrind|--strace]\n`);
    process.exit(2);
  }
  const out = path.join(BUILD, 'profiles', load ? `${which}-${load}` : which);
  fs.mkdirSync(out, { recursive: true });

  if (sends[which]) {
    const [[script, mode], cprog, cextra] = sends[which];
    if (flags.includes('--callgrind')) {
      // User-space instructions per call (the kernel's share is the same for both, and valgrind
      // does not see it): node by difference of two runs, C from the count of its syscall wrapper.
      const [warm, n1, n2] = [20000, 2000, 12000];
      const total = (file) => Number(/summary:\s*(\d+)/.exec(fs.readFileSync(file, 'utf8'))[1]);
      withSink((port) => {
        const files = [];
        for (const n of [n1, n2]) {
          const file = path.join(out, `callgrind.node.${n}.out`);
          sh('valgrind', ['--tool=callgrind', `--callgrind-out-file=${file}`, '--smc-check=all', process.execPath, path.join(WORKERS, 'count.js'), mode, port, warm, n]);
          files.push(file);
        }
        const nodePerCall = (total(files[1]) - total(files[0])) / (n2 - n1);
        const cfile = path.join(out, 'callgrind.c.out');
        const result = JSON.parse(sh('valgrind', ['--tool=callgrind', `--callgrind-out-file=${cfile}`, bin(cprog), port, 64, 300, 0, ...cextra]));
        const cPerCall = total(cfile) / (mode.startsWith('sendmmsg') ? result.sent / 64 : result.sent);
        for (const file of [files[1], cfile]) fs.writeFileSync(`${file}.txt`, sh('callgrind_annotate', ['--inclusive=yes', file]));
        process.stdout.write(`user-space instructions per ${mode} call: node ${nodePerCall.toFixed(0)}, C ${cPerCall.toFixed(0)} (C includes its start-up)\n`);
        process.stdout.write(`annotated: ${path.relative(process.cwd(), files[1])}.txt, ${path.relative(process.cwd(), cfile)}.txt\n\n`);
        process.stdout.write(`node, by function (${path.relative(process.cwd(), path.join(out, 'callgrind.per-call.txt'))}):\n${perCall(files[0], files[1], n2 - n1, path.join(out, 'callgrind.per-call.txt'))}\n`);
      });
      return;
    }
    withSink((port) => {
      // -D skips start-up and warm-up: only the timed loop is sampled.
      sh('perf', ['record', '-F', '4999', '-g', '-D', '900', '-o', path.join(out, 'node.data'), '--', 'taskset', '-c', CPU, ...nodeArgs(script, [mode, port, 64, 2500, 700, 64])], { stdio: 'inherit' });
      sh('perf', ['record', '-F', '4999', '-g', '-D', '300', '-o', path.join(out, 'c.data'), '--', 'taskset', '-c', CPU, bin(cprog), port, 64, 2000, 100, ...cextra], { stdio: 'inherit' });
    });
    for (const side of ['node', 'c']) {
      const r = report(path.join(out, `${side}.data`), path.join(out, side), ['--comm', side === 'node' ? 'node' : cprog]);
      process.stdout.write(`\n== ${side}: by object\n${r.byDso}\n-- top symbols\n${r.bySym}\n-- inclusive\n${inclusive(path.join(out, side), /__libc_sendto|__libc_send\b|__sendmmsg|sendmmsg$|\[\.\] (bsdsock::\w+|Builtins_CallApiCallback|JS:.*(sendto|send|sendmmsg|encodeBatch|step).*)$/)}\n`);
    }
    return;
  }

  if (receivers[which]) {
    // strace slows the receiver down: a slower flood keeps it from falling behind.
    const argv = [...receivers[which].filter((a) => a !== '--perf-basic-prof'), 50000, 5000, 300, 4 << 20];
    if (flags.includes('--strace')) {
      const file = path.join(out, 'strace.txt');
      process.stdout.write(`${await underFlood(['strace', '-f', '-c', '-o', file], argv, 50000, 20000)}\n`);
      process.stdout.write(fs.readFileSync(file, 'utf8').split('\n').slice(0, 14).join('\n') + '\n');
      return;
    }
    const data = path.join(out, 'perf.data');
    // Under a load of issue 19 the receiver ends when the sender stops (idle), not at a count.
    const [expected, warmup] = load ? [100000000, 100000] : [200000, 20000];
    process.stdout.write(`${await underFlood(['perf', 'record', '-F', '4999', '-g', '-D', '700', '-o', data, '--'], [...receivers[which], expected, warmup, 300, 4 << 20], 200000)}\n`);
    const r = report(data, path.join(out, 'recv'), ['--comm', which.startsWith('recv-c') ? path.basename(receivers[which][0]) : 'node']);
    process.stdout.write(`\n== by object\n${r.byDso}\n-- top symbols\n${r.bySym}\n-- inclusive\n${inclusive(path.join(out, 'recv'), /epoll_ctl|epoll_pwait|recvmmsg|recvmsg|bsdsock::\w+$|uv__\w+$|RunMicrotasks|uv__udp_recvmsg|OnUvRead|napi_make_callback|InternalMakeCallback|JS:/)}\n`);
    return;
  }

  // Ping-pong: the client under perf against the C echo server.
  // Idle limit: node under valgrind takes seconds to start.
  const server = spawn(bin('pingpong_server'), [60000, 170000], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => readline.createInterface({ input: server.stdout }).once('line', (l) => resolve(Number(l.slice(6)))));
  const mode = which.slice('pingpong-'.length);
  if (flags.includes('--callgrind') && (mode === 'flat' || mode === 'c')) {
    // User-space instructions per round trip: flat by difference of two runs, C from its count.
    const [warm, n1, n2] = [5000, 1000, 6000];
    const total = (file) => Number(/summary:\s*(\d+)/.exec(fs.readFileSync(file, 'utf8'))[1]);
    const files = [];
    for (const n of [n1, n2]) {
      const file = path.join(out, `callgrind.node.${n}.out`);
      sh('valgrind', ['--tool=callgrind', `--callgrind-out-file=${file}`, '--smc-check=all', process.execPath, path.join(WORKERS, 'count.js'), 'pingpong', port, warm, n]);
      files.push(file);
    }
    const cfile = path.join(out, 'callgrind.c.out');
    sh('valgrind', ['--tool=callgrind', `--callgrind-out-file=${cfile}`, bin('pingpong_client'), port, n2, 0]);
    server.kill();
    process.stdout.write(`user-space instructions per round trip: flat ${((total(files[1]) - total(files[0])) / (n2 - n1)).toFixed(0)}, C ${(total(cfile) / n2).toFixed(0)} (C includes its start-up and sort)\n\n`);
    process.stdout.write(`flat, by function (${path.relative(process.cwd(), path.join(out, 'callgrind.per-call.txt'))}):\n${perCall(files[0], files[1], n2 - n1, path.join(out, 'callgrind.per-call.txt'))}\n`);
    return;
  }
  const client = mode === 'c' ? [bin('pingpong_client'), port, 30000, 2000] : nodeArgs('pingpong.js', [mode, port, 30000, 2000]);
  const data = path.join(out, 'perf.data');
  process.stdout.write(sh('perf', ['record', '-F', '9999', '-g', '-D', '400', '-o', data, '--', 'taskset', '-c', CPU, ...client.map(String)]));
  server.kill();
  const r = report(data, path.join(out, 'client'), ['--comm', mode === 'c' ? 'pingpong_client' : 'node']);
  process.stdout.write(`\n== by object\n${r.byDso}\n-- top symbols\n${r.bySym}\n-- inclusive\n${inclusive(path.join(out, 'client'), /__libc_sendto|__libc_recvfrom|recvmsg|epoll_pwait|epoll_ctl|bsdsock::\w+$|JS:/)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
});
