#!/usr/bin/env bash
# The SQLite ingest writer alone: CPU per reading for SensorData- and BLE-shaped batches, and
# what each sensor_data index costs (see bench/README.md, "Ingest").
#
#   bench/store/run.sh [DIR] [RUNS]   DIR: scratch directory (default /tmp/blazeiot-bench-store),
#                                     RUNS: runs per figure, the median is shown (default 3)
#
# Environment:
#   BLAZEIOT_BUILD_DIR  CMake build directory (default: <repo>/build)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BLAZEIOT_BUILD_DIR:-$root/build}

# shellcheck source=../lib/build.sh
source "$here/../lib/build.sh"
targets=(bench_store)
build_targets store
exec "$tools/bench_store" "$@"
