#!/usr/bin/env bash
# WebSocket benchmark: builds what it needs, then measures publish -> client latency and
# loss for 100 subscribers, and the platform's memory per idle connection
# (see bench/README.md, "WebSocket").
#
#   bench/ws/run.sh [--clients 100] [--rates 1000,5000] [--seconds 10] [--gap 0] [--idle 1000]
#                   [--qos 1] [--skip-stream] [--skip-idle] [--json FILE] [--keep]
#
# Environment:
#   BLAZEIOT_BIN        platform binary to measure (then the platform is not built)
#   BLAZEIOT_BUILD_DIR  CMake build directory (default: <repo>/build)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BLAZEIOT_BUILD_DIR:-$root/build}

targets=(bench_ws_load)
if [[ -z ${BLAZEIOT_BIN:-} ]]; then
  BLAZEIOT_BIN=$build/blazeiot
  if [[ ! -x $BLAZEIOT_BIN ]] ||
     [[ -n $(find "$root/src" "$root/CMakeLists.txt" -newer "$BLAZEIOT_BIN" -print -quit) ]]; then
    targets+=(blazeiot)
  fi
fi
[[ -x $BLAZEIOT_BIN ]] || [[ " ${targets[*]} " == *" blazeiot "* ]] ||
  { echo "run.sh: BLAZEIOT_BIN=$BLAZEIOT_BIN is not an executable" >&2; exit 1; }

tool=$build/bench/ws/bench_ws_load
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
if ! ninja -C "$build" "${targets[@]}"; then
  if [[ " ${targets[*]} " == *" blazeiot "* ]]; then
    echo "run.sh: building the platform failed" >&2
    exit 1
  fi
  # The load generator does not depend on the platform: build it on its own.
  echo "run.sh: the tree does not build; building the load generator alone" >&2
  cmake -S "$root/bench" -B "$build/bench-standalone" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  ninja -C "$build/bench-standalone" bench_ws_load
  tool=$build/bench-standalone/ws/bench_ws_load
fi

# 1,000 idle connections plus the stream's clients need more descriptors than the usual
# 1024, in this shell and in the platform it starts.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 4096 2>/dev/null || true

# exec: the orchestrator itself receives Ctrl-C / SIGTERM and stops what it started.
exec /usr/bin/python3 "$here/ws_bench.py" --blazeiot "$BLAZEIOT_BIN" --tool "$tool" "$@"
