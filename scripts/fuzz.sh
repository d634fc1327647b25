#!/usr/bin/env bash
# Runs the cargo-fuzz targets (fuzz/): token parsing and verification, JWKS
# and proxy configuration parsing, path canonicalization and route matching,
# and every admin request body through the HTTP layer. Installs the pinned
# nightly (scripts/env.sh) and cargo-fuzz when missing. Each target starts
# from its seed corpus in fuzz/seeds/<target> (committed) and keeps what it
# finds in target/fuzz-corpus/<target>; a crash is left in
# fuzz/artifacts/<target>.
#
#   bash scripts/fuzz.sh                 # every target, FUZZ_SECONDS each (default 600)
#   FUZZ_SECONDS=60 bash scripts/fuzz.sh token routes
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"

rustup toolchain list | grep -q "^$ORGWARDEN_NIGHTLY" || rustup toolchain install "$ORGWARDEN_NIGHTLY" --profile minimal
cargo "+$ORGWARDEN_NIGHTLY" fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(token jwks proxy_config routes admin_bodies)
seconds="${FUZZ_SECONDS:-600}"
for t in "${targets[@]}"; do
  mkdir -p "target/fuzz-corpus/$t"
  printf '\n==> %s (%s s)\n' "$t" "$seconds"
  # -jobs 1: one core for the fuzzer, one for the rest of the machine.
  cargo "+$ORGWARDEN_NIGHTLY" fuzz run --fuzz-dir fuzz "$t" "target/fuzz-corpus/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$seconds" -print_final_stats=1 -max_len=8192 2>&1 \
    | grep -E '^(#[0-9]+.*(DONE|INITED)|stat::number_of_executed_units|stat::peak_rss|==[0-9]+==|SUMMARY|Done|artifact_prefix|Test unit written)' || true
  if ls "fuzz/artifacts/$t"/crash-* >/dev/null 2>&1; then
    echo "!! $t: a crash was found (fuzz/artifacts/$t)"; exit 1
  fi
done
