// Helpers without descriptors: addresses and errors.
import fc from 'fast-check';

import * as api from '../../lib';
import { AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC, SOCK_DGRAM, SOCK_STREAM, SocketError, setTrace } from '../../lib';

import { checkGuards, forgetMemory, host4, host6, int32, notANumber, numberish, plainAddress, takeMemory } from './arbitraries';
import { A, Arg, controlEntry, makeArg, makeControl } from './arguments';
import { attempt, describeError, typedError } from './contract';
import { figures } from './run';

export const helperCall = fc.oneof(
  fc.tuple(fc.constant('sockaddr'), fc.oneof(plainAddress, notANumber)),
  fc.tuple(fc.constant('formatAddress'), fc.oneof(plainAddress, notANumber)),
  // The errno helpers take a platform errno: any positive integer, known or not.
  fc.tuple(fc.constant('errnoName'), fc.integer({ min: 1, max: 100_000 })),
  fc.tuple(fc.constant('strerror'), fc.integer({ min: 1, max: 100_000 })),
  // (its address is one bsdsock made: a normalised one, or none)
  fc.tuple(fc.constant('socketError'), fc.integer({ min: 1, max: 200 }), fc.string({ maxLength: 10 }), fc.option(plainAddress, { nil: undefined })),
  fc.tuple(fc.constant('isSocketError'), fc.oneof(notANumber, fc.integer({ min: 1, max: 200 }).map((e) => api.socketError(e, 'x'))), fc.option(fc.constantFrom('ECONNREFUSED', 'EAGAIN', 'EWOULDBLOCK', 'nonsense'), { nil: undefined })),
  fc.tuple(fc.constant('setTrace'), fc.oneof(fc.boolean(), notANumber)),
  fc.tuple(fc.constant('encodeControl'), fc.oneof({ weight: 4, arbitrary: fc.array(controlEntry, { maxLength: 4 }) }, { weight: 1, arbitrary: notANumber })),
  fc.tuple(fc.constantFrom('CMSG_LEN', 'CMSG_SPACE'), numberish),
  fc.tuple(fc.constant('addressEquals'), fc.oneof(plainAddress, notANumber), fc.oneof(plainAddress, notANumber)),
  fc.tuple(fc.constantFrom('perror', 'perrorText'), fc.oneof(fc.string({ maxLength: 10 }), notANumber), fc.oneof(notANumber, fc.integer({ min: 1, max: 200 }).map((e) => api.socketError(e, 'x')))),
  fc.tuple(fc.constant('systemErrorText'), numberish),
  fc.tuple(fc.constant('udpOffload'), fc.option(notANumber, { nil: undefined })),
  // A batch prepared from arbitrary messages, then sent (to a descriptor that is never open) and
  // through a connected socketpair after its buffers were possibly detached.
  fc.tuple(fc.constant('prepareBatch'), A.msgs, fc.integer({ min: 1_000_000, max: 2 ** 31 - 1 }), fc.boolean()),
  fc.tuple(fc.constant('if_nametoindex'), fc.oneof(fc.constantFrom('lo', 'nosuch0', '', 'lo\0x', 'x'.repeat(64)), fc.string({ maxLength: 20 }), notANumber)),
  fc.tuple(fc.constant('if_indextoname'), fc.oneof(fc.integer({ min: 0, max: 100 }), numberish)),
  fc.tuple(fc.constant('if_nameindex')),
  // Lookups never ask a DNS server: runHelper adds AI_NUMERICHOST / NI_NUMERICHOST (below).
  fc.tuple(
    fc.constantFrom('getaddrinfo', 'getaddrinfoAsync'),
    fc.oneof(host4, host6, fc.constantFrom<unknown>('localhost', null, undefined, 'local\0host'), notANumber),
    fc.oneof(fc.constantFrom<unknown>(null, undefined, '53', 'domain', 'nosuchservice', '0x10', ''), numberish),
    fc.oneof(
      { weight: 4, arbitrary: fc.record({ family: fc.oneof(fc.constantFrom(AF_INET, AF_INET6, AF_UNSPEC, AF_UNIX), numberish), socktype: fc.oneof(fc.constantFrom(0, SOCK_DGRAM, SOCK_STREAM), numberish), protocol: numberish, flags: fc.oneof(int32, numberish) }, { requiredKeys: [] }) },
      { weight: 1, arbitrary: notANumber },
    ),
  ),
  fc.tuple(fc.constantFrom('getnameinfo', 'getnameinfoAsync'), fc.oneof(plainAddress, notANumber), fc.oneof(int32, numberish)),
);

// The promise forms' outcomes, checked at the end of the helpers' property.
const lookups: Array<Promise<void>> = [];

/** Waits for the promise forms' lookups started so far (their outcomes go to lookupFailures). */
export async function settleLookups(): Promise<void> {
  await Promise.all(lookups.splice(0));
}
export const lookupFailures: string[] = [];

/** Arguments of a lookup that can only be answered locally (the hosts file, or numbers). */
function localLookup(fn: string, args: unknown[]): unknown[] {
  if (fn.startsWith('getnameinfo')) {
    return [args[0], typeof args[1] === 'number' && Number.isInteger(args[1]) ? args[1] | api.NI_NUMERICHOST : args[1]];
  }
  const [node, service, hints] = args;
  if (node === 'localhost' || typeof node !== 'string') return args;
  if (hints === undefined || hints === null) return [node, service, { flags: api.AI_NUMERICHOST }];
  if (typeof hints !== 'object') return args; // refused before any lookup
  const { flags } = hints as { flags?: unknown };
  if (flags === undefined) return [node, service, { ...hints, flags: api.AI_NUMERICHOST }];
  if (typeof flags === 'number' && Number.isInteger(flags)) return [node, service, { ...hints, flags: flags | api.AI_NUMERICHOST }];
  return args; // flags that are not an int32 are refused before any lookup
}

const isRights = (e: unknown): boolean => typeof e === 'object' && e !== null && (e as { kind?: unknown }).kind === 'rights' && Array.isArray((e as { fds?: unknown }).fds);

export function runHelper([fn, ...args]: unknown[]): void {
  const call = (api as unknown as Record<string, (...a: unknown[]) => unknown>)[fn as string]!;
  if (fn === 'formatAddress') {
    // Its input is an address bsdsock returned or accepted: one sockaddr() normalised.
    const normalised = attempt('sockaddr', () => api.sockaddr(args[0] as never));
    if (normalised.ok) expect(typeof attempt('formatAddress', () => call(normalised.value.address)).ok).toBe('boolean');
  } else if (fn === 'socketError') {
    const normalised = args[2] === undefined ? undefined : attempt('sockaddr', () => api.sockaddr(args[2] as never));
    const address = normalised?.ok ? normalised.value.address : undefined;
    const made = attempt('socketError', () => api.socketError(args[0] as number, args[1] as string, address));
    if (made.ok) expect(made.value).toBeInstanceOf(SocketError);
  } else if (fn === 'prepareBatch') {
    forgetMemory();
    const messages = makeArg(args[0] as Arg);
    const prepared = attempt('prepareBatch', () => api.prepareBatch(messages as never));
    if (prepared.ok) {
      attempt('sendmmsg', () => api.sendmmsg(args[1] as number, prepared.value));
      const [a, b] = api.socketpair(api.AF_UNIX, api.SOCK_DGRAM);
      try {
        // The buffers' memory detached or shrunk after preparing, then sent again.
        if (args[2]) takeMemory();
        attempt('sendmmsg', () => api.sendmmsg(a!, prepared.value, api.MSG_DONTWAIT));
      } finally {
        api.close(a!);
        api.close(b!);
      }
    }
    checkGuards(); // sends only read: nothing was written around any buffer
    forgetMemory();
  } else if (typeof fn === 'string' && /^get(addr|name)info/.test(fn)) {
    const result = attempt(fn, () => call(...localLookup(fn, args)));
    if (result.ok && result.value instanceof Promise) {
      lookups.push(
        result.value.then(
          () => undefined,
          (err: unknown) => {
            if (!typedError(err)) lookupFailures.push(`${fn}: ${describeError(err)}`);
          },
        ),
      );
    }
  } else if (fn === 'encodeControl') {
    // Descriptors in 'rights' entries are only encoded here, never sent: any number will do.
    const entries = Array.isArray(args[0]) ? args[0].map((e) => (isRights(e) ? { ...e, fds: [1_000_000] } : makeControl(e))) : args[0];
    attempt('encodeControl', () => call(entries));
  } else if (fn === 'perror') {
    // It writes to stderr: the line is caught here instead of cluttering the run.
    const write = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      attempt('perror', () => call(...args));
    } finally {
      process.stderr.write = write;
    }
  } else {
    try {
      attempt(fn as string, () => call(...args));
    } finally {
      if (fn === 'setTrace') setTrace(false);
    }
  }
  figures.cases.helpers++;
}
