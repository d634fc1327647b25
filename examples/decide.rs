//! From key to decision with the core alone: make a key, sign a token for a
//! member of two organizations, verify it, and ask what it may do on an
//! application that one of those organizations collaborates on.
//!
//! Run: `cargo run --example decide`

use orgwarden::core::decide::{EntityGrants, Subject};
use orgwarden::core::ids::{OrgId, UserId};
use orgwarden::core::rights::{Right, RightSet};
use orgwarden::core::token::keys::SigningKeys;
use orgwarden::core::token::{sign, AccessClaims, Verifier, VerifyOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = 1_800_000_000; // the core never reads the clock: callers pass it in
    let keys = SigningKeys::from_entries(vec![SigningKeys::generate(
        &[1; 32],
        Some("example".into()),
    )])?;

    let claims: AccessClaims = serde_json::from_value(serde_json::json!({
        "iss": "https://api.example.com/t/acme", "aud": "https://api.example.com",
        "sub": "alice", "tid": "acme", "jti": "example-1", "iat": now, "exp": now + 900,
        "orgs": {
            "acme": {"role": "member", "rights": ["RIGHT_ORGANIZATION_INFO", "RIGHT_APPLICATION_ALL"]},
            "partner": {"role": "viewer", "rights": ["RIGHT_APPLICATION_INFO"]}
        }
    }))?;
    let token = sign(&keys, &claims)?;
    println!(
        "token ({} bytes): {}…",
        token.len(),
        token.get(..48).unwrap_or(&token)
    );

    let verifier = Verifier::new(
        keys.verification_keys(),
        VerifyOptions::new("https://api.example.com/t/acme", "https://api.example.com"),
    );
    let verified = verifier.verify(&token, now)?;
    let subject = verified.claims.subject().ok_or("not a user token")?;

    // The application's collaborators: organization acme may read traffic and
    // see info; bob is a direct collaborator.
    let app = EntityGrants::new(
        [(UserId::new("bob")?, RightSet::of(&[Right::ApplicationAll]))],
        [(
            OrgId::new("acme")?,
            RightSet::of(&[Right::ApplicationInfo, Right::ApplicationTrafficRead]),
        )],
    );
    let rights = subject.rights_on(&app);
    println!("alice's rights on the application: {:?}", rights.names());

    for required in [Right::ApplicationTrafficRead, Right::ApplicationDelete] {
        match Subject::require(rights, RightSet::of(&[required])) {
            Ok(()) => println!("{required}: allowed"),
            Err(e) => println!("{required}: denied ({}: {})", e.code(), e),
        }
    }
    Ok(())
}
