#include "interfaces.h"

#include <cerrno>
#include <climits>
#include <string>

#include <net/if.h>

#include "args.h"
#include "js_result.h"

namespace bsdsock {

namespace {

// C reports an unknown interface by returning 0 or NULL. Linux sets ENODEV (ENXIO on some
// platforms); a libc that sets nothing still gets an error rather than a silent 0.
int ErrnoOrNoDevice() { return errno != 0 ? errno : ENODEV; }

}  // namespace

Napi::Value IfNametoindex(const Napi::CallbackInfo& info) {
  std::string name = ArgString(info, 0, "name");
  // if_nametoindex stops at a NUL: "lo\0x" must not find "lo".
  if (name.find('\0') != std::string::npos || name.size() >= IF_NAMESIZE) {
    return Failure(info.Env(), ENODEV);
  }
  errno = 0;
  unsigned index = if_nametoindex(name.c_str());
  if (index == 0) return Failure(info.Env(), ErrnoOrNoDevice());
  return Napi::Number::New(info.Env(), index);
}

Napi::Value IfIndextoname(const Napi::CallbackInfo& info) {
  auto index = static_cast<unsigned>(ArgInteger(info, 0, "index", 0, UINT_MAX));
  char name[IF_NAMESIZE];
  errno = 0;
  if (if_indextoname(index, name) == nullptr) return Failure(info.Env(), ErrnoOrNoDevice());
  return Napi::String::New(info.Env(), name);
}

Napi::Value IfNameindex(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct if_nameindex* list = if_nameindex();
  if (list == nullptr) return Failure(env, errno != 0 ? errno : ENOMEM);
  Napi::Array result = Napi::Array::New(env);
  uint32_t count = 0;
  try {
    for (struct if_nameindex* entry = list; entry->if_index != 0 || entry->if_name != nullptr; ++entry) {
      Napi::Object item = Napi::Object::New(env);
      item.Set("index", Napi::Number::New(env, entry->if_index));
      item.Set("name", Napi::String::New(env, entry->if_name));
      result.Set(count++, item);
    }
  } catch (...) {
    if_freenameindex(list);
    throw;
  }
  if_freenameindex(list);
  return result;
}

}  // namespace bsdsock
