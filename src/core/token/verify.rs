//! Verification: untrusted text → checked header → trusted key → strict
//! signature → claims → time, issuer and audience. Each step has its own error
//! code, and nothing reads a claim before the signature has verified.

use ed25519_dalek::{Signature, SIGNATURE_LENGTH};
use jwt_compact::Algorithm;

use super::alg::{is_small_order_encoding, StrictEd25519};
use super::claims::{AccessClaims, Claims};
use super::error::TokenError;
use super::header::{json_reason, parse_header};
use super::keys::KeySet;
use super::public_key::PublicKey;
use super::segment;
use super::signature::{is_canonical_scalar, Equation, SignatureCheck, Verdict};

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
pub struct VerifiedToken<C = AccessClaims> {
    /// The key that signed it.
    pub kid: String,
    /// Its claims.
    pub claims: C,
}

/// The Ed25519 equation computed in this process on a loaded key, the
/// signing input and `R || s`: what a [`Verifier`] does for
/// [`Equation::Here`].
pub type LocalEquation = fn(&PublicKey, &[u8], &[u8; SIGNATURE_LENGTH]) -> bool;

/// ed25519-dalek's equation, strict, on the point decompressed when the key
/// was loaded (a key loaded by its encoding only verifies nothing here).
pub fn rust_equation(key: &PublicKey, message: &[u8], signature: &[u8; SIGNATURE_LENGTH]) -> bool {
    key.point().is_some_and(|point| {
        StrictEd25519.verify_signature(&Signature::from_bytes(signature), &point, message)
    })
}

/// Verifies tokens against a key set and options. Cheap to share; holds no cache
/// (see [`super::cache::TokenCache`]).
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: KeySet,
    options: VerifyOptions,
    /// The equation for [`Equation::Here`]; `None` for a host's verifier.
    here: Option<LocalEquation>,
}

impl Verifier {
    /// A verifier that computes the equation in Rust ([`rust_equation`]).
    pub fn new(keys: KeySet, options: VerifyOptions) -> Self {
        Verifier {
            keys,
            options,
            here: Some(rust_equation),
        }
    }

    /// A verifier whose equation is always the host's
    /// ([`Verifier::check_with_host`]): it names no curve arithmetic, so a
    /// build that makes its verifiers only this way (the worker) links none.
    /// Asked to compute the equation itself, it verifies nothing.
    pub fn for_host(keys: KeySet, options: VerifyOptions) -> Self {
        Verifier {
            keys,
            options,
            here: None,
        }
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
    ///
    /// The token is split and each part decoded once, here, rather than through
    /// jwt-compact's `UntrustedToken`: the header needs the stricter parse of
    /// [`parse_header`] anyway, and jwt-compact reads the claims through a
    /// `flatten` envelope before the signature is checked; decoding the claims
    /// straight into [`AccessClaims`] after it is both stricter in order and
    /// about 6 µs cheaper. The signature itself goes through this verifier's
    /// equation: [`rust_equation`], jwt-compact's `Algorithm` trait
    /// implemented strictly by [`StrictEd25519`].
    pub fn verify(&self, token: &str, now: i64) -> Result<VerifiedToken, TokenError> {
        self.verify_as(token, now)
    }

    /// [`verify`](Verifier::verify) into another claims type (an external
    /// issuer's [`ExternalClaims`](super::claims::ExternalClaims)).
    pub fn verify_as<C: Claims>(
        &self,
        token: &str,
        now: i64,
    ) -> Result<VerifiedToken<C>, TokenError> {
        let prepared = self.prepare(token)?;
        let verified = self.here.is_some_and(|equation| {
            equation(prepared.key, prepared.input.as_bytes(), &prepared.signature)
        });
        if !verified {
            return Err(TokenError::BadSignature);
        }
        self.finish(prepared, now)
    }

    /// [`verify_as`](Verifier::verify_as) with the equation computed by
    /// `equation`: with [`Equation::Host`] and no verdict for this token's
    /// check yet, the check to hand to the host.
    pub fn check_as<C: Claims>(
        &self,
        token: &str,
        now: i64,
        equation: Equation<'_>,
    ) -> Result<Checked<VerifiedToken<C>>, TokenError> {
        match equation {
            Equation::Here => self.verify_as(token, now).map(Checked::Verified),
            Equation::Host(verdict) => self.check_with_host(token, now, verdict),
        }
    }

    /// [`check_as`](Verifier::check_as) with [`Equation::Host`]: never
    /// computes the equation, so a build that only calls this (the browser
    /// module) links no curve arithmetic.
    pub fn check_with_host<C: Claims>(
        &self,
        token: &str,
        now: i64,
        verdict: Option<&Verdict>,
    ) -> Result<Checked<VerifiedToken<C>>, TokenError> {
        let prepared = self.prepare(token)?;
        let check = SignatureCheck {
            public_key: *prepared.key.as_bytes(),
            message: prepared.input.into(),
            signature: prepared.signature,
        };
        match verdict {
            Some(v) if v.check == check && v.valid => {
                self.finish(prepared, now).map(Checked::Verified)
            }
            Some(v) if v.check == check => Err(TokenError::BadSignature),
            _ => Ok(Checked::NeedsSignature(check)),
        }
    }

    /// Every check before the equation: size, shape, header, `kid`, and the
    /// strict rules on the signature's encoding (a canonical `s`, an `R` not
    /// of small order; the key's were checked when it was loaded).
    fn prepare<'t>(&self, token: &'t str) -> Result<Prepared<'_, 't>, TokenError> {
        if token.len() > self.options.max_bytes {
            return Err(TokenError::TooLarge {
                size: token.len(),
                max: self.options.max_bytes,
            });
        }
        let mut parts = token.split('.');
        let (Some(header_b64), Some(claims_b64), Some(signature_b64), None) =
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

        let mut signature = [0u8; SIGNATURE_LENGTH];
        match segment::decode_into(signature_b64, &mut signature) {
            Some(decoded) if decoded.len() == SIGNATURE_LENGTH => {}
            _ => {
                return Err(TokenError::malformed(
                    "the signature is not 64 bytes of base64url",
                ))
            }
        }
        let (Some(r), Some(s)) = (signature.first_chunk(), signature.last_chunk()) else {
            return Err(TokenError::BadSignature);
        };
        if is_small_order_encoding(r) || !is_canonical_scalar(s) {
            return Err(TokenError::BadSignature);
        }
        Ok(Prepared {
            kid,
            key,
            input: signing_input(token),
            signature,
            claims_b64,
        })
    }

    /// Every check after the equation: claims, time, issuer and audience.
    fn finish<C: Claims>(
        &self,
        prepared: Prepared<'_, '_>,
        now: i64,
    ) -> Result<VerifiedToken<C>, TokenError> {
        let claims_json = segment::decode(prepared.claims_b64)
            .ok_or_else(|| TokenError::malformed("claims are not base64url without padding"))?;
        let claims: C = serde_json::from_slice(&claims_json)
            .map_err(|e| TokenError::malformed(format!("claims: {}", json_reason(&e))))?;
        claims.check_time(now, self.options.leeway_secs)?;
        if claims.issuer() != self.options.issuer {
            return Err(TokenError::WrongIssuer);
        }
        if !claims.audience().contains(&self.options.audience) {
            return Err(TokenError::WrongAudience);
        }
        Ok(VerifiedToken {
            kid: prepared.kid,
            claims,
        })
    }
}

/// A token between [`Verifier::prepare`] and [`Verifier::finish`].
struct Prepared<'v, 't> {
    kid: String,
    key: &'v PublicKey,
    input: &'t str,
    signature: [u8; SIGNATURE_LENGTH],
    claims_b64: &'t str,
}

/// A token checked as far as the equation allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked<T> {
    /// Every check passed.
    Verified(T),
    /// Every check before the equation passed; the host computes it.
    NeedsSignature(SignatureCheck),
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
    let (header, claims) = segments_unverified(token)?;
    let parse = |bytes: &[u8], what: &str| -> Result<serde_json::Value, TokenError> {
        serde_json::from_slice(bytes)
            .map_err(|e| TokenError::malformed(format!("{what}: {}", json_reason(&e))))
    };
    Ok((parse(&header, "header")?, parse(&claims, "claims")?))
}

/// The header's and the claims' JSON bytes, unverified: for callers that
/// read the claims straight into their type (the same parse as after a
/// verification, not a second one through `Value`).
pub fn segments_unverified(token: &str) -> Result<(Vec<u8>, Vec<u8>), TokenError> {
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
    let decode = |seg: &str, what: &str| -> Result<Vec<u8>, TokenError> {
        segment::decode(seg).ok_or_else(|| {
            TokenError::malformed(format!("{what} is not base64url without padding"))
        })
    };
    Ok((decode(h, "header")?, decode(p, "claims")?))
}
