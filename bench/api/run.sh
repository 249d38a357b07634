#!/usr/bin/env bash
# REST API benchmark: builds the platform if needed, then measures request rate and latency
# with wrk against a database holding 1M readings (see bench/README.md, "API").
#
#   bench/api/run.sh [--readings N] [--devices N] [--connections N] [--duration S] [--keep]
#
# Environment:
#   BLAZEIOT_BIN        platform binary to measure (then nothing is built)
#   BLAZEIOT_BUILD_DIR  CMake build directory (default: <repo>/build)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BLAZEIOT_BUILD_DIR:-$root/build}

# shellcheck source=../lib/build.sh
source "$here/../lib/build.sh"
targets=()
choose_platform_binary
build_targets api
command -v wrk >/dev/null || { echo "run.sh: wrk is not installed (scripts/install-deps.sh)" >&2; exit 1; }

# exec: the orchestrator itself receives Ctrl-C / SIGTERM and stops what it started.
exec /usr/bin/python3 "$here/api_bench.py" --blazeiot "$BLAZEIOT_BIN" "$@"
