#!/usr/bin/env bash
# Runs every test: formatting, lints, the native and wasm builds, the Rust
# tests, and the worker in workerd through Miniflare. Installs what is missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"

step() { printf '\n==> %s\n' "$*"; }

step "setup"
bash scripts/setup.sh

step "cargo fmt --check"
cargo fmt --check

step "cargo clippy (native: core + cli, all targets)"
cargo clippy --features cli --all-targets -- -D warnings
step "cargo clippy (worker adapter, wasm32-unknown-unknown)"
cargo clippy --lib --features worker --target wasm32-unknown-unknown -- -D warnings

step "build: native, wasm32-unknown-unknown, wasm32-wasip2 (core)"
cargo build --features cli
cargo build --lib --release --target wasm32-unknown-unknown
cargo build --lib --release --target wasm32-wasip2

step "cargo test"
cargo test --features cli

step "examples run"
cargo run --quiet --example decide

step "benchmarks compile"
cargo bench --no-run --quiet

step "worker build (worker-build)"
bash scripts/build-worker.sh

step "worker tests in workerd (Miniflare, node --test)"
node --test --test-reporter=spec tests/worker/
