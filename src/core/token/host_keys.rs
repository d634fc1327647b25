//! The deployment's signing keys for a host that signs and verifies with its
//! own Ed25519 (the worker: WebCrypto), taken apart without the curve
//! arithmetic: [`super::keys::SigningKeys`] derives each public key from its
//! `d`, a scalar multiplication that would bring the curve into the module.
//!
//! Here every key's `x` is required (RFC 8037 section 2 requires it of a
//! private OKP key too; `orgwarden keygen` writes it) and checked by its
//! encoding ([`PublicKey::from_encoding`]), and whether the active key's `d`
//! belongs to its `x` is the host's to check before it signs (the worker
//! signs a probe and verifies it with `x`: `src/adapters/worker/signer.rs`).
//! Only the active key's `d` is kept: the others only verify.

use core::fmt;

use zeroize::Zeroizing;

use super::error::KeyError;
use super::keys::{private_part, public_bytes, thumbprint, Jwks, KeySet};
use super::public_key::PublicKey;

/// A private JWKS for a signing host: the public set and the active key.
pub struct HostSigningKeys {
    /// Every key's public part: the set tokens are verified against.
    pub public: KeySet,
    /// The active (first) key's `kid`.
    pub kid: String,
    /// Its private part.
    pub d: Zeroizing<[u8; 32]>,
    /// Its public part.
    pub x: [u8; 32],
}

/// The `kid` only: `d` is the deployment's signing secret.
impl fmt::Debug for HostSigningKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostSigningKeys")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl HostSigningKeys {
    /// Loads a private JWKS (or one private JWK): every key a private
    /// Ed25519 signature key with `d` and `x`; `kid` defaults to the RFC 7638
    /// thumbprint; the first key signs.
    pub fn from_jwks(jwks: &Jwks) -> Result<HostSigningKeys, KeyError> {
        let mut public = KeySet::default();
        let mut active = None;
        for jwk in &jwks.keys {
            let d = private_part(jwk)?;
            let x = public_bytes(jwk)?;
            let key = PublicKey::from_encoding(x)?;
            let kid = jwk.kid.clone().unwrap_or_else(|| thumbprint(&x));
            public.insert(kid.clone(), key)?;
            if active.is_none() {
                active = Some((kid, d, x));
            }
        }
        let (kid, d, x) = active.ok_or(KeyError::Empty)?;
        Ok(HostSigningKeys { public, kid, d, x })
    }

    /// Parses and loads a private JWKS (or one private JWK) text.
    pub fn from_json(json: &str) -> Result<HostSigningKeys, KeyError> {
        Self::from_jwks(&Jwks::parse(json)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::token::SigningKeys;

    fn private_jwks(seeds: &[(u8, Option<&str>)]) -> String {
        let keys = SigningKeys::from_entries(
            seeds
                .iter()
                .map(|(s, kid)| SigningKeys::generate(&[*s; 32], kid.map(str::to_owned)))
                .collect(),
        )
        .unwrap();
        keys.to_private_jwks().to_json()
    }

    #[test]
    fn same_keys_as_the_deriving_loader() {
        let json = private_jwks(&[(1, Some("new")), (2, None)]);
        let host = HostSigningKeys::from_json(&json).unwrap();
        let derived = SigningKeys::from_json(&json).unwrap();
        assert_eq!(host.kid, "new");
        assert_eq!(host.public.to_jwks(), derived.verification_keys().to_jwks());
        assert_eq!(&host.x, derived.active().key().verifying_key().as_bytes());
        assert_eq!(*host.d, derived.active().key().to_bytes());
    }

    #[test]
    fn refusals() {
        let one = private_jwks(&[(3, Some("k"))]);
        let without = |member: &str| {
            let mut v: serde_json::Value = serde_json::from_str(&one).unwrap();
            v["keys"][0].as_object_mut().unwrap().remove(member);
            v.to_string()
        };
        let code = |json: &str| HostSigningKeys::from_json(json).unwrap_err().code();
        assert_eq!(code(&without("d")), "jwk_not_private");
        assert_eq!(code(&without("x")), "jwk_malformed");
        assert_eq!(code(r#"{"keys": []}"#), "jwks_empty");
        assert_eq!(code(&one.replace("\"OKP\"", "\"RSA\"")), "jwk_malformed");
        let twice = private_jwks(&[(4, Some("k")), (5, Some("k"))]);
        assert_eq!(code(&twice), "jwk_duplicate_kid");
        // A small-order `x` is refused by its encoding.
        let weak = without("x").replace(
            "\"kty\"",
            "\"x\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"kty\"",
        );
        assert_eq!(code(&weak), "jwk_weak_key");
    }

    #[test]
    fn debug_shows_no_secret() {
        let host = HostSigningKeys::from_json(&private_jwks(&[(6, Some("k"))])).unwrap();
        let shown = format!("{host:?}");
        assert!(shown.contains("\"k\""));
        let d =
            <base64ct::Base64UrlUnpadded as base64ct::Encoding>::encode_string(host.d.as_slice());
        assert!(!shown.contains(&d));
    }
}
