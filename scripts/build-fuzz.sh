#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, ASan and UBSan into build-fuzz/: the native files are
# compiled unchanged, those that use Node-API against the stand-in <napi.h> of fuzz/fake/.
#   address_fuzzer        native/address.cc (sockaddr <-> text)
#   option_struct_fuzzer  native/option_struct.cc (struct-valued socket options)
#   segment_fuzzer        native/segment.cc (the split of UDP segmentation's fallback)
#   mmsg_fuzzer           native/mmsg.cc (batches at the kernel's level, on a real socketpair)
set -euo pipefail
cd "$(dirname "$0")/.."
cxx=$(scripts/find-clang.sh clang++)
mkdir -p build-fuzz

# build TARGET SOURCES...: one target, every one with the same sanitizers and warnings as errors.
build() {
  local target=$1
  shift
  "$cxx" -std=c++17 -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_GLIBCXX_SANITIZE_VECTOR -D_GLIBCXX_ASSERTIONS \
    -DNAPI_VERSION=8 -DNODE_ADDON_API_CPP_EXCEPTIONS -DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS \
    -DBSDSOCK_BUILD_SYSTEM='"fuzz"' \
    -Wall -Wextra -Werror \
    -Ifuzz/fake -Inative \
    "$@" -o "build-fuzz/$target"
  echo "build-fuzz/$target"
}

build address_fuzzer native/address.cc fuzz/fake_args.cc fuzz/address_fuzzer.cc
build option_struct_fuzzer native/option_struct.cc fuzz/option_struct_fuzzer.cc
build segment_fuzzer native/segment.cc native/interrupted_call.cc fuzz/segment_fuzzer.cc
build mmsg_fuzzer native/mmsg.cc native/segment.cc native/interrupted_call.cc fuzz/mmsg_fuzzer.cc
