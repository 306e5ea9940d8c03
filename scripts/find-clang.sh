#!/usr/bin/env bash
# Prints the path of clang (or clang++ with `clang++`), preferring an unversioned one, else
# the newest clang-N on PATH. Fails when there is none (.ci/trust.sh installs clang first).
set -euo pipefail
tool=${1:-clang}
if command -v "$tool" >/dev/null 2>&1; then command -v "$tool"; exit 0; fi
for v in 19 18 17 16 15 14 13; do
  if command -v "$tool-$v" >/dev/null 2>&1; then command -v "$tool-$v"; exit 0; fi
done
echo "no $tool found: install clang (Debian: apt-get install clang libclang-rt-14-dev)" >&2
exit 1
