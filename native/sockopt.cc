#include "sockopt.h"

#include <climits>
#include <cmath>
#include <cstring>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "args.h"
#include "interrupted_call.h"
#include "js_result.h"

namespace bsdsock {

namespace {

// Integers the JavaScript side can represent exactly: enough for any timeout in milliseconds.
constexpr int64_t kMaxSafeInteger = 9007199254740991LL;

// An option buffer's length must fit socklen_t without wrapping.
socklen_t OptionLength(Napi::Env env, size_t length) {
  if (length > INT32_MAX) {
    ThrowRangeError(env, "ERR_OUT_OF_RANGE", "option buffer is larger than socklen_t allows");
  }
  return static_cast<socklen_t>(length);
}

}  // namespace

Napi::Value Setsockopt(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  int level = ArgInt32(info, 1, "level");
  int name = ArgInt32(info, 2, "name");
  Napi::Value value = info[3];
  if (IsBytes(value)) {
    ByteSpan raw = ArgBytes(info, 3, "value");
    return Result(info.Env(), setsockopt(fd, level, name, raw.data, OptionLength(info.Env(), raw.length)));
  }
  int number = value.IsBoolean() ? (value.As<Napi::Boolean>().Value() ? 1 : 0)
                                 : ArgInt32(info, 3, "value");
  return Result(info.Env(), setsockopt(fd, level, name, &number, sizeof number));
}

Napi::Value GetsockoptInt(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  int level = ArgInt32(info, 1, "level");
  int name = ArgInt32(info, 2, "name");
  int32_t* out = ArgInt32Array(info, 3, "out", 1);
  int value = 0;
  socklen_t length = sizeof value;
  if (getsockopt(fd, level, name, &value, &length) == -1) return Failure(info.Env(), errno);
  // A few options are a single byte on some platforms (IP_MULTICAST_LOOP on macOS).
  if (length == 1) {
    unsigned char byte;
    std::memcpy(&byte, &value, 1);
    value = byte;
  }
  out[0] = value;
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value GetsockoptRaw(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  int level = ArgInt32(info, 1, "level");
  int name = ArgInt32(info, 2, "name");
  ByteSpan raw = ArgByteRange(info, 3, "buffer");
  socklen_t length = OptionLength(info.Env(), raw.length);
  if (getsockopt(fd, level, name, raw.data, &length) == -1) return Failure(info.Env(), errno);
  return Napi::Number::New(info.Env(), length);
}

Napi::Value SetsockoptTimeval(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  int level = ArgInt32(info, 1, "level");
  int name = ArgInt32(info, 2, "name");
  int64_t ms = ArgInteger(info, 3, "milliseconds", 0, kMaxSafeInteger);
  timeval tv;
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms % 1000) * 1000);
  return Result(info.Env(), setsockopt(fd, level, name, &tv, sizeof tv));
}

Napi::Value GetsockoptTimeval(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  int level = ArgInt32(info, 1, "level");
  int name = ArgInt32(info, 2, "name");
  timeval tv;
  std::memset(&tv, 0, sizeof tv);
  socklen_t length = sizeof tv;
  if (getsockopt(fd, level, name, &tv, &length) == -1) return Failure(info.Env(), errno);
  double ms = static_cast<double>(tv.tv_sec) * 1000.0 + std::floor(tv.tv_usec / 1000.0);
  return Napi::Number::New(info.Env(), ms);
}

Napi::Value Fcntl(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  int cmd = ArgInt32(info, 1, "cmd");
  int arg = ArgInt32(info, 2, "arg");
  if (cmd != F_GETFD && cmd != F_SETFD && cmd != F_GETFL && cmd != F_SETFL) {
    ThrowRangeError(info.Env(), "ERR_OUT_OF_RANGE",
                    "fcntl supports only F_GETFD, F_SETFD, F_GETFL and F_SETFL");
  }
  return Result(info.Env(), RetryOnEintr([&] { return fcntl(fd, cmd, arg); }));
}

}  // namespace bsdsock
