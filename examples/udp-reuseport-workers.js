#!/usr/bin/env node
// One UDP port served by several worker threads: each worker opens its own socket with
// SO_REUSEPORT and binds the same address, which makes the sockets one group. The kernel
// (Linux) hashes each flow (source address and port, destination) to one member, so a flow
// always reaches the same worker, and the flows are spread over all of them; no thread hands
// datagrams to another. In C: socket(); setsockopt(SO_REUSEPORT, 1); bind(); in every thread.
//
// usage: node examples/udp-reuseport-workers.js [workers = 4] [flows = 64]
// The main thread then plays the clients: `flows` sockets (one flow each) send one datagram,
// every worker answers with its number, and the count per worker is printed.
// macOS has SO_REUSEPORT too, but does not spread unicast datagrams over the group.
'use strict';

const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const { AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_REUSEPORT, Socket } = require('bsdsock');

const ADDRESS = '127.0.0.1';

/** A socket in the group on `port` (0: a new port, for the first member). */
function member(port) {
  const socket = new Socket(AF_INET, SOCK_DGRAM);
  socket.setsockopt(SOL_SOCKET, SO_REUSEPORT, true); // before bind: every member must set it
  socket.bind({ family: 'AF_INET', address: ADDRESS, port });
  return socket;
}

async function serve({ id, port }) {
  const socket = member(port);
  parentPort.once('message', () => socket.close()); // the main thread says when to stop
  parentPort.postMessage('bound');
  for await (const { from } of socket) await socket.sendto(Buffer.from(String(id)), from);
}

async function main() {
  const [workersArg = '4', flowsArg = '64'] = process.argv.slice(2);
  const workers = Number(workersArg);
  const flows = Number(flowsArg);
  // A first member picks the port; it leaves the group once the workers are in it.
  const first = member(0);
  const { port } = first.getsockname();
  const threads = await Promise.all(Array.from({ length: workers }, (_, id) => new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { id, port } });
    worker.once('message', () => resolve(worker));
    worker.once('error', reject);
  })));
  first.close();
  console.log(`${workers} workers share ${ADDRESS}:${port}`);

  const counts = new Array(workers).fill(0);
  await Promise.all(Array.from({ length: flows }, async () => {
    const client = new Socket(AF_INET, SOCK_DGRAM); // a new source port: a new flow
    await client.sendto(Buffer.from('which worker?'), { family: 'AF_INET', address: ADDRESS, port });
    const { data } = await client.recvfrom({ timeout: 5000 });
    counts[Number(data)]++;
    client.close();
  }));
  counts.forEach((count, id) => console.log(`worker ${id}: ${count} flows`));
  for (const worker of threads) worker.postMessage('stop');
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  serve(workerData);
}
