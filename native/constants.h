// The platform's own values of the socket constants, exported by name.
#pragma once

#include "build_config.h"

namespace bsdsock {

Napi::Object Constants(Napi::Env env);

}  // namespace bsdsock
