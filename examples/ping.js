#!/usr/bin/env node
// ping: ICMP echo requests and their replies, the raw-socket chapter of Stevens' UNIX Network
// Programming (ping.c) in bsdsock calls:
//
//   getaddrinfo(host, NULL, &hints, &ai);                  // the name, resolved once
//   sockfd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);       // root (or CAP_NET_RAW) ...
//   sockfd = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);     // ... or a ping socket (Linux, macOS)
//   icmp->icmp_type = ICMP_ECHO; icmp->icmp_seq = nsent++; icmp->icmp_cksum = in_cksum(...);
//   sendto(sockfd, sendbuf, len, 0, pr->sasend, pr->salen);
//   n = recvfrom(sockfd, recvbuf, len, 0, pr->sarecv, &len); // raw: the IP header comes first
//
// A ping socket needs no privilege where net.ipv4.ping_group_range includes the user's group
// (Linux; macOS allows it to everyone); the kernel then picks the identifier and computes the
// checksum, and replies arrive without their IP header. Without one, the raw socket is used.
//
// usage: node examples/ping.js host [count = 3] [interval-ms = 1000]
'use strict';

const {
  AF_INET, ICMP_ECHO, ICMP_ECHOREPLY, IPPROTO_ICMP, SOCK_DGRAM, SOCK_RAW, Socket,
  formatAddress, getaddrinfo, isSocketError,
} = require('bsdsock');

const [host, countArg = '3', intervalArg = '1000'] = process.argv.slice(2);
if (!host) {
  console.error('usage: node examples/ping.js host [count] [interval-ms]');
  process.exit(2);
}
const count = Number(countArg);
const interval = Number(intervalArg);

// A name or a numeric address: getaddrinfo handles both, as ping's host_serv() does.
const [{ address }] = getaddrinfo(host, null, { family: AF_INET, socktype: SOCK_DGRAM });
const target = { family: 'AF_INET', address: address.address, port: 0 };

function open() {
  try {
    return { socket: new Socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), raw: false };
  } catch (err) {
    if (!isSocketError(err, 'EACCES') && !isSocketError(err, 'EPERM')) throw err;
    return { socket: new Socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), raw: true };
  }
}

// The Internet checksum (RFC 1071): ones' complement of the ones' complement sum of 16-bit words.
function checksum(buf) {
  let sum = 0;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length % 2) sum += buf[buf.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const { socket, raw } = open();
const id = process.pid & 0xffff; // a raw socket sees every echo reply: ours carry our id
console.log(`PING ${host} (${address.address}) with a ${raw ? 'raw' : 'ping'} socket`);

function request(seq) {
  const buf = Buffer.alloc(8 + 8);
  buf[0] = ICMP_ECHO;
  buf.writeUInt16BE(id, 4);
  buf.writeUInt16BE(seq, 6);
  buf.writeDoubleBE(performance.now(), 8); // the send time travels in the payload, as in ping.c
  buf.writeUInt16BE(checksum(buf), 2); // a ping socket computes its own and ignores this
  return buf;
}

// The reply to `seq`, or null when none came in time. Other ICMP messages are skipped.
async function reply(seq, deadline) {
  for (;;) {
    const timeout = Math.max(0, Math.round(deadline - performance.now()));
    let datagram;
    try {
      datagram = await socket.recvfrom({ timeout });
    } catch (err) {
      if (isSocketError(err, 'ETIMEDOUT')) return null;
      throw err;
    }
    const { data, from } = datagram;
    const icmp = raw ? data.subarray((data[0] & 0x0f) * 4) : data; // skip the IP header
    if (icmp.length < 16 || icmp[0] !== ICMP_ECHOREPLY || icmp.readUInt16BE(6) !== seq) continue;
    if (raw && icmp.readUInt16BE(4) !== id) continue;
    return { bytes: icmp.length, from, rtt: performance.now() - icmp.readDoubleBE(8) };
  }
}

(async () => {
  let received = 0;
  for (let seq = 1; seq <= count; seq++) {
    const sentAt = performance.now();
    await socket.sendto(request(seq), target);
    const answer = await reply(seq, sentAt + Math.max(interval, 1000));
    if (answer) {
      received++;
      console.log(`${answer.bytes} bytes from ${formatAddress(answer.from).replace(/:0$/, '')}: icmp_seq=${seq} time=${answer.rtt.toFixed(3)} ms`);
    } else {
      console.log(`no reply for icmp_seq=${seq}`);
    }
    const wait = sentAt + interval - performance.now();
    if (seq < count && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  socket.close();
  console.log(`${count} packets transmitted, ${received} received`);
  process.exitCode = received === count ? 0 : 1;
})();
