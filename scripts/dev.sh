#!/usr/bin/env bash
# Runs the worker locally on http://127.0.0.1:8787 with its local KV
# (wrangler's embedded default, kept under .wrangler/state), and the example
# origin API behind its proxy on 127.0.0.1:8788 (wrangler.toml's ORIGIN),
# which stops with it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"
bash scripts/setup.sh
node examples/origin.mjs &
origin_pid=$!
trap 'kill "$origin_pid" 2>/dev/null || true' EXIT
wrangler dev --ip 127.0.0.1 --port "${PORT:-8787}" "$@"
