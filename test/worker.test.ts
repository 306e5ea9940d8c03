// The addon in worker threads: several at once, each on its own event loop; and workers
// terminated with sockets open and receives pending (or busy in native calls) crash nothing
// and leak no descriptor.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import { openDescriptors } from './helpers/descriptors';

const script = path.join(__dirname, 'fixtures', 'socket-worker.js');

const started = new Set<Worker>();

function start(workerData: object): Worker {
  const worker = new Worker(script, { workerData });
  started.add(worker);
  return worker;
}

// A worker left running (a test failed before terminating it) would keep jest from exiting.
afterEach(async () => {
  await Promise.all([...started].map((w) => w.terminate()));
  started.clear();
});

function firstMessage(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before reporting`)));
  });
}

async function settle(): Promise<void> {
  // Descriptors of a finished worker (its loop, its sockets) close as it is torn down.
  for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 10));
}

describe('worker threads', () => {
  it('the Socket scenarios pass in four workers at once', async () => {
    const workers = Array.from({ length: 4 }, () => start({ mode: 'scenarios', rounds: 3 }));
    const results = await Promise.all(workers.map(firstMessage));
    expect(results).toEqual(['ok', 'ok', 'ok', 'ok']);
    await Promise.all(workers.map((w) => w.terminate()));
  });

  it('terminating a worker with sockets open and receives pending closes them all', async () => {
    // A first worker warms up whatever the runtime keeps open for workers.
    const warm = start({ mode: 'scenarios' });
    expect(await firstMessage(warm)).toBe('ok');
    await warm.terminate();
    await settle();
    const before = openDescriptors();

    const worker = start({ mode: 'pending' });
    const message = (await firstMessage(worker)) as { ready: number[] };
    expect(message.ready).toHaveLength(5);
    for (const fd of message.ready) expect(openDescriptors()).toContain(String(fd));
    expect(await worker.terminate()).toBe(1);
    await settle();
    expect(openDescriptors()).toEqual(before);
  });

  it('terminating a worker busy in native calls crashes nothing', async () => {
    const before = openDescriptors();
    const worker = start({ mode: 'busy' });
    const message = (await firstMessage(worker)) as { ready: number[] };
    expect(message.ready).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(await worker.terminate()).toBe(1);
    await settle();
    // The flat API's descriptor is the program's to close, as in C: a terminated worker's
    // flat descriptors stay open. This one is closed here so the test leaves none behind.
    require('../lib').close(message.ready[0]!);
    expect(openDescriptors()).toEqual(before);
  });
});
