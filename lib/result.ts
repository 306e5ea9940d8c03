/**
 * The one way a syscall's failure becomes an error: native calls return `-errno` (the kernel's
 * convention), and these throw the typed error for it, with a stack that starts at the public
 * function the user called. The event-loop layer rejects with {@link socketError} instead.
 * @internal
 * @module
 */
import type { SocketAddress } from './address-types';
import { socketError } from './errors';

/**
 * A syscall's result (native returns `-errno` on failure), or its typed error thrown. The one
 * way every flat call turns a failure into an error: the stack starts at the public function
 * the user called.
 */
export function check(result: number, syscall: string, address?: SocketAddress): number {
  if (result < 0) {
    const error = socketError(-result, syscall, address);
    Error.captureStackTrace(error, check);
    throw error;
  }
  return result;
}

/** The same, for calls whose success is an object or an array. */
export function checkValue<T extends object>(result: T | number, syscall: string): T {
  if (typeof result === 'number') {
    const error = socketError(-result, syscall);
    Error.captureStackTrace(error, checkValue);
    throw error;
  }
  return result;
}
