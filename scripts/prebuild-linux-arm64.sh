#!/usr/bin/env bash
# Cross-builds the linux-arm64 (glibc) prebuilt binary on an x64 Linux machine:
# prebuilds/linux-arm64/bsdsock.glibc.node, the same prebuildify build as `npm run prebuilds`,
# with Debian's aarch64 cross compiler (g++-aarch64-linux-gnu).
#
# The build runs in a copy of the sources (build-arm64/src/), so ./build, the local build the
# test suite loads, is left alone. scripts/check-package.sh loads the result with an arm64 Node
# under qemu-user (BSDSOCK_CHECK_ARM64=1). The compiler's output goes to build-arm64/build.log;
# the build fails if it says "warning:", as every other build of the addon does.
set -euo pipefail
cd "$(dirname "$0")/.."

cross=aarch64-linux-gnu
command -v "$cross-g++" >/dev/null || {
  echo "no $cross-g++: apt-get install g++-$cross" >&2
  exit 1
}

scratch=build-arm64/src
rm -rf "$scratch"
mkdir -p "$scratch"
cp -R native binding.gyp package.json "$scratch/"
ln -s "$PWD/node_modules" "$scratch/node_modules"

# node-gyp takes the compiler from CC/CXX/LINK/AR; prebuildify strips with PREBUILD_STRIP_BIN.
if ! (cd "$scratch" && CC="$cross-gcc" CXX="$cross-g++" LINK="$cross-g++" AR="$cross-ar" \
  PREBUILD_STRIP_BIN="$cross-strip" npx prebuildify --napi --strip --tag-libc --arch arm64) \
  >build-arm64/build.log 2>&1; then
  cat build-arm64/build.log >&2
  echo "the linux-arm64 cross build failed (log above)" >&2
  exit 1
fi
if grep -n "warning:" build-arm64/build.log >&2; then
  echo "the linux-arm64 build printed compiler warnings (above)" >&2
  exit 1
fi
rm -rf prebuilds/linux-arm64
mkdir -p prebuilds
mv "$scratch/prebuilds/linux-arm64" prebuilds/
echo prebuilds/linux-arm64/*.node
