#!/usr/bin/env node
// A UDP echo client: udpcli01.c and dg_cli() of Stevens' UNIX Network Programming, with the
// messages taken from the command line instead of stdin:
//
//   sockfd = socket(AF_INET, SOCK_DGRAM, 0);
//   while (fgets(sendline, MAXLINE, fp) != NULL) {
//       sendto(sockfd, sendline, strlen(sendline), 0, pservaddr, servlen);
//       n = recvfrom(sockfd, recvline, MAXLINE, 0, NULL, NULL);
//       fputs(recvline, stdout);
//   }
//
// One change from the C: a receive timeout. UDP is unreliable, and if the request or the reply
// is lost, dg_cli waits in recvfrom for ever; here recvfrom gives up after 2 s (EAGAIN).
//
// usage: node examples/udp-echo-client.js [host] [port] [message ...]    (default 127.0.0.1 9877 hello)
// With BSDSOCK_TRACE=1 in the environment, every call is printed to stderr as strace shows it.
'use strict';

const {
  AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_RCVTIMEO, close, formatAddress, isSocketError, recvfrom, sendto, setsockopt, socket,
} = require('bsdsock');

const [host = '127.0.0.1', port = '9877', ...messages] = process.argv.slice(2);
const server = { family: 'AF_INET', address: host, port: Number(port) };

const sockfd = socket(AF_INET, SOCK_DGRAM); // no bind: the first sendto picks a local port
setsockopt(sockfd, SOL_SOCKET, SO_RCVTIMEO, 2000);

const recvline = Buffer.alloc(65535);
let lost = 0;
for (const message of messages.length > 0 ? messages : ['hello']) {
  sendto(sockfd, Buffer.from(message), 0, server);
  try {
    const { bytes, from } = recvfrom(sockfd, recvline);
    // Anyone may send to our port: say who answered (Stevens 8.8 checks it is the server).
    console.log(`reply from ${formatAddress(from)}: ${JSON.stringify(recvline.toString('utf8', 0, bytes))} (${bytes} bytes)`);
  } catch (err) {
    if (!isSocketError(err, 'EAGAIN')) throw err;
    console.log(`no reply to ${JSON.stringify(message)} within 2 s: the request or its reply was lost (UDP does not retry)`);
    lost++;
  }
}
close(sockfd);
process.exitCode = lost > 0 ? 1 : 0;
