// Network namespaces for the tests that need a second host (Linux, as root): making them,
// finding those a killed run left behind, and sockets that live inside one.
//
// Tests use addresses from 198.18.0.0/15 only (IPv6: fd00::/8) and send only to hosts inside
// namespaces they made.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { AF_UNIX, CMSG_SPACE, MSG_DONTWAIT, SOCK_DGRAM, close, recvmsg, socketpair } from '../../lib';

const root = path.join(__dirname, '..', '..');

/** Runs `ip` with `args`: whether it succeeded, and what it printed. */
export function ip(...args: string[]): { ok: boolean; output: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim() };
}

/** Runs `ip` with `args`, and throws with its output when it fails. */
export function mustIp(...args: string[]): void {
  const r = ip(...args);
  if (!r.ok) throw new Error(`ip ${args.join(' ')}: ${r.output}`);
}

/** Whether this process may make network namespaces, and if not, why (for the skipped title). */
export function canMakeNamespaces(probe: string): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: 'network namespaces are Linux only' };
  const made = ip('netns', 'add', probe);
  if (!made.ok) return { ok: false, reason: `'ip netns add' is not permitted here: ${made.output || 'no ip command'}` };
  ip('netns', 'del', probe);
  return { ok: true };
}

/**
 * Deletes the namespaces matching `pattern` (group 1: the name, group 2: the tag of the run
 * that made it, its pid or a part of it) that carry `ownTag` or whose process is gone: a run
 * that was killed cannot clean up after itself.
 */
export function removeLeftovers(pattern: RegExp, ownTag = String(process.pid)): void {
  for (const line of ip('netns', 'list').output.split('\n')) {
    const m = pattern.exec(line);
    if (m && (m[2] === ownTag || !alive(Number(m[2])))) ip('netns', 'del', m[1]!);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A socket made inside namespace `ns` (a socket belongs to the namespace it was made in for
 * life): a child started with `ip netns exec` makes it and passes it back with SCM_RIGHTS. The
 * descriptor is this process's, close-on-exec, and the caller's to close.
 */
export function socketIn(ns: string, domain: number, type: number): number {
  const [mine, theirs] = socketpair(AF_UNIX, SOCK_DGRAM);
  try {
    const script = `
      const b = require('bsdsock');
      const fd = b.socket(${domain}, ${type});
      b.sendmsg(3, [Buffer.from('fd')], 0, { control: [{ kind: 'rights', fds: [fd] }] });`;
    const child = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', script], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe', theirs],
      timeout: 10000,
    });
    if (child.status !== 0) throw new Error(`socket in ${ns} failed: ${child.stderr?.toString() ?? child.error}`);
    const got = recvmsg(mine, [Buffer.alloc(4)], MSG_DONTWAIT, { controlSize: CMSG_SPACE(4) });
    const rights = got.control.find((c) => c.kind === 'rights');
    if (rights?.kind !== 'rights' || rights.fds.length !== 1) throw new Error(`no descriptor came back from ${ns}`);
    return rights.fds[0]!;
  } finally {
    close(mine);
    close(theirs);
  }
}
