#include "interrupted_call.h"

#include <cerrno>
#include <chrono>

#include <sys/socket.h>
#include <sys/time.h>

namespace bsdsock {

namespace {

int OptionOf(Waits direction) { return direction == Waits::kToReceive ? SO_RCVTIMEO : SO_SNDTIMEO; }

// Longer than this is no bound a person meant (SO_RCVTIMEO takes years): it counts as none, and
// the nanosecond arithmetic below can never overflow.
constexpr long long kLongestTimeoutSeconds = 100LL * 365 * 24 * 3600;

timeval TimevalOf(long long usec) {
  timeval value{};
  value.tv_sec = static_cast<decltype(value.tv_sec)>(usec / 1000000);
  value.tv_usec = static_cast<decltype(value.tv_usec)>(usec % 1000000);
  return value;
}

}  // namespace

InterruptedCall::~InterruptedCall() {
  if (!shortened_) return;
  int error = errno;
  timeval original = TimevalOf(original_usec_);
  setsockopt(fd_, SOL_SOCKET, OptionOf(direction_), &original, sizeof original);
  errno = error;
}

bool InterruptedCall::Again() {
  if (!started_) {
    started_ = true;
    timeval timeout{};
    socklen_t length = sizeof timeout;
    // None when the descriptor is not a socket (read() and write() take any descriptor), has no
    // timeout, or one too long to be a bound.
    if (getsockopt(fd_, SOL_SOCKET, OptionOf(direction_), &timeout, &length) == -1) return true;
    if (timeout.tv_sec < 0 || timeout.tv_sec > kLongestTimeoutSeconds) return true;
    original_usec_ = static_cast<long long>(timeout.tv_sec) * 1000000 + timeout.tv_usec;
    if (original_usec_ <= 0) return true;
    deadline_ = Deadline(std::chrono::microseconds(original_usec_));
  }
  if (deadline_.forever()) return true;
  int left = deadline_.LeftMs();
  if (left == 0) {
    errno = EAGAIN;
    return false;
  }
  // The retry waits at most for the time left: the kernel bounds it, not readiness.
  timeval bound = TimevalOf(static_cast<long long>(left) * 1000);
  if (setsockopt(fd_, SOL_SOCKET, OptionOf(direction_), &bound, sizeof bound) == 0) shortened_ = true;
  return true;
}

}  // namespace bsdsock
