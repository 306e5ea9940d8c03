// The worker thread of point 5: one per accepted TCP connection, as a forked child in C.
// It echoes what it reads until the client closes (read returns 0), then closes the descriptor
// the main thread handed over. Threads share the descriptor table, so the main thread must not
// close it (a forked child would have its own copy, and the parent would close the original).
'use strict';

const { parentPort, threadId, workerData } = require('node:worker_threads');
const { SOL_SOCKET, SO_RCVTIMEO, close, read, setTrace, setsockopt, write } = require('bsdsock');

const { fd, timeoutMs } = workerData;
const lines = [];
// A vanished client must not hang the worker: the tour's safety net, set before the trace starts.
setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeoutMs);
setTrace((line) => lines.push(line)); // sent back to the tour, which prints them after the run

let echoed = 0;
let error;
try {
  const buf = Buffer.alloc(1500);
  for (let n = read(fd, buf); n > 0; n = read(fd, buf)) {
    write(fd, buf, n);
    echoed += n;
  }
} catch (err) {
  error = err.message;
} finally {
  close(fd);
}
parentPort.postMessage({ threadId, lines, echoed, error });
