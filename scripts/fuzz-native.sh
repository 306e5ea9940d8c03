#!/usr/bin/env bash
# Runs the libFuzzer targets (building them first): address.cc for the time given, and
# option_struct.cc, segment.cc and mmsg.cc for a quarter of it each:
#
#   scripts/fuzz-native.sh [seconds]      (default 60; CI runs a short pass)
#
# The address target starts from the checked-in seeds (fuzz/corpus/) and the corpus grown by
# earlier runs (build-fuzz/corpus/, not checked in); a crash leaves its input in
# build-fuzz/artifacts/. Each target prints a summary line: runs, seconds, and that it ended clean.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/build-fuzz.sh >/dev/null
mkdir -p build-fuzz/artifacts

# fuzz NAME SECONDS CORPUS [libFuzzer options...]: runs build-fuzz/NAME_fuzzer, exits on a finding.
fuzz() {
  local name=$1 time=$2 corpus=$3
  shift 3
  local log=build-fuzz/last-$name-run.log status=0
  mkdir -p "$corpus"
  ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}" UBSAN_OPTIONS="print_stacktrace=1:${UBSAN_OPTIONS:-}" \
    "build-fuzz/${name}_fuzzer" "$corpus" "$@" -max_total_time="$time" -timeout=10 \
    -artifact_prefix="build-fuzz/artifacts/$name-" -print_final_stats=1 >"$log" 2>&1 || status=$?
  local runs
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  if [ "$status" -ne 0 ]; then
    tail -60 "$log" >&2
    echo "fuzz:native ($name) FAILED after ${runs:-?} runs (exit $status); input in build-fuzz/artifacts/" >&2
    exit "$status"
  fi
  echo "fuzz:native ($name): ${runs} runs in ${time} s, no crash, no sanitizer report"
}

fuzz address "$seconds" build-fuzz/corpus fuzz/corpus -dict=fuzz/address.dict -max_len=512
short=$(( seconds / 4 > 5 ? seconds / 4 : 5 ))
fuzz segment "$short" build-fuzz/segment-corpus -max_len=32
fuzz mmsg "$short" build-fuzz/mmsg-corpus -max_len=80
fuzz option_struct "$short" build-fuzz/option-struct-corpus -max_len=256
