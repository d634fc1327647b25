#!/usr/bin/env bash
# Runs the native benchmarks in one go and prints the figures issue 2 asks
# for, with the ratios: medians from criterion's estimates.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ORGWARDEN_ROOT"
cargo bench --bench verify --bench decide -- --noplot "$@" >&2
python3 - <<'PY'
import json, pathlib
def med(name):
    p = pathlib.Path("target/criterion") / name / "new" / "estimates.json"
    return json.loads(p.read_text())["median"]["point_estimate"] / 1000.0  # ns -> µs
a, b, c, d = (med(n) for n in ["a_raw_verify_strict", "b_orgwarden_verify", "c_jsonwebtoken_decode", "d_cache_hit"])
a2 = med("a2_orgwarden_strict_signature")
e = med("e_decide_1000_orgs_x_1000_collaborators")
e3 = med("e_decide_3_orgs_x_1000_collaborators")
rows = [
    ("(a) ed25519-dalek verify_strict (floor)", a, "1.00"),
    ("(a2) orgwarden strict signature check alone", a2, f"{a2/a:.3f}"),
    ("(b) orgwarden full verify", b, f"{b/a:.3f}  (target <= 1.15)"),
    ("(c) jsonwebtoken decode (peer)", c, f"{c/a:.3f}  (b/c = {b/c:.3f}, target < 1)"),
    ("(d) verified-token cache hit", d, f"{d/a:.4f}"),
    ("(e) decision, 1,000 orgs x 1,000 collaborators", e, "target < 5 us"),
    ("    decision, 3 orgs x 1,000 collaborators", e3, ""),
]
print("| benchmark | median (µs) | ratio / target |")
print("|---|---:|---|")
for name, v, note in rows:
    print(f"| {name} | {v:.3f} | {note} |")
PY
