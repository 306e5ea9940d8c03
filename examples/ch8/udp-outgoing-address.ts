// Section 8.14, "Determining Outgoing Interface with UDP": udpcli09.c.
//
//   Connect(sockfd, (SA *) &servaddr, sizeof(servaddr));
//   len = sizeof(cliaddr);
//   Getsockname(sockfd, (SA *) &cliaddr, &len);
//   printf("local address %s\n", Sock_ntop((SA *) &cliaddr, len));
//
// connect() on a UDP socket sends nothing, but the kernel chooses the route, hence the local
// address, and binds an ephemeral port: getsockname() then tells which address a datagram to
// that host would leave from.
// usage: node dist/udp-outgoing-address.js host [port]      (port default 9877; nothing is sent)
import { AF_INET, AF_INET6, SOCK_DGRAM, close, connect, formatAddress, getsockname, socket, type SocketAddress } from 'bsdsock';

const [host, port = '9877'] = process.argv.slice(2);
if (host === undefined) {
  console.error('usage: udp-outgoing-address <IPaddress> [port]');
  process.exit(2);
}
const v6 = host.includes(':');
const servaddr: SocketAddress = v6
  ? { family: 'AF_INET6', address: host, port: Number(port) }
  : { family: 'AF_INET', address: host, port: Number(port) };

const sockfd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM);
connect(sockfd, servaddr);
console.log(`local address ${formatAddress(getsockname(sockfd))}`);
close(sockfd);
