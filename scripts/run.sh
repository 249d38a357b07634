#!/usr/bin/env bash
# Installs what is missing, builds the platform and the dashboard (web/dist), and starts the
# platform on its embedded defaults: SQLite in ./data, a Mosquitto on 127.0.0.1:1883, HTTP on
# :3000 serving the dashboard at /. Configure with .env, environment variables or flags (see
# README.md); arguments are passed to `blazeiot serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
scripts/build-web.sh
exec build/blazeiot serve "$@"
