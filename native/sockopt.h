// Socket options and descriptor flags: setsockopt, getsockopt, fcntl.
#pragma once

#include "build_config.h"

namespace bsdsock {

// setsockopt(fd, level, name, value): value is an integer (passed as int) or bytes (raw).
Napi::Value Setsockopt(const Napi::CallbackInfo& info);
// getsockopt(fd, level, name, out: Int32Array) -> 0 | -errno; the int value in out[0]
// (an option's value may itself be negative, so it cannot share the return value).
Napi::Value GetsockoptInt(const Napi::CallbackInfo& info);
// getsockopt(fd, level, name, buffer, offset, length) -> optlen | -errno.
Napi::Value GetsockoptRaw(const Napi::CallbackInfo& info);
// struct timeval options (SO_RCVTIMEO, SO_SNDTIMEO) as milliseconds.
Napi::Value SetsockoptTimeval(const Napi::CallbackInfo& info);
Napi::Value GetsockoptTimeval(const Napi::CallbackInfo& info);
// fcntl(fd, cmd, arg) for the integer commands F_GETFD, F_SETFD, F_GETFL, F_SETFL only:
// commands that take a pointer could make the kernel write anywhere.
Napi::Value Fcntl(const Napi::CallbackInfo& info);

}  // namespace bsdsock
