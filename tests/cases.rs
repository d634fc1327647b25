//! The shared decision table (`tests/cases/decisions.json`) against the core.
//!
//! The table's expectations are written by hand. Its tokens are generated
//! here from each case's `claims`, `sign` and `mutate` with fixed keys, so
//! they are reproducible: this test fails when a stored token differs from
//! the regenerated one, and `ORGWARDEN_WRITE_CASES=1 cargo test --test cases`
//! rewrites them. The browser module, the edge and the gateway plugins run
//! the same file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use base64ct::{Base64UrlUnpadded, Encoding};
use orgwarden::rights::RightSet;
use orgwarden::surface::{self, Grants, VerifyRequest};
use orgwarden::token::keys::{Jwks, SigningKeys};
use orgwarden::token::{sign, AccessClaims};
use serde::{Deserialize, Serialize};
use serde_json::Value;

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/decisions.json");
const KID: &str = "cases-2026";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    about: String,
    issuer: String,
    audience: String,
    now: i64,
    jwks: Jwks,
    cases: Vec<Case>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SignWith {
    /// The key the table's JWKS publishes.
    Trusted,
    /// Another key whose kid the JWKS does not hold.
    UnknownKid,
    /// Another key that claims the trusted kid.
    Impostor,
    /// `alg: none`, no signature.
    AlgNone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Mutate {
    /// `sub` rewritten after signing.
    Payload,
    /// One bit of the signature flipped.
    Signature,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    sign: SignWith,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mutate: Option<Mutate>,
    claims: Value,
    token: String,
    grants: Grants,
    required: RightSet,
    expect: Expect,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    verify: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rights: Option<RightSet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    allowed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    missing: Option<RightSet>,
}

fn key(seed: u8, kid: &str) -> SigningKeys {
    SigningKeys::from_entries(vec![SigningKeys::generate(&[seed; 32], Some(kid.into()))]).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

fn generate(case: &Case) -> String {
    let claims: AccessClaims = serde_json::from_value(case.claims.clone())
        .unwrap_or_else(|e| panic!("{}: claims do not fit: {e}", case.name));
    let token = match case.sign {
        SignWith::Trusted => sign(&key(0x11, KID), &claims).unwrap(),
        SignWith::UnknownKid => sign(&key(0x33, "retired-key"), &claims).unwrap(),
        SignWith::Impostor => sign(&key(0x22, KID), &claims).unwrap(),
        SignWith::AlgNone => format!(
            "{}.{}.",
            b64(format!(r#"{{"alg":"none","kid":"{KID}","typ":"at+jwt"}}"#).as_bytes()),
            b64(serde_json::to_string(&claims).unwrap().as_bytes())
        ),
    };
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    match case.mutate {
        None => {}
        Some(Mutate::Payload) => {
            let mut c: Value =
                serde_json::from_slice(&Base64UrlUnpadded::decode_vec(&parts[1]).unwrap()).unwrap();
            c["sub"] = Value::String("mallory".into());
            parts[1] = b64(c.to_string().as_bytes());
        }
        Some(Mutate::Signature) => {
            let mut s = Base64UrlUnpadded::decode_vec(&parts[2]).unwrap();
            s[0] ^= 0x01;
            parts[2] = b64(&s);
        }
    }
    parts.join(".")
}

fn load() -> Table {
    serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap()
}

#[test]
fn tokens_are_what_the_generator_makes() {
    let mut table = load();
    let jwks = key(0x11, KID).verification_keys().to_jwks();
    let mut stale = Vec::new();
    if table.jwks != jwks {
        stale.push("jwks".to_owned());
        table.jwks = jwks;
    }
    for case in &mut table.cases {
        let token = generate(case);
        if token != case.token {
            stale.push(case.name.clone());
            case.token = token;
        }
    }
    if std::env::var_os("ORGWARDEN_WRITE_CASES").is_some() {
        std::fs::write(PATH, serde_json::to_string_pretty(&table).unwrap() + "\n").unwrap();
    } else {
        assert!(
            stale.is_empty(),
            "stale tokens in tests/cases/decisions.json (regenerate with ORGWARDEN_WRITE_CASES=1 cargo test --test cases): {stale:?}"
        );
    }
}

#[test]
fn the_core_gives_the_expected_answers() {
    let table = load();
    let jwks = table.jwks.to_json();
    assert!(table.cases.len() >= 20);
    for case in &table.cases {
        let request = VerifyRequest {
            issuer: table.issuer.clone(),
            audience: table.audience.clone(),
            leeway: None,
            now: Some(table.now),
        };
        let verified = surface::verify(&case.token, &jwks, &request, 0);
        let code = verified
            .as_ref()
            .map_or_else(|e| e.code.clone(), |_| "ok".into());
        assert_eq!(code, case.expect.verify, "{}", case.name);
        let Ok(v) = verified else { continue };
        let rights = surface::rights_on(&v.claims, &case.grants).unwrap();
        let want = case
            .expect
            .rights
            .unwrap_or_else(|| panic!("{}: expect.rights", case.name));
        assert_eq!(rights, want.implied(), "{}: rights", case.name);
        let missing = rights.missing(case.required);
        assert_eq!(
            missing.is_empty(),
            case.expect.allowed.unwrap(),
            "{}: allowed",
            case.name
        );
        assert_eq!(
            missing,
            case.expect.missing.unwrap(),
            "{}: missing",
            case.name
        );
    }
}
