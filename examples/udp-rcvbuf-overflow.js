#!/usr/bin/env node
// The socket receive buffer (the notes' point 6; Stevens 8.13, "Lack of Flow Control with UDP").
// A receiver with a small buffer does not read while a sender sends a burst: the buffer fills,
// and the kernel drops every datagram that arrives after that. Nobody is told.
//
// usage: node examples/udp-rcvbuf-overflow.js [host] [port] [count]    (default 127.0.0.1 0 200)
'use strict';

const fs = require('node:fs');
const {
  AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_RCVBUF, bind, close, getsockname, getsockopt, isSocketError, recvfrom, sendto,
  setNonBlocking, setsockopt, socket, formatAddress,
} = require('bsdsock');

const [host = '127.0.0.1', port = '0', count = '200'] = process.argv.slice(2);
const SIZE = 512;

/** Linux's own count of drops at a UDP socket: the last column of its /proc/net/udp row. */
function kernelDrops(localPort) {
  if (process.platform !== 'linux') return undefined;
  for (const row of fs.readFileSync('/proc/net/udp', 'utf8').trim().split('\n').slice(1)) {
    const fields = row.trim().split(/\s+/); // fields[1] is local_address, HEXIP:HEXPORT
    if (parseInt(fields[1].split(':')[1], 16) === localPort) return Number(fields[fields.length - 1]);
  }
  return undefined;
}

const receiver = socket(AF_INET, SOCK_DGRAM);
setsockopt(receiver, SOL_SOCKET, SO_RCVBUF, 4096); // small on purpose (Linux doubles it)
bind(receiver, { family: 'AF_INET', address: host, port: Number(port) });
const addr = getsockname(receiver);
console.log(`receiver on ${formatAddress(addr)}, SO_RCVBUF ${getsockopt(receiver, SOL_SOCKET, SO_RCVBUF)} bytes`);

// The burst: every sendto succeeds, whether or not the receiver has room.
const sender = socket(AF_INET, SOCK_DGRAM);
const payload = Buffer.alloc(SIZE);
const sent = Number(count);
for (let i = 0; i < sent; i++) sendto(sender, payload, 0, addr);
console.log(`sent ${sent} datagrams of ${SIZE} bytes`);
const drops = kernelDrops(addr.port); // before close: the row goes with the socket

// Now read what was kept, without blocking once the queue is empty.
setNonBlocking(receiver);
let received = 0;
for (;;) {
  try {
    recvfrom(receiver, payload);
    received++;
  } catch (err) {
    if (isSocketError(err, 'EAGAIN')) break; // queue empty
    throw err;
  }
}
console.log(`received ${received}`);
if (drops !== undefined) console.log(`dropped ${drops} (the kernel's count: the drops column of /proc/net/udp)`);
else console.log(`dropped ${sent - received} (sent minus received)`);
close(sender);
close(receiver);
