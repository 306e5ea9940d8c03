#!/usr/bin/env node
// The UDP echo server again, on the event loop: the same socket(), bind(), recvfrom() and
// sendto(), made through a Socket whose calls never block the thread. While it waits for
// datagrams, Node is free to do anything else (here: count seconds).
//
// usage: node examples/udp-echo-server-async.js [host] [port]    (default 127.0.0.1 9877; port 0: any free port)
// Stop it with Ctrl-C. Try it with examples/udp-echo-client.js, or `socat - UDP:127.0.0.1:9877`.
'use strict';

const { AF_INET, SOCK_DGRAM, Socket, formatAddress } = require('bsdsock');

const [host = '127.0.0.1', port = '9877'] = process.argv.slice(2);

async function main() {
  const server = new Socket(AF_INET, SOCK_DGRAM); // non-blocking and close-on-exec
  server.bind({ family: 'AF_INET', address: host, port: Number(port) });
  console.log(`udp echo server (async) on ${formatAddress(server.getsockname())}`);

  // The thread is not blocked: a timer keeps running while the server waits.
  let seconds = 0;
  setInterval(() => seconds++, 1000).unref();

  // Each datagram arrives as a Buffer of exactly its size, with its sender: echo it back.
  for await (const { data, from } of server) {
    await server.sendto(data, from);
    console.log(`echoed ${data.length} bytes to ${formatAddress(from)} (${seconds} s up)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
