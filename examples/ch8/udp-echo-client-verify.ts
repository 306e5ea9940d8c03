// Section 8.8, "Verifying Received Response": dg_cli() that keeps only the server's replies.
//
//   n = Recvfrom(sockfd, recvline, MAXLINE, 0, preply_addr, &len);
//   if (len != servlen || memcmp(pservaddr, preply_addr, len) != 0) {
//       printf("reply from %s (ignored)\n", Sock_ntop(preply_addr, len));
//       continue;
//   }
//
// Any process may send to the client's port; the book compares the reply's address with the
// server's. addressEquals() is that memcmp. It also shows the multihomed case: a server bound
// to the wildcard address answers from the address the route to the client chooses, not
// necessarily the one the client sent to. On loopback, send to 127.0.0.2 and the reply comes
// from 127.0.0.1: the check then ignores a genuine reply (the book's answer: bind the server
// to each address, or use IP_PKTINFO with recvmsg/sendmsg).
// usage: echo hello | node dist/udp-echo-client-verify.js [host] [port]    (default 127.0.0.1 9877)
import { AF_INET, SOCK_DGRAM, addressEquals, formatAddress, recvfrom, sendto, socket, type InetAddress } from 'bsdsock';

import { stdinLines } from './lib/stdin-lines';

const MAXLINE = 4096;
const [host = '127.0.0.1', port = '9877'] = process.argv.slice(2);
const servaddr: InetAddress = { family: 'AF_INET', address: host, port: Number(port) };

const sockfd = socket(AF_INET, SOCK_DGRAM);
const recvline = Buffer.alloc(MAXLINE);
for (const sendline of stdinLines()) {
  sendto(sockfd, Buffer.from(sendline), 0, servaddr);
  const { bytes, from } = recvfrom(sockfd, recvline);
  if (!addressEquals(from, servaddr)) {
    console.log(`reply from ${formatAddress(from)} (ignored)`);
    continue;
  }
  process.stdout.write(recvline.subarray(0, bytes));
}
