#!/usr/bin/env bash
# Builds the browser module into pkg/ (npm-ready: web and bundler targets,
# TypeScript types from wasm-bindgen, wasm-opt as env.sh says), and prints its size.
#
# Size first: the module is built on the pinned nightly with std rebuilt
# from source at the release profile's opt-level "z" and
# `optimize_for_size` (the prebuilt std is opt-level 3), panics aborting
# at once with no message or location (`-Cpanic=immediate-abort`; panics are
# denied by lint anyway), and `Debug` formatting compiled out (the module's
# own messages do not use it; serde's that quote a value through it lose the
# value). SHA-256 (key thumbprints) at "z" too.
# docs/performance.md has the figures: 97 KiB gzip on stable, 80 with these.
# ORGWARDEN_BROWSER_STABLE=1 builds the plain way on stable, for comparison.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"

if [ "${ORGWARDEN_BROWSER_STABLE:-}" = 1 ]; then
  cargo build --lib --release --target wasm32-unknown-unknown --features browser
  wasm="target/wasm32-unknown-unknown/release/orgwarden.wasm"
else
  # Its own target directory: std built this way must not meet the normal builds' artifacts.
  RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none" \
    cargo "+$ORGWARDEN_NIGHTLY" build --lib --release --target wasm32-unknown-unknown --features browser \
    -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size \
    --config 'profile.release.package.sha2.opt-level="z"' \
    --target-dir target/browser
  wasm="target/browser/wasm32-unknown-unknown/release/orgwarden.wasm"
fi
rm -rf pkg && mkdir -p pkg
for target in web bundler; do
  "$WASM_BINDGEN_BIN" --target "$target" --out-dir "pkg/$target" --out-name orgwarden "$wasm"
  "$WASM_OPT_BIN" "${ORGWARDEN_WASM_OPT[@]}" --strip-producers --strip-target-features "${ORGWARDEN_WASM_FEATURES[@]}" \
    "pkg/$target/orgwarden_bg.wasm" -o "pkg/$target/orgwarden_bg.wasm"
done
version="$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)"
sed "s/\"version\": \"[^\"]*\"/\"version\": \"$version\"/" browser/package.json > pkg/package.json
cp browser/README.md pkg/README.md

raw=$(($(stat -c %s pkg/web/orgwarden_bg.wasm) + $(stat -c %s pkg/web/orgwarden.js)))
gz=$(( $(gzip -9 -c pkg/web/orgwarden_bg.wasm | wc -c) + $(gzip -9 -c pkg/web/orgwarden.js | wc -c) ))
printf 'browser module (web: wasm + glue): %d bytes raw, %d bytes gzip (%d KiB)\n' "$raw" "$gz" $((gz / 1024))
