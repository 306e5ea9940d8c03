#!/usr/bin/env node
// Zero-length datagrams (the notes' points 3.2 and 4), sent to an echo server such as
// examples/udp-echo-server.js. A datagram with no data is legal, and recvfrom returning 0 means
// exactly that: an empty datagram arrived (on TCP, read returning 0 would mean end of stream).
//
// usage: node examples/udp-zero-length.js [host] [port]    (an echo server; default 127.0.0.1 9877)
'use strict';

const {
  AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_RCVTIMEO, close, formatAddress, recvfrom, sendto, setsockopt, socket,
} = require('bsdsock');

const [host = '127.0.0.1', port = '9877'] = process.argv.slice(2);
const server = { family: 'AF_INET', address: host, port: Number(port) };

const sockfd = socket(AF_INET, SOCK_DGRAM);
setsockopt(sockfd, SOL_SOCKET, SO_RCVTIMEO, 2000); // UDP may lose the echo: do not wait for ever
const buf = Buffer.alloc(1500);

// An empty datagram, then an ordinary one: they stay two datagrams, in this order.
for (const message of ['', 'after the empty one']) {
  const sent = sendto(sockfd, Buffer.from(message), 0, server);
  const { bytes, from } = recvfrom(sockfd, buf);
  console.log(`sendto(${JSON.stringify(message)}) = ${sent}; recvfrom = ${bytes} bytes from ${formatAddress(from)}` +
    (bytes === 0 ? ': an empty datagram, not an end of file' : ''));
}
close(sockfd);
