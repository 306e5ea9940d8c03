#!/usr/bin/env bash
# Proves that the sanitizer setup of scripts/with-asan.sh sees a bug in an addon: builds a tiny
# addon with a deliberate heap overflow the same way as the ASan build of bsdsock, loads it in
# node under scripts/with-asan.sh, and expects exactly one report. A "0 reports" from the suite
# means something only if this says 1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/build-asan/canary"
mkdir -p "$work"
cat >"$work/canary.cc" <<'CC'
#include <node_api.h>
#include <cstdlib>
static napi_value Overflow(napi_env env, napi_callback_info) {
  volatile char* p = static_cast<char*>(std::malloc(8));
  p[8] = 1;  // one past the end
  std::free(const_cast<char*>(p));
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  return undefined;
}
NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "overflow", NAPI_AUTO_LENGTH, Overflow, nullptr, &fn);
  napi_set_named_property(env, exports, "overflow", fn);
  return exports;
}
CC
include=$(node -p "require('path').join(process.execPath, '..', '..', 'include', 'node')")
cxx=$("$root/scripts/find-clang.sh" clang++)
"$cxx" -shared -fPIC -O1 -g -fsanitize=address,undefined -shared-libasan -I"$include" -I"$(node -p "require('node-api-headers').include_dir" 2>/dev/null || echo "$include")" \
  "$work/canary.cc" -o "$work/canary.node"
export BSDSOCK_SANITIZER_LOGS="$work/reports"
out=$("$root/scripts/with-asan.sh" node -e "require('$work/canary.node').overflow()" 2>&1 || true)
count=$(find "$work/reports" -name 'report.*' | wc -l)
if [ "$count" -ne 1 ] || ! grep -q "heap-buffer-overflow" "$work"/reports/report.*; then
  echo "$out" >&2
  echo "asan canary: expected 1 heap-buffer-overflow report, got $count: the sanitizer setup is blind" >&2
  exit 1
fi
echo "asan canary: the deliberate overflow was reported (the setup sees addon bugs)"
