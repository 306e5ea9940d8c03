// What the calls produce that must be cleaned up: descriptors they create or receive.
import * as fs from 'node:fs';

import { SOL_SOCKET, close } from '../../lib';

import { LINUX } from './confine';

// What the calls produce that must be cleaned up, and the pool entries a call may have closed

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
// SO_PEERPIDFD, and SO_PASSPIDFD's SCM_PIDFD control message on a unix socket.
const SO_PEERPIDFD = 77;
const SCM_PIDFD = 4;

/** A descriptor a call created as a side effect (a pidfd), which the caller must close. */
export function closeOptionDescriptor(level: unknown, name: unknown, value: unknown, buf?: unknown): void {
  if (!LINUX || level !== SOL_SOCKET || name !== SO_PEERPIDFD || typeof value !== 'number' || value < 0) return;
  if (buf === undefined) {
    fs.closeSync(value);
  } else if (ArrayBuffer.isView(buf) && value >= 4) {
    // The raw form: the descriptor's number is in the first four bytes of the buffer.
    fs.closeSync(new DataView(buf.buffer, buf.byteOffset, 4).getInt32(0, true));
  }
}

