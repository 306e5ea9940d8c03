// Descriptor flags: close-on-exec, blocking mode, SIGPIPE suppression.
#pragma once

namespace bsdsock {

// Each is a read-modify-write of the descriptor's flags, retried on EINTR. They return 0, or -1
// with errno set. (F_SETFL with O_CLOEXEC, a known bug elsewhere, sets nothing at all:
// close-on-exec is a descriptor flag, F_SETFD.)
int SetCloseOnExec(int fd);
int SetNonBlocking(int fd, bool non_blocking);
// Returns 1 for non-blocking, 0 for blocking, or -1 with errno set.
int GetNonBlocking(int fd);

// Where MSG_NOSIGNAL does not exist (macOS), ask the socket itself never to raise SIGPIPE.
// Best effort: not every socket type supports it.
void SuppressSigpipe(int fd);

// Give a descriptor that was created without SOCK_CLOEXEC its flags, closing it if that fails.
// Returns fd, or -1 with errno set (and fd closed).
int FinishNewDescriptor(int fd);

// close() that is never retried: after EINTR the descriptor is gone on Linux and macOS, and
// its number may already belong to another thread's new file. EINTR and EINPROGRESS therefore
// count as success, as in libuv's uv__close_nocheckstdio.
int CloseDescriptor(int fd);

}  // namespace bsdsock
