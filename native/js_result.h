// How a syscall wrapper hands its outcome to JavaScript: the value, or the negative errno (the
// kernel's own convention), which lib/result.ts turns into a typed error. Nothing here throws for
// a failed syscall, so a hot loop that expects EAGAIN pays no exception cost.
#pragma once

#include "build_config.h"

#include <cerrno>
#include <sys/types.h>

namespace bsdsock {

// The JavaScript result of a call: the value itself, or -errno.
inline Napi::Number Result(Napi::Env env, ssize_t value) {
  return Napi::Number::New(env, static_cast<double>(value >= 0 ? value : -errno));
}

inline Napi::Number Failure(Napi::Env env, int error) {
  return Napi::Number::New(env, -error);
}

}  // namespace bsdsock
