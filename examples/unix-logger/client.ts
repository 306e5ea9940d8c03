// Sends each argument as one datagram to a unix datagram logger (logger.ts), from a socket
// bound to a path of its own so that the logger can say who sent it, and removes that path.
//
// usage: node client.js SOCKET_PATH LINE...
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { AF_UNIX, SOCK_DGRAM, bind, close, sendto, socket } from 'bsdsock';

const [logPath, ...lines] = process.argv.slice(2);
if (!logPath || lines.length === 0) {
  console.error('usage: node client.js SOCKET_PATH LINE...');
  process.exit(2);
}

const me = path.join(os.tmpdir(), `unix-logger-client-${process.pid}.sock`);
const fd = socket(AF_UNIX, SOCK_DGRAM);
try {
  bind(fd, { family: 'AF_UNIX', path: me });
  for (const line of lines) {
    // ENOENT: nobody listens at logPath; ECONNREFUSED: a socket file whose logger has gone.
    const bytes = sendto(fd, Buffer.from(line), 0, { family: 'AF_UNIX', path: logPath });
    console.log(`sent ${bytes} bytes`);
  }
} finally {
  close(fd);
  fs.rmSync(me, { force: true });
}
