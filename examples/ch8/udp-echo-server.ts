// Sections 8.3 and 8.4: the UDP echo server, udpserv01.c and dg_echo().
//
//   sockfd = Socket(AF_INET, SOCK_DGRAM, 0);
//   servaddr.sin_addr.s_addr = htonl(INADDR_ANY);  servaddr.sin_port = htons(SERV_PORT);
//   Bind(sockfd, (SA *) &servaddr, sizeof(servaddr));
//   for ( ; ; ) {
//       len = clilen;
//       n = Recvfrom(sockfd, mesg, MAXLINE, 0, pcliaddr, &len);
//       Sendto(sockfd, mesg, n, 0, pcliaddr, len);
//   }
//
// One process, one socket, every client: it never ends by itself (Ctrl-C, or kill, ends it).
// usage: node dist/udp-echo-server.js [host] [port]      (default 0.0.0.0 9877, the book's SERV_PORT)
import { AF_INET, SOCK_DGRAM, bind, formatAddress, getsockname, recvfrom, sendto, socket } from 'bsdsock';

const MAXLINE = 4096;
const [host = '0.0.0.0', port = '9877'] = process.argv.slice(2);

const sockfd = socket(AF_INET, SOCK_DGRAM);
bind(sockfd, { family: 'AF_INET', address: host, port: Number(port) });
console.log(`udp echo server on ${formatAddress(getsockname(sockfd))}`);

const mesg = Buffer.alloc(MAXLINE);
for (;;) {
  const { bytes, from } = recvfrom(sockfd, mesg); // blocks until a datagram arrives
  sendto(sockfd, mesg.subarray(0, bytes), 0, from);
  console.log(`echoed ${bytes} bytes to ${formatAddress(from)}`);
}
