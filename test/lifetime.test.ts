// The lifetime of a descriptor and of a Socket, with real descriptors and real reuse of their
// numbers:
//   - closing twice, and use after close: typed errors, nothing else happens;
//   - close while receives wait: each rejects, and the Socket never touches the file (or socket)
//     that gets its old number;
//   - one owner: a live Socket's descriptor cannot be closed or adopted by anyone else;
//   - garbage collection: an unclosed Socket is closed by its finalizer, exactly once, and a late
//     finalizer never closes a number that a new file has taken meanwhile;
//   - a worker thread that ends with Sockets open closes them all.
// The kernel hands out the lowest free number, so closing one and opening a file reuses it at
// once; the tests that depend on it check that the reuse really happened.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import * as api from '../lib';
import {
  AF_INET,
  BadDescriptorError,
  SOCK_DGRAM,
  Socket,
  SocketClosedError,
  bind,
  close,
  getsockname,
  sendto,
  socket,
  type InetAddress,
} from '../lib';
import { closeSockets, trackSocket, udp } from './helpers/async-sockets';
import { fileIdentity, openDescriptors } from './helpers/descriptors';
import { exposeGc } from './helpers/memory';
import { itOnLinux } from './helpers/platform';
import { thrown } from './helpers/thrown';
import { sleep } from './helpers/time';
import { firstMessage, settle, startWorker, terminateWorkers } from './helpers/workers';

const errno = os.constants.errno;

afterEach(closeSockets);
afterEach(terminateWorkers);

let gc: () => void;
let dir = '';

beforeAll(() => {
  gc = exposeGc();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-lifetime-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Collect garbage until `done()` or the tries run out; finalizers run on later turns. */
async function collect(done: () => boolean = () => false, tries = 10): Promise<void> {
  for (let i = 0; i < tries && !done(); i++) {
    gc();
    await sleep(10);
  }
}

/** The position and flags of an open file, as the kernel has them (Linux: /proc/self/fdinfo). */
function fdinfo(fd: number): { pos: string; flags: string } {
  const text = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  return { pos: /^pos:\s*(\d+)/m.exec(text)![1]!, flags: /^flags:\s*(\d+)/m.exec(text)![1]! };
}

/** Descriptor numbers registered in any epoll instance of this process (Linux). */
function watchedByEpoll(): Set<number> {
  const watched = new Set<number>();
  for (const entry of fs.readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${entry}`);
    } catch {
      continue;
    }
    if (target !== 'anon_inode:[eventpoll]') continue;
    try {
      for (const m of fs.readFileSync(`/proc/self/fdinfo/${entry}`, 'utf8').matchAll(/^tfd:\s*(\d+)/gm)) watched.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return watched;
}

describe('closing twice', () => {
  it('the flat close() twice: the second is BadDescriptorError, and nothing crashes', () => {
    const fd = socket(AF_INET, SOCK_DGRAM);
    close(fd);
    const err = thrown(() => close(fd));
    expect(err).toBeInstanceOf(BadDescriptorError);
    expect(err).toMatchObject({ code: 'EBADF', errno: errno.EBADF, syscall: 'close', message: 'close EBADF' });
  });
});

describe('use after close', () => {
  it('a Socket: async calls reject and sync calls throw ERR_SOCKET_CLOSED', async () => {
    const { socket, addr } = udp();
    socket.close();
    await expect(socket.recvfrom()).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    await expect(socket.sendto(Buffer.from('x'), addr)).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    await expect(socket.connect(addr)).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    expect(() => socket.getsockname()).toThrow(SocketClosedError);
    expect(() => socket.bind(addr)).toThrow(SocketClosedError);
  });
});

describe('close while receives wait', () => {
  it('close rejects every pending operation with ERR_SOCKET_CLOSED, and is idempotent', async () => {
    const { socket } = udp();
    const receives = [socket.recvfrom(), socket.recv(Buffer.alloc(4)), socket.recvfrom({ timeout: 10000 })];
    const fd = socket.fd;
    expect(fd).toBeGreaterThanOrEqual(0);
    socket.close();
    socket.close();
    for (const r of receives) {
      const err = await r.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SocketClosedError);
      expect(err).toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    }
    expect(socket.fd).toBe(-1);
    expect(socket.closed).toBe(true);
  });
});

describe('a closed Socket never touches the file that reuses its number', () => {
  /**
   * Makes a bound UDP Socket with receives pending, closes it, and opens `open()` at once:
   * retried until the new file got the Socket's old number.
   */
  async function closeAndReuse(open: () => number): Promise<{ old: Socket; oldAddr: InetAddress; fd: number; pending: Array<Promise<unknown>> }> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const old = new Socket(AF_INET, SOCK_DGRAM);
      old.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
      const oldAddr = old.getsockname() as InetAddress;
      const number = old.fd;
      const pending = [old.recvfrom(), old.recv(Buffer.alloc(16)), old.recvfrom({ timeout: 100 })];
      for (const p of pending) p.catch(() => undefined);
      expect(old.stats().watching).toBe(true); // the watcher is live when it is closed
      old.close();
      const fd = open();
      if (fd === number) return { old, oldAddr, fd, pending };
      fs.closeSync(fd);
      await sleep(1);
    }
    throw new Error('the kernel never reused the number (20 tries)');
  }

  /** Everything the old Socket could still do, and time for its watcher and timers to fire. */
  async function exercise(old: Socket, oldAddr: InetAddress, pending: Array<Promise<unknown>>): Promise<void> {
    for (const p of pending) await expect(p).rejects.toBeInstanceOf(SocketClosedError);
    expect(old.fd).toBe(-1);
    expect(old.closed).toBe(true);
    const sync: Array<() => unknown> = [
      () => old.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 }),
      () => old.getsockname(),
      () => old.getpeername(),
      () => old.setsockopt(api.SOL_SOCKET, api.SO_RCVBUF, 4096),
      () => old.getsockopt(api.SOL_SOCKET, api.SO_RCVBUF),
      () => old.shutdown(api.SHUT_RDWR),
      () => old.disconnect(),
      () => old.listen(),
    ];
    for (const call of sync) expect(call).toThrow(SocketClosedError);
    const async: Array<() => Promise<unknown>> = [
      () => old.recvfrom(),
      () => old.recv(Buffer.alloc(4)),
      () => old.sendto(Buffer.from('x'), oldAddr),
      () => old.send(Buffer.from('x')),
      () => old.connect(oldAddr),
      () => old.accept(),
    ];
    for (const call of async) await expect(call()).rejects.toBeInstanceOf(SocketClosedError);
    old.close();
    old.ref();
    old.unref();
    expect(old.stats()).toMatchObject({ watching: false, pendingReceives: 0 });
    // Datagrams to the old address (nothing is bound there now) and time for any watcher or
    // timer that survived the close to fire.
    const probe = socket(AF_INET, SOCK_DGRAM);
    for (let i = 0; i < 3; i++) sendto(probe, Buffer.from('late'), 0, oldAddr);
    close(probe);
    await sleep(150);
  }

  itOnLinux('a regular file: its contents, position and flags are unchanged', async () => {
    const file = path.join(dir, 'reused');
    fs.writeFileSync(file, '0123456789');
    const { old, oldAddr, fd, pending } = await closeAndReuse(() => fs.openSync(file, 'r+'));
    try {
      const id = fileIdentity(fd);
      expect(fs.readSync(fd, Buffer.alloc(4), 0, 4, null)).toBe(4); // position 4
      const before = fdinfo(fd);
      await exercise(old, oldAddr, pending);
      expect(fileIdentity(fd)).toBe(id); // still open, still the same file
      expect(fdinfo(fd)).toEqual(before);
      expect(before.pos).toBe('4');
      expect(fs.readFileSync(file, 'utf8')).toBe('0123456789');
    } finally {
      fs.closeSync(fd);
    }
  });

  itOnLinux('a pipe (FIFO): its data stays, and no epoll instance watches its number', async () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // O_RDWR: a FIFO opened for both ends never blocks on open.
    const { old, oldAddr, fd, pending } = await closeAndReuse(() => fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK));
    try {
      fs.writeSync(fd, 'pipe data');
      const before = fdinfo(fd);
      await exercise(old, oldAddr, pending);
      // libuv's old registration is gone and nothing registered the new file under that number.
      expect(watchedByEpoll().has(fd)).toBe(false);
      expect(fdinfo(fd)).toEqual(before);
      const buf = Buffer.alloc(64);
      expect(buf.subarray(0, fs.readSync(fd, buf)).toString()).toBe('pipe data');
    } finally {
      fs.closeSync(fd);
    }
  });

  it('a socket of the flat API: no datagram of the old Socket is taken from it', async () => {
    const { old, oldAddr, fd, pending } = await closeAndReuse(() => {
      const s = socket(AF_INET, SOCK_DGRAM);
      bind(s, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
      return s;
    });
    try {
      const mine = getsockname(fd) as InetAddress;
      const peer = socket(AF_INET, SOCK_DGRAM);
      sendto(peer, Buffer.from('for the new socket'), 0, mine);
      close(peer);
      await exercise(old, oldAddr, pending);
      api.setNonBlocking(fd);
      const got = api.recvfrom(fd, Buffer.alloc(64));
      expect(got.bytes).toBe('for the new socket'.length);
    } finally {
      close(fd);
    }
  });

  it('another Socket: the datagram sent to it is its own, and the old Socket only rejects', async () => {
    const { old, oldAddr, fd, pending } = await closeAndReuse(() => {
      const s = socket(AF_INET, SOCK_DGRAM);
      bind(s, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
      return s;
    });
    const reuse = trackSocket(Socket.from(fd));
    const received = reuse.recvfrom();
    const peer = udp();
    await peer.socket.sendto(Buffer.from('mine'), reuse.getsockname());
    await exercise(old, oldAddr, pending);
    expect((await received).data.toString()).toBe('mine');
  });
});

describe('one owner per descriptor', () => {
  it('the flat close() refuses a descriptor a live Socket owns', () => {
    const { socket } = udp();
    const fd = socket.fd;
    expect(() => close(fd)).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_OWNED' }));
    expect(socket.getsockname().family).toBe('AF_INET'); // still open, still its own
    socket.close();
    expect(() => close(fd)).toThrow(BadDescriptorError);
  });

  it('Socket.from() refuses a descriptor that a live Socket owns, and the owner is untouched', async () => {
    const owner = new Socket(AF_INET, SOCK_DGRAM);
    try {
      owner.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
      expect(() => Socket.from(owner.fd)).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_OWNED' }));
      expect(() => Socket.from(owner.fd)).toThrow(api.ArgumentRangeError);
      // The owner still receives, through its own watcher.
      const pending = owner.recvfrom();
      const client = socket(AF_INET, SOCK_DGRAM);
      try {
        sendto(client, Buffer.from('still mine'), 0, owner.getsockname());
      } finally {
        close(client);
      }
      expect((await pending).data.toString()).toBe('still mine');
    } finally {
      owner.close();
    }
  });

  it('Socket.from() adopts a descriptor once its owner has closed and the number was reused', () => {
    const first = new Socket(AF_INET, SOCK_DGRAM);
    const number = first.fd;
    first.close();
    const fd = socket(AF_INET, SOCK_DGRAM); // the lowest free number: usually the same one
    const adopted = Socket.from(fd);
    try {
      expect(adopted.fd).toBe(fd);
      if (fd === number) expect(adopted.getsockname().family).toBe('AF_INET');
    } finally {
      adopted.close();
    }
  });

  it('a collected Socket keeps its descriptor until its finalizer closes it: the flat close() never takes it', async () => {
    let takenByClose = 0;
    for (let i = 0; i < 5; i++) {
      const fd = ((): number => new Socket(AF_INET, SOCK_DGRAM).fd)(); // never closed
      await sleep(1); // a later job: the Socket is garbage now
      gc(); // collected; its native finalizer runs on a later turn
      try {
        close(fd);
        takenByClose++; // the finalizer would then close whatever file takes the number next
      } catch (err) {
        // Not finalized yet: still owned. Finalized already: closed, so EBADF.
        expect(['ERR_SOCKET_OWNED', 'EBADF']).toContain((err as { code: string }).code);
      }
      await collect(() => {
        try {
          fs.fstatSync(fd);
          return false;
        } catch {
          return true;
        }
      });
      expect(() => fs.fstatSync(fd)).toThrow(); // the finalizer closed it
    }
    expect(takenByClose).toBe(0);
  });
});

describe('the end of a block closes the Socket', () => {
  it('using / await using close the socket at the end of the block', async () => {
    let fd: number;
    {
      using s = new Socket(AF_INET, SOCK_DGRAM);
      fd = s.fd;
      expect(fd).toBeGreaterThanOrEqual(0);
      expect(openDescriptors()).toContain(String(fd));
    }
    expect(openDescriptors()).not.toContain(String(fd));
    let outer: Socket;
    {
      await using s = new Socket(AF_INET, SOCK_DGRAM);
      outer = s;
    }
    expect(outer.closed).toBe(true);
  });
});

describe('a finalized Socket closes its descriptor exactly once', () => {
  it('unclosed Sockets that become garbage are closed, each once', async () => {
    const before = openDescriptors().length;
    const numbers: number[] = [];
    (() => {
      for (let i = 0; i < 10; i++) numbers.push(new Socket(AF_INET, SOCK_DGRAM).fd); // never closed
    })();
    expect(openDescriptors().length).toBe(before + 10);
    await collect(() => openDescriptors().length === before);
    expect(openDescriptors().length).toBe(before);
    // Their numbers now belong to files; more collections must not close those.
    const files = numbers.map(() => fs.openSync('/dev/null', 'r'));
    try {
      await collect();
      for (const fd of files) expect(() => fs.fstatSync(fd)).not.toThrow();
      expect(openDescriptors().length).toBe(before + files.length);
    } finally {
      for (const fd of files) fs.closeSync(fd);
    }
  });

  it('a Socket closed, its number reused by a file, then collected: the finalizer leaves the file alone', async () => {
    const files: number[] = [];
    let reused = 0;
    (() => {
      for (let i = 0; i < 20; i++) {
        const s = new Socket(AF_INET, SOCK_DGRAM);
        const number = s.fd;
        s.recvfrom().catch(() => undefined); // a receive pending when it is closed
        s.close();
        const file = fs.openSync('/dev/null', 'r');
        files.push(file);
        if (file === number) reused++;
      }
    })();
    expect(reused).toBeGreaterThan(0);
    const ids = files.map(fileIdentity);
    try {
      await collect();
      await sleep(50);
      await collect();
      expect(files.map(fileIdentity)).toEqual(ids);
    } finally {
      for (const fd of files) fs.closeSync(fd);
    }
  });

  it('a garbage Socket finalized while another holds its old number closes nothing twice (descriptor count)', async () => {
    const before = openDescriptors();
    for (let round = 0; round < 5; round++) {
      (() => {
        for (let i = 0; i < 5; i++) new Socket(AF_INET, SOCK_DGRAM);
        for (let i = 0; i < 5; i++) new Socket(AF_INET, SOCK_DGRAM).close();
      })();
      await collect(() => openDescriptors().length === before.length);
    }
    expect(openDescriptors()).toEqual(before);
  });
});

describe('a worker thread that ends with Sockets open', () => {
  it('terminating a worker with sockets open and receives pending closes them all', async () => {
    // A first worker warms up whatever the runtime keeps open for workers.
    const warm = startWorker({ mode: 'scenarios' });
    expect(await firstMessage(warm)).toBe('ok');
    await warm.terminate();
    await settle();
    const before = openDescriptors();

    const worker = startWorker({ mode: 'pending' });
    const message = (await firstMessage(worker)) as { ready: number[] };
    expect(message.ready).toHaveLength(5);
    for (const fd of message.ready) expect(openDescriptors()).toContain(String(fd));
    expect(await worker.terminate()).toBe(1);
    await settle();
    expect(openDescriptors()).toEqual(before);
  });
});

// A descriptor has one owner across the whole process: descriptor numbers belong to the process,
// so a worker thread can neither adopt (Socket.from) nor close (the flat close) a descriptor
// that a Socket of the main thread owns, nor the other way round.
/** Runs `body` (with `b` the package and `fd` the number) in a worker; resolves to what it posts. */
function ownershipInWorker(fd: number, body: string): Promise<unknown> {
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
      const seen = await ownershipInWorker(owner.fd, `
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
