// The worker thread of point 5: one per accepted TCP connection, as a forked child in C.
// It echoes what it reads until the client closes (read returns 0), then closes the descriptor
// the main thread handed over. Threads share the descriptor table, so the main thread must not
// close it (a forked child would have its own copy, and the parent would close the original).
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { SOL_SOCKET, SO_RCVTIMEO, close, read, setTrace, setsockopt, write } from 'bsdsock';

const { fd, timeoutMs } = workerData as { fd: number; timeoutMs: number };
const lines: string[] = [];
// A vanished client must not hang the worker: the tour's safety net, set before the trace starts.
setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeoutMs);
setTrace((line) => lines.push(line)); // sent back to the tour, which prints them after the run

let echoed = 0;
let error: string | undefined;
try {
  const buf = Buffer.alloc(1500);
  for (let n = read(fd, buf); n > 0; n = read(fd, buf)) {
    write(fd, buf, n);
    echoed += n;
  }
} catch (err) {
  error = err instanceof Error ? err.message : String(err);
} finally {
  close(fd);
}
parentPort!.postMessage({ threadId, lines, echoed, error });
