/**
 * Which descriptors live `Socket` objects own, in any thread of the process (descriptor numbers
 * are the process's). The record is the native one (native/descriptor_owners.h): a descriptor
 * stays owned until it is really closed, by
 * `socket.close()` or by the finalizer of a collected Socket, so nothing can close or adopt
 * it in between. The flat `close()` and `Socket.from()` refuse an owned descriptor: a second
 * owner would leave a watcher polling a number the kernel may hand to another file.
 * @internal
 * @module
 */
import { ArgumentRangeError } from './errors';
import { binding } from './native';

/** Throws `ERR_SOCKET_OWNED` when a live Socket owns `fd`. */
export function refuseOwned(fd: number, operation: string, remedy: string): void {
  if (binding.descriptorOwned(fd)) {
    throw new ArgumentRangeError('ERR_SOCKET_OWNED', `${operation}: descriptor ${fd} belongs to a Socket; ${remedy}`);
  }
}
