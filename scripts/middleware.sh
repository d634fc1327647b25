#!/usr/bin/env bash
# Runs the gateway component as wasi:http middleware under `wasmtime serve`
# on http://127.0.0.1:8790 (MIDDLEWARE_PORT), in front of the example origin
# on 127.0.0.1:8788, taking facts from the worker that `bash scripts/dev.sh`
# runs on 127.0.0.1:8787 (start that first). The route rules are
# wrangler.toml's ORGWARDEN_PROXY; the directory key is .dev.vars'.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"
bash scripts/setup.sh
[ -f target/component/orgwarden-middleware.wasm ] && [ -z "${REBUILD:-}" ] || bash scripts/build-component.sh
directory_key="$(sed -n "s/^DIRECTORY_KEY='\(.*\)'$/\1/p" .dev.vars)"
proxy="$(python3 -c 'import json, tomllib; print(json.dumps(tomllib.load(open("wrangler.toml", "rb"))["vars"]["ORGWARDEN_PROXY"]))')"
base_url="$(python3 -c 'import tomllib; print(tomllib.load(open("wrangler.toml", "rb"))["vars"]["PUBLIC_BASE_URL"])')"
echo "orgwarden middleware on http://127.0.0.1:${MIDDLEWARE_PORT:-8790} → origin http://127.0.0.1:8788, directory http://127.0.0.1:${PORT:-8787}" >&2
exec "$WASMTIME_BIN" serve --addr "127.0.0.1:${MIDDLEWARE_PORT:-8790}" -S cli \
  --max-instance-reuse-count 100000 --idle-instance-timeout 600 \
  --env ORGWARDEN_ORIGIN="http://127.0.0.1:8788" \
  --env ORGWARDEN_DIRECTORY="http://127.0.0.1:${PORT:-8787}" \
  --env ORGWARDEN_BASE_URL="$base_url" \
  --env ORGWARDEN_DIRECTORY_KEY="$directory_key" \
  --env ORGWARDEN_PROXY="$proxy" \
  target/component/orgwarden-middleware.wasm
