#!/usr/bin/env node
// Connecting a UDP socket again (the notes' point 8): to a new peer, then with AF_UNSPEC to
// dissolve the association (Stevens 8.12). UDP connect sends nothing, so nothing needs to listen
// at host:port.
//
// usage: node examples/udp-unspec.js [host] [port]    (default 127.0.0.1 9877)
//
// Linux and macOS differ twice here. macOS answers connect(AF_UNSPEC) with EAFNOSUPPORT although
// the association is gone: bsdsock reports success on both. And Linux gives back a local port
// the kernel chose (at connect, with no bind), where macOS keeps it.
'use strict';

const {
  AF_INET, SOCK_DGRAM, close, connect, formatAddress, getpeername, getsockname, send, socket,
} = require('bsdsock');

const [host = '127.0.0.1', port = '9877'] = process.argv.slice(2);
const peer = { family: 'AF_INET', address: host, port: Number(port) };
const other = { family: 'AF_INET', address: host, port: peer.port === 65535 ? 65534 : peer.port + 1 };

/** The error code `fn` fails with, or what it returned. */
function outcome(fn) {
  try {
    return `= ${formatAddress(fn())}`;
  } catch (err) {
    return `-> ${err.code} (${err.description})`;
  }
}

const sockfd = socket(AF_INET, SOCK_DGRAM);

connect(sockfd, peer);
console.log(`connect(${formatAddress(peer)}): peer ${formatAddress(getpeername(sockfd))}, ` +
  `local ${formatAddress(getsockname(sockfd))} (chosen by the kernel)`);

connect(sockfd, other); // a UDP socket may connect again: it now points at another peer
console.log(`connect(${formatAddress(other)}): peer ${formatAddress(getpeername(sockfd))}`);

connect(sockfd, { family: 'AF_UNSPEC' }); // dissolve: no peer any more
console.log('connect(AF_UNSPEC): done');
console.log(`getpeername ${outcome(() => getpeername(sockfd))}`);
console.log(`getsockname ${outcome(() => getsockname(sockfd))}` +
  (process.platform === 'linux' ? '  (Linux released the port it had chosen)' : ''));
try {
  send(sockfd, Buffer.from('to whom?'));
} catch (err) {
  console.log(`send without an address -> ${err.code} (${err.description})`);
}
close(sockfd);
