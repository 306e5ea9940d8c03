// The argument helpers of native/args.h that native/address.cc calls, over the values of
// fuzz/fake/napi.h. The range checks are the same as native/args.cc's; a throw becomes a
// FakeJsError the fuzz target can inspect.
#include "args.h"

#include <climits>
#include <cmath>

namespace bsdsock {

void ThrowTypeError(Napi::Env, const char* code, const std::string& message) {
  throw FakeJsError{"TypeError", code, message};
}

void ThrowRangeError(Napi::Env, const char* code, const std::string& message) {
  throw FakeJsError{"RangeError", code, message};
}

int64_t ArgInteger(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min, int64_t max) {
  Napi::Value value = info[index];
  if (!value.IsNumber()) ThrowTypeError(info.Env(), "ERR_INVALID_ARG_TYPE", std::string(name) + " is not a number");
  double number = value.number();
  if (!std::isfinite(number) || std::trunc(number) != number || number < static_cast<double>(min) ||
      number > static_cast<double>(max)) {
    ThrowRangeError(info.Env(), "ERR_OUT_OF_RANGE", std::string(name) + " is out of range");
  }
  return static_cast<int64_t>(number);
}

int32_t ArgInt32(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return static_cast<int32_t>(ArgInteger(info, index, name, INT32_MIN, INT32_MAX));
}

std::string ArgString(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value value = info[index];
  if (!value.IsString()) ThrowTypeError(info.Env(), "ERR_INVALID_ARG_TYPE", std::string(name) + " is not a string");
  return value.string();
}

ByteSpan ArgBytes(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value value = info[index];
  if (!value.IsBytes()) ThrowTypeError(info.Env(), "ERR_INVALID_ARG_TYPE", std::string(name) + " is not bytes");
  std::vector<uint8_t>& bytes = value.mutable_bytes();
  return ByteSpan{bytes.empty() ? nullptr : bytes.data(), bytes.size()};
}

}  // namespace bsdsock
