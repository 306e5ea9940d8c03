#!/usr/bin/env bash
# Builds a variant of the addon with cmake-js into its own directory, never into ./build
# (the default build other work uses):
#
#   scripts/build-variant.sh asan      -> build-asan/Release/bsdsock.node      (clang, ASan + UBSan)
#   scripts/build-variant.sh portable  -> build-portable/Release/bsdsock.node  (BSDSOCK_PORTABLE=ON)
#
# Load one with BSDSOCK_ADDON=<that file> (lib/native.ts honours it); scripts/with-asan.sh sets
# up everything an ASan build needs. The compiler's output goes to <dir>/build.log; the build
# fails if it says "warning:", as .ci/run does for the default builds.
set -euo pipefail
cd "$(dirname "$0")/.."

variant=${1:?usage: scripts/build-variant.sh asan|portable}
out="build-$variant"
args=(rebuild -O "$out" --parallel "$(nproc 2>/dev/null || echo 2)")

case "$variant" in
  asan)
    cxx=$(scripts/find-clang.sh clang++)
    # cmake-js sets CMAKE_CXX_FLAGS itself, so the flags go in the Release ones. -O1 keeps the
    # suite fast enough; frame pointers give usable stacks. Every UBSan check is
    # fatal (-fno-sanitize-recover), so a report cannot scroll by unnoticed. The ASan runtime is
    # left undefined in the addon (a shared object): node gets it by LD_PRELOAD.
    flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
    args+=(--cxx "$cxx" "--CDCMAKE_CXX_FLAGS_RELEASE=$flags" "--CDCMAKE_SHARED_LINKER_FLAGS=-fsanitize=address,undefined -shared-libasan")
    ;;
  portable)
    args+=(--CDBSDSOCK_PORTABLE=ON)
    ;;
  *)
    echo "unknown variant '$variant' (asan, portable)" >&2
    exit 2
    ;;
esac

mkdir -p "$out"
if ! npx cmake-js "${args[@]}" >"$out.log" 2>&1; then
  cat "$out.log" >&2
  echo "the $variant build failed (log above)" >&2
  exit 1
fi
mv "$out.log" "$out/build.log"
if grep -n "warning:" "$out/build.log" >&2; then
  echo "the $variant build printed compiler warnings (above)" >&2
  exit 1
fi
echo "$out/Release/bsdsock.node"
