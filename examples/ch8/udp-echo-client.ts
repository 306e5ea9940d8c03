// Sections 8.5 to 8.7 and 8.9: the UDP echo client, udpcli01.c and dg_cli().
//
//   sockfd = Socket(AF_INET, SOCK_DGRAM, 0);
//   while (Fgets(sendline, MAXLINE, fp) != NULL) {
//       Sendto(sockfd, sendline, strlen(sendline), 0, pservaddr, servlen);
//       n = Recvfrom(sockfd, recvline, MAXLINE, 0, NULL, NULL);
//       recvline[n] = 0;
//       Fputs(recvline, stdout);
//   }
//
// As in the book there is no timeout: if the request or the reply is lost (8.7), or no server
// runs (8.9: the ICMP port unreachable is not reported to an unconnected socket), recvfrom
// blocks for ever. Run it with BSDSOCK_TRACE=1 to watch it wait:
//   recvmsg(3, <unfinished ...>
// usage: echo hello | node dist/udp-echo-client.js [host] [port]      (default 127.0.0.1 9877)
import { AF_INET, SOCK_DGRAM, recvfrom, sendto, socket, type InetAddress } from 'bsdsock';

import { stdinLines } from './lib/stdin-lines';

const MAXLINE = 4096;
const [host = '127.0.0.1', port = '9877'] = process.argv.slice(2);
const servaddr: InetAddress = { family: 'AF_INET', address: host, port: Number(port) };

const sockfd = socket(AF_INET, SOCK_DGRAM); // no bind: the first sendto picks the local port
const recvline = Buffer.alloc(MAXLINE);
for (const sendline of stdinLines()) {
  sendto(sockfd, Buffer.from(sendline), 0, servaddr);
  const { bytes } = recvfrom(sockfd, recvline); // the sender is not looked at (see 8.8)
  process.stdout.write(recvline.subarray(0, bytes));
}
