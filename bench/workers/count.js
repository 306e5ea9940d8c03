'use strict';
// A fixed number of flat calls (for instruction counts under valgrind, where time means
// nothing): WARM calls, then N more. bench/profile.js runs it with two values of N and divides
// the difference of the totals by the difference of N: the instructions of one call.
// Usage: node count.js MODE PORT WARM N   (MODE as in send.js; sendmmsg counts batches of 64;
//        pingpong: a round trip with the echo server at PORT, sendto() + blocking recvfrom())
const { AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_RCVTIMEO, connect, recvfrom, send, sendmmsg, sendto, setsockopt, sockaddr, socket } = require('bsdsock');

const [mode, portArg, warmArg, nArg] = process.argv.slice(2);
const fd = socket(AF_INET, SOCK_DGRAM);
const peer = sockaddr({ family: 'AF_INET', address: '127.0.0.1', port: Number(portArg) });
const buf = Buffer.alloc(64, 'x');
let call;
const input = Buffer.alloc(2048);
if (mode === 'sendto') call = () => sendto(fd, buf, 0, peer);
else if (mode === 'pingpong') {
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, 5000); // a lost echo ends the run (with an error)
  call = () => {
    sendto(fd, buf, 0, peer);
    return recvfrom(fd, input);
  };
}
else if (mode === 'send') {
  connect(fd, peer);
  call = () => send(fd, buf);
} else {
  if (mode === 'sendmmsg') connect(fd, peer);
  const messages = Array.from({ length: 64 }, () => (mode === 'sendmmsg' ? { buf } : { buf, address: peer }));
  call = () => sendmmsg(fd, messages);
}
const total = Number(warmArg) + Number(nArg);
for (let i = 0; i < total; i++) call();
