#include "descriptor.h"

#include <cerrno>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "platform.h"
#include "interrupted_call.h"

namespace bsdsock {

int SetCloseOnExec(int fd) {
  int flags = RetryOnEintr([&] { return fcntl(fd, F_GETFD); });
  if (flags == -1) return -1;
  if (flags & FD_CLOEXEC) return 0;
  return RetryOnEintr([&] { return fcntl(fd, F_SETFD, flags | FD_CLOEXEC); });
}

int SetNonBlocking(int fd, bool non_blocking) {
  int flags = RetryOnEintr([&] { return fcntl(fd, F_GETFL); });
  if (flags == -1) return -1;
  int wanted = non_blocking ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (wanted == flags) return 0;
  return RetryOnEintr([&] { return fcntl(fd, F_SETFL, wanted); });
}

int GetNonBlocking(int fd) {
  int flags = RetryOnEintr([&] { return fcntl(fd, F_GETFL); });
  if (flags == -1) return -1;
  return (flags & O_NONBLOCK) ? 1 : 0;
}

void SuppressSigpipe(int fd) {
#ifdef SO_NOSIGPIPE
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#else
  (void)fd;
#endif
}

int FinishNewDescriptor(int fd) {
  if (fd < 0) return fd;
  if (SetCloseOnExec(fd) == -1) {
    int error = errno;
    CloseDescriptor(fd);
    errno = error;
    return -1;
  }
  SuppressSigpipe(fd);
  return fd;
}

int CloseDescriptor(int fd) {
  int result = close(fd);
  if (result == -1 && (errno == EINTR || errno == EINPROGRESS)) return 0;
  return result;
}

}  // namespace bsdsock
