#!/usr/bin/env bash
# Runs every test: formatting, lints, the native and wasm builds, the Rust
# tests (with the shared case table), the worker in workerd through Miniflare,
# the browser module under Node and its example page in headless Chromium,
# the console in the same Chromium,
# the gateway component under jco and wasmtime serve, the Envoy filter in
# a real Envoy.
# Installs what is missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"

step() { printf '\n==> %s\n' "$*"; }

step "setup"
bash scripts/setup.sh
# Again: on a fresh machine the tools' paths exist only after the setup.
source scripts/env.sh

step "cargo fmt --check"
cargo fmt --check

step "cargo clippy (native: core + cli, all targets)"
cargo clippy --features cli --all-targets -- -D warnings
step "cargo clippy (worker and browser adapters, wasm32-unknown-unknown)"
cargo clippy --lib --features worker --target wasm32-unknown-unknown -- -D warnings
cargo clippy --lib --features browser --target wasm32-unknown-unknown -- -D warnings
step "cargo clippy (gateway component, both worlds, wasm32-wasip2)"
cargo clippy --lib --features component --target wasm32-wasip2 -- -D warnings
cargo clippy --lib --features component-http --target wasm32-wasip2 -- -D warnings
step "cargo clippy (Envoy filter, wasm32-wasip1)"
cargo clippy --lib --features proxy-wasm --target wasm32-wasip1 -- -D warnings

step "build: native, wasm32-unknown-unknown, wasm32-wasip2 (core)"
cargo build --features cli
cargo build --lib --release --target wasm32-unknown-unknown
cargo build --lib --release --target wasm32-wasip2

step "cargo test"
cargo test --features cli
cargo test --features proxy-wasm --lib adapters::envoy

step "wrangler.toml's proxy configuration passes the check the worker makes"
python3 -c 'import json, tomllib; print(json.dumps(tomllib.load(open("wrangler.toml", "rb"))["vars"]["ORGWARDEN_PROXY"]))' \
  | cargo run --quiet --features cli -- proxy check -

step "examples run"
cargo run --quiet --example decide

step "benchmarks compile"
cargo bench --no-run --quiet

step "fuzz targets compile (cargo check on stable; bash scripts/fuzz.sh runs them on nightly)"
cargo check --quiet --manifest-path fuzz/Cargo.toml --bins

step "worker build (worker-build), with the console (the browser module, tsc, esbuild)"
bash scripts/build-worker.sh

step "gateway component build (library and wasi:http middleware, wasm32-wasip2; jco transpile)"
bash scripts/build-component.sh

step "Envoy filter build (proxy-wasm, wasm32-wasip1)"
bash scripts/build-envoy.sh

step "JavaScript tests: the worker in workerd (Miniflare; every answer validated against docs/openapi.json), the browser module under Node on the shared cases, the example page in headless Chromium"
rm -f target/openapi-coverage.txt
node --test --test-reporter=spec tests/worker/ tests/browser/

step "The console in headless Chromium: the source stories by clicking, axe-core on every page, the Content-Security-Policy"
node --test --test-reporter=spec tests/console/

step "The gateway component in real hosts: the library under Node (jco), the middleware under wasmtime serve and jco serve, the worker as its directory"
node --test --test-reporter=spec tests/component/

step "The Envoy filter in a real Envoy (V8), the worker as its directory"
node --test --test-reporter=spec tests/envoy/

step "OpenAPI coverage: every documented operation answered and validated"
node --test --test-reporter=spec tests/openapi/

step "Schemathesis: every check and phase (stateful included) against the worker, from docs/openapi.json"
node --test --test-reporter=spec tests/schemathesis/
