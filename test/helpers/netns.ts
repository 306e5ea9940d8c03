// Network namespaces for the tests that need a second host (Linux, as root), in one place:
// running `ip`, finding out whether namespaces can be made, removing those a killed run left
// behind, sockets made inside a namespace, and two (or three) real hosts joined by veth pairs
// with programs run inside them as `ip netns exec <ns> node -e ...` using the package (dist/).
// IPv4 from 198.18.0.0/15 and IPv6 from fd00::/8 only; tests send only to hosts inside the
// namespaces they made. Each test file picks its own subnet and names.
import { execFile, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { AF_UNIX, CMSG_SPACE, MSG_DONTWAIT, SOCK_DGRAM, close, recvmsg, socketpair } from '../../lib';
import { waitFor } from './processes';

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

/** Whether this process may make network namespaces, and if not, why (for a skipped title). */
export function canMakeNamespaces(probe = `bsdsock-probe-${process.pid}`): { ok: true } | { ok: false; reason: string } {
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
    if (m && (m[2] === ownTag || !alive(Number(m[2])))) {
      ip('netns', 'del', m[1]!);
      // The files `ip netns exec` binds over /etc inside it (resolv.conf), where a test made some.
      fs.rmSync(path.join('/etc/netns', m[1]!), { recursive: true, force: true });
    }
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

/** One host: its namespace, its end of the veth, its addresses. */
export interface Host {
  ns: string;
  dev: string;
  ipv4: string;
  ipv6: string;
}

/** A script's results: what it put in `out`, or `crashed` with the stack. */
export type Out = Record<string, unknown>;

/** A program started in a namespace: `ready` when it called ready(), `done` at its end. */
export interface Running {
  ready: Promise<Out>;
  done: Promise<Out>;
}

/**
 * Two hosts `a` and `b` on one link: 198.18.<subnet>.1/24 and .2, fd00:<subnet>::1/64 and ::2
 * (duplicate address detection off, so IPv6 is usable at once). `prefix` names the namespaces
 * (`bsdsock-<prefix>a-<pid>`); leftovers of runs that were killed are removed first.
 */
export class TwoHosts {
  readonly a: Host;
  readonly b: Host;
  readonly #prefix: string;
  readonly #files: string[] = [];
  #createdEtcNetns = false;
  readonly #extra: string[] = [];

  readonly #mtu: number | undefined;

  /** `options.mtu`: the veth pair's MTU (the kernel's default otherwise). */
  constructor(prefix: string, subnet: number, options: { mtu?: number } = {}) {
    this.#mtu = options.mtu;
    const tag = `${process.pid % 100000}`;
    this.#prefix = prefix;
    this.a = { ns: `bsdsock-${prefix}a-${tag}`, dev: `bs${prefix}${tag}a`, ipv4: `198.18.${subnet}.1`, ipv6: `fd00:${subnet}::1` };
    this.b = { ns: `bsdsock-${prefix}b-${tag}`, dev: `bs${prefix}${tag}b`, ipv4: `198.18.${subnet}.2`, ipv6: `fd00:${subnet}::2` };
  }

  /** Makes the hosts; resolves once both have a usable IPv6 link-local address. */
  async setUp(): Promise<void> {
    this.#removeLeftovers();
    const { a, b } = this;
    mustIp('netns', 'add', a.ns);
    mustIp('netns', 'add', b.ns);
    mustIp('link', 'add', a.dev, 'netns', a.ns, 'type', 'veth', 'peer', 'name', b.dev, 'netns', b.ns);
    for (const host of [a, b]) {
      this.sysctl(host, `net.ipv6.conf.${host.dev}.accept_dad`, '0');
      mustIp('-n', host.ns, 'addr', 'add', `${host.ipv4}/24`, 'brd', '+', 'dev', host.dev);
      mustIp('-n', host.ns, 'addr', 'add', `${host.ipv6}/64`, 'dev', host.dev, 'nodad');
      mustIp('-n', host.ns, 'link', 'set', host.dev, ...(this.#mtu === undefined ? [] : ['mtu', String(this.#mtu)]), 'up');
      mustIp('-n', host.ns, 'link', 'set', 'lo', 'up');
    }
    // The kernel gives a link its fe80:: address only once the carrier is up on both ends,
    // a moment after 'link set up': link-scope IPv6 multicast leaves from that address.
    for (const host of [a, b]) {
      await waitFor(() => /inet6 fe80::\S+ scope link(?!.*tentative)/.test(ip('-n', host.ns, '-6', 'addr', 'show', 'dev', host.dev).output), `the link-local address of ${host.dev}`);
    }
  }

  /**
   * A third host on a link of its own behind `router` (b, say), which forwards: 198.18.<subnet>.1
   * on the router's side, .2 on the new host's; `from` (a) gets a route through the router.
   * Resolves once the new link has its carrier.
   */
  async addHostBehind(router: Host, from: Host, subnet: number): Promise<Host> {
    const tag = `${process.pid % 100000}`;
    const far: Host = { ns: `bsdsock-${this.#prefix}c-${tag}`, dev: `bs${this.#prefix}${tag}c`, ipv4: `198.18.${subnet}.2`, ipv6: `fd00:${subnet}::2` };
    const routerDev = `bs${this.#prefix}${tag}r`;
    mustIp('netns', 'add', far.ns);
    this.#extra.push(far.ns);
    mustIp('link', 'add', routerDev, 'netns', router.ns, 'type', 'veth', 'peer', 'name', far.dev, 'netns', far.ns);
    mustIp('-n', router.ns, 'addr', 'add', `198.18.${subnet}.1/24`, 'dev', routerDev);
    mustIp('-n', far.ns, 'addr', 'add', `${far.ipv4}/24`, 'dev', far.dev);
    for (const [ns, dev] of [[router.ns, routerDev], [far.ns, far.dev], [far.ns, 'lo']] as const) mustIp('-n', ns, 'link', 'set', dev, 'up');
    mustIp('-n', far.ns, 'route', 'add', 'default', 'via', `198.18.${subnet}.1`);
    mustIp('-n', from.ns, 'route', 'add', `198.18.${subnet}.0/24`, 'via', router.ipv4);
    this.sysctl(router, 'net.ipv4.ip_forward', '1');
    for (const [ns, dev] of [[router.ns, routerDev], [far.ns, far.dev]] as const) {
      await waitFor(() => /\bLOWER_UP\b/.test(ip('-n', ns, 'link', 'show', 'dev', dev).output), `the carrier of ${dev}`);
    }
    return far;
  }

  tearDown(): void {
    for (const ns of this.#extra) ip('netns', 'del', ns);
    ip('netns', 'del', this.a.ns);
    ip('netns', 'del', this.b.ns);
    for (const file of this.#files) fs.rmSync(file, { recursive: true, force: true });
    if (this.#createdEtcNetns && fs.readdirSync('/etc/netns').length === 0) fs.rmdirSync('/etc/netns');
  }

  /** Adds an address to a host's veth (a second source on the same host). */
  addAddress(host: Host, cidr: string, ...flags: string[]): void {
    mustIp('-n', host.ns, 'addr', 'add', cidr, 'dev', host.dev, ...flags);
  }

  /** Sets a sysctl inside a host's namespace (per-namespace ones only). */
  sysctl(host: Host, key: string, value: string): void {
    const r = spawnSync('ip', ['netns', 'exec', host.ns, 'sysctl', '-qw', `${key}=${value}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`sysctl ${key}=${value} in ${host.ns}: ${r.stderr}`);
  }

  /**
   * A file `ip netns exec` binds over /etc/<name> inside the host's namespace
   * (/etc/netns/<ns>/<name>, e.g. resolv.conf); removed at tearDown.
   */
  etcFile(host: Host, name: string, text: string): void {
    const dir = path.join('/etc/netns', host.ns);
    if (!fs.existsSync('/etc/netns')) {
      fs.mkdirSync('/etc/netns');
      this.#createdEtcNetns = true;
    }
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
    this.#files.push(dir);
  }

  /**
   * Runs `body` (the inside of an async function) in node inside `host`'s namespace. In it,
   * `b` is the package, `out` the object to fill, `kind(e)` an error's class and code, and
   * `ready(obj?)` tells the test the program is set up (merging obj into `ready`).
   */
  start(host: Host, body: string, timeout = 20000): Running {
    const script = `
      const b = require('bsdsock');
      const kind = (e) => e.constructor.name + ' ' + e.code;
      const ready = (obj = {}) => console.log('READY ' + JSON.stringify(obj));
      const out = {};
      (async () => { ${body} })().then(
        () => console.log('DONE ' + JSON.stringify(out)),
        (e) => { console.log('DONE ' + JSON.stringify({ crashed: String((e && e.stack) || e), out })); process.exitCode = 1; },
      );`;
    const child = spawn('ip', ['netns', 'exec', host.ns, process.execPath, '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let onReady: (out: Out) => void = () => undefined;
    const ready = new Promise<Out>((resolve) => (onReady = resolve));
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const m = /^READY (.*)$/m.exec(stdout);
      if (m) onReady(JSON.parse(m[1]!) as Out);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    const done = new Promise<Out>((resolve, reject) => {
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const m = /^DONE (.*)$/m.exec(stdout);
        if (m) resolve(JSON.parse(m[1]!) as Out);
        else reject(new Error(`program in ${host.ns} ended (${code ?? signal}) without a result: ${stdout}${stderr}`));
        onReady({ ended: true });
      });
    });
    done.catch(() => undefined); // awaited by the test
    return { ready, done };
  }

  /** Runs `body` in `host` to its end (see start). */
  run(host: Host, body: string, timeout?: number): Promise<Out> {
    return this.start(host, body, timeout).done;
  }

  /** Runs a program file (an example) inside `host`'s namespace and returns its stdout. */
  exec(host: Host, args: string[], timeout = 20000): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('ip', ['netns', 'exec', host.ns, process.execPath, ...args], { cwd: root, encoding: 'utf8', timeout }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${args.join(' ')} in ${host.ns}: ${error.message}\n${stdout}${stderr}`));
        else resolve(stdout);
      });
    });
  }

  #removeLeftovers(): void {
    removeLeftovers(new RegExp(`^(bsdsock-${this.#prefix}[abc]-(\\d+))\\b`), String(process.pid % 100000));
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
