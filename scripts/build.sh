#!/usr/bin/env bash
# Configures and builds into build/ (or $BUILD_DIR). Extra arguments go to cmake, e.g.
#   BUILD_DIR=build-asan scripts/build.sh -DBLAZEIOT_SANITIZE=ON
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
# -g1 (line tables and function names, no variable info) is what backtraces, sanitizer reports
# and perf need, and it takes about a third off the compile time of -g: Beast's and Asio's
# templates make most of the debug info. Later -D arguments win over these.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" "$@" >/dev/null
ninja -C "$build_dir"
