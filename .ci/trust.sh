#!/usr/bin/env bash
# The trust steps (issue 10), for CI after the default builds and suites of .ci/run:
#   1. an ASan + UBSan build of the addon, and the whole suite under it: zero reports;
#   2. a larger fast-check sample (test/fuzz/) under the sanitizers;
#   3. the short soak (echo below capacity, accounting under overload), under the sanitizers,
#      and again on the portable build, where its RSS bound is checked;
#   4. a short libFuzzer pass over native/address.cc;
#   5. the portable build (every Linux-only fast path off) and the whole suite against it.
# Each build goes to its own directory (build-asan/, build-fuzz/, build-portable/), never to
# ./build. Installs the Debian packages it needs only when they are missing. About 6 minutes
# on 2 cores (plus the package download on a fresh machine). The figures go to
# build-trust/figures.json and the last lines of the output.
set -euo pipefail
cd "$(dirname "$0")/.."
# The suites run under `timeout`: a hang fails the step in minutes, not at the CI deadline.

FUZZ_RUNS=${BSDSOCK_TRUST_FUZZ_RUNS:-3000}
FUZZ_SECONDS=${BSDSOCK_TRUST_FUZZ_SECONDS:-20}
started=$(date +%s)
log() { printf '\n=== [%3ss] %s\n' "$(($(date +%s) - started))" "$*"; }
out=build-trust
rm -rf "$out"
mkdir -p "$out"

# --- what the steps need ----------------------------------------------------------------------
need=()
if ! scripts/find-clang.sh clang++ >/dev/null 2>&1; then need+=(clang); fi
runtime_missing() {
  local clang
  clang=$(scripts/find-clang.sh clang 2>/dev/null) || return 0
  [ ! -f "$("$clang" -print-file-name=libclang_rt.asan-x86_64.so)" ] ||
    [ ! -f "$("$clang" -print-file-name=libclang_rt.fuzzer-x86_64.a)" ]
}
if [ ${#need[@]} -gt 0 ] || runtime_missing; then
  # Debian's clang-N leaves the sanitizer and libFuzzer runtimes to libclang-rt-N-dev.
  version=$(apt-cache policy clang 2>/dev/null | sed -n 's/.*Candidate: 1:\([0-9]*\).*/\1/p')
  need+=("libclang-rt-${version:-14}-dev")
fi
command -v cmake >/dev/null || need+=(cmake)
command -v ip >/dev/null || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! node -e "require.resolve('fast-check')" 2>/dev/null; then
  log "fast-check is not installed (add it to devDependencies): installing it without saving"
  npm install --no-save --no-audit --no-fund --ignore-scripts fast-check@^4.10.2 >/dev/null
fi
[ -f dist/index.js ] || npx tsc -p tsconfig.json

# --- 1. ASan + UBSan ----------------------------------------------------------------------------
log "ASan + UBSan build (build-asan/), and the libFuzzer target and portable build beside it"
scripts/build-variant.sh asan
scripts/asan-canary.sh
# The other two builds compile while the sanitized suite (mostly waiting on sockets) runs.
# Niced, so that the suite's own timing is disturbed as little as possible.
(nice -n 19 scripts/build-fuzz.sh >"$out/build-fuzz.log" 2>&1 && nice -n 19 scripts/build-variant.sh portable >>"$out/build-fuzz.log" 2>&1; echo $? >"$out/side-builds.status") &
side=$!

log "the whole suite under ASan + UBSan"
BSDSOCK_SANITIZER_LOGS=$PWD/$out/asan-suite timeout -k 15 900 scripts/with-asan.sh npx jest --ci 2>&1 | tee "$out/asan-suite.log"
asan_suite_reports=$(find "$out/asan-suite" -name 'report.*' | wc -l)

# --- 2. fast-check sample ---------------------------------------------------------------------
log "fast-check: $FUZZ_RUNS cases under ASan + UBSan"
BSDSOCK_SANITIZER_LOGS=$PWD/$out/asan-fuzz BSDSOCK_FUZZ_RUNS=$FUZZ_RUNS BSDSOCK_FUZZ_REPORT=$PWD/$out/fuzz.json \
  scripts/with-asan.sh npx jest --ci test/fuzz/ 2>&1 | tail -20

wait "$side"
if [ "$(cat "$out/side-builds.status")" != 0 ]; then cat "$out/build-fuzz.log" >&2; exit 1; fi

# --- 3. soak ------------------------------------------------------------------------------------
log "short soak under ASan + UBSan"
BSDSOCK_SANITIZER_LOGS=$PWD/$out/asan-soak scripts/with-asan.sh node soak/run.js --short --json "$out/soak.json"

# --- 4. libFuzzer, on one core while 5. the portable suite (mostly waiting on sockets) runs ---
log "libFuzzer: native/address.cc for ${FUZZ_SECONDS} s, then option_struct.cc, segment.cc and mmsg.cc, beside the portable suite"
(nice -n 19 scripts/fuzz-native.sh "$FUZZ_SECONDS" >"$out/fuzz-native.log" 2>&1; echo $? >"$out/fuzz-native.status") &
fuzzer=$!

log "the whole suite against the portable build (build-portable/)"
BSDSOCK_ADDON=$PWD/build-portable/Release/bsdsock.node node -e "
  const { buildInfo } = require('.');
  if (!buildInfo.portable) { console.error('the portable build is not portable:', buildInfo); process.exit(1); }"
BSDSOCK_ADDON=$PWD/build-portable/Release/bsdsock.node timeout -k 15 600 npx jest --ci
log "short soak on the portable build (the RSS bound, which ASan's quarantine hides)"
BSDSOCK_ADDON=$PWD/build-portable/Release/bsdsock.node node soak/run.js --short --json "$out/soak-portable.json"

wait "$fuzzer"
cat "$out/fuzz-native.log"
[ "$(cat "$out/fuzz-native.status")" = 0 ] || exit 1

# --- figures ------------------------------------------------------------------------------------
reports=$(find "$out" -path '*/asan-*' -name 'report.*' | wc -l)
node -e "
  const fs = require('fs');
  const fuzz = JSON.parse(fs.readFileSync('$out/fuzz.json', 'utf8'));
  const soak = JSON.parse(fs.readFileSync('$out/soak.json', 'utf8'));
  const soakPortable = JSON.parse(fs.readFileSync('$out/soak-portable.json', 'utf8'));
  const native = fs.readFileSync('$out/fuzz-native.log', 'utf8').match(/(\d+) runs/);
  const figures = {
    date: new Date().toISOString(),
    sanitizerReports: { suite: $asan_suite_reports, total: $reports },
    fastCheck: { cases: fuzz.cases, calls: fuzz.calls, seed: fuzz.seed },
    libFuzzer: { runs: native ? Number(native[1]) : null, seconds: $FUZZ_SECONDS },
    soak: { echoed: soak.echo.sent, lost: soak.echo.lost, corrupt: soak.echo.corrupt, overload: soak.overload.map((o) => ({ receiver: o.receiver, sent: o.sent, received: o.received, dropped: o.dropped, rxqOvfl: o.rxqOvfl })), rssPortable: soakPortable.rss },
  };
  fs.writeFileSync('$out/figures.json', JSON.stringify(figures, null, 2) + '\n');
  console.log(JSON.stringify(figures, null, 2));"
if [ "$reports" -ne 0 ]; then
  echo "sanitizer reports: $reports (see $out/asan-*/)" >&2
  exit 1
fi
log "trust: all steps passed, 0 sanitizer reports"
