#!/usr/bin/env bash
# Runs Envoy with orgwarden's filter on http://127.0.0.1:8792 (ENVOY_PORT) in
# front of the example origin on 127.0.0.1:8788, with the worker that
# `bash scripts/dev.sh` runs on 127.0.0.1:8787 as the filter's directory
# (start that first). The route rules are wrangler.toml's ORGWARDEN_PROXY;
# the directory key is .dev.vars'. The configuration it runs is
# examples/envoy/envoy.yaml with these values filled in.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"
bash scripts/setup.sh
[ -f target/envoy/orgwarden-filter.wasm ] && [ -z "${REBUILD:-}" ] || bash scripts/build-envoy.sh
export LISTEN_PORT="${ENVOY_PORT:-8792}" ADMIN_PORT="${ENVOY_ADMIN_PORT:-8793}" UPSTREAM_PORT=8788
export DIRECTORY_PORT="${PORT:-8787}" DIRECTORY_AUTHORITY="127.0.0.1:${PORT:-8787}"
export DIRECTORY_KEY="$(sed -n "s/^DIRECTORY_KEY='\(.*\)'$/\1/p" .dev.vars)"
export FILTER_WASM="$ORGWARDEN_ROOT/target/envoy/orgwarden-filter.wasm"
export PROXY_JSON="$(python3 -c 'import json, tomllib; print(json.dumps(tomllib.load(open("wrangler.toml", "rb"))["vars"]["ORGWARDEN_PROXY"]))')"
export BASE_URL="$(python3 -c 'import tomllib; print(tomllib.load(open("wrangler.toml", "rb"))["vars"]["PUBLIC_BASE_URL"])')"
python3 - <<'PY' > target/envoy/envoy.yaml
import os, re
text = open("examples/envoy/envoy.yaml").read()
print(re.sub(r"\$\{([A-Z_]+)\}", lambda m: os.environ[m.group(1)], text))
PY
echo "Envoy with orgwarden on http://127.0.0.1:$LISTEN_PORT → origin :8788, directory :$DIRECTORY_PORT" >&2
exec "$ENVOY_BIN" -c target/envoy/envoy.yaml --concurrency 2 -l warn --disable-hot-restart
