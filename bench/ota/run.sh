#!/usr/bin/env bash
# Firmware upload/download benchmark: builds the platform if needed, then uploads and
# downloads a 50 MB firmware file with curl and reports MB/s and the platform's RSS growth
# during each (see bench/README.md, "OTA").
#
#   bench/ota/run.sh [--size-mb N] [--runs N] [--keep]
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
build_targets ota
command -v curl >/dev/null || { echo "run.sh: curl is not installed" >&2; exit 1; }

exec /usr/bin/python3 "$here/ota_bench.py" --blazeiot "$BLAZEIOT_BIN" "$@"
