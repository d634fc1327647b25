#!/usr/bin/env bash
# Builds the gateway component (wasm32-wasip2) in its two worlds, into
# target/component/:
#   orgwarden-authz.wasm       world orgwarden:authz/library (feature component)
#   orgwarden-middleware.wasm  world wasi:http/proxy (feature component-http)
#   js/                        the library transpiled by jco for Node hosts
#                              (instantiation mode: the host passes its imports)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"
# opt-level 3 rather than the size-first "z" of the worker and the browser
# module: for a gateway plugin the decision's speed matters more, and here
# it comes out smaller too (benches/envoy.mjs: Envoy CPU per cached-token
# request 125 → 102 µs; 873 → 774 KB).
export CARGO_PROFILE_RELEASE_OPT_LEVEL=3

out=target/component
mkdir -p "$out"
# One cdylib per build: each world is built and copied before the next.
cargo build --quiet --lib --release --target wasm32-wasip2 --features component
cp target/wasm32-wasip2/release/orgwarden.wasm "$out/orgwarden-authz.wasm"
cargo build --quiet --lib --release --target wasm32-wasip2 --features component-http
cp target/wasm32-wasip2/release/orgwarden.wasm "$out/orgwarden-middleware.wasm"
rm -rf "$out/js"
node_modules/.bin/jco transpile "$out/orgwarden-authz.wasm" -o "$out/js" --name authz \
  --instantiation async --quiet
for f in orgwarden-authz orgwarden-middleware; do
  printf '%s: %s bytes, %s gzip\n' "$f.wasm" "$(stat -c %s "$out/$f.wasm")" "$(gzip -9c "$out/$f.wasm" | wc -c)"
done
