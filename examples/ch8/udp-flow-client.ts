// Section 8.13, "Lack of Flow Control with UDP": udpcli06.c's dg_cli(), a burst with no replies.
//
//   #define NDG   2000   /* datagrams to send */
//   #define DGLEN 1400   /* length of each datagram */
//   for (i = 0; i < NDG; i++)
//       Sendto(sockfd, sendline, DGLEN, 0, pservaddr, servlen);
//
// Every sendto succeeds as soon as the datagram fits in this socket's send buffer: nothing
// waits for the receiver, and nobody is told what it dropped. Run udp-flow-server first.
// usage: node dist/udp-flow-client.js [host] [port] [count] [size]   (default 127.0.0.1 9877 2000 1400)
import { AF_INET, SOCK_DGRAM, close, sendto, socket, sockaddr } from 'bsdsock';

const [host = '127.0.0.1', port = '9877', count = '2000', size = '1400'] = process.argv.slice(2);
const NDG = Number(count);
const DGLEN = Number(size);

const sockfd = socket(AF_INET, SOCK_DGRAM);
const servaddr = sockaddr({ family: 'AF_INET', address: host, port: Number(port) }); // encoded once for the loop
const sendline = Buffer.alloc(DGLEN);
for (let i = 0; i < NDG; i++) sendto(sockfd, sendline, 0, servaddr);
console.log(`sent ${NDG} datagrams of ${DGLEN} bytes`);
close(sockfd);
