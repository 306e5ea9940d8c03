// Section 8.13, "Lack of Flow Control with UDP": udpserv06.c, a dg_echo() that only counts.
//
//   static int count;
//   Signal(SIGINT, recvfrom_int);
//   n = 220 * 1024;                                   /* the second run: a bigger buffer */
//   Setsockopt(sockfd, SOL_SOCKET, SO_RCVBUF, &n, sizeof(n));
//   for ( ; ; ) { len = clilen; Recvfrom(sockfd, mesg, MAXLINE, 0, pcliaddr, &len); count++; }
//   static void recvfrom_int(int signo) { printf("\nreceived %d datagrams\n", count); exit(0); }
//
// Start it, run udp-flow-client, then press Ctrl-C: it says how many datagrams it received and
// how many the kernel dropped because the receive buffer was full.
//
// Two things differ from C, and both are worth knowing:
// - A JavaScript SIGINT handler runs between calls, never during one: while recvfrom blocks, the
//   signal waits (libuv restarts the call). So each receive waits at most 200 ms (SO_RCVTIMEO)
//   and the loop then looks at the flag. Without the timeout, Ctrl-C would wait for a datagram.
// - Linux doubles the SO_RCVBUF asked for and caps it at net.core.rmem_max; SO_RCVBUFFORCE
//   (root, Linux) passes the cap. The book's kernel counted drops only system-wide (netstat -s);
//   Linux also counts them per socket: the drops column of /proc/net/udp, and SO_RXQ_OVFL on
//   each datagram (read with recvmsg).
// usage: node dist/udp-flow-server.js [host] [port] [rcvbuf] [--force]   (default 127.0.0.1 9877)
import * as fs from 'node:fs';

import {
  AF_INET, MSG_DONTWAIT, SOCK_DGRAM, SOL_SOCKET, SO_RCVBUF, SO_RCVBUFFORCE, SO_RCVTIMEO, SO_RXQ_OVFL,
  bind, formatAddress, getsockname, getsockopt, isSocketError, recvmsg, setsockopt, socket, type InetAddress,
} from 'bsdsock';

const MAXLINE = 4096;
const args = process.argv.slice(2).filter((a) => a !== '--force');
const force = process.argv.includes('--force');
const [host = '127.0.0.1', port = '9877', rcvbuf] = args;

/** Linux's count of the datagrams dropped at this socket: the drops column of /proc/net/udp. */
function kernelDrops(localPort: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  for (const row of fs.readFileSync('/proc/net/udp', 'utf8').trim().split('\n').slice(1)) {
    const fields = row.trim().split(/\s+/); // fields[1] is local_address, HEXIP:HEXPORT
    if (parseInt(fields[1]?.split(':')[1] ?? '', 16) === localPort) return Number(fields[fields.length - 1]);
  }
  return undefined;
}

const sockfd = socket(AF_INET, SOCK_DGRAM);
if (rcvbuf !== undefined) {
  const option = force && SO_RCVBUFFORCE !== undefined ? SO_RCVBUFFORCE : SO_RCVBUF;
  setsockopt(sockfd, SOL_SOCKET, option, Number(rcvbuf));
}
if (SO_RXQ_OVFL !== undefined) setsockopt(sockfd, SOL_SOCKET, SO_RXQ_OVFL, true);
setsockopt(sockfd, SOL_SOCKET, SO_RCVTIMEO, 200); // so that a Ctrl-C is seen within 200 ms
bind(sockfd, { family: 'AF_INET', address: host, port: Number(port) });
const local = getsockname(sockfd) as InetAddress;
const size = getsockopt(sockfd, SOL_SOCKET, SO_RCVBUF);
console.log(`udp flow server on ${formatAddress(local)}, SO_RCVBUF ${size} bytes` +
  (rcvbuf !== undefined ? ` (asked ${rcvbuf}${force ? ', SO_RCVBUFFORCE' : ''})` : ''));

let interrupted = false;
process.on('SIGINT', () => {
  interrupted = true;
});

const mesg = Buffer.alloc(MAXLINE);
let count = 0;
let lastOverflow: number | undefined;
/** One receive; false when none came (the timeout, or an empty queue with MSG_DONTWAIT). */
function receive(flags: number): boolean {
  try {
    const { control } = recvmsg(sockfd, [mesg], flags);
    for (const c of control) if (c.kind === 'dropped') lastOverflow = c.count;
    count++;
    return true;
  } catch (err) {
    if (isSocketError(err, 'EAGAIN')) return false;
    throw err;
  }
}

// The JavaScript signal handler runs when this loop gives the event loop a turn: it does so
// after each timeout, through a resolved promise.
async function main(): Promise<void> {
  for (;;) {
    while (receive(0));
    await new Promise((resolve) => setImmediate(resolve));
    if (!interrupted) continue;
    while (receive(MSG_DONTWAIT)); // what is still queued was received, not dropped
    console.log(`received ${count} datagrams`);
    const drops = kernelDrops(local.port);
    if (drops !== undefined) console.log(`dropped ${drops} (the kernel's count for this socket: /proc/net/udp)`);
    else console.log('dropped: not counted per socket here (netstat -s -p udp counts them system-wide)');
    if (lastOverflow !== undefined) console.log(`SO_RXQ_OVFL: ${lastOverflow} dropped when the last counted datagram was queued`);
    process.exit(0);
  }
}
void main();
