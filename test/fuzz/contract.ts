// The error contract: what a fuzzed call may throw or reject with (our typed errors), and
// attempt(), which runs a call and fails the property on anything else.
import {
  AbortError,
  AddressInfoError,
  ArgumentRangeError,
  ArgumentTypeError,
  SocketClosedError,
  SocketError,
  UnsupportedError,
} from '../../lib';

import { count } from './run';

// Errors made by native code come from another realm than jest's: go by tag, not instanceof.
function isError(value: unknown): value is Error {
  return Object.prototype.toString.call(value) === '[object Error]';
}

/** The errors a call may throw or reject with: ours, typed. */
export function typedError(err: unknown): string | undefined {
  if (err instanceof SocketError) {
    // A socket error is complete: errno name, positive number, the call that failed.
    if (typeof err.code !== 'string' || !(err.errno > 0) || typeof err.syscall !== 'string') return undefined;
    return `${err.constructor.name} ${err.code}`;
  }
  if (err instanceof ArgumentTypeError || err instanceof ArgumentRangeError) {
    return typeof err.code === 'string' && err.code.startsWith('ERR_') ? `${err.name} ${err.code}` : undefined;
  }
  if (err instanceof SocketClosedError || err instanceof AbortError || err instanceof UnsupportedError) return err.name;
  // A failed name lookup: an EAI_* code and the platform's number for it.
  if (err instanceof AddressInfoError) return err.code.startsWith('EAI_') && Number.isInteger(err.eai) ? `AddressInfoError ${err.code}` : undefined;
  // The native layer's own argument checks: a TypeError/RangeError with a Node-style code. The
  // TypeScript layer checks first, so only what it cannot see gets here (the bytes of a forged
  // EncodedAddress); counted apart, as "native".
  if (isError(err) && (err.name === 'TypeError' || err.name === 'RangeError')) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_')) return `native ${err.name} ${code}`;
  }
  return undefined;
}

export function describeError(err: unknown): string {
  if (isError(err)) return `${err.constructor.name} ${(err as { code?: string }).code ?? ''} ${err.message}\n${err.stack}`;
  return String(err);
}

/**
 * Bugs this test found in code it does not own, tolerated here (and counted) so that the rest
 * keeps being fuzzed; each is pinned by an `it.failing` test at the end of fuzz.test.ts, which
 * starts failing once the bug is fixed: then delete the entry and make that test an `it`.
 */
const KNOWN_ISSUES: Array<{ id: string; matches(label: string, err: unknown): boolean }> = [
];

function knownIssue(label: string, err: unknown): string | undefined {
  return KNOWN_ISSUES.find((issue) => issue.matches(label, err))?.id;
}

/** Runs a synchronous call: its value, or its typed error recorded; anything else fails. */
export function attempt<T>(label: string, call: () => T): { ok: true; value: T } | { ok: false } {
  try {
    const value = call();
    count(`${label}: ok`);
    return { ok: true, value };
  } catch (err) {
    const kind = typedError(err) ?? (knownIssue(label, err) && `KNOWN ISSUE ${knownIssue(label, err)}`);
    if (!kind) throw new Error(`${label} threw an error that is not ours: ${describeError(err)}`);
    count(`${label}: ${kind}`);
    return { ok: false };
  }
}
