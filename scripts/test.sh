#!/usr/bin/env bash
# The whole test suite: unit tests and black-box tests (real Mosquitto, real clients), first
# on the normal build, then the dashboard's end-to-end suite (web/tests/e2e) against that
# build, then the C++ suites again on an AddressSanitizer + UndefinedBehaviorSanitizer build.
# SKIP_SANITIZERS=1 runs only the normal build (quicker while developing).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

# A throwaway PostgreSQL for the store suite (and anything else that needs one).
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/blazeiot-test-pg.XXXXXX")
trap 'scripts/postgres-test-server.sh stop "$pg_dir" >/dev/null 2>&1 || true' EXIT
BLAZEIOT_TEST_PG=$(scripts/postgres-test-server.sh start "$pg_dir")
export BLAZEIOT_TEST_PG

run_suite() {
  local dir=$1
  echo "== tests on $dir"
  # Two jobs: the black-box run beside the unit tests (tests/CMakeLists.txt).
  (cd "$dir" && ctest --output-on-failure --timeout 1500 -j2)
}

scripts/build.sh
run_suite build

# The dashboard end to end, in Chromium, against the normal build (its own Mosquitto and
# platform on free loopback ports). SKIP_E2E=1 leaves it out.
if [[ "${SKIP_E2E:-0}" != 1 ]]; then
  echo "== dashboard end-to-end tests"
  (cd web && BLAZEIOT_BIN="$PWD/../build/blazeiot" npm run --silent test:e2e)
fi

if [[ "${SKIP_SANITIZERS:-0}" != 1 ]]; then
  # The benchmark tools are not part of the suite: not built in this tree. -g1 (line tables,
  # no variable info) is all a sanitizer report needs, and compiles about a tenth faster.
  BUILD_DIR=build-asan BUILD_TYPE=Debug scripts/build.sh -DBLAZEIOT_SANITIZE=ON -DBLAZEIOT_BENCH=OFF \
    -DCMAKE_CXX_FLAGS_DEBUG=-g1
  # detect_leaks stays on: a leak is a failure. halt_on_error makes UBSan findings fatal too.
  # A small quarantine keeps memory figures (the WebSocket flood test measures RSS) close to
  # the normal build's; BLAZEIOT_SANITIZED tells such tests to allow for redzones.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1:quarantine_size_mb=16
  export BLAZEIOT_SANITIZED=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  run_suite build-asan
fi
