#!/usr/bin/env node
// The UDP client/server sequence of the course notes (point 2), in one process on loopback:
//
//   server: socket() -> bind() -> recvfrom() -> sendto() the reply
//   client: socket() -> sendto() the request -> recvfrom() the reply -> close()
//
// Both sockets are ordinary blocking descriptors, as in C. The client sends before the server
// receives, so every recvfrom finds its datagram already queued and nothing blocks for long.
'use strict';

const {
  AF_INET, SOCK_DGRAM, socket, bind, getsockname, sendto, recvfrom, close, formatAddress,
} = require('bsdsock');

const server = socket(AF_INET, SOCK_DGRAM);
bind(server, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
const serverAddr = getsockname(server);
console.log(`server: fd ${server} bound to ${formatAddress(serverAddr)}`);

const client = socket(AF_INET, SOCK_DGRAM);
const requestBuf = Buffer.alloc(1500);
const replyBuf = Buffer.alloc(1500);

for (const line of ['hello', '', 'datagrams keep their boundaries']) {
  const sent = sendto(client, Buffer.from(line), 0, serverAddr);
  console.log(`client: sendto(${JSON.stringify(line)}) = ${sent}`);

  const request = recvfrom(server, requestBuf);
  console.log(`server: recvfrom = ${request.bytes} bytes from ${formatAddress(request.from)}`);
  sendto(server, requestBuf.subarray(0, request.bytes), 0, request.from); // echo it back

  const reply = recvfrom(client, replyBuf);
  console.log(`client: recvfrom = ${JSON.stringify(replyBuf.toString('utf8', 0, reply.bytes))} ` +
    `(${reply.bytes} bytes) from ${formatAddress(reply.from)}`);
}

close(client);
close(server);
console.log('done: a zero-length datagram was echoed as 0 bytes, as point 3.2 of the notes says.');
