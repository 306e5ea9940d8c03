// The arguments of the calls, as recipes (A), and makeArg() which makes them at call time.
import fc from 'fast-check';

import * as api from '../../lib';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SOCK_DGRAM,
  SOCK_STREAM,
  constants,
} from '../../lib';

import { AddrRecipe, BufRecipe, FdRecipe, addrRecipe, bufRecipe, fcntlCmd, fdRecipe, flags, host4, host6, makeAddr, makeBuf, makeFd, makeOptionValue, notANumber, numberish, optionLevel, optionName, optionValue } from './arbitraries';
import { LOOPBACK_IF, UNKNOWN_OPTION } from './confine';

// Control messages for sendmsg (recipes: descriptors and data are made at call time).
export const controlEntry = fc.oneof(
  fc.record(
    {
      kind: fc.constant('pktinfo'),
      family: fc.constantFrom<unknown>('AF_INET', 'AF_INET6', 'AF_X', 2),
      address: fc.oneof(host4, host6),
      specDst: fc.oneof(host4, host6),
      ifindex: fc.oneof(fc.constantFrom(0, 1, 2 ** 31 - 1), numberish),
    },
    { requiredKeys: ['kind'] },
  ),
  fc.record({ kind: fc.constant('ttl'), ttl: numberish }),
  fc.record({ kind: fc.constant('hopLimit'), hopLimit: numberish }),
  fc.record({ kind: fc.constant('tos'), tos: numberish }),
  fc.record({ kind: fc.constant('rights'), fds: fc.oneof(fc.array(fdRecipe(false), { maxLength: 3 }), notANumber) }),
  fc.record({ kind: fc.constant('raw'), level: optionLevel, type: optionName, data: bufRecipe }),
  fc.record({ kind: fc.constant('segment'), size: fc.oneof(fc.constantFrom(0, 1, 7, 1200, 65535, 65536), numberish) }),
  fc.record({ kind: fc.constantFrom<unknown>('error', 'dropped', 'gro', 'bogus', 42, undefined) }),
  notANumber,
);
// Control messages at the IP levels that are harmless to send; any other type becomes unknown.
const SAFE_IP_CMSG = new Set(
  [
    [IPPROTO_IP, constants.IP_TTL],
    [IPPROTO_IP, constants.IP_TOS],
    [IPPROTO_IPV6, constants.IPV6_HOPLIMIT],
    [IPPROTO_IPV6, constants.IPV6_UNICAST_HOPS],
  ].map(([level, type]) => `${level}:${type}`),
);

export function makeControl(entry: unknown): unknown {
  if (typeof entry !== 'object' || entry === null) return entry;
  const e = { ...(entry as Record<string, unknown>) };
  if (e.kind === 'pktinfo' && typeof e.ifindex === 'number' && Number.isInteger(e.ifindex) && e.ifindex > 1) {
    e.ifindex = 2 ** 31 - 1; // no real interface: traffic never leaves through one
  }
  if (e.kind === 'rights' && Array.isArray(e.fds)) e.fds = e.fds.map((r) => makeFd(r as FdRecipe));
  if (e.kind === 'raw') {
    if ((e.level === IPPROTO_IP || e.level === IPPROTO_IPV6) && !SAFE_IP_CMSG.has(`${String(e.level)}:${String(e.type)}`)) e.type = UNKNOWN_OPTION;
    e.data = makeBuf(e.data as BufRecipe);
  }
  return e;
}

export const A = {
  fd: fdRecipe(false).map((r) => ({ t: 'fd' as const, r })),
  fdMaybeClosed: fdRecipe(true).map((r) => ({ t: 'fd' as const, r })),
  buf: bufRecipe.map((r) => ({ t: 'buf' as const, r })),
  addr: addrRecipe.map((r) => ({ t: 'addr' as const, r })),
  level: optionLevel.map((v) => ({ t: 'v' as const, v })),
  name: optionName.map((v) => ({ t: 'v' as const, v })),
  optval: optionValue.map((r) => ({ t: 'opt' as const, r })),
  flags: flags.map((v) => ({ t: 'v' as const, v })),
  num: numberish.map((v) => ({ t: 'v' as const, v })),
  domain: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(AF_INET, AF_INET6, AF_UNIX) }, { weight: 1, arbitrary: numberish }).map((v) => ({ t: 'v' as const, v })),
  type: fc
    .oneof({ weight: 4, arbitrary: fc.constantFrom(SOCK_DGRAM, SOCK_STREAM, constants.SOCK_SEQPACKET, SOCK_DGRAM | (constants.SOCK_NONBLOCK ?? 0)) }, { weight: 1, arbitrary: numberish })
    .map((v) => ({ t: 'v' as const, v })),
  protocol: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, IPPROTO_UDP, IPPROTO_TCP) }, { weight: 1, arbitrary: numberish }).map((v) => ({ t: 'v' as const, v })),
  bool: fc.oneof(fc.boolean(), notANumber).map((v) => ({ t: 'v' as const, v })),
  cmd: fcntlCmd.map((v) => ({ t: 'v' as const, v })),
  msgs: fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .array(
          fc.record({
            buf: bufRecipe,
            address: fc.option(addrRecipe, { nil: undefined }),
            segmentSize: fc.option(fc.oneof(fc.constantFrom(0, 1, 7, 1200, 65535, 65536), numberish), { nil: undefined, freq: 4 }),
          }),
          { maxLength: 6 },
        )
        .map((m) => ({ t: 'msgs' as const, m })),
    },
    { weight: 1, arbitrary: fc.oneof(notANumber, fc.constant(new Array(1025).fill({ buf: Buffer.alloc(1) }))).map((v) => ({ t: 'v' as const, v })) },
  ),
  sendmsgOptions: fc
    .oneof(
      fc.record(
        {
          address: addrRecipe,
          control: fc.oneof({ weight: 4, arbitrary: fc.array(controlEntry, { maxLength: 3 }) }, { weight: 1, arbitrary: notANumber }),
          encode: fc.boolean(),
          // Socket.sendmsg's own options (the flat call ignores them)
          flags,
          segmentSize: fc.oneof(fc.constantFrom(0, 1, 7, 1200, 65535, 65536), numberish),
        },
        { requiredKeys: [] },
      ),
      notANumber,
    )
    .map((o) => ({ t: 'sendmsg-options' as const, o })),
  recvmsgOptions: fc
    .oneof(fc.record({ controlSize: fc.oneof(fc.constantFrom(0, 1, 16, 512, 65536, 65537), numberish) }, { requiredKeys: [] }), notANumber)
    .map((v) => ({ t: 'v' as const, v })),
  bufs: fc.oneof(
    { weight: 5, arbitrary: fc.array(bufRecipe, { maxLength: 6 }).map((m) => ({ t: 'bufs' as const, m })) },
    { weight: 1, arbitrary: notANumber.map((v) => ({ t: 'v' as const, v })) },
  ),
  group: fc
    .oneof(fc.constantFrom<unknown>('224.0.0.1', 'ff01::1:2', '127.0.0.1', '::1', '239.1.2', 'ff01::1%lo', ''), notANumber)
    .map((v) => ({ t: 'v' as const, v })),
  source: fc.oneof(fc.constantFrom<unknown>('127.0.0.1', '::1', '224.0.0.1', 'x'), notANumber).map((v) => ({ t: 'v' as const, v })),
  // Never missing (a missing interface lets the kernel choose a real one): loopback's or nonsense.
  iface: fc
    .oneof(fc.constantFrom<unknown>(LOOPBACK_IF, '127.0.0.1', '::1', `::%${LOOPBACK_IF}`, 'nosuch0', -1, 2 ** 32, 0.5), notANumber.filter((v) => v !== undefined && v !== null))
    .map((v) => ({ t: 'v' as const, v })),
  pollfds: fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .array(fc.oneof({ weight: 6, arbitrary: fc.record({ fd: fdRecipe(true), events: fc.oneof(fc.constantFrom(0, api.POLLIN, api.POLLOUT, api.POLLIN | api.POLLOUT, api.POLLPRI), numberish) }) }, { weight: 1, arbitrary: notANumber }), { maxLength: 4 })
        .map((m) => ({ t: 'pollfds' as const, m })),
    },
    { weight: 1, arbitrary: notANumber.map((v) => ({ t: 'v' as const, v })) },
  ),
  fdlist: fc.oneof(
    { weight: 5, arbitrary: fc.array(fdRecipe(true), { maxLength: 4 }).map((m) => ({ t: 'fdlist' as const, m })) },
    { weight: 1, arbitrary: notANumber.map((v) => ({ t: 'v' as const, v })) },
  ),
  // A wait that ends at once: 0 or 1 ms, or a value refused before the call. Never -1 or null
  // (for ever), which on a pool socket with nothing to read would never return.
  waitTimeout: fc.constantFrom<unknown>(0, 1, -2, 1.5, 2 ** 31, NaN, '5', {}, 10n).map((v) => ({ t: 'v' as const, v })),
};
export type Arg = { t: 'fd'; r: FdRecipe } | { t: 'buf'; r: BufRecipe } | { t: 'addr'; r: AddrRecipe } | { t: 'opt'; r: Parameters<typeof makeOptionValue>[0] } | { t: 'v'; v: unknown } | { t: 'msgs'; m: Array<{ buf: BufRecipe; address?: AddrRecipe; segmentSize?: unknown }> } | { t: 'bufs'; m: BufRecipe[] } | { t: 'sendmsg-options'; o: unknown } | { t: 'pollfds'; m: unknown[] } | { t: 'fdlist'; m: FdRecipe[] };

export function makeArg(arg: Arg): unknown {
  switch (arg.t) {
    case 'fd': return makeFd(arg.r);
    case 'buf': return makeBuf(arg.r);
    case 'addr': return makeAddr(arg.r);
    case 'opt': return makeOptionValue(arg.r);
    case 'v': return arg.v;
    case 'msgs':
      return arg.m.map((m) => {
        const message: Record<string, unknown> = { buf: makeBuf(m.buf) };
        if (m.address !== undefined) message.address = makeAddr(m.address);
        if (m.segmentSize !== undefined) message.segmentSize = m.segmentSize;
        return message;
      });
    case 'bufs': return arg.m.map(makeBuf);
    case 'pollfds':
      return arg.m.map((e) => (typeof e === 'object' && e !== null && 'fd' in e ? { ...(e as object), fd: makeFd((e as { fd: FdRecipe }).fd) } : e));
    case 'fdlist': return arg.m.map(makeFd);
    case 'sendmsg-options': {
      if (typeof arg.o !== 'object' || arg.o === null) return arg.o;
      const o = arg.o as { address?: AddrRecipe; control?: unknown; encode?: boolean; flags?: unknown; segmentSize?: unknown };
      const out: Record<string, unknown> = {};
      if ('flags' in o) out.flags = o.flags;
      if ('segmentSize' in o) out.segmentSize = o.segmentSize;
      if (o.address !== undefined) out.address = makeAddr(o.address);
      if (o.control !== undefined) {
        const control = Array.isArray(o.control) ? o.control.map(makeControl) : o.control;
        // Encoded once with encodeControl() when that accepts it, as a program would.
        out.control = control;
        if (o.encode && Array.isArray(control)) {
          try {
            out.control = api.encodeControl(control as never);
          } catch {
            // refused: passed as entries, to be refused again by sendmsg
          }
        }
      }
      return out;
    }
  }
}

/** Each flat function and the arbitrary arguments it gets; optional trailing ones may be left out. */
