#!/usr/bin/env node
// A TCP echo server, for contrast with udp-echo-server.js (the notes' point 5). It is
// tcpserv01.c and str_echo() of Stevens' UNIX Network Programming, with a worker thread where
// the C forks a child:
//
//   listenfd = socket(AF_INET, SOCK_STREAM, 0);
//   bind(listenfd, (SA *) &servaddr, sizeof(servaddr));
//   listen(listenfd, LISTENQ);
//   for ( ; ; ) {
//       connfd = accept(listenfd, (SA *) &cliaddr, &clilen);
//       if ( (childpid = fork()) == 0) {     /* child */
//           close(listenfd);
//           str_echo(connfd);                /* while ((n = read(connfd, buf, MAXLINE)) > 0) write(connfd, buf, n); */
//           exit(0);
//       }
//       close(connfd);                       /* parent */
//   }
//
// Threads share one descriptor table where fork gives the child a copy: so the worker closes
// connfd when its client is done, and the main thread must not close it (nor the worker listenfd).
//
// usage: node examples/tcp-echo-server.js [host] [port]    (default 127.0.0.1 9877; port 0: any free port)
'use strict';

const fs = require('node:fs');
const { Worker, isMainThread, threadId, workerData } = require('node:worker_threads');
const {
  AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, accept, bind, close, formatAddress, getsockname, listen, read,
  setsockopt, socket, write,
} = require('bsdsock');

// Straight to the descriptor: a worker's console.log would wait for the main thread, which
// spends its time blocked in accept().
const log = (line) => fs.writeSync(1, `${line}\n`);

if (isMainThread) {
  const [host = '127.0.0.1', port = '9877'] = process.argv.slice(2);
  const listenfd = socket(AF_INET, SOCK_STREAM);
  setsockopt(listenfd, SOL_SOCKET, SO_REUSEADDR, 1); // restart at once, despite old connections in TIME_WAIT
  bind(listenfd, { family: 'AF_INET', address: host, port: Number(port) });
  listen(listenfd, 128);
  log(`tcp echo server on ${formatAddress(getsockname(listenfd))}`);

  (async () => {
    for (;;) {
      const { fd: connfd, from } = accept(listenfd); // blocks until a client connects
      const worker = new Worker(__filename, { workerData: { connfd } });
      log(`accepted ${formatAddress(from)} on fd ${connfd}, served by worker thread ${worker.threadId}`);
      // Let the event loop run once between two accepts: it cleans up the workers that have
      // finished (the zombies of Stevens 5.9, which a SIGCHLD handler reaps in C).
      await new Promise(setImmediate);
    }
  })();
} else {
  // str_echo: echo until the client closes (read returns 0), then close our descriptor.
  const { connfd } = workerData;
  const buf = Buffer.alloc(4096);
  try {
    for (let n = read(connfd, buf); n > 0; n = read(connfd, buf)) write(connfd, buf, n);
    log(`worker thread ${threadId}: client closed, closing fd ${connfd}`);
  } catch (err) {
    log(`worker thread ${threadId}: ${err.message}`);
  } finally {
    close(connfd);
  }
}
