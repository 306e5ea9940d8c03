/**
 * Argument checks made before any syscall, with Node-style errors. Native code checks again:
 * these exist for the message, not for safety.
 * @internal
 * @module
 */
import { ArgumentRangeError, ArgumentTypeError } from './errors';

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return `function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name ? `an instance of ${name}` : 'an object';
  }
  let shown = quote(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `type ${typeof value} (${shown})`;
}

function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

export function invalidType(name: string, expected: string, value: unknown): ArgumentTypeError {
  return new ArgumentTypeError(
    'ERR_INVALID_ARG_TYPE',
    `The "${name}" argument must be ${expected}. Received ${describe(value)}`,
  );
}

export function outOfRange(name: string, range: string, value: unknown): ArgumentRangeError {
  return new ArgumentRangeError(
    'ERR_OUT_OF_RANGE',
    `The value of "${name}" is out of range. It must be ${range}. Received ${String(value)}`,
  );
}

/** An integer in [min, max]. */
export function checkInteger(value: unknown, name: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number') throw invalidType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw outOfRange(name, `an integer >= ${min} and <= ${max}`, value);
  }
}

export function checkInt32(value: unknown, name: string): asserts value is number {
  checkInteger(value, name, INT32_MIN, INT32_MAX);
}

/**
 * The flags of a send or a receive: a 32-bit integer; left out, 0. An explicit `undefined` is
 * refused: it is what a constant this platform lacks looks like (`MSG_ERRQUEUE` outside
 * Linux), and taking it as 0 would silently make another call (a blocking receive instead of
 * the error queue's). `given` says whether the caller passed the argument at all.
 */
export function checkFlags(flags: unknown, given: boolean): number {
  if (flags === undefined) {
    if (given) {
      throw invalidType('flags', 'of type number (a flag this platform lacks, such as MSG_ERRQUEUE outside Linux, is undefined; pass 0 for none)', flags);
    }
    return 0;
  }
  checkInt32(flags, 'flags');
  return flags;
}

/**
 * An argument that takes one of the C constants. A string (`'inet'`, `'AF_INET'`, as other
 * libraries spell a family) is refused with the names of the constants meant.
 */
export function checkConstant(value: unknown, name: string, meant: string): asserts value is number {
  if (typeof value === 'string') {
    throw invalidType(name, `a number: one of the C constants, such as ${meant} (import them from 'bsdsock')`, value);
  }
  checkInt32(value, name);
}

/** A descriptor number. Whether it is open is for the kernel to say (EBADF). */
export function checkFd(fd: unknown): asserts fd is number {
  checkInteger(fd, 'fd', 0, INT32_MAX);
}

export function checkBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') throw invalidType(name, 'of type boolean', value);
}

/**
 * Memory the kernel reads from or writes into: a Buffer, TypedArray or DataView. Returns its
 * size in bytes (a DataView over a detached or shrunk ArrayBuffer throws on `byteLength`: that
 * is refused here rather than escaping as an uncoded error).
 */
export function checkBuffer(value: unknown, name: string): number {
  if (!ArrayBuffer.isView(value)) {
    throw invalidType(name, 'an instance of Buffer, TypedArray or DataView', value);
  }
  try {
    return value.byteLength;
  } catch {
    throw invalidType(name, 'a view of memory that is still attached', value);
  }
}

/** Whether {@link checkBuffer} accepts `value`: for loops that build its name only on failure. */
export function isBuffer(value: unknown): value is ArrayBufferView {
  if (!ArrayBuffer.isView(value)) return false;
  try {
    return value.byteLength >= 0;
  } catch {
    return false;
  }
}

/** A byte count that must fit in a buffer of `size` bytes. Defaults to the whole buffer. */
export function checkCount(value: unknown, name: string, size: number): number {
  if (value === undefined) return size;
  checkInteger(value, name, 0, size);
  return value;
}

/** The byte size of a view now (0 once its memory is detached: a DataView then throws). */
export function currentSize(buf: ArrayBufferView): number {
  try {
    return buf.byteLength;
  } catch {
    return 0;
  }
}
