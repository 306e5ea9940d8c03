// Struct-valued socket options from JavaScript: setsockopt/getsockopt with plain fields, the
// structures built by option_struct.h.
#pragma once

#include "build_config.h"

namespace bsdsock {

// isStructOption(level, name) -> whether setsockoptStruct encodes that option.
Napi::Value IsStructOptionJs(const Napi::CallbackInfo& info);
// setsockoptStruct(fd, level, name, group, source, interfaceAddress, interfaceIndex, onoff,
// linger) -> 0 | -errno. Strings are numeric addresses, '' when absent.
Napi::Value SetsockoptStruct(const Napi::CallbackInfo& info);
// getsockoptStruct(fd, level, name) -> { onoff, linger } for SO_LINGER, the address string for
// IP_MULTICAST_IF, or -errno.
Napi::Value GetsockoptStruct(const Napi::CallbackInfo& info);

}  // namespace bsdsock
