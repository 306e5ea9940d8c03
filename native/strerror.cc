#include "strerror.h"

#include <climits>
#include <cstring>
#include <string>

#include "args.h"

namespace bsdsock {

namespace {

// strerror_r comes in two forms: XSI returns an int and fills the buffer; GNU (glibc with
// _GNU_SOURCE, which C++ compilers define) returns the text, which may not be in the buffer.
// Overloading on the return type takes whichever the platform has.
[[maybe_unused]] const char* TextOf(int result, const char* buffer) { return result == 0 ? buffer : nullptr; }
[[maybe_unused]] const char* TextOf(const char* result, const char*) { return result; }

}  // namespace

Napi::Value Strerror(const Napi::CallbackInfo& info) {
  int error = static_cast<int>(ArgInteger(info, 0, "errno", 0, INT_MAX));
  char buffer[256];
  buffer[0] = '\0';
  const char* text = TextOf(strerror_r(error, buffer, sizeof buffer), buffer);
  if (text == nullptr || text[0] == '\0') return Napi::String::New(info.Env(), "Unknown error " + std::to_string(error));
  return Napi::String::New(info.Env(), text);
}

}  // namespace bsdsock
