#!/usr/bin/env bash
# The README's second command (and CI's): set up (cached), then unit and integration tests.
# Integration tests start real containers on the local Docker engine; see test/integration/*.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
node_modules/.bin/jest --selectProjects unit "$@"
node_modules/.bin/jest --selectProjects integration --runInBand "$@"
