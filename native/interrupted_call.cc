#include "syscall.h"

#include <cerrno>
#include <chrono>

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

namespace bsdsock {

namespace {

// The socket's SO_RCVTIMEO or SO_SNDTIMEO; negative (none) when it has none, or when the
// descriptor is not a socket (read() and write() take any descriptor).
std::chrono::nanoseconds SocketTimeout(int fd, Waits direction) {
  timeval timeout{};
  socklen_t length = sizeof timeout;
  int name = direction == Waits::kToReceive ? SO_RCVTIMEO : SO_SNDTIMEO;
  if (getsockopt(fd, SOL_SOCKET, name, &timeout, &length) == -1) return std::chrono::nanoseconds(-1);
  auto total = std::chrono::seconds(timeout.tv_sec) + std::chrono::microseconds(timeout.tv_usec);
  return total == total.zero() ? std::chrono::nanoseconds(-1) : std::chrono::nanoseconds(total);
}

}  // namespace

bool InterruptedCall::Again() {
  if (!started_) {
    started_ = true;
    deadline_ = Deadline(SocketTimeout(fd_, direction_));
  }
  if (deadline_.forever()) return true;
  pollfd entry{fd_, static_cast<short>(direction_ == Waits::kToReceive ? POLLIN : POLLOUT), 0};
  for (;;) {
    int left = deadline_.LeftMs();
    if (left == 0) break;
    int ready = poll(&entry, 1, left);
    if (ready > 0) return true;
    // An error of poll itself (not of the socket) is left to the call to report.
    if (ready == -1 && errno != EINTR) return true;
  }
  errno = EAGAIN;
  return false;
}

}  // namespace bsdsock
