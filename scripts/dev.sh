#!/usr/bin/env bash
# Runs the worker locally on http://127.0.0.1:8787 with its local KV
# (wrangler's embedded default, kept under .wrangler/state).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"
bash scripts/setup.sh
exec wrangler dev --ip 127.0.0.1 --port "${PORT:-8787}" "$@"
