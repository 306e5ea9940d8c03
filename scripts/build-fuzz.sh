#!/usr/bin/env bash
# Builds the libFuzzer targets for native/address.cc (fuzz/address_fuzzer.cc) and
# native/segment.cc (fuzz/segment_fuzzer.cc) with clang, ASan and UBSan into build-fuzz/. The
# native files are compiled unchanged, against the stand-in <napi.h> of fuzz/fake/.
set -euo pipefail
cd "$(dirname "$0")/.."
cxx=$(scripts/find-clang.sh clang++)
mkdir -p build-fuzz
"$cxx" -std=c++17 -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -D_GLIBCXX_SANITIZE_VECTOR -D_GLIBCXX_ASSERTIONS \
  -DNAPI_VERSION=8 -DNODE_ADDON_API_CPP_EXCEPTIONS -DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS \
  -DBSDSOCK_BUILD_SYSTEM='"fuzz"' \
  -Wall -Wextra -Werror \
  -Ifuzz/fake -Inative \
  native/address.cc fuzz/fake_args.cc fuzz/address_fuzzer.cc \
  -o build-fuzz/address_fuzzer
# The struct-valued socket options (native/option_struct.cc): no Node-API at all, so no stand-in.
"$cxx" -std=c++17 -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -D_GLIBCXX_ASSERTIONS -Wall -Wextra -Werror \
  -Inative \
  native/option_struct.cc fuzz/option_struct_fuzzer.cc \
  -o build-fuzz/option_struct_fuzzer
# The split of UDP segmentation's fallback (native/segment.cc), compiled unchanged as well.
"$cxx" -std=c++17 -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -D_GLIBCXX_SANITIZE_VECTOR -D_GLIBCXX_ASSERTIONS \
  -DNAPI_VERSION=8 -DNODE_ADDON_API_CPP_EXCEPTIONS -DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS \
  -DBSDSOCK_BUILD_SYSTEM='"fuzz"' \
  -Wall -Wextra -Werror \
  -Ifuzz/fake -Inative \
  native/segment.cc native/interrupted_call.cc fuzz/segment_fuzzer.cc \
  -o build-fuzz/segment_fuzzer
# Batches at the kernel's level (native/mmsg.cc) on a real socketpair: no Node-API at all.
"$cxx" -std=c++17 -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -D_GLIBCXX_SANITIZE_VECTOR -D_GLIBCXX_ASSERTIONS -Wall -Wextra -Werror \
  -Inative \
  native/mmsg.cc native/segment.cc native/interrupted_call.cc fuzz/mmsg_fuzzer.cc \
  -o build-fuzz/mmsg_fuzzer
echo build-fuzz/address_fuzzer build-fuzz/option_struct_fuzzer build-fuzz/segment_fuzzer build-fuzz/mmsg_fuzzer
