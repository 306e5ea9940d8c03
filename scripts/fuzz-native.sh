#!/usr/bin/env bash
# Runs the libFuzzer targets for native/address.cc, segment.cc and mmsg.cc (building them first):
#
#   scripts/fuzz-native.sh [seconds]      (default 60; CI runs a short pass)
#
# Starts from the checked-in seeds (fuzz/corpus/) and the corpus grown by earlier runs
# (build-fuzz/corpus/, not checked in); a crash leaves its input in build-fuzz/artifacts/.
# The last line is a summary: runs, seconds, and whether it ended clean.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/build-fuzz.sh >/dev/null
mkdir -p build-fuzz/corpus build-fuzz/artifacts
log=build-fuzz/last-run.log
status=0
ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}" UBSAN_OPTIONS="print_stacktrace=1:${UBSAN_OPTIONS:-}" \
  build-fuzz/address_fuzzer build-fuzz/corpus fuzz/corpus \
  -dict=fuzz/address.dict -max_total_time="$seconds" -max_len=512 -timeout=10 \
  -artifact_prefix=build-fuzz/artifacts/ -print_final_stats=1 >"$log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
if [ "$status" -ne 0 ]; then
  tail -60 "$log" >&2
  echo "fuzz:native FAILED after ${runs:-?} runs (exit $status); input in build-fuzz/artifacts/" >&2
  exit "$status"
fi
echo "fuzz:native: ${runs} runs in ${seconds} s, no crash, no sanitizer report (corpus: $(ls build-fuzz/corpus | wc -l) inputs)"

# The split of UDP segmentation's fallback (native/segment.cc): a quarter of the time more.
split_seconds=$(( seconds / 4 > 5 ? seconds / 4 : 5 ))
mkdir -p build-fuzz/segment-corpus
log=build-fuzz/last-segment-run.log
ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}" UBSAN_OPTIONS="print_stacktrace=1:${UBSAN_OPTIONS:-}" \
  build-fuzz/segment_fuzzer build-fuzz/segment-corpus -max_total_time="$split_seconds" -max_len=32 -timeout=10 \
  -artifact_prefix=build-fuzz/artifacts/segment- -print_final_stats=1 >"$log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
if [ "$status" -ne 0 ]; then
  tail -60 "$log" >&2
  echo "fuzz:native (segment) FAILED after ${runs:-?} runs (exit $status); input in build-fuzz/artifacts/" >&2
  exit "$status"
fi
echo "fuzz:native (segment): ${runs} runs in ${split_seconds} s, no crash, no sanitizer report"

# Batches at the kernel's level (native/mmsg.cc) on a real socketpair: as long as the split.
mkdir -p build-fuzz/mmsg-corpus
log=build-fuzz/last-mmsg-run.log
ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}" UBSAN_OPTIONS="print_stacktrace=1:${UBSAN_OPTIONS:-}" \
  build-fuzz/mmsg_fuzzer build-fuzz/mmsg-corpus -max_total_time="$split_seconds" -max_len=80 -timeout=10 \
  -artifact_prefix=build-fuzz/artifacts/mmsg- -print_final_stats=1 >"$log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
if [ "$status" -ne 0 ]; then
  tail -60 "$log" >&2
  echo "fuzz:native (mmsg) FAILED after ${runs:-?} runs (exit $status); input in build-fuzz/artifacts/" >&2
  exit "$status"
fi
echo "fuzz:native (mmsg): ${runs} runs in ${split_seconds} s, no crash, no sanitizer report"
