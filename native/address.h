// Socket addresses: JavaScript values <-> struct sockaddr.
//
// JavaScript never sees the layout of a sockaddr. It asks native code to encode an address once
// into an opaque byte string (the exact sockaddr the platform uses, sin_len and all), passes
// those bytes to bind/connect/sendto, and gets addresses back already decoded into plain
// objects ({ family: 'AF_INET', address, port }, ...).
#pragma once

#include "build_config.h"

#include <sys/socket.h>

namespace bsdsock {

// encodeAddress(family, host_or_path, port, flowinfo, scopeId) -> Buffer (the sockaddr bytes).
Napi::Value EncodeAddress(const Napi::CallbackInfo& info);
// decodeAddress(bytes, length) -> address object.
Napi::Value DecodeAddressJs(const Napi::CallbackInfo& info);

// The JavaScript form of a sockaddr the kernel filled in. `length` is the length the kernel
// reported; it is clamped to the storage, since AF_UNIX may report more than it wrote.
Napi::Object DecodeAddress(Napi::Env env, const sockaddr_storage& storage, socklen_t length);

}  // namespace bsdsock
