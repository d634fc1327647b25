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

mod common;

use common::{Mutate, SignWith};
use orgwarden::core::rights::RightSet;
use orgwarden::core::surface::{self, Grants, VerifyRequest};
use orgwarden::core::token::keys::Jwks;
use orgwarden::core::token::Verdict;
use serde::{Deserialize, Serialize};
use serde_json::Value;

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/decisions.json");

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

fn generate(case: &Case) -> String {
    common::generate(&case.name, &case.claims, case.sign, case.mutate)
}

fn load() -> Table {
    serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap()
}

#[test]
fn tokens_are_what_the_generator_makes() {
    let mut table = load();
    let jwks = common::trusted().verification_keys().to_jwks();
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

/// [`surface::verify_with_host`] driven as the browser module drives it,
/// with the host's equation computed here.
fn with_host(
    token: &str,
    jwks: &str,
    request: &VerifyRequest,
) -> Result<surface::Verification, surface::SurfaceError> {
    match surface::verify_with_host(token, jwks, request, 0, None)? {
        surface::VerifyStep::Verified(v) => Ok(v),
        surface::VerifyStep::NeedsSignature(check) => {
            let verdict = Verdict {
                valid: check.verify_here(),
                check,
            };
            match surface::verify_with_host(token, jwks, request, 0, Some(&verdict))? {
                surface::VerifyStep::Verified(v) => Ok(v),
                surface::VerifyStep::NeedsSignature(_) => panic!("asked twice"),
            }
        }
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
        assert_eq!(
            with_host(&case.token, &jwks, &request),
            verified,
            "{}: the equation handed to a host",
            case.name
        );
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
