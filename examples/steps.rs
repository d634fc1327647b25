//! The proxy's CPU-heavy steps, timed by one program that runs natively and
//! as WebAssembly (wasm32-wasip2, run in Node's V8 by jco, the engine family
//! workerd uses): a full token verification, and the gate's decision with a
//! cached token, an API key and a new token. The store is the shared case
//! table's, in memory.
//!
//! ```sh
//! cargo run --release --example steps                       # native
//! bash scripts/bench-wasm-steps.sh                          # both, side by side
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Instant;

use orgwarden::core::token::{sign, AccessClaims, SigningKeys, Verifier, VerifyOptions};
use orgwarden::proxy::{Gate, Outcome, ProxyConfig, ProxyRequest};
use orgwarden::store::memory::{block_on, MemoryStore};
use orgwarden::store::Store;
use serde_json::Value;

const TABLE: &str = include_str!("../tests/cases/requests.json");
const NOW_MS: i64 = 1_800_000_000_000;

/// Median of `rounds` rounds of `n` calls, in µs per call.
fn time(rounds: usize, n: usize, mut f: impl FnMut(usize)) -> f64 {
    for i in 0..n {
        f(i);
    }
    let mut per: Vec<f64> = (0..rounds)
        .map(|r| {
            let t = Instant::now();
            for i in 0..n {
                f(r * n + i);
            }
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        })
        .collect();
    per.sort_by(f64::total_cmp);
    per[per.len() / 2]
}

fn main() {
    let table: Value = serde_json::from_str(TABLE).unwrap();
    let store = MemoryStore::new();
    for e in table["kv"].as_array().unwrap() {
        block_on(store.put(
            e["key"].as_str().unwrap(),
            e["value"].as_str().unwrap(),
            e["metadata"].as_str(),
        ))
        .unwrap();
    }
    let signing = SigningKeys::from_json(&table["signing_jwks"].to_string()).unwrap();
    let base = table["base_url"].as_str().unwrap();
    let config = ProxyConfig::from_json(&table["config"].to_string()).unwrap();
    let gate = Gate::with_keys(config, base, signing.verification_keys());
    let decide = |authorization: &str| {
        let d = block_on(gate.authorize(
            &orgwarden::store::facts::StoreFacts::new(&store),
            &ProxyRequest {
                method: "GET",
                path: "/apps/billing/devices",
                authorization: Some(authorization),
                api_key: None,
            },
            NOW_MS,
        ));
        assert!(matches!(
            d.outcome,
            Outcome::Forward(orgwarden::proxy::Forward {
                identity: Some(_),
                ..
            })
        ));
    };
    let token = table["tokens"]["carol"]["token"].as_str().unwrap();
    let cached = format!("Bearer {token}");
    let key = format!("Bearer {}", table["keys"]["reader"].as_str().unwrap());
    let claims: AccessClaims =
        serde_json::from_value(table["tokens"]["carol"]["claims"].clone()).unwrap();
    let fresh: Vec<String> = (0..3_000)
        .map(|i| {
            let mut c = claims.clone();
            c.jti = format!("steps-{i}");
            format!("Bearer {}", sign(&signing, &c).unwrap())
        })
        .collect();
    let verifier = Verifier::new(
        signing.verification_keys(),
        VerifyOptions::new(format!("{base}/t/acme"), base),
    );
    let rows = [
        (
            "full token verification (strict Ed25519, claims, checks)",
            time(5, 200, |_| {
                verifier.verify(token, NOW_MS / 1000).unwrap();
            }),
        ),
        (
            "gate decision, cached token",
            time(5, 20_000, |_| decide(&cached)),
        ),
        ("gate decision, API key", time(5, 20_000, |_| decide(&key))),
        (
            "gate decision, new token (verification included)",
            time(5, 500, |i| decide(&fresh[i % fresh.len()])),
        ),
    ];
    let target = if cfg!(target_family = "wasm") {
        "wasm32 (V8)"
    } else {
        "native"
    };
    for (name, us) in rows {
        println!("{target}\t{name}\t{us:.2}");
    }
}
