#include "args.h"

#include <climits>
#include <cmath>
#include <cstring>

namespace bsdsock {

namespace {

Napi::Error WithCode(Napi::Error error, const char* code) {
  error.Set("code", Napi::String::New(error.Env(), code));
  return error;
}

size_t ElementSize(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return 1;
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array:
      return 8;
    default:
      return 1;
  }
}

}  // namespace

void ThrowTypeError(Napi::Env env, const char* code, const std::string& message) {
  throw WithCode(Napi::TypeError::New(env, message), code);
}

void ThrowRangeError(Napi::Env env, const char* code, const std::string& message) {
  throw WithCode(Napi::RangeError::New(env, message), code);
}

int64_t ArgInteger(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min,
                   int64_t max) {
  // One Node-API call both checks the type and reads the value (this runs on every send and
  // receive; a separate typeof costs as much again).
  double number = 0;
  napi_status status = napi_get_value_double(info.Env(), info[index], &number);
  if (status == napi_number_expected) {
    ThrowTypeError(info.Env(), "ERR_INVALID_ARG_TYPE",
                   std::string("The \"") + name + "\" argument must be of type number");
  }
  NAPI_THROW_IF_FAILED(info.Env(), status, 0);
  if (!std::isfinite(number) || std::trunc(number) != number ||
      number < static_cast<double>(min) || number > static_cast<double>(max)) {
    ThrowRangeError(info.Env(), "ERR_OUT_OF_RANGE",
                    std::string("The value of \"") + name + "\" is out of range. It must be an integer >= " +
                        std::to_string(min) + " and <= " + std::to_string(max));
  }
  return static_cast<int64_t>(number);
}

int32_t ArgInt32(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return static_cast<int32_t>(ArgInteger(info, index, name, INT32_MIN, INT32_MAX));
}

int ArgFd(const Napi::CallbackInfo& info, size_t index) {
  return static_cast<int>(ArgInteger(info, index, "fd", 0, INT32_MAX));
}

bool ArgBool(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value value = info[index];
  if (!value.IsBoolean()) {
    ThrowTypeError(info.Env(), "ERR_INVALID_ARG_TYPE",
                   std::string("The \"") + name + "\" argument must be of type boolean");
  }
  return value.As<Napi::Boolean>().Value();
}

std::string ArgString(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value value = info[index];
  if (!value.IsString()) {
    ThrowTypeError(info.Env(), "ERR_INVALID_ARG_TYPE",
                   std::string("The \"") + name + "\" argument must be of type string");
  }
  // Utf8Value keeps embedded NUL bytes (abstract AF_UNIX names start with one).
  return value.As<Napi::String>().Utf8Value();
}

bool IsBytes(Napi::Value value) {
  return value.IsTypedArray() || value.IsDataView() || value.IsArrayBuffer();
}

ByteSpan ArgBytes(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return BytesOf(info.Env(), info[index], name);
}

bool TryBytesOf(Napi::Env js_env, Napi::Value js_value, ByteSpan* out) {
  // Plain Node-API below: the calls' statuses say what the value is, nothing throws.
  napi_env env = js_env;
  napi_value value = js_value;
  void* data = nullptr;
  size_t length = 0;
  // Node answers napi_get_buffer_info for every ArrayBufferView (any TypedArray, DataView) with
  // its length in bytes, in one call: the common case (a Buffer, a Uint8Array) takes no other.
  // A runtime that accepts only Uint8Array (as documented) fails it for the others, which then
  // take the general path below.
  if (napi_get_buffer_info(env, value, &data, &length) != napi_ok) {
    bool is = false;
    if (napi_is_typedarray(env, value, &is) == napi_ok && is) {
      napi_typedarray_type type;
      size_t elements = 0;
      if (napi_get_typedarray_info(env, value, &type, &elements, &data, nullptr, nullptr) != napi_ok) return false;
      length = elements * ElementSize(type);
    } else if (napi_is_dataview(env, value, &is) == napi_ok && is) {
      if (napi_get_dataview_info(env, value, &length, &data, nullptr, nullptr) != napi_ok) return false;
    } else if (napi_is_arraybuffer(env, value, &is) == napi_ok && is) {
      if (napi_get_arraybuffer_info(env, value, &data, &length) != napi_ok) return false;
    } else {
      return false;
    }
  }
  if (data == nullptr) length = 0;  // detached
  *out = ByteSpan{static_cast<uint8_t*>(data), length};
  return true;
}

ByteSpan BytesOf(Napi::Env env, Napi::Value value, const char* name) {
  ByteSpan bytes{nullptr, 0};
  if (!TryBytesOf(env, value, &bytes)) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE",
                   std::string("The \"") + name +
                       "\" argument must be an instance of Buffer, TypedArray, DataView or ArrayBuffer");
  }
  return bytes;
}

ByteSpan ArgByteRange(const Napi::CallbackInfo& info, size_t index, const char* name) {
  ByteSpan whole = ArgBytes(info, index, name);
  // Offsets and lengths are checked against the real size of the memory, as it is now.
  int64_t offset = ArgInteger(info, index + 1, "offset", 0, static_cast<int64_t>(whole.length));
  int64_t length = ArgInteger(info, index + 2, "length", 0,
                              static_cast<int64_t>(whole.length) - offset);
  return ByteSpan{whole.data == nullptr ? nullptr : whole.data + offset,
                  static_cast<size_t>(length)};
}

int32_t* ArgInt32Array(const Napi::CallbackInfo& info, size_t index, const char* name,
                       size_t min_length) {
  Napi::Value v = info[index];
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
    napi_typedarray_type type;
    size_t elements = 0;
    void* data = nullptr;
    napi_env env = info.Env();
    NAPI_THROW_IF_FAILED(env, napi_get_typedarray_info(env, info[index], &type, &elements, &data,
                                                      nullptr, nullptr),
                         nullptr);
    if (data != nullptr && elements >= min_length) return static_cast<int32_t*>(data);
  }
  ThrowTypeError(info.Env(), "ERR_INVALID_ARG_TYPE",
                 std::string("The \"") + name + "\" argument must be an Int32Array of length >= " +
                     std::to_string(min_length));
}

namespace {

ByteSpan SockaddrBytes(Napi::Env env, Napi::Value value) {
  ByteSpan bytes{nullptr, 0};
  if (!TryBytesOf(env, value, &bytes)) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "The \"address\" argument must be an encoded socket address");
  }
  // At least a family field, at most a sockaddr_storage; the kernel checks the rest per family.
  if (bytes.length < offsetof(sockaddr, sa_family) + sizeof(sa_family_t) ||
      bytes.length > sizeof(sockaddr_storage)) {
    ThrowRangeError(env, "ERR_INVALID_ARG_VALUE",
                    "The \"address\" argument has an invalid length for a socket address");
  }
  return bytes;
}

}  // namespace

void ArgSockaddr(const Napi::CallbackInfo& info, size_t index, SockaddrArg* out) {
  ByteSpan bytes = SockaddrBytes(info.Env(), info[index]);
  std::memset(&out->storage, 0, sizeof out->storage);
  std::memcpy(&out->storage, bytes.data, bytes.length);  // also fixes alignment
  out->length = static_cast<socklen_t>(bytes.length);
}

const sockaddr* SockaddrForKernel(Napi::Env env, Napi::Value value, sockaddr_storage* spare,
                                  socklen_t* length) {
  ByteSpan bytes = SockaddrBytes(env, value);
  *length = static_cast<socklen_t>(bytes.length);
  // The kernel copies the address in whatever its alignment; we only name its type. Encoded
  // addresses are malloc'd or pool Buffers and aligned, so the copy is for the odd view.
  if (reinterpret_cast<uintptr_t>(bytes.data) % alignof(sockaddr_storage) == 0) {
    return reinterpret_cast<const sockaddr*>(bytes.data);
  }
  std::memcpy(spare, bytes.data, bytes.length);
  return reinterpret_cast<const sockaddr*>(spare);
}

}  // namespace bsdsock
