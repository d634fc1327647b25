//! Token generation shared by the case tables' tests (`tests/cases.rs`,
//! `tests/proxy_cases.rs`): fixed keys, so the tables' tokens are reproducible.
//! And [`command`], for the tests that write admin commands as JSON.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use base64ct::{Base64UrlUnpadded, Encoding};
use orgwarden::core::token::keys::SigningKeys;
use orgwarden::core::token::{sign, AccessClaims};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The kid of the tables' trusted key.
pub const KID: &str = "cases-2026";

/// Which key signs a case's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignWith {
    /// The key the table's JWKS publishes.
    Trusted,
    /// Another key whose kid the JWKS does not hold.
    UnknownKid,
    /// Another key that claims the trusted kid.
    Impostor,
    /// `alg: none`, no signature.
    AlgNone,
}

/// A change made after signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mutate {
    /// `sub` rewritten after signing.
    Payload,
    /// One bit of the signature flipped.
    Signature,
}

/// An admin [`Command`](orgwarden::admin::command::Command) from the flat
/// form tests write, `{"op": "create_org", "body": …}`: the wire form is
/// externally tagged, `{"create_org": {"body": …}}`.
pub fn command(mut flat: Value) -> orgwarden::admin::command::Command {
    let op = flat
        .as_object_mut()
        .and_then(|o| o.remove("op"))
        .and_then(|op| op.as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no op in {flat}"));
    serde_json::from_value(serde_json::json!({ op: flat })).unwrap()
}

/// A fixed signing key.
pub fn key(seed: u8, kid: &str) -> SigningKeys {
    SigningKeys::from_entries(vec![SigningKeys::generate(&[seed; 32], Some(kid.into()))]).unwrap()
}

/// The trusted key.
pub fn trusted() -> SigningKeys {
    key(0x11, KID)
}

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// The token for `claims`, signed as `sign` says and changed as `mutate` says.
pub fn generate(name: &str, claims: &Value, sign_with: SignWith, mutate: Option<Mutate>) -> String {
    let claims: AccessClaims = serde_json::from_value(claims.clone())
        .unwrap_or_else(|e| panic!("{name}: claims do not fit: {e}"));
    let token = match sign_with {
        SignWith::Trusted => sign(&trusted(), &claims).unwrap(),
        SignWith::UnknownKid => sign(&key(0x33, "retired-key"), &claims).unwrap(),
        SignWith::Impostor => sign(&key(0x22, KID), &claims).unwrap(),
        SignWith::AlgNone => format!(
            "{}.{}.",
            b64(format!(r#"{{"alg":"none","kid":"{KID}","typ":"at+jwt"}}"#).as_bytes()),
            b64(serde_json::to_string(&claims).unwrap().as_bytes())
        ),
    };
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    match mutate {
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
