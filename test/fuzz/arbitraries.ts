// Arbitraries. Values that need the pool (descriptors) or must be fresh (buffers) are
// generated as recipes and made at call time.

import fc from 'fast-check';

import * as api from '../../lib';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  EncodedAddress,
  F_GETFD,
  F_GETFL,
  F_SETFD,
  F_SETFL,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SOCK_DGRAM,
  SOL_SOCKET,
  close,
  constants,
  socket,
} from '../../lib';
import { resizable } from '../helpers/memory';

import { safeAddress, safeBytes } from './confine';
import { ownPorts, poolFds } from './world';

const weirdNumber = fc.constantFrom(
  -1, -0, 0.5, -0.5, 1.5, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53, -(2 ** 53),
  Number.MAX_VALUE, Number.MIN_VALUE, Number.EPSILON,
);
export const notANumber = fc.oneof(
  fc.constantFrom(undefined, null, true, false, '', '3', '0x10', [], [1], {}, () => 3, Symbol('s'), new Number(3), new Date(0), new Map()),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.string({ maxLength: 8 }),
);
export const int32 = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -4, max: 70 }));
const anyNumber = fc.oneof({ weight: 4, arbitrary: int32 }, { weight: 2, arbitrary: weirdNumber }, fc.double());
export const numberish = fc.oneof({ weight: 6, arbitrary: anyNumber }, { weight: 1, arbitrary: notANumber });
export const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq: 4 });

// Descriptors, as recipes.
export type FdRecipe =
  | { kind: 'pool'; index: number }
  | { kind: 'never-open'; fd: number }
  | { kind: 'just-closed' }
  | { kind: 'value'; value: unknown };
export const neverOpen = fc.integer({ min: 1_000_000, max: 2 ** 31 - 1 }).map((fd): FdRecipe => ({ kind: 'never-open', fd }));
export const fdRecipe = (allowJustClosed: boolean): fc.Arbitrary<FdRecipe> =>
  fc.oneof(
    { weight: 20, arbitrary: fc.nat(100).map((index): FdRecipe => ({ kind: 'pool', index })) },
    { weight: 2, arbitrary: neverOpen },
    { weight: allowJustClosed ? 1 : 0, arbitrary: fc.constant<FdRecipe>({ kind: 'just-closed' }) },
    // (not -0: it is descriptor 0, the process's stdin, which is not the test's to close)
    { weight: 2, arbitrary: fc.oneof(weirdNumber.filter((v) => !Object.is(v, -0)), notANumber).map((value): FdRecipe => ({ kind: 'value', value })) },
  );

export function makeFd(recipe: FdRecipe): unknown {
  switch (recipe.kind) {
    case 'pool': {
      const fds = poolFds();
      return fds[recipe.index % fds.length];
    }
    case 'never-open':
      return recipe.fd;
    case 'just-closed': {
      const fd = socket(AF_INET, SOCK_DGRAM);
      close(fd);
      return fd;
    }
    case 'value':
      return recipe.value;
  }
}

// Buffers, as recipes: views with guard bytes on both sides, or memory that is not usable.
const GUARD = 16;
const CANARY = 0xa5;
export type BufRecipe =
  | { kind: 'view'; type: 'Buffer' | 'Uint8Array' | 'Uint16Array' | 'Int32Array' | 'Float64Array' | 'DataView'; elements: number; offset: number; fill: number }
  | { kind: 'detached' | 'shrunk' | 'shared' | 'resizable' }
  | { kind: 'value'; value: unknown };
const ELEMENTS = fc.oneof(fc.constantFrom(0, 1, 2, 3, 8, 64, 1500, 9000, 65507, 65508, 70000), fc.nat(300));
export const bufRecipe: fc.Arbitrary<BufRecipe> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('view' as const),
      type: fc.constantFrom('Buffer', 'Uint8Array', 'Uint16Array', 'Int32Array', 'Float64Array', 'DataView'),
      elements: ELEMENTS,
      offset: fc.nat(3),
      fill: fc.nat(255),
    }),
  },
  { weight: 3, arbitrary: fc.constantFrom<BufRecipe>({ kind: 'detached' }, { kind: 'shrunk' }, { kind: 'shared' }, { kind: 'resizable' }) },
  {
    weight: 1,
    arbitrary: fc.oneof(notANumber, fc.constantFrom(new ArrayBuffer(8), [1, 2, 3], { buffer: new ArrayBuffer(8), byteLength: 8 })).map(
      (value): BufRecipe => ({ kind: 'value', value }),
    ),
  },
);

interface Guarded {
  backing: Uint8Array;
  start: number;
  end: number;
}
let guarded: Guarded[] = [];
/** Buffers whose memory a test may take away while a call waits on it. */
let mutable: Array<() => void> = [];

/** Takes away the memory of every buffer made since forgetMemory(): detached or shrunk to 0. */
export function takeMemory(): void {
  for (const take of mutable) take();
}

/** Starts a new case: the buffers made so far are no longer the test's to take away. */
export function forgetMemory(): void {
  mutable = [];
}

export function makeBuf(recipe: BufRecipe): unknown {
  switch (recipe.kind) {
    case 'view': {
      const size = { Buffer: 1, Uint8Array: 1, Uint16Array: 2, Int32Array: 4, Float64Array: 8, DataView: 1 }[recipe.type];
      const start = GUARD + recipe.offset * size;
      const bytes = recipe.elements * size;
      const memory = new ArrayBuffer(start + bytes + GUARD);
      const backing = new Uint8Array(memory).fill(CANARY);
      backing.fill(recipe.fill, start, start + bytes);
      guarded.push({ backing, start, end: start + bytes });
      mutable.push(() => structuredClone(memory, { transfer: [memory] }));
      switch (recipe.type) {
        case 'Buffer': return Buffer.from(memory, start, bytes);
        case 'Uint8Array': return new Uint8Array(memory, start, recipe.elements);
        case 'Uint16Array': return new Uint16Array(memory, start, recipe.elements);
        case 'Int32Array': return new Int32Array(memory, start, recipe.elements);
        case 'Float64Array': return new Float64Array(memory, start, recipe.elements);
        case 'DataView': return new DataView(memory, start, bytes);
      }
      break;
    }
    case 'detached': {
      const memory = new ArrayBuffer(64);
      const view = new Uint8Array(memory, 8, 32);
      structuredClone(memory, { transfer: [memory] });
      return view;
    }
    case 'shrunk': {
      const memory = resizable(64, 128);
      const view = new Uint8Array(memory, 16, 32);
      memory.resize(8); // the view is now out of bounds
      return view;
    }
    case 'resizable': {
      const memory = resizable(64, 128);
      mutable.push(() => memory.resize(0));
      return new Uint8Array(memory); // length-tracking
    }
    case 'shared':
      return new Uint8Array(new SharedArrayBuffer(32), 4, 16);
    case 'value':
      return recipe.value;
  }
  return undefined;
}

export function checkGuards(): void {
  for (const { backing, start, end } of guarded) {
    if (backing.byteLength === 0) continue; // detached on purpose
    for (let i = 0; i < start; i++) if (backing[i] !== CANARY) throw new Error(`a call wrote ${start - i} bytes before its buffer`);
    for (let i = end; i < backing.length; i++) if (backing[i] !== CANARY) throw new Error(`a call wrote ${i - end + 1} bytes past its buffer`);
  }
  guarded = [];
}

// Addresses: well-formed, malformed and not addresses at all.
// Mostly well formed (so that calls reach the kernel), often not.
export const host4 = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('127.0.0.1', '0.0.0.0', '127.1.2.3', '255.255.255.255') },
  { weight: 2, arbitrary: fc.ipV4() },
  { weight: 2, arbitrary: fc.constantFrom('1.2.3', '256.1.1.1', '01.2.3.4', ' 1.2.3.4', '1.2.3.4\0', '::1', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);
export const host6 = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('::1', '::', '::ffff:127.0.0.1', 'fe80::1%1', 'fe80::1%lo') },
  { weight: 2, arbitrary: fc.constantFrom('fe80::1%nosuchif0', 'fe80::1%', '1::2::3', ':::', '::1\0', 'g::1') },
  fc.ipV6(),
  fc.ipV6().map((h) => `${h}%${h.length}`),
  fc.string({ maxLength: 40 }),
);
export const port = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 65535 }) }, { weight: 1, arbitrary: numberish });
const sunPath = constants.SUN_PATH_SIZE as number;
const unixPath = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ maxLength: 20 }).map((s) => `\0${s}`),
  fc.constantFrom('', 'a'.repeat(sunPath - 1), 'a'.repeat(sunPath), `\0${'a'.repeat(sunPath - 1)}`, `\0${'a'.repeat(sunPath)}`, 'é'.repeat(sunPath / 2), '/tmp/a\0b'),
  fc.string({ unit: 'binary', maxLength: 150 }),
);
const rawBytes = fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b));
export const plainAddress = fc.oneof(
  fc.record({ family: fc.constantFrom<unknown>('AF_INET', AF_INET), address: host4, port }),
  fc.record(
    { family: fc.constantFrom<unknown>('AF_INET6', AF_INET6), address: host6, port, flowinfo: numberish, scopeId: numberish },
    { requiredKeys: ['family', 'address', 'port'] },
  ),
  fc.record({ family: fc.constantFrom<unknown>('AF_UNIX', AF_UNIX), path: fc.oneof({ weight: 6, arbitrary: unixPath }, { weight: 1, arbitrary: notANumber }) }),
  fc.constant({ family: 'AF_UNSPEC' }),
  fc.record({ family: fc.constant('AF_UNKNOWN'), af: numberish, bytes: fc.oneof({ weight: 4, arbitrary: rawBytes }, { weight: 1, arbitrary: notANumber }) }),
  fc.record({ family: fc.oneof(notANumber, anyNumber, fc.constantFrom('AF_INET7', 'inet', 'AF_UNKNOWN')), address: host4, port }),
);
export type AddrRecipe = { kind: 'plain'; value: unknown } | { kind: 'encoded'; value: unknown } | { kind: 'forged'; bytes: Buffer } | { kind: 'value'; value: unknown };
export const addrRecipe: fc.Arbitrary<AddrRecipe> = fc.oneof(
  { weight: 8, arbitrary: plainAddress.map((value): AddrRecipe => ({ kind: 'plain', value })) },
  { weight: 2, arbitrary: plainAddress.map((value): AddrRecipe => ({ kind: 'encoded', value })) },
  { weight: 1, arbitrary: rawBytes.map((bytes): AddrRecipe => ({ kind: 'forged', bytes })) },
  { weight: 1, arbitrary: notANumber.map((value): AddrRecipe => ({ kind: 'value', value })) },
);

/** An address for a call that reaches the kernel: confined to this machine and this test. */
export function makeAddr(recipe: AddrRecipe): unknown {
  switch (recipe.kind) {
    case 'plain':
      return safeAddress(recipe.value);
    case 'encoded': {
      // Pre-encoded with sockaddr(): when that refuses the address, pass the address itself.
      const safe = safeAddress(recipe.value);
      try {
        return api.sockaddr(safe as never);
      } catch {
        return safe;
      }
    }
    case 'forged': {
      // Bytes that sockaddr() would never make, behind a real EncodedAddress.
      const Forge = EncodedAddress as unknown as new (address: unknown, bytes: Buffer) => EncodedAddress;
      return new Forge({ family: 'AF_INET', address: '127.0.0.1', port: ownPorts[0] }, safeBytes(recipe.bytes));
    }
    case 'value':
      return recipe.value;
  }
}

export const optionLevel = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(SOL_SOCKET, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP, IPPROTO_UDP) }, { weight: 1, arbitrary: int32 }, { weight: 1, arbitrary: notANumber });
export const optionName = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 80 }) }, { weight: 1, arbitrary: int32 }, { weight: 1, arbitrary: notANumber });
export const optionValue = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -1, max: 65536 }).map((value) => ({ kind: 'value' as const, value })) },
  { weight: 2, arbitrary: numberish.map((value) => ({ kind: 'value' as const, value })) },
  { weight: 1, arbitrary: fc.boolean().map((value) => ({ kind: 'value' as const, value })) },
  { weight: 3, arbitrary: bufRecipe.map((buf) => ({ kind: 'buf' as const, buf })) },
);
export const makeOptionValue = (v: { kind: 'value'; value: unknown } | { kind: 'buf'; buf: BufRecipe }): unknown => (v.kind === 'value' ? v.value : makeBuf(v.buf));
export const flags = fc.oneof(
  { weight: 4, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.constantFrom(constants.MSG_DONTWAIT, constants.MSG_PEEK, constants.MSG_TRUNC, constants.MSG_WAITALL, constants.MSG_OOB, constants.MSG_PEEK | constants.MSG_TRUNC) },
  { weight: 2, arbitrary: int32 },
  { weight: 1, arbitrary: numberish },
);
export const fcntlCmd = fc.oneof(fc.constantFrom(F_GETFD, F_SETFD, F_GETFL, F_SETFL), int32, notANumber);
