// Network namespaces for tests that need a second host: made with `ip netns`, joined by a veth
// pair, removed after the tests. Only 198.18.0.0/15 addresses are used, and every datagram goes
// to an address inside the namespaces a test made. Needs Linux and CAP_SYS_ADMIN; where they
// are missing, canMakeNamespaces() says why and the tests skip, naming it.
import { spawnSync } from 'node:child_process';

/** Runs `ip` with `args`: whether it succeeded, and what it printed. */
export function ip(...args: string[]): { ok: boolean; output: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim() };
}

/** `ip` that must succeed. */
export function must(...args: string[]): void {
  const r = ip(...args);
  if (!r.ok) throw new Error(`ip ${args.join(' ')}: ${r.output}`);
}

/** Whether this process may make network namespaces, and if not, why. */
export function canMakeNamespaces(tag: string): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: 'network namespaces are Linux only' };
  const probe = `bsdsock-probe-${tag}`;
  const made = ip('netns', 'add', probe);
  if (!made.ok) return { ok: false, reason: `'ip netns add' is not permitted here: ${made.output || 'no ip command'}` };
  ip('netns', 'del', probe);
  return { ok: true };
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
 * Removes namespaces named `bsdsock-<kind>-<pid>` (for a kind matched by `kinds`) left by this
 * process or by runs whose process is gone (a run that was killed cannot clean up).
 */
export function removeLeftovers(kinds: RegExp, tag: string): void {
  for (const line of ip('netns', 'list').output.split('\n')) {
    const m = /^(bsdsock-([a-z]+)-(\d+))\b/.exec(line);
    if (m && kinds.test(m[2]!) && (m[3] === tag || !alive(Number(m[3])))) ip('netns', 'del', m[1]!);
  }
}
