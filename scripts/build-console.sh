#!/usr/bin/env bash
# Builds the console into console/dist/portal (the worker's [assets]): the
# TypeScript type-checked by tsc and bundled by esbuild, the page, its
# stylesheet and the browser module's wasm. Prints the sizes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"

# The browser module (pkg/web) is the console's "can I?".
bash scripts/build-browser.sh
tsc -p console/tsconfig.json
out=console/dist/portal
rm -rf console/dist && mkdir -p "$out"
esbuild console/src/main.ts --bundle --format=esm --target=es2022 --minify \
  --legal-comments=none --log-level=warning --outfile="$out/app.js"
esbuild console/app.css --minify --log-level=warning --outfile="$out/app.css"
cp console/index.html "$out/index.html"
cp pkg/web/orgwarden_bg.wasm "$out/orgwarden_bg.wasm"

gz() { gzip -9 -c "$1" | wc -c; }
own=$(( $(gz "$out/app.js") + $(gz "$out/app.css") + $(gz "$out/index.html") ))
printf 'console: %d bytes gzip (page, script, styles) + %d bytes gzip browser module wasm\n' \
  "$own" "$(gz "$out/orgwarden_bg.wasm")"
