#!/usr/bin/env bash
# Prints what a first touch of memory costs on this machine: never-used memory, memory left
# idle for 0.5-3 s (4 KiB and 2 MiB pages), file pages read after idling, and a system call
# (see bench/README.md, "The machine").
#
#   bench/machine/run.sh [DIR]     DIR: where the file case writes its 64 MiB (default /tmp)
#   bench/machine/run.sh --quick   one line: never-used memory and a system call
#
# Environment:
#   BLAZEIOT_BUILD_DIR  CMake build directory (default: <repo>/build)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BLAZEIOT_BUILD_DIR:-$root/build}

# shellcheck source=../lib/build.sh
source "$here/../lib/build.sh"
targets=(bench_cold_memory)
build_targets machine
exec "$tools/bench_cold_memory" "$@"
