// The other side of soak/run.js, in a worker thread (its own event loop, its own instance of
// the addon's per-environment state):
//   echo:  a Socket that sends every datagram back to its sender, until told to stop;
//   blast: sends `count` datagrams as fast as the flat API can, then a last marker datagram.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const bsdsock = require(workerData.package);

async function echo() {
  const server = new bsdsock.Socket(bsdsock.AF_INET, bsdsock.SOCK_DGRAM);
  server.setsockopt(bsdsock.SOL_SOCKET, bsdsock.SO_RCVBUF, 4 * 1024 * 1024);
  server.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
  parentPort.postMessage({ address: server.getsockname() });
  parentPort.once('message', () => server.close());
  let echoed = 0;
  for await (const { data, from } of server) {
    await server.sendto(data, from);
    echoed++;
  }
  parentPort.postMessage({ echoed });
}

function blast() {
  const { count, target, size } = workerData;
  const fd = bsdsock.socket(bsdsock.AF_INET, bsdsock.SOCK_DGRAM);
  const payload = Buffer.alloc(size);
  let sent = 0;
  let refused = 0;
  for (let seq = 0; seq < count; seq++) {
    payload.writeUInt32BE(seq, 0);
    try {
      bsdsock.sendto(fd, payload, 0, target);
      sent++;
    } catch (err) {
      // ENOBUFS and the like: not sent, so not counted as sent.
      refused++;
    }
  }
  // A pause for the receiver to make room, then the marker: queued after every drop, so its
  // SO_RXQ_OVFL count is the total.
  setTimeout(() => {
    const marker = Buffer.alloc(size);
    marker.writeUInt32BE(0xffffffff, 0);
    bsdsock.sendto(fd, marker, 0, target);
    bsdsock.close(fd);
    parentPort.postMessage({ sent, refused });
  }, 300);
}

if (workerData.mode === 'echo') echo().catch((err) => { throw err; });
else blast();
