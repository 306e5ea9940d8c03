#include "syscall.h"

#include <cerrno>
#include <climits>
#include <ctime>

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

namespace bsdsock {

namespace {

long long NowNanoseconds() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

// The socket's SO_RCVTIMEO or SO_SNDTIMEO in nanoseconds; 0 when it has none, or when the
// descriptor is not a socket (read() and write() take any descriptor).
long long SocketTimeoutNanoseconds(int fd, Waits direction) {
  timeval timeout{};
  socklen_t length = sizeof timeout;
  int name = direction == Waits::kToReceive ? SO_RCVTIMEO : SO_SNDTIMEO;
  if (getsockopt(fd, SOL_SOCKET, name, &timeout, &length) == -1) return 0;
  return static_cast<long long>(timeout.tv_sec) * 1000000000LL + static_cast<long long>(timeout.tv_usec) * 1000LL;
}

}  // namespace

int InterruptedCall::MillisecondsLeft() const {
  if (!bounded_) return -1;
  long long left = deadline_ns_ - NowNanoseconds();
  if (left <= 0) return 0;
  long long milliseconds = (left + 999999) / 1000000;
  return milliseconds > INT_MAX ? INT_MAX : static_cast<int>(milliseconds);
}

bool InterruptedCall::Again() {
  if (!started_) {
    started_ = true;
    long long timeout = SocketTimeoutNanoseconds(fd_, direction_);
    bounded_ = timeout > 0;
    deadline_ns_ = NowNanoseconds() + timeout;
  }
  if (!bounded_) return true;
  pollfd entry{fd_, static_cast<short>(direction_ == Waits::kToReceive ? POLLIN : POLLOUT), 0};
  for (;;) {
    int left = MillisecondsLeft();
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
