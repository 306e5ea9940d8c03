/**
 * Descriptors owned by live `Socket` objects of this thread. The flat `close()` refuses them:
 * closing a descriptor behind its watcher's back would leave libuv polling a number the kernel
 * may hand to another file (and libuv aborts the process when epoll refuses a closed one).
 * @internal
 * @module
 */

const owners = new Map<number, WeakRef<object>>();

export function claim(fd: number, owner: object): void {
  owners.set(fd, new WeakRef(owner));
}

export function release(fd: number): void {
  owners.delete(fd);
}

/** True while a live Socket owns `fd` (a collected one's finalizer has closed it already). */
export function isOwned(fd: number): boolean {
  const owner = owners.get(fd);
  if (owner === undefined) return false;
  if (owner.deref() !== undefined) return true;
  owners.delete(fd);
  return false;
}
