// Network interfaces by name and index: if_nametoindex, if_indextoname, if_nameindex.
#pragma once

#include "build_config.h"

namespace bsdsock {

// ifNametoindex(name) -> index | -errno (C returns 0 for an unknown name and sets errno).
Napi::Value IfNametoindex(const Napi::CallbackInfo& info);
// ifIndextoname(index) -> name | -errno.
Napi::Value IfIndextoname(const Napi::CallbackInfo& info);
// ifNameindex() -> [{ index, name }, ...] | -errno.
Napi::Value IfNameindex(const Napi::CallbackInfo& info);

}  // namespace bsdsock
