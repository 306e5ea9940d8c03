#!/usr/bin/env node
// Asynchronous errors (the notes' point 3.3). A datagram sent where nothing listens brings back
// an ICMP "port unreachable". The kernel reports it only to a connected socket, as ECONNREFUSED
// at its next call; the unconnected socket is never told (Stevens 8.9, 8.11).
//
// usage: node examples/udp-econnrefused.js [host] [port]
//        (a port where nothing listens; default: a loopback port the kernel just gave out and took back)
'use strict';

const {
  AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_RCVTIMEO, bind, close, connect, formatAddress, getsockname, read, recvfrom,
  sendto, setsockopt, socket, write,
} = require('bsdsock');

let [host = '127.0.0.1', port] = process.argv.slice(2);
if (port === undefined) {
  // Bind to port 0 to get a free port, then close: nothing listens there now.
  const probe = socket(AF_INET, SOCK_DGRAM);
  bind(probe, { family: 'AF_INET', address: host, port: 0 });
  port = getsockname(probe).port;
  close(probe);
}
const nobody = { family: 'AF_INET', address: host, port: Number(port) };
console.log(`nothing listens on ${formatAddress(nobody)}`);
const buf = Buffer.alloc(1500);

/** The error code `fn` fails with, or 'no error'. */
function errorOf(fn) {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return `${err.code} (${err.description})`;
  }
}

// Unconnected: sendto succeeds (the datagram fitted in the send buffer, that is all).
const unconnected = socket(AF_INET, SOCK_DGRAM);
setsockopt(unconnected, SOL_SOCKET, SO_RCVTIMEO, 500); // wait half a second for anything at all
console.log(`unconnected: sendto = ${sendto(unconnected, Buffer.from('hello'), 0, nobody)}`);
console.log(`unconnected: recvfrom -> ${errorOf(() => recvfrom(unconnected, buf))}: silence, the ICMP error is not reported`);
close(unconnected);

// Connected: the same datagram; the ICMP error is reported at the next call on the socket.
const connected = socket(AF_INET, SOCK_DGRAM);
setsockopt(connected, SOL_SOCKET, SO_RCVTIMEO, 2000);
connect(connected, nobody);
console.log(`connected:   write = ${write(connected, Buffer.from('hello'))}`);
console.log(`connected:   read -> ${errorOf(() => read(connected, buf))}`);
close(connected);
