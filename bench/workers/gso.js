'use strict';
// GSO send throughput: datagrams of SIZE bytes, SEGMENTS per call, to 127.0.0.1:PORT, the same
// timed loop as bench/c/send_loop_common.h (WARMUP_MS untimed, then MS timed).
// Usage: node gso.js MODE PORT MS WARMUP_MS [SEGMENTS] [SIZE]
//   MODE flat:   sendmsg(fd, [buf], 0, { address: sockaddr(...), control: encodeControl([{ kind: 'segment', size }]) })
//        socket: await socket.sendmsg([buf], { address: sockaddr(...), segmentSize: SIZE }) in a loop
const { performance } = require('node:perf_hooks');
const { AF_INET, SOCK_DGRAM, Socket, encodeControl, sendmsg, sockaddr, socket } = require('bsdsock');

const [mode, portArg, msArg, warmupArg, segmentsArg, sizeArg] = process.argv.slice(2);
const port = Number(portArg);
const ms = Number(msArg ?? 1000);
const warmupMs = Number(warmupArg ?? 300);
const segments = Number(segmentsArg ?? 40);
const size = Number(sizeArg ?? 1200);
const CHECK = 256;
const MAX_SENT = 100e6;
if (!(ms > 0 && ms <= 60000 && warmupMs >= 0 && warmupMs <= 60000)) throw new RangeError('MS and WARMUP_MS must be 0..60000');

const address = sockaddr({ family: 'AF_INET', address: '127.0.0.1', port });
const buf = Buffer.alloc(segments * size, 'g');
let errors = 0;

async function main() {
  let unit;
  let done = () => {};
  if (mode === 'flat') {
    const fd = socket(AF_INET, SOCK_DGRAM);
    const control = encodeControl([{ kind: 'segment', size }]);
    const options = { address, control };
    const list = [buf];
    unit = () => (sendmsg(fd, list, 0, options) > 0 ? segments : 0);
  } else if (mode === 'socket') {
    const s = new Socket(AF_INET, SOCK_DGRAM);
    const options = { address, segmentSize: size };
    const list = [buf];
    unit = async () => ((await s.sendmsg(list, options)) > 0 ? segments : 0);
    done = () => s.close();
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  // The flat loop stays synchronous, as a program using the flat call would be.
  const step =
    mode === 'flat'
      ? () => {
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
      : async () => {
          let n = 0;
          for (let i = 0; i < CHECK; i++) {
            try {
              n += await unit();
            } catch {
              errors++;
            }
          }
          return n;
        };
  let end = performance.now() + warmupMs;
  let warm = 0;
  while (performance.now() < end && warm < MAX_SENT) warm += await step();
  let sent = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  end = start + ms;
  let t = start;
  while (t < end && sent < MAX_SENT) {
    sent += await step();
    t = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  done();
  process.stdout.write(`${JSON.stringify({ sent, ns: Math.round((t - start) * 1e6), cpuNs: (cpu.user + cpu.system) * 1000, errors })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
