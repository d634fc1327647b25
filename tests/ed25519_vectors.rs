//! The strict-Ed25519 edge cases as tokens (tests/cases/ed25519.json): RFC
//! 8032's keys, bit flips, a non-canonical `s`, the small-order and
//! non-canonical `R` encodings, and a mixed-order public key, each with the
//! verdict of the Rust path. tests/worker/ed25519.test.mjs sends every token
//! to the built worker, where the equation goes to WebCrypto, and requires
//! the same verdict: the differential test of the two paths.
//!
//! `ORGWARDEN_WRITE_ED25519=1 cargo test --test ed25519_vectors` writes the
//! file; otherwise the file must be what this generates.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use base64ct::{Base64UrlUnpadded, Encoding};
use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use orgwarden::core::token::alg::SMALL_ORDER_ENCODINGS;
use orgwarden::core::token::{
    Checked, ExternalClaims, KeySet, TokenError, Verdict, Verifier, VerifyOptions,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha512};

const ISSUER: &str = "https://vectors.orgwarden.test/";
const AUDIENCE: &str = "https://vectors.orgwarden.test/api";
const PATH: &str = "tests/cases/ed25519.json";

/// RFC 8032 section 7.1, tests 1 to 3: secret key and public key.
const RFC8032: [(&str, &str); 3] = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
    ),
];

fn hex32(s: &str) -> [u8; 32] {
    let v: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    v.try_into().unwrap()
}

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// `header.claims` for `kid`, with `n` in the claims so that inputs differ.
fn signing_input(kid: &str, n: u32) -> String {
    let header = json!({"alg": "EdDSA", "kid": kid});
    let claims = json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "vector-user", "iat": 1_750_000_000, "exp": 4_000_000_000_i64, "jti": format!("v{n}")});
    format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

fn token(input: &str, signature: &[u8; 64]) -> String {
    format!("{input}.{}", b64(signature))
}

fn jwk(kid: &str, public: &[u8; 32]) -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64(public)})
}

/// A signature under the mixed-order key `A + T` (T of order 8) made with
/// `A`'s secret scalar: it satisfies the cofactored equation always and the
/// cofactorless one (RFC 8032's, both paths') only when `k·T` vanishes.
fn mixed_order_signature(secret: &[u8; 32], mixed: &[u8; 32], input: &str) -> [u8; 64] {
    let h = Sha512::digest(secret);
    let mut a_bytes = [0u8; 32];
    a_bytes.copy_from_slice(&h[..32]);
    a_bytes[0] &= 248;
    a_bytes[31] &= 127;
    a_bytes[31] |= 64;
    let a = Scalar::from_bytes_mod_order(a_bytes);
    let r = wide(Sha512::new().chain_update(&h[32..]).chain_update(input));
    let big_r = (r * ED25519_BASEPOINT_POINT).compress();
    let k = wide(
        Sha512::new()
            .chain_update(big_r.as_bytes())
            .chain_update(mixed)
            .chain_update(input),
    );
    let s = r + k * a;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(big_r.as_bytes());
    sig[32..].copy_from_slice(s.as_bytes());
    sig
}

fn wide(h: Sha512) -> Scalar {
    let bytes: [u8; 64] = h.finalize().into();
    Scalar::from_bytes_mod_order_wide(&bytes)
}

/// ℓ, little-endian: ℓ − 1 is −1 mod ℓ, and its low byte 0xec takes the +1.
fn order() -> [u8; 32] {
    let mut l = (Scalar::ZERO - Scalar::ONE).to_bytes();
    l[0] += 1;
    l
}

fn add_order(s: &[u8]) -> [u8; 32] {
    // s + ℓ as 256-bit little-endian integers (s < ℓ < 2^253: no overflow).
    let l = order();
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(s[i]) + u16::from(l[i]) + carry;
        out[i] = (v & 0xff) as u8;
        carry = v >> 8;
    }
    out
}

struct Cases {
    keys: Vec<Value>,
    cases: Vec<(String, String)>,
}

impl Cases {
    fn add(&mut self, name: impl Into<String>, token: String) {
        self.cases.push((name.into(), token));
    }
}

fn generate() -> Cases {
    let mut c = Cases {
        keys: Vec::new(),
        cases: Vec::new(),
    };
    let mut rfc_keys = Vec::new();
    for (i, (secret, public)) in RFC8032.iter().enumerate() {
        let key = SigningKey::from_bytes(&hex32(secret));
        assert_eq!(
            key.verifying_key().to_bytes(),
            hex32(public),
            "RFC 8032 test {}",
            i + 1
        );
        let kid = format!("rfc8032-{}", i + 1);
        c.keys.push(jwk(&kid, &hex32(public)));
        let input = signing_input(&kid, 0);
        c.add(
            format!("{kid}: valid"),
            token(&input, &key.sign(input.as_bytes()).to_bytes()),
        );
        rfc_keys.push((kid, key));
    }
    let (kid, key) = &rfc_keys[0];
    let input = signing_input(kid, 1);
    let good = key.sign(input.as_bytes()).to_bytes();
    for bit in [
        0usize, 1, 7, 8, 100, 200, 254, 255, 256, 257, 300, 400, 500, 504, 507, 510, 511,
    ] {
        let mut sig = good;
        sig[bit / 8] ^= 1 << (bit % 8);
        c.add(format!("signature bit {bit} flipped"), token(&input, &sig));
    }
    let mut claims_flipped = token(&input, &good);
    let at = input.find('.').unwrap() + 10;
    let flipped = if &claims_flipped[at..=at] == "A" {
        "B"
    } else {
        "A"
    };
    claims_flipped.replace_range(at..=at, flipped);
    c.add("a claims character changed after signing", claims_flipped);
    let other = rfc_keys[1].1.sign(input.as_bytes()).to_bytes();
    c.add(
        "signed by another RFC 8032 key under this kid",
        token(&input, &other),
    );
    let mut high_s = good;
    high_s[32..].copy_from_slice(&add_order(&good[32..]));
    c.add(
        "s + ℓ (the same signature with a non-canonical s)",
        token(&input, &high_s),
    );
    let mut s_is_order = [0u8; 64];
    s_is_order[..32].copy_from_slice(&SMALL_ORDER_ENCODINGS[0]);
    s_is_order[32..].copy_from_slice(&order());
    c.add("R = identity, s = ℓ", token(&input, &s_is_order));
    for (i, r) in SMALL_ORDER_ENCODINGS.iter().enumerate() {
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(r);
        c.add(format!("small-order R #{i}, s = 0"), token(&input, &sig));
        let mut sig = good;
        sig[..32].copy_from_slice(r);
        c.add(
            format!("small-order R #{i}, the real s"),
            token(&input, &sig),
        );
    }
    // y ≥ p: non-canonical encodings (p = 2^255 − 19, so y = p + d for d < 19).
    for d in [0u8, 1, 2, 18] {
        for sign in [0u8, 0x80] {
            let mut r = [0xffu8; 32];
            r[0] = 0xed + d;
            r[31] = 0x7f | sign;
            let mut sig = good;
            sig[..32].copy_from_slice(&r);
            c.add(
                format!("non-canonical R (y = p + {d}, sign {})", sign >> 7),
                token(&input, &sig),
            );
        }
    }
    c.add("all-zero signature", token(&input, &[0u8; 64]));
    // A mixed-order public key: on the curve, not of small order, not in the
    // prime-order subgroup.
    let secret = [0x33u8; 32];
    let a = SigningKey::from_bytes(&secret).verifying_key();
    let a_point = CompressedEdwardsY(a.to_bytes()).decompress().unwrap();
    let mixed = (a_point + EIGHT_TORSION[1]).compress().to_bytes();
    assert!(!VerifyingKey::from_bytes(&mixed).unwrap().is_weak());
    c.keys.push(jwk("mixed-order", &mixed));
    for n in 0..24 {
        let input = signing_input("mixed-order", 100 + n);
        let sig = mixed_order_signature(&secret, &mixed, &input);
        c.add(
            format!("mixed-order key, signature {n}"),
            token(&input, &sig),
        );
    }
    c
}

/// The Rust path's verdict, held to ed25519-dalek's `verify_strict`.
fn verdict(keys: &KeySet, token: &str) -> bool {
    let verifier = Verifier::new(keys.clone(), VerifyOptions::new(ISSUER, AUDIENCE));
    let ours = match verifier.verify_as::<ExternalClaims>(token, 1_800_000_000) {
        Ok(_) => true,
        Err(TokenError::BadSignature) => false,
        Err(e) => panic!("{token}: not a signature case: {e}"),
    };
    let (input, sig) = token.rsplit_once('.').unwrap();
    let sig: [u8; 64] = Base64UrlUnpadded::decode_vec(sig)
        .unwrap()
        .try_into()
        .unwrap();
    let header: Value = serde_json::from_slice(
        &Base64UrlUnpadded::decode_vec(input.split('.').next().unwrap()).unwrap(),
    )
    .unwrap();
    let key = keys.get(header["kid"].as_str().unwrap()).unwrap();
    let strict = key
        .point()
        .unwrap()
        .verify_strict(input.as_bytes(), &Signature::from_bytes(&sig))
        .is_ok();
    assert_eq!(ours, strict, "{token}");
    assert_eq!(host_path(keys, token), ours, "{token}: the host's path");
    ours
}

/// The browser module's path: keys loaded by their encodings only, every
/// check but the equation in Rust, the equation answered by the host (here
/// ed25519-dalek again, as `SignatureCheck::verify_here`).
fn host_path(keys: &KeySet, token: &str) -> bool {
    let encodings = KeySet::from_jwks_encodings(&keys.to_jwks()).unwrap();
    let verifier = Verifier::new(encodings, VerifyOptions::new(ISSUER, AUDIENCE));
    let check = match verifier.check_with_host::<ExternalClaims>(token, 1_800_000_000, None) {
        Ok(Checked::NeedsSignature(check)) => check,
        Err(TokenError::BadSignature) => return false,
        other => panic!("{token}: {other:?}"),
    };
    let verdict = Verdict {
        valid: check.verify_here(),
        check,
    };
    match verifier.check_with_host::<ExternalClaims>(token, 1_800_000_000, Some(&verdict)) {
        Ok(Checked::Verified(_)) => true,
        Err(TokenError::BadSignature) => false,
        other => panic!("{token}: {other:?}"),
    }
}

#[test]
fn the_vectors_file_is_what_the_rust_path_says() {
    let c = generate();
    let jwks = json!({"keys": c.keys});
    let keys = KeySet::from_json(&jwks.to_string()).unwrap();
    let cases: Vec<Value> = c
        .cases
        .iter()
        .map(|(name, token)| json!({"name": name, "token": token, "valid": verdict(&keys, token)}))
        .collect();
    let valid = cases.iter().filter(|c| c["valid"] == true).count();
    // The valid RFC 8032 tokens and some mixed-order signatures (k·T = 0
    // for about one in eight); everything else is refused.
    assert!(valid > 3 && valid < 3 + 24, "{valid} valid");
    let doc = json!({
        "about": "Generated by tests/ed25519_vectors.rs: strict-Ed25519 edge cases as tokens, each with the Rust path's verdict",
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "jwks": jwks,
        "cases": cases,
    });
    let text = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    if std::env::var_os("ORGWARDEN_WRITE_ED25519").is_some() {
        std::fs::write(PATH, &text).unwrap();
    }
    let on_disk = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        on_disk == text,
        "{PATH} is stale: ORGWARDEN_WRITE_ED25519=1 cargo test --test ed25519_vectors"
    );
}
