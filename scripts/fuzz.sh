#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang and runs each for FUZZ_SECONDS (default 60).
# Corpora are kept in fuzz/corpus/<name> (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang++ >/dev/null || apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBLAZEIOT_FUZZ=ON -DBLAZEIOT_TESTS=OFF >/dev/null
targets=$(cd fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//')
ninja -C build-fuzz $targets
for t in $targets; do
  mkdir -p "fuzz/corpus/$t"
  echo "== $t"
  "build-fuzz/fuzz/$t" -max_total_time="${FUZZ_SECONDS:-60}" -max_len=8192 "fuzz/corpus/$t" 2>&1 | tail -3
done
