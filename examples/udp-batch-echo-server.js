#!/usr/bin/env node
// A UDP echo server for load: each wake-up's datagrams arrive as one batch (one recvmmsg into a
// ring of buffers registered once, one call into JavaScript) and go back as one batch (one
// sendmmsg). Nothing is allocated per datagram but the reply list.
//
// usage: node examples/udp-batch-echo-server.js [host] [port]    (default 127.0.0.1 9877; port 0: any free port)
// Stop it with Ctrl-C. Try it with examples/udp-echo-client.js.
'use strict';

const { AF_INET, SOCK_DGRAM, Socket, formatAddress } = require('bsdsock');

const [host = '127.0.0.1', port = '9877'] = process.argv.slice(2);

async function main() {
  const server = new Socket(AF_INET, SOCK_DGRAM);
  server.bind({ family: 'AF_INET', address: host, port: Number(port) });
  console.log(`udp batch echo server on ${formatAddress(server.getsockname())}`);

  // 64 slots of 2048 bytes; a longer datagram is cut to its slot (batch.truncated(i) says so).
  for await (const batch of server.batches({ count: 64, size: 2048 })) {
    // batch.data(i) is a view into the ring: valid until the loop asks for the next batch,
    // which is after this await, so the replies can point into it.
    const replies = [];
    for (let i = 0; i < batch.length; i++) replies.push({ buf: batch.data(i), address: batch.from(i) });
    await server.sendmmsg(replies);
    console.log(`echoed a batch of ${batch.length} (${replies.map((r) => r.buf.length).join(', ')} bytes)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
