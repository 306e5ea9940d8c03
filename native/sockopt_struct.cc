#include "sockopt_struct.h"

#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "args.h"
#include "option_struct.h"
#include "js_result.h"

namespace bsdsock {

Napi::Value IsStructOptionJs(const Napi::CallbackInfo& info) {
  int level = ArgInt32(info, 0, "level");
  int name = ArgInt32(info, 1, "name");
  return Napi::Boolean::New(info.Env(), IsStructOption(level, name));
}

Napi::Value SetsockoptStruct(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  int level = ArgInt32(info, 1, "level");
  int name = ArgInt32(info, 2, "name");
  OptionStructInput input;
  input.group = ArgString(info, 3, "multiaddr");
  input.source = ArgString(info, 4, "sourceaddr");
  input.interface_address = ArgString(info, 5, "interface");
  input.interface_index = static_cast<uint32_t>(ArgInteger(info, 6, "interface", 0, UINT32_MAX));
  input.onoff = ArgInt32(info, 7, "onoff");
  input.linger = ArgInt32(info, 8, "linger");
  OptionStructBytes bytes;
  socklen_t length = 0;
  OptionStructStatus status = EncodeOptionStruct(level, name, input, &bytes, &length);
  if (status == OptionStructStatus::kNotStructOption) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", OptionStructMessage(status));
  }
  if (status != OptionStructStatus::kOk) {
    ThrowRangeError(env, "ERR_INVALID_ARG_VALUE", OptionStructMessage(status));
  }
  return Result(env, setsockopt(fd, level, name, &bytes, length));
}

Napi::Value GetsockoptStruct(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  int level = ArgInt32(info, 1, "level");
  int name = ArgInt32(info, 2, "name");
  if (level == SOL_SOCKET && name == SO_LINGER) {
    linger value;
    std::memset(&value, 0, sizeof value);
    socklen_t length = sizeof value;
    if (getsockopt(fd, level, name, &value, &length) == -1) return Failure(env, errno);
    Napi::Object result = Napi::Object::New(env);
    result.Set("onoff", Napi::Number::New(env, value.l_onoff));
    result.Set("linger", Napi::Number::New(env, value.l_linger));
    return result;
  }
  if (level == IPPROTO_IP && name == IP_MULTICAST_IF) {
    // Both Linux and macOS answer with the interface's address (an in_addr), whichever form
    // set it: 0.0.0.0 when the kernel chooses, or when it was set by index.
    in_addr address;
    std::memset(&address, 0, sizeof address);
    socklen_t length = sizeof address;
    if (getsockopt(fd, level, name, &address, &length) == -1) return Failure(env, errno);
    char text[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &address, text, sizeof text) == nullptr) return Failure(env, errno);
    return Napi::String::New(env, text);
  }
  ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "getsockoptStruct: not a struct-valued option bsdsock reads");
}

}  // namespace bsdsock
