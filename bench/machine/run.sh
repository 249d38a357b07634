#!/usr/bin/env bash
# Prints what a first touch of memory costs on this machine: never-used memory, memory left
# idle for 0.5-3 s (4 KiB and 2 MiB pages), and file pages read after idling
# (see bench/README.md, "The machine").
#
#   bench/machine/run.sh [DIR]     DIR: where the file case writes its 64 MiB (default /tmp)
#
# Environment:
#   BLAZEIOT_BUILD_DIR  CMake build directory (default: <repo>/build)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BLAZEIOT_BUILD_DIR:-$root/build}

if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
if ! ninja -C "$build" bench_cold_memory; then
  echo "run.sh: the tree does not configure; building the tool alone" >&2
  cmake -S "$root/bench" -B "$build/bench-standalone" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  ninja -C "$build/bench-standalone" bench_cold_memory
  exec "$build/bench-standalone/machine/bench_cold_memory" "$@"
fi
exec "$build/bench/machine/bench_cold_memory" "$@"
