//! Signing access tokens with the active key, through jwt-compact.

use jwt_compact::{AlgorithmExt, Claims, Header};
use serde::Serialize;

use super::alg::StrictEd25519;
#[cfg(doc)]
use super::claims::AccessClaims;
use super::error::TokenError;
use super::keys::SigningKeys;

/// The `typ` header of orgwarden access tokens (RFC 9068).
pub const TOKEN_TYPE: &str = "at+jwt";

/// Signs `claims` with the active key of `keys`: header
/// `{"alg":"EdDSA","kid":…,"typ":"at+jwt"}`. The claims carry their own
/// `exp`, `iat` and `nbf`; jwt-compact's envelope adds nothing. Usually
/// [`AccessClaims`]; any serializable claims set signs the same way.
pub fn sign<C: Serialize>(keys: &SigningKeys, claims: &C) -> Result<String, TokenError> {
    let active = keys.active();
    let header = Header::empty()
        .with_key_id(active.kid.as_str())
        .with_token_type(TOKEN_TYPE);
    StrictEd25519
        .token(&header, &Claims::new(claims), active.key())
        .map_err(|_| TokenError::malformed("claims could not be serialized"))
}
