#!/usr/bin/env node
// A UDP echo server: one process, one socket, every client (the notes' point 5). It is
// udpserv01.c and dg_echo() of Stevens' UNIX Network Programming, call for call:
//
//   sockfd = socket(AF_INET, SOCK_DGRAM, 0);
//   bind(sockfd, (SA *) &servaddr, sizeof(servaddr));
//   for ( ; ; ) {
//       n = recvfrom(sockfd, mesg, MAXLINE, 0, pcliaddr, &len);
//       sendto(sockfd, mesg, n, 0, pcliaddr, len);
//   }
//
// usage: node examples/udp-echo-server.js [host] [port]    (default 127.0.0.1 9877; port 0: any free port)
// Stop it with Ctrl-C. Try it with examples/udp-echo-client.js, or `socat - UDP:127.0.0.1:9877`.
// With BSDSOCK_TRACE=1 in the environment, every call is printed to stderr as strace shows it.
'use strict';

const { AF_INET, SOCK_DGRAM, bind, formatAddress, getsockname, recvfrom, sendto, socket } = require('bsdsock');

const [host = '127.0.0.1', port = '9877'] = process.argv.slice(2);

const sockfd = socket(AF_INET, SOCK_DGRAM);
bind(sockfd, { family: 'AF_INET', address: host, port: Number(port) });
console.log(`udp echo server on ${formatAddress(getsockname(sockfd))}`);

const mesg = Buffer.alloc(65535); // room for the largest datagram, so that none is cut short
for (;;) {
  // Blocks until a datagram arrives, from any client: recvfrom says which one it was.
  const { bytes, from } = recvfrom(sockfd, mesg);
  // Answer that client, and go back for the next datagram, whoever sends it.
  sendto(sockfd, mesg.subarray(0, bytes), 0, from);
  console.log(`echoed ${bytes} bytes to ${formatAddress(from)}`);
}
