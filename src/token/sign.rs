//! Signing access tokens with the active key.

use chrono::{DateTime, Utc};
use jwt_compact::{AlgorithmExt, Claims, Header};

use super::alg::StrictEd25519;
use super::claims::AccessClaims;
use super::error::TokenError;
use super::keys::SigningKeys;

/// The `typ` header of orgwarden access tokens (RFC 9068).
pub const TOKEN_TYPE: &str = "at+jwt";

/// Time claims of a token to sign, Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime {
    /// `iat`.
    pub issued_at: i64,
    /// `exp`.
    pub expires_at: i64,
    /// `nbf`, if any.
    pub not_before: Option<i64>,
}

impl Lifetime {
    /// Issued at `now`, valid for `ttl_secs`.
    pub fn starting(now: i64, ttl_secs: i64) -> Lifetime {
        Lifetime {
            issued_at: now,
            expires_at: now.saturating_add(ttl_secs),
            not_before: None,
        }
    }
}

fn timestamp(secs: i64) -> Result<DateTime<Utc>, TokenError> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| TokenError::malformed("timestamp out of range"))
}

/// Signs `claims` with the active key of `keys`: header
/// `{"alg":"EdDSA","kid":…,"typ":"at+jwt"}`.
pub fn sign(
    keys: &SigningKeys,
    claims: &AccessClaims,
    lifetime: Lifetime,
) -> Result<String, TokenError> {
    let active = keys.active();
    let header = Header::empty()
        .with_key_id(active.kid.as_str())
        .with_token_type(TOKEN_TYPE);
    let mut envelope = Claims::new(claims);
    envelope.issued_at = Some(timestamp(lifetime.issued_at)?);
    envelope.expiration = Some(timestamp(lifetime.expires_at)?);
    envelope.not_before = lifetime.not_before.map(timestamp).transpose()?;
    StrictEd25519
        .token(&header, &envelope, active.key())
        .map_err(|_| TokenError::malformed("claims could not be serialized"))
}
