#!/usr/bin/env bash
# Idempotent set-up shared by the README commands and CI: node packages, compiled TypeScript,
# then the toolchain (OpenTofu, providers, mirror, Docker engine, local images).
# Pass --without-docker for synth-only work.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v node >/dev/null || { echo "streamform needs Node.js 20+ on PATH" >&2; exit 1; }
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' \
  || { echo "streamform needs Node.js 20+, found $(node --version)" >&2; exit 1; }

lock_hash=$(sha256sum package-lock.json | cut -c1-64)
if [ "$(cat node_modules/.streamform-lock 2>/dev/null)" != "$lock_hash" ]; then
  echo "  … npm ci" >&2
  # --ignore-scripts: no package's install script runs (none that streamform uses needs one), so
  # nothing from the registry runs with the secrets of a CI job, or as root here
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
  echo "$lock_hash" > node_modules/.streamform-lock
fi

echo "  … compile TypeScript" >&2
node_modules/.bin/tsc -b

exec node dist/src/tools/toolchain/setup.js "$@"
