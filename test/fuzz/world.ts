// The test's world: its own sockets (the pool), foreign descriptors, a directory for AF_UNIX
// paths, and the check that the process holds the descriptors it should.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  accept,
  bind,
  close,
  connect,
  constants,
  getsockname,
  listen,
  setNonBlocking,
  setsockopt,
  socket,
  socketpair,
  type InetAddress,
} from '../../lib';
import { fdDirectory, openDescriptors } from '../helpers/descriptors';

import { CHECK_EVERY, figures } from './run';

export const PRIVATE = `bsdsock-fuzz-${process.pid}-`;
export let tmpdir = '';
let tmpfile = '';
const TMPFILE_CONTENT = Buffer.from('a file that is not a socket\n');

interface Pool {
  udp4: number;
  udp4b: number;
  udp6: number;
  tcpListener: number;
  tcpClient: number;
  tcpServer: number;
  unixDgram: [number, number];
  unixStream: [number, number];
  devNull: number;
  file: number;
}
export let pool: Pool;
/** Ports that belong to this test: the only ports a well-formed address may name. */
export let ownPorts: number[] = [];
let baseline: string[] = [];

function nonBlocking(fd: number): number {
  setNonBlocking(fd, true);
  return fd;
}

function makePool(): Pool {
  const udp4 = nonBlocking(socket(AF_INET, SOCK_DGRAM));
  bind(udp4, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
  const udp4b = nonBlocking(socket(AF_INET, SOCK_DGRAM));
  bind(udp4b, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
  const udp6 = nonBlocking(socket(AF_INET6, SOCK_DGRAM));
  bind(udp6, { family: 'AF_INET6', address: '::1', port: 0 });
  const tcpListener = socket(AF_INET, SOCK_STREAM);
  bind(tcpListener, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
  listen(tcpListener, 64);
  const tcpClient = socket(AF_INET, SOCK_STREAM);
  connect(tcpClient, getsockname(tcpListener));
  const tcpServer = accept(tcpListener).fd;
  for (const fd of [tcpListener, tcpClient, tcpServer]) nonBlocking(fd);
  const unixDgram = socketpair(AF_UNIX, SOCK_DGRAM).map(nonBlocking) as [number, number];
  const unixStream = socketpair(AF_UNIX, SOCK_STREAM).map(nonBlocking) as [number, number];
  return {
    udp4, udp4b, udp6, tcpListener, tcpClient, tcpServer, unixDgram, unixStream,
    devNull: fs.openSync('/dev/null', 'r+'),
    file: fs.openSync(tmpfile, 'r+'),
  };
}

export function poolFds(): number[] {
  const p = pool;
  return [p.udp4, p.udp4b, p.udp6, p.tcpListener, p.tcpClient, p.tcpServer, ...p.unixDgram, ...p.unixStream, p.devNull, p.file];
}

function closePool(): void {
  // A fuzzed SO_LINGER could make close() of a stream socket wait: turn it off first.
  const noLinger = Buffer.alloc(8);
  for (const fd of [pool.tcpListener, pool.tcpClient, pool.tcpServer, ...pool.unixStream]) {
    try {
      setsockopt(fd, SOL_SOCKET, constants.SO_LINGER, noLinger);
    } catch {
      // already closed by a fuzzed call, or not applicable
    }
  }
  for (const fd of poolFds()) {
    try {
      close(fd);
    } catch {
      // closed by a fuzzed call (and not reopened yet)
    }
  }
}

/** Makes the world: the directory, the file that is not a socket, the pool; notes the descriptors. */
export function openWorld(): void {
  tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-fuzz-'));
  tmpfile = path.join(tmpdir, 'not-a-socket');
  fs.writeFileSync(tmpfile, TMPFILE_CONTENT);
  baseline = openDescriptors();
  pool = makePool();
  refreshPorts();
}

/** Closes the pool and removes the directory. */
export function closeWorld(): void {
  closePool();
  fs.rmSync(tmpdir, { recursive: true, force: true });
}

/** A pool descriptor closed by a fuzzed call: the whole pool is made again before the next case. */
let poolDamaged = false;

export function beforeCase(): void {
  if (poolDamaged) {
    closePool();
    pool = makePool();
    refreshPorts();
    poolDamaged = false;
  }
  // A fuzzed fcntl or setNonBlocking may have made a socket blocking: a receive or accept on it
  // would then wait forever.
  for (const fd of poolFds()) setNonBlocking(fd, true);
}

function refreshPorts(): void {
  ownPorts = [pool.udp4, pool.udp4b, pool.udp6, pool.tcpListener].map((fd) => (getsockname(fd) as InetAddress).port);
}

let casesSinceCheck = 0;
export function checkDescriptors(force = false): void {
  if (poolDamaged) beforeCase(); // a call closed one of the pool's descriptors: make it again
  if (!force && ++casesSinceCheck < CHECK_EVERY) return;
  casesSinceCheck = 0;
  figures.descriptorChecks++;
  const now = openDescriptors();
  const expected = [...new Set([...baseline, ...poolFds().map(String)])].sort((a, b) => Number(a) - Number(b));
  // What the extra or missing descriptors are, for the failure message.
  const describe = (fd: string): string => {
    try {
      return `${fd} -> ${fs.readlinkSync(`${fdDirectory}/${fd}`)}`;
    } catch {
      return `${fd} (closed)`;
    }
  };
  const extra = now.filter((fd) => !expected.includes(fd)).map(describe);
  const missing = expected.filter((fd) => !now.includes(fd)).map(describe);
  expect({ extra, missing }).toEqual({ extra: [], missing: [] });
}

export function noteClosed(fd: unknown): void {
  if (typeof fd === 'number' && poolFds().includes(fd)) poolDamaged = true;
}
