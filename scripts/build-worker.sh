#!/usr/bin/env bash
# Builds the Cloudflare Worker into build/worker and its console into
# console/dist (wrangler.toml's build command).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"
# --no-panic-recovery: the recovery shim wraps every request in JS Proxies and
# costs ~100-200 µs of workerd CPU per request (docs/performance.md); the
# code denies panicking constructs by lint, and a panic is a defect.
worker-build --release --no-panic-recovery --features worker
# The console, which the worker serves from [assets] (wrangler.toml).
bash scripts/build-console.sh
