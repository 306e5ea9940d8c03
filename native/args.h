// Argument checks for every native entry point.
//
// The TypeScript layer validates first and gives the friendly message; these checks run again
// because native code must never trust its caller: a wrong type, an out-of-range number or a
// length past the end of a buffer becomes a TypeError/RangeError with a Node-style code, never
// a crash or a write outside a buffer.
#pragma once

#include "build_config.h"

#include <cstddef>
#include <cstdint>
#include <string>

#include <sys/socket.h>

namespace bsdsock {

[[noreturn]] void ThrowTypeError(Napi::Env env, const char* code, const std::string& message);
[[noreturn]] void ThrowRangeError(Napi::Env env, const char* code, const std::string& message);

// A JavaScript number that is an integer within [min, max].
int64_t ArgInteger(const Napi::CallbackInfo& info, size_t index, const char* name,
                   int64_t min, int64_t max);
int32_t ArgInt32(const Napi::CallbackInfo& info, size_t index, const char* name);
// A descriptor: an integer in [0, INT32_MAX]. Whether it is open is the kernel's answer (EBADF).
int ArgFd(const Napi::CallbackInfo& info, size_t index);
bool ArgBool(const Napi::CallbackInfo& info, size_t index, const char* name);
std::string ArgString(const Napi::CallbackInfo& info, size_t index, const char* name);

// The bytes of a TypedArray, DataView or ArrayBuffer (a detached one has length 0).
struct ByteSpan {
  uint8_t* data;
  size_t length;
};
bool IsBytes(Napi::Value value);
// The bytes of `value`, or false when it is none of those (nothing thrown).
bool TryBytesOf(Napi::Env env, Napi::Value value, ByteSpan* out);
ByteSpan BytesOf(Napi::Env env, Napi::Value value, const char* name);
ByteSpan ArgBytes(const Napi::CallbackInfo& info, size_t index, const char* name);
// Arguments (buffer, offset, length) starting at `index`: the part of the buffer to use,
// checked to lie inside it.
ByteSpan ArgByteRange(const Napi::CallbackInfo& info, size_t index, const char* name);

// An Int32Array of at least `min_length` elements, for results beyond the return value.
int32_t* ArgInt32Array(const Napi::CallbackInfo& info, size_t index, const char* name,
                       size_t min_length);

// An encoded socket address (see address.h), copied into aligned storage.
struct SockaddrArg {
  sockaddr_storage storage;
  socklen_t length;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};
void ArgSockaddr(const Napi::CallbackInfo& info, size_t index, SockaddrArg* out);
// The same checks, without the copy, for calls that only hand the address to the kernel (the
// hot sendto and sendmmsg): a pointer into `value`'s own bytes, or into `spare` when those are
// not aligned. Valid until JavaScript runs again.
const sockaddr* SockaddrForKernel(Napi::Env env, Napi::Value value, sockaddr_storage* spare,
                                  socklen_t* length);

}  // namespace bsdsock
