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
ORGWARDEN_WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ORGWARDEN_ROOT/Cargo.lock" 2>/dev/null)"
