#!/usr/bin/env bash
# The README's first command: set up (cached), deploy to local Docker with cdktf, show it working.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node --enable-source-maps bin/streamform demo
