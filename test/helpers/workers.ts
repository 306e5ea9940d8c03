// Worker threads running test/fixtures/socket-worker.js, each terminated after its test.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

const script = path.join(__dirname, '..', 'fixtures', 'socket-worker.js');

const started = new Set<Worker>();

/** Starts a worker on the fixture; terminateWorkers() ends it if the test does not. */
export function startWorker(workerData: object): Worker {
  const worker = new Worker(script, { workerData });
  started.add(worker);
  return worker;
}

/** For afterEach: a worker left running (a test failed before terminating it) would keep jest from exiting. */
export async function terminateWorkers(): Promise<void> {
  await Promise.all([...started].map((w) => w.terminate()));
  started.clear();
}

/** The first message the worker posts; rejects if it fails or exits first. */
export function firstMessage(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before reporting`)));
  });
}

/** Time for a finished worker's descriptors (its loop, its sockets) to close as it is torn down. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 10));
}
