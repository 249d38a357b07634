#!/usr/bin/env bash
# Ingest benchmark: builds what it needs, then measures the platform's MQTT ingest rate
# against a bare libmosquitto subscriber (see bench/README.md, "Ingest").
#
#   bench/ingest/run.sh [--quick] [--baseline-only] [--cases sensor-q1,...] [--repeat R]
#                       [--messages N] [--profile] [--json FILE] [--keep]   (--help: all options)
#                       [--db postgres [--pg-url URI | --pg-durable]] [--instances N] [--shared-group]
#
# --db postgres runs the platform on PostgreSQL (a private server from
# scripts/postgres-test-server.sh unless --pg-url names one); --instances N runs N platforms
# in one MQTT_SHARED_GROUP on that database; --shared-group sets the group for one instance
# too (which turns the cross-instance events on). The ratio is always against the bare
# subscriber measured in the same run.
#
# Environment:
#   BLAZEIOT_BIN        platform binary to measure (then the platform is not built)
#   BLAZEIOT_BUILD_DIR  CMake build directory (default: <repo>/build)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BLAZEIOT_BUILD_DIR:-$root/build}

need_platform=1
for arg in "$@"; do
  case $arg in
    --baseline-only) need_platform=0 ;;
    -h | --help)
      sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"
      exec /usr/bin/python3 "$here/ingest_bench.py" --publisher - --subscriber - --help ;;
  esac
done

# shellcheck source=../lib/build.sh
source "$here/../lib/build.sh"
targets=(bench_publisher bench_subscriber bench_cold_memory)
platform_args=()
if ((need_platform)); then
  choose_platform_binary
  platform_args=(--blazeiot "$BLAZEIOT_BIN")
fi
build_targets ingest

# exec: the orchestrator itself receives Ctrl-C / SIGTERM and stops what it started.
exec /usr/bin/python3 "$here/ingest_bench.py" --publisher "$tools/bench_publisher" \
  --subscriber "$tools/bench_subscriber" --machine-probe "$tools/../machine/bench_cold_memory" \
  "${platform_args[@]}" "$@"
