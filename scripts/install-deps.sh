#!/usr/bin/env bash
# Installs the Debian packages BlazeIoT builds, runs and tests with.
# Idempotent: does nothing (and needs no network) when everything is present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libmosquitto-dev mosquitto mosquitto-clients
  libsqlite3-dev sqlite3 libpq-dev postgresql
  libspdlog-dev libfmt-dev libsodium-dev libcrypt-dev libssl-dev libcli11-dev
  googletest libgtest-dev
  python3-pytest python3-requests python3-paho-mqtt python3-websockets python3-cryptography
  openssl procps wrk
  chromium  # the dashboard's end-to-end tests (web/tests/e2e)
)
# Node builds the dashboard. Debian's only when there is no node at all: one from elsewhere
# (NodeSource, nvm) already has its npm, and Debian's npm would conflict with it.
command -v node >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
