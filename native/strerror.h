// The platform's own text for an errno (strerror(3)), as C's perror() and err_sys() print it.
#pragma once

#include "build_config.h"

namespace bsdsock {

// strerror(errno) -> string, thread-safe (strerror_r).
Napi::Value Strerror(const Napi::CallbackInfo& info);

}  // namespace bsdsock
