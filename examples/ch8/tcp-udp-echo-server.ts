// Section 8.15, "TCP and UDP Echo Server Using select": udpservselect01.c.
//
//   listenfd = Socket(AF_INET, SOCK_STREAM, 0);
//   Setsockopt(listenfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
//   Bind(listenfd, (SA *) &servaddr, sizeof(servaddr));  Listen(listenfd, LISTENQ);
//   udpfd = Socket(AF_INET, SOCK_DGRAM, 0);
//   Bind(udpfd, (SA *) &servaddr, sizeof(servaddr));      /* the same port */
//   FD_ZERO(&rset);  maxfdp1 = max(listenfd, udpfd) + 1;
//   for ( ; ; ) {
//       FD_SET(listenfd, &rset);  FD_SET(udpfd, &rset);
//       if ( (nready = select(maxfdp1, &rset, NULL, NULL, NULL)) < 0) ...
//       if (FD_ISSET(listenfd, &rset)) { connfd = Accept(listenfd, ...); if (Fork() == 0) { ... str_echo(connfd); exit(0); } Close(connfd); }
//       if (FD_ISSET(udpfd, &rset))    { n = Recvfrom(udpfd, mesg, MAXLINE, 0, ...); Sendto(udpfd, mesg, n, 0, ...); }
//   }
//
// One process blocks in select() on both descriptors. Where the book forks a child per TCP
// connection, this server puts the connection into the same select() and echoes it there (the
// way of chapter 6's tcpservselect01.c): a Node process does not fork, and a worker thread per
// connection is shown in ../tcp-echo-server.js.
// usage: node dist/tcp-udp-echo-server.js [host] [port]     (default 0.0.0.0 9877)
import {
  AF_INET, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR,
  accept, bind, close, formatAddress, getsockname, listen, read, recvfrom, select, sendto, setsockopt, socket, write,
  type InetAddress,
} from 'bsdsock';

const MAXLINE = 4096;
const LISTENQ = 1024;
const [host = '0.0.0.0', port = '9877'] = process.argv.slice(2);

const listenfd = socket(AF_INET, SOCK_STREAM);
setsockopt(listenfd, SOL_SOCKET, SO_REUSEADDR, true);
bind(listenfd, { family: 'AF_INET', address: host, port: Number(port) });
listen(listenfd, LISTENQ);
// Port 0 lets the kernel choose for TCP: UDP then takes the same number.
const servaddr = getsockname(listenfd) as InetAddress;
const udpfd = socket(AF_INET, SOCK_DGRAM);
bind(udpfd, servaddr);
console.log(`tcp and udp echo server on ${formatAddress(servaddr)}`);

const connections = new Set<number>();
const buf = Buffer.alloc(MAXLINE);
for (;;) {
  const ready = select([listenfd, udpfd, ...connections], [], [], null); // blocks on all of them
  for (const fd of ready.readfds) {
    if (fd === listenfd) {
      const { fd: connfd, from } = accept(listenfd);
      connections.add(connfd);
      console.log(`tcp connection from ${formatAddress(from)} on fd ${connfd}`);
    } else if (fd === udpfd) {
      const { bytes, from } = recvfrom(udpfd, buf);
      sendto(udpfd, buf.subarray(0, bytes), 0, from);
      console.log(`udp: echoed ${bytes} bytes to ${formatAddress(from)}`);
    } else {
      const n = read(fd, buf); // select said readable: this does not block
      if (n === 0) {
        connections.delete(fd);
        close(fd);
        console.log(`tcp: fd ${fd} closed by the client`);
      } else {
        write(fd, buf, n);
        console.log(`tcp: echoed ${n} bytes on fd ${fd}`);
      }
    }
  }
}
