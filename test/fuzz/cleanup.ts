// What the calls produce that must be cleaned up: descriptors they create or receive.
import * as fs from 'node:fs';

import { SOL_SOCKET, close } from '../../lib';
import { fdDirectory, openDescriptors } from '../helpers/descriptors';

import { LINUX } from './confine';

export function closeCreated(value: unknown, label: string): void {
  if (label === 'socket' && typeof value === 'number') close(value);
  if (label === 'socketpair' && Array.isArray(value)) for (const fd of value) close(fd as number);
  if (label === 'accept' && typeof value === 'object' && value !== null) close((value as { fd: number }).fd);
  if (label === 'recvmsg' && typeof value === 'object' && value !== null) {
    // Descriptors received with SCM_RIGHTS are new descriptors of this process.
    for (const entry of (value as { control: Array<{ kind: string; fds?: number[] }> }).control) {
      if (entry.kind === 'rights') for (const fd of entry.fds ?? []) close(fd);
      const raw = entry as unknown as { kind: string; level?: number; type?: number; data?: Buffer };
      if (LINUX && raw.kind === 'raw' && raw.level === SOL_SOCKET && raw.type === SCM_PIDFD && raw.data && raw.data.length >= 4) {
        fs.closeSync(raw.data.readInt32LE(0));
      }
    }
  }
}

// Linux options that hand the caller a new descriptor (a pidfd of the peer): getsockopt
// SO_PEERPIDFD, and SO_PASSPIDFD's SCM_PIDFD control message on a unix socket. The addon does not
// export them (Linux-only, and no public call needs them): these are the Linux values, the same
// on x86-64 and arm64 (asm-generic/socket.h), and are only used here, on Linux.
const SO_PEERPIDFD = 77;
const SCM_PIDFD = 4;

/** The pidfds this process holds (Linux). */
function openPidfds(): Set<string> {
  return new Set(
    openDescriptors().filter((fd) => {
      try {
        return fs.readlinkSync(`${fdDirectory}/${fd}`) === 'anon_inode:[pidfd]';
      } catch {
        return false; // closed meanwhile
      }
    }),
  );
}

/**
 * Runs a getsockopt; when it asks for SO_PEERPIDFD, closes every pidfd it made. The pidfd's
 * number cannot be taken from the result: given a buffer shorter than an int (1 to 3 bytes, an
 * empty or a detached view), the kernel still makes the pidfd but copies only that many bytes of
 * its number, or none, and reports that length.
 */
export function closingPeerPidfds<T>(level: unknown, name: unknown, call: () => T): T {
  if (!LINUX || level !== SOL_SOCKET || name !== SO_PEERPIDFD) return call();
  const before = openPidfds();
  try {
    return call();
  } finally {
    for (const fd of openPidfds()) if (!before.has(fd)) fs.closeSync(Number(fd));
  }
}
