// The flat functions: one arbitrary call per case.
import * as net from 'node:net';

import fc from 'fast-check';

import * as api from '../../lib';
import { IPPROTO_IP, SOL_SOCKET, constants, setTrace } from '../../lib';

import { FdRecipe, checkGuards, forgetMemory, neverOpen } from './arbitraries';
import { A, Arg, makeArg } from './arguments';
import { closeCreated, closingPeerPidfds } from './cleanup';
import { safeOption } from './confine';
import { attempt } from './contract';
import { figures } from './run';
import { beforeCase, checkDescriptors, noteClosed } from './world';

type FlatCall = { fn: string; args: unknown[] };

const FLAT: Record<string, fc.Arbitrary<Arg>[]> = {
  socket: [A.domain, A.type, A.protocol],
  socketpair: [A.domain, A.type, A.protocol],
  close: [A.fd],
  bind: [A.fd, A.addr],
  connect: [A.fd, A.addr],
  listen: [A.fd, A.num],
  accept: [A.fd],
  shutdown: [A.fd, A.num],
  sendto: [A.fd, A.buf, A.flags, A.addr],
  send: [A.fd, A.buf, A.flags],
  write: [A.fd, A.buf, A.num],
  recvfrom: [A.fd, A.buf, A.flags],
  recv: [A.fd, A.buf, A.flags],
  read: [A.fd, A.buf, A.num],
  getsockname: [A.fdMaybeClosed],
  getpeername: [A.fdMaybeClosed],
  setsockopt: [A.fd, A.level, A.name, A.optval],
  getsockopt: [A.fdMaybeClosed, A.level, A.name, A.buf],
  fcntl: [A.fd, A.cmd, A.num],
  setNonBlocking: [A.fd, A.bool],
  getNonBlocking: [A.fdMaybeClosed],
  sendmmsg: [A.fd, A.msgs, A.flags],
  recvmmsg: [A.fd, A.bufs, A.flags],
  sendmsg: [A.fd, A.bufs, A.flags, A.sendmsgOptions],
  recvmsg: [A.fd, A.bufs, A.flags, A.recvmsgOptions],
  poll: [A.pollfds, A.waitTimeout],
  select: [A.fdlist, A.fdlist, A.fdlist, A.waitTimeout],
};
/** Calls whose trailing arguments are never left out: their defaults wait for ever. */
const FULL_ARGS = new Set(['poll', 'select']);
/** Exported from the package root but not part of the API, so not fuzzed (none today). */
const NOT_PUBLIC: string[] = [];
/** Functions without descriptors: their own property below. */
const HELPERS = [
  'sockaddr', 'formatAddress', 'errnoName', 'strerror', 'socketError', 'isSocketError', 'setTrace', 'encodeControl', 'CMSG_LEN', 'CMSG_SPACE', 'prepareBatch',
  'if_nametoindex', 'if_indextoname', 'if_nameindex', 'getaddrinfo', 'getaddrinfoAsync', 'getnameinfo', 'getnameinfoAsync',
  'addressEquals', 'perror', 'perrorText', 'systemErrorText', 'udpOffload',
];

function isClass(value: unknown): boolean {
  return typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
}
const exportedFunctions = Object.entries(api)
  .filter(([, value]) => typeof value === 'function' && !isClass(value))
  .map(([name]) => name)
  .sort();
/** Exports added after this test was written: fuzzed with a descriptor that is never open. */
export const unclassified = exportedFunctions.filter((name) => !(name in FLAT) && !HELPERS.includes(name) && !NOT_PUBLIC.includes(name));

export const flatCall: fc.Arbitrary<FlatCall & { raw: Arg[]; trace: boolean }> = fc
  .constantFrom(...Object.keys(FLAT), ...unclassified)
  .chain((fn) => {
    const spec = FLAT[fn] ?? [fc.oneof(neverOpen, fc.constant<FdRecipe>({ kind: 'value', value: -1 })).map((r) => ({ t: 'fd' as const, r })), A.num, A.buf, A.addr, A.num];
    // Mostly every argument; sometimes trailing ones left out (to their defaults, or missing).
    const keep = fc.oneof({ weight: 4, arbitrary: fc.constant(spec.length) }, { weight: 1, arbitrary: fc.nat(spec.length) });
    return fc.tuple(fc.constant(fn), fc.tuple(...spec), keep, fc.boolean());
  })
  .map(([fn, args, keep, trace]) => ({ fn, args: [], raw: (args as Arg[]).slice(0, FULL_ARGS.has(fn) ? args.length : Math.max(1, keep)), trace }));

export let traceLines = 0;
const sink = (line: string): void => {
  traceLines += line.length > 0 ? 1 : 0;
};

export function runFlat({ fn, raw, trace }: { fn: string; raw: Arg[]; trace: boolean }): void {
  beforeCase();
  forgetMemory();
  const args = raw.map(makeArg);
  if (fn === 'setsockopt') args[2] = safeOption(args[1], args[2], args[3]);
  const call = (api as unknown as Record<string, (...a: unknown[]) => unknown>)[fn]!;
  setTrace(trace ? sink : false); // the trace printers see every argument the kernel sees
  let result;
  try {
    result = attempt(fn, () => (fn === 'getsockopt' ? closingPeerPidfds(args[1], args[2], () => call(...args)) : call(...args)));
  } finally {
    setTrace(false);
  }
  if (result.ok) {
    closeCreated(result.value, fn);
    if (fn === 'close') noteClosed(args[0]);
    checkResult(fn, args, result.value);
  }
  checkGuards();
  forgetMemory();
  figures.cases.flat++;
  checkDescriptors();
}

/** What a successful call returned is well formed. */
function checkResult(fn: string, args: unknown[], value: unknown): void {
  const size = (b: unknown): number => (ArrayBuffer.isView(b) ? b.byteLength : -1);
  switch (fn) {
    case 'recv':
    case 'read':
    case 'send':
    case 'write':
    case 'sendto':
      expect(typeof value).toBe('number');
      expect(value as number).toBeGreaterThanOrEqual(0);
      // MSG_TRUNC (an input flag on Linux) reports the real length of a datagram.
      if (fn === 'read' || fn === 'write' || ((args[2] as number) & constants.MSG_TRUNC) === 0) expect(value as number).toBeLessThanOrEqual(size(args[1]));
      break;
    case 'recvfrom': {
      const r = value as { bytes: number; from: { family: string }; truncated: boolean };
      expect(typeof r.from.family).toBe('string');
      expect(typeof r.truncated).toBe('boolean');
      if (((args[2] as number) & constants.MSG_TRUNC) === 0) expect(r.bytes).toBeLessThanOrEqual(size(args[1]));
      break;
    }
    case 'getsockname':
    case 'getpeername':
      expect(typeof (value as { family: unknown }).family).toBe('string');
      break;
    case 'getsockopt':
      if (args[3] === undefined && args[1] === SOL_SOCKET && args[2] === constants.SO_LINGER) {
        expect(value).toEqual({ onoff: expect.any(Number), linger: expect.any(Number) });
      } else if (args[3] === undefined && args[1] === IPPROTO_IP && args[2] === constants.IP_MULTICAST_IF) {
        expect(net.isIPv4(value as string)).toBe(true);
      } else {
        expect(Number.isInteger(value)).toBe(true);
        if (args[3] !== undefined) expect(value as number).toBeLessThanOrEqual(size(args[3]));
      }
      break;
  }
}
