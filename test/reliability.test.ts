// Descriptor safety, with real descriptors and real reuse of their numbers:
//   - close-on-exec: a child process inherits none of our descriptors, however they were made;
//   - a Socket closed while a receive waits never touches the file that gets its old number;
//   - a finalized Socket closes its descriptor exactly once, and a late finalizer never closes
//     a number that a new file has taken meanwhile.
// The kernel hands out the lowest free number, so closing one and opening a file reuses it at
// once; each test checks that the reuse really happened rather than assuming it.
import { sleep } from './helpers/time';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

import * as api from '../lib';
import {
  AF_INET,
  AF_UNIX,
  F_GETFD,
  F_SETFD,
  FD_CLOEXEC,
  SOCK_DGRAM,
  SOCK_STREAM,
  Socket,
  SocketClosedError,
  accept,
  bind,
  close,
  connect,
  fcntl,
  getsockname,
  listen,
  sendto,
  socket,
  socketpair,
  type InetAddress,
} from '../lib';
import { openDescriptors } from './helpers/descriptors';
import { itOnLinux, onLinux } from './helpers/platform';

let gc: () => void;
let dir = '';

beforeAll(() => {
  v8.setFlagsFromString('--expose-gc');
  gc = vm.runInNewContext('gc') as () => void;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-reliability-'));
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

function identity(fd: number): string {
  const st = fs.fstatSync(fd);
  return `${st.dev}:${st.ino}`;
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

describe('close-on-exec: a child process inherits none of our descriptors', () => {
  // The child is given (number, device:inode) pairs and reports those it finds open as the same
  // file: inherited. Its own descriptors may have the same numbers, never the same inode.
  function inheritedBy(fds: Record<string, number>): string[] {
    const probe = Object.entries(fds).map(([label, fd]) => [label, fd, identity(fd)]);
    const script = `
      const fs = require('node:fs');
      const inherited = [];
      for (const [label, fd, id] of JSON.parse(process.argv[1])) {
        try {
          const st = fs.fstatSync(fd);
          if (st.dev + ':' + st.ino === id) inherited.push(label);
        } catch {}
      }
      console.log(JSON.stringify(inherited));`;
    const child = spawnSync(process.execPath, ['-e', script, JSON.stringify(probe)], { encoding: 'utf8', timeout: 20000 });
    expect(child.status).toBe(0);
    return JSON.parse(child.stdout) as string[];
  }

  it('flat sockets, socketpairs, accepted connections, Sockets and their accepted ones', async () => {
    const fds: Record<string, number> = {};
    const toClose: number[] = [];
    const sockets: Socket[] = [];
    try {
      fds.udp = socket(AF_INET, SOCK_DGRAM);
      const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
      fds['socketpair[0]'] = a!;
      fds['socketpair[1]'] = b!;
      const listener = socket(AF_INET, SOCK_STREAM);
      fds.listener = listener;
      toClose.push(...Object.values(fds));
      bind(listener, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
      listen(listener, 4);
      const client = socket(AF_INET, SOCK_STREAM);
      toClose.push(client);
      fds.client = client;
      connect(client, getsockname(listener));
      fds.accepted = accept(listener).fd;
      toClose.push(fds.accepted);

      const server = new Socket(AF_INET, SOCK_STREAM);
      sockets.push(server);
      server.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
      server.listen();
      const accepting = server.accept();
      const socketClient = new Socket(AF_INET, SOCK_STREAM);
      sockets.push(socketClient);
      await socketClient.connect(server.getsockname());
      const { socket: acceptedSocket } = await accepting;
      sockets.push(acceptedSocket);
      fds.Socket = server.fd;
      fds['Socket client'] = socketClient.fd;
      fds['Socket.accept'] = acceptedSocket.fd;
      const adopted = Socket.from(socket(AF_INET, SOCK_DGRAM));
      sockets.push(adopted);
      fds['Socket.from'] = adopted.fd;

      // A descriptor received with SCM_RIGHTS is a new descriptor of this process too.
      if (typeof (api as Record<string, unknown>).recvmsg === 'function') {
        const [x, y] = socketpair(AF_UNIX, SOCK_DGRAM);
        toClose.push(x!, y!);
        const sent = socket(AF_INET, SOCK_DGRAM);
        toClose.push(sent);
        (api as unknown as { sendmsg: Function }).sendmsg(x, [Buffer.from('fd')], 0, { control: [{ kind: 'rights', fds: [sent] }] });
        const got = (api as unknown as { recvmsg: Function }).recvmsg(y, [Buffer.alloc(8)], 0) as { control: Array<{ kind: string; fds?: number[] }> };
        const received = got.control.find((c) => c.kind === 'rights')!.fds![0]!;
        toClose.push(received);
        fds['SCM_RIGHTS'] = received;
      }

      // The control: a descriptor without the flag is inherited, so the probe can see one.
      const control = socket(AF_INET, SOCK_DGRAM);
      toClose.push(control);
      fcntl(control, F_SETFD, fcntl(control, F_GETFD) & ~FD_CLOEXEC);

      for (const fd of Object.values(fds)) expect(fcntl(fd, F_GETFD) & FD_CLOEXEC).toBe(FD_CLOEXEC);
      expect(inheritedBy({ ...fds, 'control without FD_CLOEXEC': control })).toEqual(['control without FD_CLOEXEC']);
    } finally {
      for (const s of sockets) s.close();
      for (const fd of toClose) close(fd);
    }
  });

  it('also in a child started through a shell (exec chain)', () => {
    const fd = socket(AF_INET, SOCK_DGRAM);
    try {
      const link = `socket:[${fs.fstatSync(fd).ino}]`;
      // The shell lists its own descriptors' targets.
      const out = execFileSync('/bin/sh', ['-c', 'for f in /proc/$$/fd/* /dev/fd/*; do readlink "$f"; done 2>/dev/null; true'], { encoding: 'utf8' });
      if (onLinux) expect(out.split('\n')).not.toContain(link);
    } finally {
      close(fd);
    }
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
      const id = identity(fd);
      expect(fs.readSync(fd, Buffer.alloc(4), 0, 4, null)).toBe(4); // position 4
      const before = fdinfo(fd);
      await exercise(old, oldAddr, pending);
      expect(identity(fd)).toBe(id); // still open, still the same file
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
    const ids = files.map(identity);
    try {
      await collect();
      await sleep(50);
      await collect();
      expect(files.map(identity)).toEqual(ids);
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

describe('a descriptor has one owner until it is really closed', () => {
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
