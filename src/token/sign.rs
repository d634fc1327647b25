//! Signing access tokens with the active key, through jwt-compact.

use jwt_compact::{AlgorithmExt, Claims, Header};

use super::alg::StrictEd25519;
use super::claims::AccessClaims;
use super::error::TokenError;
use super::keys::SigningKeys;

/// The `typ` header of orgwarden access tokens (RFC 9068).
pub const TOKEN_TYPE: &str = "at+jwt";

/// Signs `claims` with the active key of `keys`: header
/// `{"alg":"EdDSA","kid":…,"typ":"at+jwt"}`. The claims carry their own
/// `exp`, `iat` and `nbf`; jwt-compact's envelope adds nothing.
pub fn sign(keys: &SigningKeys, claims: &AccessClaims) -> Result<String, TokenError> {
    let active = keys.active();
    let header = Header::empty()
        .with_key_id(active.kid.as_str())
        .with_token_type(TOKEN_TYPE);
    StrictEd25519
        .token(&header, &Claims::new(claims), active.key())
        .map_err(|_| TokenError::malformed("claims could not be serialized"))
}
