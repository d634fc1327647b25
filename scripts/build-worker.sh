#!/usr/bin/env bash
# Builds the Cloudflare Worker into build/worker and its console into
# console/dist (wrangler.toml's build command).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"
# --no-panic-recovery: the recovery shim wraps every request in JS Proxies and
# costs ~100-200 µs of workerd CPU per request (docs/performance.md); the
# code denies panicking constructs by lint, and a panic is a defect.
#
# Size: built on the pinned nightly with std rebuilt from source so that
# panics abort at once, without messages, formatting or source locations
# (`-Cpanic=immediate-abort`, `-Zlocation-detail=none`): about 30 KB gzip
# less than on stable (docs/performance.md). std stays at opt-level 3, as
# prebuilt, so the hot path's non-generic std code (the allocator, hashing,
# UTF-8) is what it was: at "z" with `optimize_for_size` (the browser
# module's build) the module was 17 KB smaller, and one load run measured
# 10-13 µs more CPU per request, within the runs' spread but not worth the
# risk for 3 % of the size. `Debug` stays
# compiled in (the logs use it). worker-build runs cargo; the toolchain,
# build-std and the flags reach it through the environment and its own
# arguments. Its own target directory: std built this way must not meet the
# stable builds' artifacts. ORGWARDEN_WORKER_STABLE=1 builds on stable.
if [ "${ORGWARDEN_WORKER_STABLE:-}" = 1 ]; then
  worker-build --release --no-panic-recovery --features worker
else
  RUSTUP_TOOLCHAIN="$ORGWARDEN_NIGHTLY" CARGO_UNSTABLE_BUILD_STD="std,panic_abort" \
  RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none" \
  CARGO_TARGET_DIR="$ORGWARDEN_ROOT/target/worker" \
    worker-build --release --no-panic-recovery --features worker \
    --config 'profile.release.package.core.opt-level=3' \
    --config 'profile.release.package.alloc.opt-level=3' \
    --config 'profile.release.package.std.opt-level=3' \
    --config 'profile.release.package.dlmalloc.opt-level=3'
fi
# wasm-opt runs here, not in worker-build (Cargo.toml's wasm-pack metadata
# turns its `-O` off): its passes are env.sh's ORGWARDEN_WASM_OPT, chosen for
# the compressed size. The function-names section (worker-build keeps it for
# symbolized panic traces) is about an eighth of the module's gzip size: a
# panic is a defect the lints deny, so the module ships without it
# (docs/performance.md). ORGWARDEN_KEEP_NAMES=1 keeps them, for a profile
# (benches/profile-proxy.mjs).
wasm=build/worker/index.wasm
if [ "${ORGWARDEN_KEEP_NAMES:-}" = 1 ]; then
  names=(--debuginfo)
  echo "worker module: function names kept (ORGWARDEN_KEEP_NAMES=1)"
else
  names=(--strip-debug)
fi
"$WASM_OPT_BIN" "$wasm" "${ORGWARDEN_WASM_OPT[@]}" "${names[@]}" --strip-producers \
  "${ORGWARDEN_WASM_FEATURES[@]}" -o "$wasm.opt"
mv "$wasm.opt" "$wasm"
# The entry module: the wasm exports as plain handlers (its comment says why).
cp src/adapters/worker/entry.mjs build/index.js
printf 'worker module: %d bytes raw, %d bytes gzip\n' "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
# The console, which the worker serves from [assets] (wrangler.toml).
bash scripts/build-console.sh
