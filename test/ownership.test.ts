// A descriptor has one owner across the whole process: descriptor numbers belong to the process,
// so a worker thread can neither adopt (Socket.from) nor close (the flat close) a descriptor
// that a Socket of the main thread owns, nor the other way round.
import { Worker } from 'node:worker_threads';

import { AF_INET, SOCK_DGRAM, Socket, close } from '../lib';


/** Runs `body` (with `b` the package and `fd` the number) in a worker; resolves to what it posts. */
function inWorker(fd: number, body: string): Promise<unknown> {
  const worker = new Worker(
    `const b = require('bsdsock'); const { parentPort, workerData: fd } = require('node:worker_threads');
     const outcome = (fn) => { try { return fn(); } catch (e) { return e.code; } };
     ${body}`,
    { eval: true, workerData: fd, env: process.env, execArgv: [] },
  );
  return new Promise((resolve, reject) => {
    worker.once('message', (message) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('a descriptor has one owner in the whole process', () => {
  it('a worker can neither adopt nor close a descriptor that a main-thread Socket owns', async () => {
    const owner = new Socket(AF_INET, SOCK_DGRAM);
    try {
      owner.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
      const seen = await inWorker(owner.fd, `
        parentPort.postMessage({ from: outcome(() => b.Socket.from(fd)), close: outcome(() => b.close(fd)) });`);
      expect(seen).toEqual({ from: 'ERR_SOCKET_OWNED', close: 'ERR_SOCKET_OWNED' });
      expect(owner.getsockname().family).toBe('AF_INET'); // still open, still the owner's
    } finally {
      owner.close();
    }
  });

  it('the main thread can neither adopt nor close a descriptor that a worker Socket owns', async () => {
    const worker = new Worker(
      `const b = require('bsdsock'); const { parentPort } = require('node:worker_threads');
       const s = new b.Socket(b.AF_INET, b.SOCK_DGRAM);
       parentPort.postMessage(s.fd);
       parentPort.once('message', () => { s.close(); parentPort.postMessage('closed'); });`,
      { eval: true, env: process.env, execArgv: [] },
    );
    try {
      const fd = await new Promise<number>((resolve) => worker.once('message', resolve));
      expect(() => Socket.from(fd)).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_OWNED' }));
      expect(() => close(fd)).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_OWNED' }));
      worker.postMessage('close');
      await new Promise((resolve) => worker.once('message', resolve));
      // Closed by its owner: the number is free again (closing it now is EBADF, unless reused).
      expect(() => close(fd)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^(EBADF|ERR_SOCKET_OWNED)$/) }));
    } finally {
      await worker.terminate();
    }
  });
});
