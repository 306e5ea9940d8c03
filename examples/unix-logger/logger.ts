// A unix datagram logger: the service a syslog daemon runs on /dev/log, in miniature. Each
// datagram on the socket is one log line; the logger prints it with the time and the sender's
// address (a client that bound a path of its own can be told apart; an unbound one has none).
// Datagrams keep their boundaries, so a line is never split or glued to the next, and a
// sender never waits for the logger: a full socket buffer answers EAGAIN at once, to a
// non-blocking sender.
//
// usage: node logger.js SOCKET_PATH            (the path is removed first, and at the end)
// Send with: node client.js SOCKET_PATH "a line", or `echo hi | socat - UNIX-SENDTO:SOCKET_PATH`.
import * as fs from 'node:fs';

import { AF_UNIX, SOCK_DGRAM, Socket, formatAddress, type SocketAddress } from 'bsdsock';

const path = process.argv[2];
if (!path) {
  console.error('usage: node logger.js SOCKET_PATH');
  process.exit(2);
}

function sender(from: SocketAddress): string {
  return from.family === 'AF_UNIX' && from.path !== '' ? formatAddress(from) : '(unbound)';
}

async function main(socketPath: string): Promise<void> {
  fs.rmSync(socketPath, { force: true }); // a socket file left by an earlier run: bind would say EADDRINUSE
  await using log = new Socket(AF_UNIX, SOCK_DGRAM);
  log.bind({ family: 'AF_UNIX', path: socketPath });
  const stop = (): void => log.close(); // ends the loop below
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  console.log(`logging datagrams sent to ${socketPath}`);
  try {
    for await (const { data, from } of log) {
      const line = data.toString('utf8').replace(/\n$/, '');
      console.log(`${new Date().toISOString()} ${sender(from)}: ${line}`);
    }
  } finally {
    fs.rmSync(socketPath, { force: true });
  }
}

main(path).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
