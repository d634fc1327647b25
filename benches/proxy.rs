//! The proxy's CPU per request, natively (issue 4): the gate's decision with
//! a cached token, an API key and a new token (a signature check each time),
//! and the forwarded-header computation. The store is the shared case table's
//! (tests/cases/requests.json), in memory; after the first request every
//! lookup is answered from the isolate caches, as at steady state.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use orgwarden::core::token::{sign, AccessClaims, SigningKeys};
use orgwarden::proxy::{headers, Gate, Outcome, ProxyConfig, ProxyRequest};
use orgwarden::store::memory::{block_on, MemoryStore};
use orgwarden::store::Store;
use serde_json::Value;

const NOW_MS: i64 = 1_800_000_000_000;

fn setup() -> (Value, MemoryStore, Gate, SigningKeys) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/requests.json");
    let table: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
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
    let config = ProxyConfig::from_json(&table["config"].to_string()).unwrap();
    let gate = Gate::with_keys(
        config,
        table["base_url"].as_str().unwrap(),
        signing.verification_keys(),
    );
    (table, store, gate, signing)
}

fn decide(gate: &Gate, store: &MemoryStore, authorization: &str) -> bool {
    let d = block_on(gate.authorize(
        &orgwarden::store::facts::StoreFacts::new(store),
        &ProxyRequest {
            method: "GET",
            path: "/apps/billing/devices",
            authorization: Some(authorization),
            api_key: None,
        },
        NOW_MS,
    ));
    matches!(
        d.outcome,
        Outcome::Forward(orgwarden::proxy::Forward {
            identity: Some(_),
            ..
        })
    )
}

fn bench(c: &mut Criterion) {
    let (table, store, gate, signing) = setup();
    let token = format!(
        "Bearer {}",
        table["tokens"]["carol"]["token"].as_str().unwrap()
    );
    let key = format!("Bearer {}", table["keys"]["reader"].as_str().unwrap());
    assert!(decide(&gate, &store, &token) && decide(&gate, &store, &key));
    c.bench_function("proxy_decide_cached_token", |b| {
        b.iter(|| decide(&gate, &store, black_box(&token)))
    });
    c.bench_function("proxy_decide_api_key", |b| {
        b.iter(|| decide(&gate, &store, black_box(&key)))
    });
    let claims: AccessClaims =
        serde_json::from_value(table["tokens"]["carol"]["claims"].clone()).unwrap();
    let fresh: Vec<String> = (0..20_000)
        .map(|i| {
            let mut c = claims.clone();
            c.jti = format!("bench-{i}");
            format!("Bearer {}", sign(&signing, &c).unwrap())
        })
        .collect();
    let mut next = 0usize;
    c.bench_function("proxy_decide_new_token", |b| {
        b.iter(|| {
            next = (next + 1) % fresh.len();
            decide(&gate, &store, black_box(&fresh[next]))
        })
    });
    let incoming = [
        ("accept", "application/json"),
        ("authorization", token.as_str()),
        ("user-agent", "bench/1.0"),
        ("x-request-id", "0b3c9a4e"),
        ("x-orgwarden-subject", "spoofed"),
        ("accept-encoding", "gzip, br"),
        ("host", "api.example.com"),
    ];
    let identity = headers::Identity {
        subject: "carol".into(),
        tenant: "acme".into(),
        rights: orgwarden::core::rights::RightSet::from_names([
            "RIGHT_APPLICATION_INFO",
            "RIGHT_APPLICATION_DEVICES_READ",
        ])
        .unwrap(),
        organizations: vec![],
    };
    c.bench_function("proxy_forwarded_headers", |b| {
        b.iter(|| headers::forwarded(black_box(incoming), Some(&identity), false))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
