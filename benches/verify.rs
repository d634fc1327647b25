//! Token verification cost (issue 2, step 8): (a) the raw `verify_strict`
//! floor, (a2) orgwarden's strict signature check alone, (b) orgwarden's full verify, (c) the `jsonwebtoken` crate as a peer,
//! (d) a verified-token cache hit. One ~600-byte token like PERFORMANCE.md's:
//! iss, sub, aud, exp, iat, jti, tid and 3 orgs × {role, 3 rights}.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;

use base64ct::{Base64UrlUnpadded, Encoding};
use criterion::{criterion_group, criterion_main, Criterion};
use ed25519_dalek::Signature;
use orgwarden::core::token::alg::verify_strict_fast;
use orgwarden::core::token::keys::SigningKeys;
use orgwarden::core::token::verify::signing_input;
use orgwarden::core::token::{sign, AccessClaims, TokenCache, Verifier, VerifyOptions};
use serde_json::json;

const ISS: &str = "https://api.example.com/t/acme";
const AUD: &str = "https://api.example.com";
const NOW: i64 = 1_800_000_000;

fn token(keys: &SigningKeys) -> String {
    let rights = [
        "RIGHT_ORGANIZATION_INFO",
        "RIGHT_APPLICATION_ALL",
        "RIGHT_GATEWAY_INFO",
    ];
    let claims: AccessClaims = serde_json::from_value(json!({
        "iss": ISS, "sub": "alice", "aud": AUD, "jti": "q3Xb8v1JkM2nP4rS6tU8wA", "tid": "acme",
        "iat": NOW, "exp": NOW + 900,
        "orgs": {
            "acme": {"role": "owner", "rights": rights},
            "acme-labs": {"role": "admin", "rights": rights},
            "partner": {"role": "member", "rights": rights},
        }
    }))
    .unwrap();
    sign(keys, &claims).unwrap()
}

fn bench(c: &mut Criterion) {
    let keys = SigningKeys::from_entries(vec![SigningKeys::generate(
        &[9; 32],
        Some("2026-11-key".into()),
    )])
    .unwrap();
    let token = token(&keys);
    eprintln!("token: {} bytes", token.len());
    let public = keys.active().key().verifying_key();

    let input = signing_input(&token).as_bytes().to_vec();
    let sig_b64 = token.rsplit_once('.').unwrap().1;
    let signature =
        Signature::from_slice(&Base64UrlUnpadded::decode_vec(sig_b64).unwrap()).unwrap();
    c.bench_function("a_raw_verify_strict", |b| {
        b.iter(|| {
            public
                .verify_strict(black_box(&input), black_box(&signature))
                .unwrap()
        })
    });

    // The same strict accept set without decompressing R (see src/token/alg.rs).
    c.bench_function("a2_orgwarden_strict_signature", |b| {
        b.iter(|| {
            assert!(verify_strict_fast(
                &public,
                black_box(&input),
                black_box(&signature)
            ))
        })
    });

    let verifier = Verifier::new(keys.verification_keys(), VerifyOptions::new(ISS, AUD));
    assert!(verifier.verify(&token, NOW).is_ok());
    c.bench_function("b_orgwarden_verify", |b| {
        b.iter(|| verifier.verify(black_box(&token), NOW).unwrap())
    });

    let peer_key = jsonwebtoken::DecodingKey::from_ed_der(public.as_bytes());
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_issuer(&[ISS]);
    validation.set_audience(&[AUD]);
    // jsonwebtoken reads the system clock; the token is valid for 15 minutes
    // from NOW, so only the expiry check is turned off for the peer.
    validation.validate_exp = false;
    assert!(jsonwebtoken::decode::<AccessClaims>(&token, &peer_key, &validation).is_ok());
    c.bench_function("c_jsonwebtoken_decode", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<AccessClaims>(black_box(&token), &peer_key, &validation).unwrap()
        })
    });

    let mut cache = TokenCache::default();
    cache.verify(&verifier, &token, NOW).unwrap();
    c.bench_function("d_cache_hit", |b| {
        b.iter(|| cache.verify(&verifier, black_box(&token), NOW).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
