#!/usr/bin/env bash
# Builds the Cloudflare Worker into build/worker (wrangler.toml's build command).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"
worker-build --release --features worker
