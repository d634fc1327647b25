#!/usr/bin/env bash
# The proxy's CPU-heavy steps natively and as WebAssembly (wasm32-wasip2 in
# Node's V8 through jco), from one program: examples/steps.rs. jco is fetched
# from npm on first use (a benchmark tool, not a test dependency).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"
cargo build --quiet --release --example steps
cargo build --quiet --release --target wasm32-wasip2 --example steps
native="$(target/release/examples/steps)"
wasm="$(npx --yes @bytecodealliance/jco@1.35.0 run target/wasm32-wasip2/release/examples/steps.wasm)"
python3 - "$native" "$wasm" <<'PY'
import sys
def rows(text):
    return {name: float(us) for _, name, us in (l.split("\t") for l in text.strip().splitlines())}
n, w = rows(sys.argv[1]), rows(sys.argv[2])
print("| step | native µs | wasm (V8) µs | wasm / native |")
print("|---|---:|---:|---:|")
for name in n:
    print(f"| {name} | {n[name]:.2f} | {w[name]:.2f} | {w[name] / n[name]:.1f} |")
PY
