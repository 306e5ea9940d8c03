// The Socket class: a fresh socket per case, a few arbitrary method calls, datagrams from a
// peer, buffers taken away while receives wait, then close: every promise settles, typed.
import * as fs from 'node:fs';

import fc from 'fast-check';

import * as api from '../../lib';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  Socket,
  close,
  constants,
  setsockopt,
  socketpair,
  type InetAddress,
  type Inet6Address,
} from '../../lib';

import { checkGuards, forgetMemory, notANumber, numberish, optional, takeMemory } from './arbitraries';
import { A, Arg, makeArg } from './arguments';
import { closingPeerPidfds } from './cleanup';
import { safeOption } from './confine';
import { attempt, describeError, typedError } from './contract';
import { count, figures } from './run';
import { beforeCase, checkDescriptors, pool } from './world';

type SocketKind = 'udp4' | 'udp6' | 'udp4-unbound' | 'tcp-listener' | 'unix-dgram' | 'closed' | 'from';
const socketKind = fc.constantFrom<SocketKind>('udp4', 'udp4', 'udp6', 'udp4-unbound', 'tcp-listener', 'unix-dgram', 'closed', 'from');
type Wait = 'none' | 'abort-now' | 'abort-later' | 'not-a-signal' | { timeout: unknown } | { value: unknown };
const W = fc
  .oneof(
    fc.constantFrom<Wait>('none', 'abort-now', 'abort-later', 'not-a-signal'),
    fc.oneof(fc.integer({ min: 0, max: 20 }), numberish).map((timeout): Wait => ({ timeout })),
    notANumber.map((value): Wait => ({ value })),
  )
  .map((w) => ({ t: 'wait' as const, w }));
let controllers: AbortController[] = [];

function makeWait(w: Wait): unknown {
  if (w === 'none') return undefined;
  if (w === 'abort-now') return { signal: AbortSignal.abort(new Error('fuzz')) };
  if (w === 'abort-later') {
    const controller = new AbortController();
    controllers.push(controller);
    return { signal: controller.signal };
  }
  if (w === 'not-a-signal') return { signal: { aborted: false } };
  return 'timeout' in w ? { timeout: w.timeout } : w.value;
}

// batches() options: a ring of arbitrary (often out-of-range) shape, or wait-style junk.
const batchesOptions = fc
  .record(
    { count: fc.oneof(fc.integer({ min: -1, max: 70 }), numberish), size: fc.oneof(fc.integer({ min: -1, max: 70000 }), numberish) },
    { requiredKeys: [] },
  )
  .map((v) => ({ t: 'v' as const, v }));

/** Each Socket method and its arbitrary arguments (trailing ones may be left out). */
const M: Record<string, fc.Arbitrary<MethodArg>[]> = {
  bind: [A.addr],
  listen: [A.num],
  getsockname: [],
  getpeername: [],
  setsockopt: [A.level, A.name, A.optval],
  getsockopt: [A.level, A.name, A.buf],
  shutdown: [A.num],
  disconnect: [],
  connect: [A.addr],
  recvfrom: [fc.oneof(A.buf, W), W],
  recv: [fc.oneof(A.buf, W), W],
  sendto: [A.buf, A.addr, A.flags],
  send: [A.buf, A.flags],
  sendmmsg: [A.msgs, A.flags],
  recvmmsg: [A.bufs, W],
  recvmsg: [A.bufs, fc.oneof(A.recvmsgOptions, W)],
  sendmsg: [A.bufs, A.sendmsgOptions],
  segmentation: [],
  useSegmentationFallback: [],
  setGro: [A.bool],
  accept: [W],
  errors: [W],
  batches: [fc.oneof(batchesOptions, W)],
  ref: [],
  unref: [],
  stats: [],
  close: [],
  [Symbol.asyncIterator as unknown as string]: [],
  // Multicast and broadcast. The only joinable groups are ones the kernel never reports on a
  // link (224.0.0.1, interface-local ff01::), and interfaces are loopback's or nonsense, so
  // nothing reaches a real network whatever the arguments.
  addMembership: [A.group, A.iface],
  dropMembership: [A.group, A.iface],
  addSourceSpecificMembership: [A.source, A.group, A.iface],
  dropSourceSpecificMembership: [A.source, A.group, A.iface],
  setMulticastInterface: [A.iface],
  setMulticastTTL: [A.num],
  setMulticastLoopback: [A.bool],
  setBroadcast: [A.bool],
  setTTL: [A.num],
};
type MethodArg = Arg | { t: 'wait'; w: Wait };
const makeMethodArg = (arg: MethodArg): unknown => (arg.t === 'wait' ? makeWait(arg.w) : makeArg(arg));
const ACCESSORS = ['fd', 'closed', 'gro'];
const socketMethods = [...Object.getOwnPropertyNames(Socket.prototype), ...Object.getOwnPropertySymbols(Socket.prototype)].filter(
  (name) => name !== 'constructor' && !ACCESSORS.includes(name as string),
);
const methodKey = (name: string | symbol): string => (typeof name === 'symbol' ? name.toString() : name);
const covered = new Set([...Object.keys(M), Symbol.asyncIterator.toString(), Symbol.dispose.toString(), Symbol.asyncDispose.toString()]);
export const unclassifiedMethods = socketMethods.map(methodKey).filter((name) => !covered.has(name) && !/^Symbol\((deliver|ready|errors)\)$/.test(name));
const methodCall = fc
  .constantFrom<string | symbol>(...Object.keys(M), Symbol.asyncIterator, Symbol.dispose, Symbol.asyncDispose)
  .chain((method) => {
    const spec = M[method as string] ?? [];
    const keep = fc.oneof({ weight: 4, arbitrary: fc.constant(spec.length) }, { weight: 1, arbitrary: fc.nat(spec.length) });
    return fc.tuple(fc.constant(method), fc.tuple(...spec), keep);
  })
  .map(([method, args, keep]) => ({ method, args: (args as MethodArg[]).slice(0, Math.max(keep, args.length > 0 && args[0]!.t === 'addr' ? 1 : 0)) }));
interface SocketCase {
  kind: SocketKind;
  ctor: [unknown, unknown, unknown];
  calls: Array<{ method: string | symbol; args: MethodArg[] }>;
  datagrams: number;
  takeMemory: boolean;
}
export const socketCase: fc.Arbitrary<SocketCase> = fc.record({
  kind: socketKind,
  ctor: fc.tuple(numberish, numberish, optional(numberish)),
  calls: fc.array(methodCall, { minLength: 1, maxLength: 5 }),
  datagrams: fc.nat(3),
  takeMemory: fc.boolean(),
});

function openSocket(kind: SocketKind, ctor: unknown[]): { socket: Socket | undefined; target: unknown; cleanup(): void } {
  const none = (): void => undefined;
  const fresh = (domain: number): Socket => new Socket(domain, SOCK_DGRAM);
  switch (kind) {
    case 'udp4':
    case 'udp6': {
      const s = fresh(kind === 'udp4' ? AF_INET : AF_INET6);
      s.bind(kind === 'udp4' ? { family: 'AF_INET', address: '127.0.0.1', port: 0 } : { family: 'AF_INET6', address: '::1', port: 0 });
      return { socket: s, target: s.getsockname(), cleanup: none };
    }
    case 'udp4-unbound':
      return { socket: fresh(AF_INET), target: undefined, cleanup: none };
    case 'tcp-listener': {
      const s = new Socket(AF_INET, SOCK_STREAM);
      s.bind({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
      s.listen(8);
      return { socket: s, target: undefined, cleanup: none };
    }
    case 'unix-dgram': {
      // Its peer never reads: a few sends fill the queue and the rest wait for room.
      const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
      setsockopt(b!, SOL_SOCKET, constants.SO_RCVBUF, 1);
      return { socket: Socket.from(a!), target: undefined, cleanup: () => close(b!) };
    }
    case 'closed': {
      const s = fresh(AF_INET);
      s.close();
      return { socket: s, target: undefined, cleanup: none };
    }
    case 'from': {
      // The constructor and Socket.from with arbitrary arguments; what they create is closed.
      const made = attempt('new Socket', () => new Socket(ctor[0] as number, ctor[1] as number, ctor[2] as number));
      if (made.ok) made.value.close();
      for (const fd of [1_000_000, -1, 2 ** 31, NaN, '3', null]) attempt('Socket.from', () => Socket.from(fd as number));
      const devNull = fs.openSync('/dev/null', 'r');
      const adopted = attempt('Socket.from(/dev/null)', () => Socket.from(devNull));
      if (adopted.ok) adopted.value.close();
      else fs.closeSync(devNull);
      return { socket: undefined, target: undefined, cleanup: none };
    }
  }
}

const settleTimeout = (ms: number): Promise<'timeout'> => new Promise((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function runSocketCase(c: SocketCase): Promise<void> {
  beforeCase();
  const { socket: s, target, cleanup } = openSocket(c.kind, c.ctor);
  const pending: Array<{ label: string; promise: Promise<unknown> }> = [];
  controllers = [];
  const accepted: Socket[] = [];
  if (s) {
    for (const { method, args } of c.calls) {
      const values = args.map(makeMethodArg);
      if (method === 'setsockopt') values[1] = safeOption(values[0], values[1], values[2]);
      const label = `Socket.${methodKey(method)}`;
      const invoke = (): unknown => {
        const fn = (s as unknown as Record<string | symbol, (...a: unknown[]) => unknown>)[method]!;
        const value = fn.apply(s, values);
        // An async iterator (the datagrams, the error reports): take its first step.
        const iterator = value as { next?: unknown } | undefined;
        return typeof iterator?.next === 'function' ? (iterator as AsyncIterator<unknown>).next() : value;
      };
      const result = attempt(label, method === 'getsockopt' ? () => closingPeerPidfds(values[0], values[1], invoke) : invoke);
      if (result.ok && result.value instanceof Promise) {
        // Methods that wait return a promise and never throw: its outcome is checked below.
        result.value.catch(() => undefined); // (awaited below; no unhandled rejection meanwhile)
        pending.push({ label, promise: result.value });
      }
    }
    // Datagrams to the socket, from the pool's UDP socket, so receives complete.
    if (target && c.datagrams > 0) {
      const from = (target as { family: string }).family === 'AF_INET6' ? pool.udp6 : pool.udp4b;
      for (let i = 0; i < c.datagrams; i++) attempt('peer sendto', () => api.sendto(from, Buffer.from(`datagram ${i}`), 0, target as InetAddress | Inet6Address));
    }
    await turn();
    if (c.takeMemory) {
      // Detach or shrink the memory of buffers that receives may still wait on, then deliver.
      takeMemory();
      if (target) {
        const from = (target as { family: string }).family === 'AF_INET6' ? pool.udp6 : pool.udp4b;
        attempt('peer sendto', () => api.sendto(from, Buffer.from('late'), 0, target as InetAddress));
      }
      await turn();
    }
    for (const controller of controllers) controller.abort(new Error('fuzz'));
    s.close();
  }
  cleanup();
  for (const { label, promise } of pending) {
    const outcome = await Promise.race([
      promise.then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
      settleTimeout(2000),
    ]);
    if (outcome === 'timeout') throw new Error(`${label}: the promise never settled after close()`);
    if (outcome.ok) {
      count(`${label}: resolved`);
      const value = outcome.value as { socket?: unknown };
      if (value && value.socket instanceof Socket) accepted.push(value.socket);
    } else {
      const kind = typedError(outcome.error);
      if (kind === undefined) throw new Error(`${label} rejected with an error that is not ours: ${describeError(outcome.error)}`);
      count(`${label}: ${kind}`);
    }
  }
  for (const a of accepted) a.close();
  checkGuards();
  forgetMemory();
  controllers = [];
  figures.cases.socket++;
  checkDescriptors();
}
