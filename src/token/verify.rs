//! Verification: untrusted text → checked header → trusted key → strict
//! signature → claims → time, issuer and audience. Each step has its own error
//! code, and nothing reads a claim before the signature has verified.

use base64ct::{Base64UrlUnpadded, Encoding};
use ed25519_dalek::Signature;
use jwt_compact::{Algorithm, Claims, UntrustedToken};

use super::alg::StrictEd25519;
use super::claims::AccessClaims;
use super::error::TokenError;
use super::header::{json_reason, parse_header};
use super::keys::KeySet;

/// Largest token accepted, in bytes (CONTRACT section 4).
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Default clock leeway, in seconds.
pub const DEFAULT_LEEWAY_SECS: i64 = 60;

/// What a token must match besides its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Expected `iss`.
    pub issuer: String,
    /// Audience that `aud` must name.
    pub audience: String,
    /// Clock leeway for `exp`, `nbf` and `iat`, in seconds.
    pub leeway_secs: i64,
    /// Size cap in bytes.
    pub max_bytes: usize,
}

impl VerifyOptions {
    /// Options with the default leeway and size cap.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        VerifyOptions {
            issuer: issuer.into(),
            audience: audience.into(),
            leeway_secs: DEFAULT_LEEWAY_SECS,
            max_bytes: MAX_TOKEN_BYTES,
        }
    }
}

/// A token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// The key that signed it.
    pub kid: String,
    /// `exp`, Unix seconds.
    pub exp: i64,
    /// `iat`, Unix seconds.
    pub iat: i64,
    /// `nbf`, Unix seconds.
    pub nbf: Option<i64>,
    /// The other claims.
    pub claims: AccessClaims,
}

impl VerifiedToken {
    /// The time checks alone: what a cached token is checked against again.
    pub fn check_time(&self, now: i64, leeway: i64) -> Result<(), TokenError> {
        if now.saturating_sub(leeway) >= self.exp {
            return Err(TokenError::Expired { exp: self.exp });
        }
        if self.nbf.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
            return Err(TokenError::NotYetValid { claim: "nbf" });
        }
        if self.iat > now.saturating_add(leeway) {
            return Err(TokenError::NotYetValid { claim: "iat" });
        }
        Ok(())
    }
}

/// Verifies tokens against a key set and options. Cheap to share; holds no cache
/// (see [`super::cache::TokenCache`]).
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: KeySet,
    options: VerifyOptions,
}

impl Verifier {
    /// A verifier.
    pub fn new(keys: KeySet, options: VerifyOptions) -> Self {
        Verifier { keys, options }
    }

    /// The options.
    pub fn options(&self) -> &VerifyOptions {
        &self.options
    }

    /// The trusted keys.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// Verifies `token` at Unix time `now` (seconds).
    pub fn verify(&self, token: &str, now: i64) -> Result<VerifiedToken, TokenError> {
        let (signed, checked) = self.verify_signature(token)?;
        let claims: Claims<AccessClaims> =
            signed.deserialize_claims_unchecked().map_err(|e| match e {
                jwt_compact::ValidationError::MalformedClaims(e) => {
                    TokenError::malformed(format!("claims: {}", json_reason(&e)))
                }
                _ => TokenError::malformed("claims are not a JSON object"),
            })?;
        let exp = claims
            .expiration
            .ok_or_else(|| TokenError::malformed("no exp claim"))?;
        let iat = claims
            .issued_at
            .ok_or_else(|| TokenError::malformed("no iat claim"))?;
        let verified = VerifiedToken {
            kid: checked,
            exp: exp.timestamp(),
            iat: iat.timestamp(),
            nbf: claims.not_before.map(|t| t.timestamp()),
            claims: claims.custom,
        };
        verified.check_time(now, self.options.leeway_secs)?;
        if verified.claims.iss != self.options.issuer {
            return Err(TokenError::WrongIssuer);
        }
        if !verified.claims.aud.contains(&self.options.audience) {
            return Err(TokenError::WrongAudience);
        }
        Ok(verified)
    }

    /// Size, structure, header, key and signature: everything before the claims.
    fn verify_signature<'t>(
        &self,
        token: &'t str,
    ) -> Result<(UntrustedToken<'t>, String), TokenError> {
        if token.len() > self.options.max_bytes {
            return Err(TokenError::TooLarge {
                size: token.len(),
                max: self.options.max_bytes,
            });
        }
        let mut parts = token.split('.');
        let (Some(header_b64), Some(_), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::malformed(
                "a token has three dot-separated parts",
            ));
        };
        let header = parse_header(header_b64)?;
        let kid = header.kid.ok_or(TokenError::UnknownKid(None))?;
        let key = self
            .keys
            .get(&kid)
            .ok_or_else(|| TokenError::UnknownKid(Some(kid.clone())))?;
        let untrusted = UntrustedToken::new(token).map_err(|e| match e {
            jwt_compact::ParseError::InvalidBase64Encoding => {
                TokenError::malformed("a part is not base64url without padding")
            }
            _ => TokenError::malformed("token structure"),
        })?;
        let signature = Signature::from_slice(untrusted.signature_bytes())
            .map_err(|_| TokenError::malformed("an Ed25519 signature is 64 bytes"))?;
        let signing_input = signing_input(token);
        if !StrictEd25519.verify_signature(&signature, key, signing_input.as_bytes()) {
            return Err(TokenError::BadSignature);
        }
        Ok((untrusted, kid))
    }
}

/// `BASE64URL(header) || '.' || BASE64URL(payload)`: what the signature covers.
pub fn signing_input(token: &str) -> &str {
    token.rsplit_once('.').map_or(token, |(input, _)| input)
}

/// Decodes a token without verifying anything, for inspection (`orgwarden
/// token inspect`, the browser module). Never use the result to decide.
pub fn decode_unverified(
    token: &str,
) -> Result<(serde_json::Value, serde_json::Value), TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::TooLarge {
            size: token.len(),
            max: MAX_TOKEN_BYTES,
        });
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::malformed(
            "a token has three dot-separated parts",
        ));
    };
    let decode = |seg: &str, what: &str| -> Result<serde_json::Value, TokenError> {
        let bytes = Base64UrlUnpadded::decode_vec(seg).map_err(|_| {
            TokenError::malformed(format!("{what} is not base64url without padding"))
        })?;
        serde_json::from_slice(&bytes)
            .map_err(|e| TokenError::malformed(format!("{what}: {}", json_reason(&e))))
    };
    Ok((decode(h, "header")?, decode(p, "claims")?))
}
