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
# The function-names section (worker-build keeps it for symbolized panic
# traces) is about an eighth of the module's gzip size: a panic is a defect
# the lints deny, so the module ships without it (docs/performance.md).
# ORGWARDEN_KEEP_NAMES=1 keeps them, for a profile (benches/profile-proxy.mjs).
wasm=build/worker/index.wasm
if [ "${ORGWARDEN_KEEP_NAMES:-}" = 1 ]; then
  echo "worker module: function names kept (ORGWARDEN_KEEP_NAMES=1)"
else
"$WASM_OPT_BIN" "$wasm" --strip-debug --strip-producers --enable-bulk-memory --enable-multivalue \
  --enable-mutable-globals --enable-nontrapping-float-to-int --enable-reference-types --enable-sign-ext \
  -o "$wasm.stripped"
mv "$wasm.stripped" "$wasm"
fi
printf 'worker module: %d bytes raw, %d bytes gzip\n' "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
# The console, which the worker serves from [assets] (wrangler.toml).
bash scripts/build-console.sh
