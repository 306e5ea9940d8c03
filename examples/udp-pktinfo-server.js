#!/usr/bin/env node
// A UDP server bound to the wildcard address that answers from the address it was asked on.
//
// A host with several addresses (or 127.0.0.1 and 127.0.0.2 on Linux loopback) receives on all
// of them through one socket bound to 0.0.0.0. A plain sendto() reply leaves from whatever
// address routing picks, and a client that connected its socket to the address it asked never
// sees it. With IP_PKTINFO on, each datagram tells which address it was sent to, and sending
// that control message back with the reply makes it leave from there: what DNS, STUN and QUIC
// servers need. Here it all happens on the event loop (Socket.recvmsg / Socket.sendmsg): no
// thread blocks.
//
// usage: node examples/udp-pktinfo-server.js [port]    (default 9878; 0: any free port)
// Try it on Linux with `socat - UDP:127.0.0.2:9878`: the reply comes from 127.0.0.2.
'use strict';

const { AF_INET, IPPROTO_IP, IP_PKTINFO, SOCK_DGRAM, Socket, formatAddress } = require('bsdsock');

const [port = '9878'] = process.argv.slice(2);

async function main() {
  if (IP_PKTINFO === undefined) throw new Error('this platform has no IP_PKTINFO');
  const server = new Socket(AF_INET, SOCK_DGRAM);
  server.bind({ family: 'AF_INET', address: '0.0.0.0', port: Number(port) });
  server.setsockopt(IPPROTO_IP, IP_PKTINFO, true); // every datagram says where it was sent
  console.log(`udp pktinfo server on ${formatAddress(server.getsockname())}`);

  const buf = Buffer.alloc(65536);
  for (;;) {
    const { bytes, from, control } = await server.recvmsg([buf]);
    const pktinfo = control.find((c) => c.kind === 'pktinfo');
    // Sent back as it came, pktinfo makes the reply leave from the address that was asked
    // (its specDst), whatever routing would have chosen.
    await server.sendmsg([buf.subarray(0, bytes)], { address: from, control: pktinfo ? [pktinfo] : [] });
    console.log(`answered ${bytes} bytes to ${formatAddress(from)} from ${pktinfo ? pktinfo.specDst : 'the routed address'}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
