// Compile-time contract between the two build systems.
//
// binding.gyp (node-gyp) and CMakeLists.txt (cmake-js) each define the Node-API version and the
// exception mode. Every translation unit includes this header first, so a build that drifts
// from the other fails to compile instead of producing a subtly different addon.
#pragma once

#ifndef NAPI_VERSION
#error "NAPI_VERSION must be defined by the build system (binding.gyp / CMakeLists.txt)"
#endif
static_assert(NAPI_VERSION == 8, "both builds must target Node-API version 8");

#ifndef NODE_ADDON_API_CPP_EXCEPTIONS
#error "both builds must define NODE_ADDON_API_CPP_EXCEPTIONS (argument errors are C++ exceptions)"
#endif
#ifdef NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS
#error "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS contradicts the chosen exception mode"
#endif

// A worker terminated while inside a native call cannot receive a JavaScript exception; without
// this, node-addon-api aborts the whole process when it tries to throw one.
#ifndef NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
#error "both builds must define NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
#endif

#ifndef BSDSOCK_BUILD_SYSTEM
#error "BSDSOCK_BUILD_SYSTEM must name the build system (\"node-gyp\" or \"cmake-js\")"
#endif

#include <napi.h>
