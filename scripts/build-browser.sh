#!/usr/bin/env bash
# Builds the browser module into pkg/ (npm-ready: web and bundler targets,
# TypeScript types from wasm-bindgen, wasm-opt -Oz), and prints its size.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"

cargo build --lib --release --target wasm32-unknown-unknown --features browser
wasm="target/wasm32-unknown-unknown/release/orgwarden.wasm"
rm -rf pkg && mkdir -p pkg
for target in web bundler; do
  "$WASM_BINDGEN_BIN" --target "$target" --out-dir "pkg/$target" --out-name orgwarden "$wasm"
  # The features rustc enables by default for wasm32-unknown-unknown.
  "$WASM_OPT_BIN" -Oz --enable-bulk-memory --enable-multivalue --enable-mutable-globals \
    --enable-nontrapping-float-to-int --enable-reference-types --enable-sign-ext \
    "pkg/$target/orgwarden_bg.wasm" -o "pkg/$target/orgwarden_bg.wasm"
done
version="$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)"
sed "s/\"version\": \"[^\"]*\"/\"version\": \"$version\"/" browser/package.json > pkg/package.json
cp browser/README.md pkg/README.md

raw=$(($(stat -c %s pkg/web/orgwarden_bg.wasm) + $(stat -c %s pkg/web/orgwarden.js)))
gz=$(( $(gzip -9 -c pkg/web/orgwarden_bg.wasm | wc -c) + $(gzip -9 -c pkg/web/orgwarden.js | wc -c) ))
printf 'browser module (web: wasm + glue): %d bytes raw, %d bytes gzip (%d KiB)\n' "$raw" "$gz" $((gz / 1024))
