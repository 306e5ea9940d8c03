// Sections 8.11 and 8.12: connect() on a UDP socket, and dg_cli() revisited.
//
//   Connect(sockfd, (SA *) pservaddr, servlen);
//   while (Fgets(sendline, MAXLINE, fp) != NULL) {
//       Write(sockfd, sendline, strlen(sendline));
//       n = Read(sockfd, recvline, MAXLINE);
//       recvline[n] = 0;
//       Fputs(recvline, stdout);
//   }
//
// connect() sends nothing: it records the peer, and from then on the kernel reports the
// asynchronous errors of this socket. With no server, the ICMP port unreachable comes back as
// ECONNREFUSED on the read, and the program ends as the book's Read() wrapper ends it:
//   read error: Connection refused
// usage: echo hello | node dist/udp-echo-client-connected.js [host] [port]   (default 127.0.0.1 9877)
import { AF_INET, SOCK_DGRAM, connect, perror, read, socket, write, type InetAddress } from 'bsdsock';

import { stdinLines } from './lib/stdin-lines';

const MAXLINE = 4096;
const [host = '127.0.0.1', port = '9877'] = process.argv.slice(2);
const servaddr: InetAddress = { family: 'AF_INET', address: host, port: Number(port) };

const sockfd = socket(AF_INET, SOCK_DGRAM);
connect(sockfd, servaddr);
const recvline = Buffer.alloc(MAXLINE);
for (const sendline of stdinLines()) {
  write(sockfd, Buffer.from(sendline));
  let n: number;
  try {
    n = read(sockfd, recvline);
  } catch (err) {
    perror('read error', err); // err_sys("read error")
    process.exit(1);
  }
  process.stdout.write(recvline.subarray(0, n));
}
