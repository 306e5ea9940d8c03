#!/usr/bin/env node
// traceroute: UDP probes with a rising TTL, each hop's ICMP report read from the socket's error
// queue (Linux). Stevens' traceroute reads the ICMP replies on a second, raw socket; Linux
// gives an unprivileged UDP socket the same reports with IP_RECVERR, which is what
// Socket.errors() turns on and reads (recvmsg with MSG_ERRQUEUE underneath):
//
//   setsockopt(sendfd, IPPROTO_IP, IP_TTL, &ttl, sizeof(int));
//   sendto(sendfd, sendbuf, datalen, 0, sasend, salen);     // to port 33434 + seq: nobody listens
//   recvmsg(sendfd, &msg, MSG_ERRQUEUE);                    // sock_extended_err + the offender:
//     ICMP time exceeded from a router on the way, port unreachable from the destination.
//
// usage: node examples/traceroute.js host [max-hops = 30]
'use strict';

const { AF_INET, ICMP_TIME_EXCEEDED, SOCK_DGRAM, Socket, formatAddress, getaddrinfo } = require('bsdsock');

const [host, maxArg = '30'] = process.argv.slice(2);
if (!host) {
  console.error('usage: node examples/traceroute.js host [max-hops]');
  process.exit(2);
}
if (process.platform !== 'linux') {
  console.error('traceroute: needs the socket error queue (IP_RECVERR), which only Linux has');
  process.exit(2);
}
const maxHops = Number(maxArg);
const BASE_PORT = 33434;
const WAIT_MS = 3000;

const [{ address }] = getaddrinfo(host, null, { family: AF_INET, socktype: SOCK_DGRAM });

(async () => {
  const socket = new Socket(AF_INET, SOCK_DGRAM);
  const reports = socket.errors(); // IP_RECVERR on, and the error queue watched
  console.log(`traceroute to ${host} (${address.address}), ${maxHops} hops max`);
  let reached = false;
  let pending = null; // a report being waited for, kept across a hop that timed out
  for (let ttl = 1; ttl <= maxHops && !reached; ttl++) {
    socket.setTTL(ttl);
    const sentAt = performance.now();
    const port = BASE_PORT + ttl; // the report names the probe it answers by this port
    await socket.sendto(Buffer.from('traceroute probe'), { family: 'AF_INET', address: address.address, port });
    let report = null;
    while (report === null) {
      let timer;
      const timeout = new Promise((resolve) => (timer = setTimeout(resolve, sentAt + WAIT_MS - performance.now(), 'timeout')));
      pending ??= reports.next();
      const next = await Promise.race([pending, timeout]);
      clearTimeout(timer);
      if (next === 'timeout') break;
      pending = null;
      if (next.done) break;
      if (next.value.destination.port === port) report = next.value; // else a late answer to an earlier probe
    }
    if (report === null) {
      console.log(`${String(ttl).padStart(2)}  *`);
      continue;
    }
    const hop = report.offender ? formatAddress(report.offender).replace(/:0$/, '') : '?';
    const rtt = (performance.now() - sentAt).toFixed(3);
    // Time exceeded: a router on the way. Anything else (port unreachable): the end.
    const what = report.icmpType === ICMP_TIME_EXCEEDED ? '' : `  (${report.error.code})`;
    console.log(`${String(ttl).padStart(2)}  ${hop}  ${rtt} ms${what}`);
    reached = report.icmpType !== ICMP_TIME_EXCEEDED;
  }
  await reports.return();
  socket.close();
  process.exitCode = reached ? 0 : 1;
})();
