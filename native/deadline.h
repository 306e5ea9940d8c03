// A point in time that a wait must not pass, for the calls retried after a signal (EINTR): each
// retry waits only for the time left, as Python does since PEP 475, so a steady stream of
// signals cannot make a bounded wait last for ever. Includes no napi.h.
#pragma once

#include <chrono>
#include <climits>
#include <cstdint>

namespace bsdsock {

class Deadline {
 public:
  // A wait of `timeout` from now; a negative timeout never ends.
  explicit Deadline(std::chrono::nanoseconds timeout)
      : forever_(timeout < std::chrono::nanoseconds::zero()),
        end_(Clock::now() + (forever_ ? std::chrono::nanoseconds::zero() : timeout)) {}
  explicit Deadline(int64_t timeout_ms) : Deadline(std::chrono::nanoseconds(std::chrono::milliseconds(timeout_ms))) {}

  bool forever() const { return forever_; }

  // poll()'s timeout for the time left: milliseconds rounded up, so that a wait never ends
  // early; 0 once the time is up; -1 for a wait without end.
  int LeftMs() const {
    if (forever_) return -1;
    auto left = end_ - Clock::now();
    if (left <= Clock::duration::zero()) return 0;
    int64_t ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool forever_;
  Clock::time_point end_;
};

}  // namespace bsdsock
