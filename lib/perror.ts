/**
 * Error text in C's words: `perror("read error")` and Stevens' `err_sys("read error")` print
 * `read error: Connection refused`, the platform's `strerror(3)` text after the caller's own.
 *
 * ```ts
 * try {
 *   read(fd, buf);
 * } catch (err) {
 *   perror('read error', err); // stderr: read error: Connection refused
 * }
 * ```
 * @module
 */
import { SocketError } from './errors';
import { binding } from './native';
import { checkInteger, invalidType } from './validate';

/** The platform's `strerror(3)` text for an errno (`111` → `'Connection refused'` on Linux). */
export function systemErrorText(errno: number): string {
  checkInteger(errno, 'errno', 0, 2 ** 31 - 1);
  return binding.strerror(errno);
}

/**
 * The line C's `perror(prefix)` prints for `err`, without the newline: `prefix: ` (when
 * `prefix` is not empty) and the platform's text for the error's errno. An error that is not
 * a failed syscall (a bad argument, say) gives its own message instead.
 */
export function perrorText(prefix: string, err: unknown): string {
  if (typeof prefix !== 'string') throw invalidType('prefix', 'of type string', prefix);
  let text: string;
  if (err instanceof SocketError) text = systemErrorText(err.errno);
  else if (err instanceof Error) text = err.message;
  else text = String(err);
  return prefix === '' ? text : `${prefix}: ${text}`;
}

/** Writes {@link perrorText} and a newline to stderr, as C's `perror` does. */
export function perror(prefix: string, err: unknown): void {
  process.stderr.write(`${perrorText(prefix, err)}\n`);
}
