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

# shellcheck source=../lib/build.sh
source "$here/../lib/build.sh"
targets=(bench_ws_load bench_cold_memory)
choose_platform_binary
build_targets ws

# 1,000 idle connections plus the stream's clients need more descriptors than the usual
# 1024, in this shell and in the platform it starts.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 4096 2>/dev/null || true

# exec: the orchestrator itself receives Ctrl-C / SIGTERM and stops what it started.
exec /usr/bin/python3 "$here/ws_bench.py" --blazeiot "$BLAZEIOT_BIN" --tool "$tools/bench_ws_load" \
  --machine-probe "$tools/../machine/bench_cold_memory" "$@"
