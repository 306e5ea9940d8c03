// The addon in worker threads: several at once, each on its own event loop; and a worker
// terminated while busy in native calls crashes nothing and leaks no descriptor. (A worker
// terminated with Sockets open and receives pending: test/lifetime.test.ts.)
import { openDescriptors } from './helpers/descriptors';
import { firstMessage, settle, startWorker, terminateWorkers } from './helpers/workers';

afterEach(terminateWorkers);

describe('worker threads', () => {
  it('the Socket scenarios pass in four workers at once', async () => {
    const workers = Array.from({ length: 4 }, () => startWorker({ mode: 'scenarios', rounds: 3 }));
    const results = await Promise.all(workers.map(firstMessage));
    expect(results).toEqual(['ok', 'ok', 'ok', 'ok']);
    await Promise.all(workers.map((w) => w.terminate()));
  });

  it('terminating a worker busy in native calls crashes nothing', async () => {
    const before = openDescriptors();
    const worker = startWorker({ mode: 'busy' });
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
