#!/usr/bin/env bash
# Runs a command (node, npx jest, ...) against the ASan + UBSan build of the addon:
#
#   scripts/with-asan.sh npx jest --ci
#
# node itself is not instrumented, so the sanitizer runtime is preloaded into it (and into every
# process it starts: jest workers, `node -e` children and `ip netns exec node` inherit the
# environment). Leak detection is off: V8 keeps memory to the end by design.
#
# Every report goes to a file under $BSDSOCK_SANITIZER_LOGS (default build-asan/reports), one
# per process, as well as to stderr; UBSan checks abort (the addon is built with
# -fno-sanitize-recover). The exit status is the command's, or 66 when it passed but a
# sanitizer wrote a report.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

addon="$root/build-asan/Release/bsdsock.node"
[ -f "$addon" ] || { echo "no ASan build: run scripts/build-variant.sh asan" >&2; exit 1; }
clang=$("$root/scripts/find-clang.sh" clang)
runtime=$("$clang" -print-file-name=libclang_rt.asan-x86_64.so)
[ -f "$runtime" ] || { echo "ASan runtime $runtime missing (Debian: libclang-rt-14-dev)" >&2; exit 1; }
symbolizer=$(command -v llvm-symbolizer || ls /usr/lib/llvm-*/bin/llvm-symbolizer 2>/dev/null | tail -1 || true)

logs=${BSDSOCK_SANITIZER_LOGS:-$root/build-asan/reports}
mkdir -p "$logs"
rm -f "$logs"/report.*

export BSDSOCK_ADDON="$addon"
export LD_PRELOAD="$runtime${LD_PRELOAD:+:$LD_PRELOAD}"
# detect_odr_violation: node and the addon both carry inline copies of a few symbols.
export ASAN_OPTIONS="detect_leaks=0:detect_odr_violation=0:abort_on_error=0:halt_on_error=1:print_summary=1:log_path=$logs/report${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/report${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
[ -n "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH="$symbolizer"

status=0
"$@" || status=$?

reports=$(find "$logs" -name 'report.*' -type f | wc -l)
if [ "$reports" -gt 0 ]; then
  echo "sanitizer reports: $reports (in $logs)" >&2
  for f in "$logs"/report.*; do echo "--- $f" >&2; head -40 "$f" >&2; done
  [ "$status" -eq 0 ] && status=66
else
  echo "sanitizer reports: 0"
fi
exit "$status"
