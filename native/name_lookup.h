// Name lookup: getaddrinfo() and getnameinfo(), blocking (as C) and on the libuv thread pool
// (as promises), sharing one lookup function each.
#pragma once

#include "build_config.h"

namespace bsdsock {

// getaddrinfo(node | null, service | null, family, socktype, protocol, flags)
//   -> [[family, socktype, protocol, address, canonname | undefined], ...] | { eai, errno }.
Napi::Value Getaddrinfo(const Napi::CallbackInfo& info);
// The same on the thread pool: a promise of the same value.
Napi::Value GetaddrinfoAsync(const Napi::CallbackInfo& info);
// getnameinfo(sockaddrBytes, flags) -> [host, service] | { eai, errno }.
Napi::Value Getnameinfo(const Napi::CallbackInfo& info);
// The same on the thread pool: a promise of the same value.
Napi::Value GetnameinfoAsync(const Napi::CallbackInfo& info);

}  // namespace bsdsock
