/**
 * Network interfaces by name and index, as C has them: `if_nametoindex`, `if_indextoname` and
 * `if_nameindex`. Where C answers an unknown interface with 0 (or NULL) and `errno`, these
 * throw the typed error of that errno ({@link NoSuchDeviceError}, `ENODEV` on Linux).
 * @module
 */
import { socketError } from './errors';
import { binding } from './native';
import { checkInteger, invalidType } from './validate';

/** One entry of {@link if_nameindex}. */
export interface InterfaceEntry {
  /** The interface index (1 and up). */
  index: number;
  /** The interface name (`'lo'`, `'eth0'`, `'en0'`). */
  name: string;
}

function fail(errno: number, syscall: string, cutoff: Function): Error {
  const error = socketError(errno, syscall);
  Error.captureStackTrace(error, cutoff);
  return error;
}

/** `if_nametoindex(3)`: the index of the interface `name`; an unknown name throws (`ENODEV`). */
export function if_nametoindex(name: string): number {
  if (typeof name !== 'string') throw invalidType('name', 'of type string', name);
  const result = binding.ifNametoindex(name);
  if (result < 0) throw fail(-result, 'if_nametoindex', if_nametoindex);
  return result;
}

/** `if_indextoname(3)`: the name of interface `index`; an unknown index throws (`ENXIO` on Linux). */
export function if_indextoname(index: number): string {
  checkInteger(index, 'index', 0, 2 ** 32 - 1);
  const result = binding.ifIndextoname(index);
  if (typeof result === 'number') throw fail(-result, 'if_indextoname', if_indextoname);
  return result;
}

/** `if_nameindex(3)`: every interface of this host (or of this network namespace). */
export function if_nameindex(): InterfaceEntry[] {
  const result = binding.ifNameindex();
  if (typeof result === 'number') throw fail(-result, 'if_nameindex', if_nameindex);
  return result;
}
