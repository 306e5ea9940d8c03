// Retrying a syscall that a signal interrupted (EINTR), the one rule every wrapper follows.
// Includes no napi.h, so the kernel-level helpers that use it can be fuzzed without Node-API.
#pragma once

#include <cerrno>
#include <sys/types.h>

#include "deadline.h"

namespace bsdsock {

// Retry a call interrupted by a signal, for calls that never wait on a socket timeout (fcntl,
// MSG_DONTWAIT receives). Never use this for close(): after EINTR the descriptor state is
// unspecified (on Linux it is already closed and its number may be reused at once).
template <typename Call>
auto RetryOnEintr(Call call) -> decltype(call()) {
  decltype(call()) result;
  do {
    result = call();
  } while (result == -1 && errno == EINTR);
  return result;
}

// Which socket timeout bounds a blocking call: SO_RCVTIMEO for the calls that receive (and
// accept), SO_SNDTIMEO for those that send (and connect).
enum class Waits { kToReceive, kToSend };

// The time a blocking call has left after a signal interrupted it (native/interrupted_call.cc).
//
// Without a socket timeout the kernel restarts an interrupted call itself (libuv installs its
// handlers with SA_RESTART) or it fails with EINTR and is made again. With SO_RCVTIMEO or
// SO_SNDTIMEO the kernel never restarts it, and making it again with the full timeout would
// let a steady stream of signals (SIGCHLD, a profiler's SIGPROF) block for ever. As Python
// does since PEP 475, the time left is computed instead, and the call is made again with the
// socket's timeout set to that time left (restored when the call is done), so the kernel
// itself bounds the retry, whatever readiness says (an unconnected AF_UNIX socket polls
// writable while its receiver is full). The timeout counts from the first interruption (the
// call's start is not known without a clock read on every call, which the hot paths cannot
// afford), so an interrupted call returns within twice its timeout.
class InterruptedCall {
 public:
  InterruptedCall(int fd, Waits direction) : fd_(fd), direction_(direction) {}
  // Puts the socket's own timeout back, keeping errno.
  ~InterruptedCall();
  InterruptedCall(const InterruptedCall&) = delete;
  InterruptedCall& operator=(const InterruptedCall&) = delete;

  // After EINTR: true to make the call again (within the time left); false once the timeout
  // ran out, with errno EAGAIN (what the kernel answers then).
  bool Again();
  // Milliseconds left (rounded up), or -1 when the socket has no timeout. Call after Again().
  int MillisecondsLeft() const { return deadline_.LeftMs(); }

 private:
  int fd_;
  Waits direction_;
  bool started_ = false;
  Deadline deadline_{-1};
  bool shortened_ = false;  // the socket's timeout is set to the time left
  long long original_usec_ = 0;
};

// Retry a blocking call on a socket after EINTR, within the socket's timeout (see above). The
// uninterrupted call pays nothing: the state exists only after a signal.
template <typename Call>
auto RetryOnEintr(int fd, Waits direction, Call call) -> decltype(call()) {
  decltype(call()) result = call();
  if (result != -1 || errno != EINTR) return result;
  InterruptedCall interrupted(fd, direction);
  do {
    if (!interrupted.Again()) return -1;
    result = call();
  } while (result == -1 && errno == EINTR);
  return result;
}

}  // namespace bsdsock
