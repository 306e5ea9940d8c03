// Conventions shared by every syscall wrapper.
//
// Wrappers return the syscall's result, or the negative errno on failure (the kernel's own
// convention): the TypeScript layer turns that into a typed error. Nothing here throws for a
// failed syscall, so a hot loop that expects EAGAIN pays no exception cost.
#pragma once

#include "build_config.h"

#include <cerrno>
#include <sys/types.h>

namespace bsdsock {

// Retry a call interrupted by a signal. Never use this for close(): after EINTR the descriptor
// state is unspecified (on Linux it is already closed and its number may be reused at once).
template <typename Call>
auto RetryOnEintr(Call call) -> decltype(call()) {
  decltype(call()) result;
  do {
    result = call();
  } while (result == -1 && errno == EINTR);
  return result;
}

// The JavaScript result of a call: the value itself, or -errno.
inline Napi::Number Result(Napi::Env env, ssize_t value) {
  return Napi::Number::New(env, static_cast<double>(value >= 0 ? value : -errno));
}

inline Napi::Number Failure(Napi::Env env, int error) {
  return Napi::Number::New(env, -error);
}

}  // namespace bsdsock
