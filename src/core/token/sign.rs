//! Signing access tokens with the active key.
//!
//! The token is built here (header, claims, base64url) and only the
//! signature of its input is asked of a [`TokenSigner`]: ed25519-dalek for
//! [`SigningKeys`] in native builds, the platform's WebCrypto in the worker
//! (`src/adapters/worker/signer.rs`), which keeps the curve arithmetic, SHA-512
//! and the key derivation out of the worker's module. Ed25519 signatures are
//! deterministic, so both give the same token for the same key and claims.

use core::future::Future;
use core::pin::Pin;

use base64ct::{Base64UrlUnpadded, Encoding};
use ed25519_dalek::Signer as _;
use serde::Serialize;

#[cfg(doc)]
use super::claims::AccessClaims;
use super::error::TokenError;
use super::keys::SigningKeys;

/// The `typ` header of orgwarden access tokens (RFC 9068).
pub const TOKEN_TYPE: &str = "at+jwt";

/// Characters of a signature in base64url: 64 bytes, unpadded.
pub const SIGNATURE_CHARS: usize = 86;

/// A signature of a token's signing input, or why there is none.
pub type Signing<'a> = Pin<Box<dyn Future<Output = Result<[u8; 64], TokenError>> + 'a>>;

/// The deployment's active signing key, wherever its arithmetic runs.
pub trait TokenSigner: core::fmt::Debug {
    /// The `kid` of the key that signs.
    fn kid(&self) -> &str;
    /// The Ed25519 signature of `input` by that key.
    fn sign<'a>(&'a self, input: &'a [u8]) -> Signing<'a>;
}

impl TokenSigner for SigningKeys {
    fn kid(&self) -> &str {
        &self.active().kid
    }

    fn sign<'a>(&'a self, input: &'a [u8]) -> Signing<'a> {
        let signature = self.active().key().sign(input).to_bytes();
        Box::pin(core::future::ready(Ok(signature)))
    }
}

/// The protected header: `alg`, `kid`, `typ`, in that order.
#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    kid: &'a str,
    typ: &'static str,
}

/// `base64url(header) "." base64url(claims)`: what the key signs.
pub fn signing_input<C: Serialize>(kid: &str, claims: &C) -> Result<String, TokenError> {
    let header = serde_json::to_vec(&Header {
        alg: "EdDSA",
        kid,
        typ: TOKEN_TYPE,
    });
    let claims = serde_json::to_vec(claims);
    let (Ok(header), Ok(claims)) = (header, claims) else {
        return Err(TokenError::malformed("claims could not be serialized"));
    };
    let mut input = Base64UrlUnpadded::encode_string(&header);
    input.push('.');
    input.push_str(&Base64UrlUnpadded::encode_string(&claims));
    Ok(input)
}

/// The token: `input` with its signature appended.
fn assemble(mut input: String, signature: &[u8; 64]) -> String {
    input.push('.');
    input.push_str(&Base64UrlUnpadded::encode_string(signature));
    input
}

/// Signs `claims` with `signer`'s key: header
/// `{"alg":"EdDSA","kid":…,"typ":"at+jwt"}`. The claims carry their own
/// `exp`, `iat` and `nbf`. Usually [`AccessClaims`]; any serializable claims
/// set signs the same way.
pub async fn sign_with<C: Serialize>(
    signer: &dyn TokenSigner,
    claims: &C,
) -> Result<String, TokenError> {
    let input = signing_input(signer.kid(), claims)?;
    let signature = signer.sign(input.as_bytes()).await?;
    Ok(assemble(input, &signature))
}

/// [`sign_with`] by the active key of `keys`, in Rust, at once (the CLI and
/// native hosts).
pub fn sign<C: Serialize>(keys: &SigningKeys, claims: &C) -> Result<String, TokenError> {
    let input = signing_input(TokenSigner::kid(keys), claims)?;
    let signature = keys.active().key().sign(input.as_bytes()).to_bytes();
    Ok(assemble(input, &signature))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::token::AccessClaims;

    fn keys() -> SigningKeys {
        SigningKeys::from_entries(vec![SigningKeys::generate(&[9; 32], Some("k\"1".into()))])
            .unwrap()
    }

    fn claims() -> AccessClaims {
        serde_json::from_value(serde_json::json!({
            "iss": "https://api.example/t/acme", "sub": "alice", "aud": "https://api.example",
            "jti": "j", "tid": "acme", "iat": 1_800_000_000, "exp": 1_800_000_900,
            "orgs": {"team": {"role": "owner"}}
        }))
        .unwrap()
    }

    /// The token jwt-compact made before signing moved here, byte for byte.
    #[test]
    fn same_token_as_jwt_compact() {
        use jwt_compact::{AlgorithmExt, Claims, Header};
        let keys = keys();
        let header = Header::empty()
            .with_key_id(keys.active().kid.as_str())
            .with_token_type(TOKEN_TYPE);
        let want = crate::core::token::alg::StrictEd25519
            .token(&header, &Claims::new(claims()), keys.active().key())
            .unwrap();
        assert_eq!(sign(&keys, &claims()).unwrap(), want);
    }

    #[test]
    fn the_signer_trait_gives_the_same_token() {
        let keys = keys();
        let by_trait = crate::store::memory::block_on(sign_with(&keys, &claims())).unwrap();
        assert_eq!(by_trait, sign(&keys, &claims()).unwrap());
        let signature = by_trait.rsplit('.').next().unwrap();
        assert_eq!(signature.len(), SIGNATURE_CHARS);
    }
}
