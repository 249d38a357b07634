#!/usr/bin/env bash
# Builds the web dashboard into web/dist (served by the platform from WEB_DIR).
# Does nothing when web/dist is newer than every source; FORCE=1 rebuilds anyway.
# Needs Node 20.19+ and npm with access to the npm registry (dependencies are pinned by
# web/package-lock.json); nothing is fetched at run time by the built dashboard.
set -euo pipefail
cd "$(dirname "$0")/../web"

stamp=dist/index.html
sources=(index.html package.json package-lock.json tsconfig.json vite.config.ts src public)

if [[ "${FORCE:-0}" != 1 && -f $stamp ]] &&
   [[ -z "$(find "${sources[@]}" -newer "$stamp" -print -quit 2>/dev/null)" ]]; then
  echo "web/dist is up to date"
  exit 0
fi

command -v npm >/dev/null || { echo "npm is required to build the dashboard (scripts/install-deps.sh, Node 20.19+)" >&2; exit 1; }
# Vite needs Node 20.19+ (Debian 12's own nodejs is 18: use a newer one, e.g. NodeSource).
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "Node $(node --version) is too old to build the dashboard: Node 20.19+ is needed" >&2
  exit 1
fi

# Install only when node_modules is missing or older than the lock file.
if [[ -f package-lock.json ]]; then
  if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm ci --no-audit --no-fund
  fi
else
  npm install --no-audit --no-fund
fi

npm run build
