#!/usr/bin/env node
// The same UDP echo client, connected (Stevens 8.11, dg_cli with connect): the kernel records
// the server's address once, and write/read replace sendto/recvfrom.
//
//   connect(sockfd, (SA *) pservaddr, servlen);
//   while (fgets(sendline, MAXLINE, fp) != NULL) {
//       write(sockfd, sendline, strlen(sendline));
//       n = read(sockfd, recvline, MAXLINE);
//       fputs(recvline, stdout);
//   }
//
// Unlike the unconnected client, this one hears the kernel's ICMP "port unreachable": with no
// server running, read fails with ECONNREFUSED instead of waiting in silence.
//
// usage: node examples/udp-echo-client-connected.js [host] [port] [message ...]   (default 127.0.0.1 9877 hello)
'use strict';

const {
  AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_RCVTIMEO, close, connect, formatAddress, getpeername, getsockname, isSocketError,
  read, setsockopt, socket, write,
} = require('bsdsock');

const [host = '127.0.0.1', port = '9877', ...messages] = process.argv.slice(2);

const sockfd = socket(AF_INET, SOCK_DGRAM);
setsockopt(sockfd, SOL_SOCKET, SO_RCVTIMEO, 2000); // a lost datagram must not block read for ever
connect(sockfd, { family: 'AF_INET', address: host, port: Number(port) }); // sends nothing
console.log(`connected ${formatAddress(getsockname(sockfd))} to ${formatAddress(getpeername(sockfd))}`);

const recvline = Buffer.alloc(65535);
let failed = 0;
for (const message of messages.length > 0 ? messages : ['hello']) {
  write(sockfd, Buffer.from(message)); // goes to the connected peer
  try {
    const n = read(sockfd, recvline); // only the peer's datagrams reach a connected socket
    console.log(`reply: ${JSON.stringify(recvline.toString('utf8', 0, n))} (${n} bytes)`);
  } catch (err) {
    if (isSocketError(err, 'ECONNREFUSED')) console.log(`read: ECONNREFUSED (${err.description}): no server at ${host}:${port}`);
    else if (isSocketError(err, 'EAGAIN')) console.log('read: no reply within 2 s: the request or its reply was lost');
    else throw err;
    failed++;
  }
}
close(sockfd);
process.exitCode = failed > 0 ? 1 : 0;
