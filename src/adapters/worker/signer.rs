//! Token signing through workerd's WebCrypto (`crypto.subtle.sign("Ed25519",
//! …)`, BoringSSL in native code): the active private key is imported once
//! per isolate from its JWK (`d` with `x`) as a non-extractable `CryptoKey`,
//! and the core hands over only the signing input
//! ([`crate::core::token::sign`]). Ed25519 is deterministic: the tokens are
//! the ones ed25519-dalek would make with the same key.

use std::cell::RefCell;

use base64ct::{Base64UrlUnpadded, Encoding};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::CryptoKey;
use zeroize::Zeroizing;

use super::ed25519::verify;
use crate::adapters::webcrypto::subtle;
use crate::core::token::sign::{Signing, TokenSigner};
use crate::core::token::{SignatureCheck, TokenError};

/// The deployment's active key, signing through WebCrypto.
pub struct WebCryptoSigner {
    kid: String,
    d: Zeroizing<[u8; 32]>,
    x: [u8; 32],
    key: RefCell<Option<CryptoKey>>,
}

/// The `kid` only: `d` is the deployment's signing secret.
impl core::fmt::Debug for WebCryptoSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WebCryptoSigner")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn refused() -> TokenError {
    TokenError::malformed("the platform's WebCrypto did not sign the token")
}

impl WebCryptoSigner {
    /// The key `kid` with private part `d` and public part `x` (checked to
    /// belong together by whoever loaded them).
    pub fn new(kid: String, d: Zeroizing<[u8; 32]>, x: [u8; 32]) -> Self {
        WebCryptoSigner {
            kid,
            d,
            x,
            key: RefCell::new(None),
        }
    }

    /// The imported key, imported on first use and kept once a probe it
    /// signed verified under `x`: SIGNING_KEYS was loaded without the curve
    /// arithmetic that would have checked `d` against `x`
    /// ([`crate::core::token::HostSigningKeys`]), and tokens signed by a `d`
    /// that is not `x`'s would verify nowhere. No `RefCell` borrow is held
    /// across an await: two first signings may both import, and either key
    /// serves.
    async fn key(&self) -> Option<CryptoKey> {
        if let Some(k) = self.key.borrow().clone() {
            return Some(k);
        }
        let subtle = subtle()?;
        let jwk = Object::new();
        let d = Zeroizing::new(Base64UrlUnpadded::encode_string(self.d.as_slice()));
        for (name, value) in [
            ("kty", "OKP"),
            ("crv", "Ed25519"),
            ("x", &Base64UrlUnpadded::encode_string(&self.x)),
            ("d", d.as_str()),
        ] {
            Reflect::set(&jwk, &JsValue::from_str(name), &JsValue::from_str(value)).ok()?;
        }
        let usages = Array::of1(&JsValue::from_str("sign"));
        let promise = subtle
            .import_key_with_str("jwk", &jwk, "Ed25519", false, &usages)
            .ok()?;
        let key: CryptoKey = JsFuture::from(promise).await.ok()?.unchecked_into();
        let probe = SignatureCheck {
            public_key: self.x,
            message: PROBE.into(),
            signature: sign(&key, PROBE.as_bytes()).await.ok()?,
        };
        if !matches!(verify(&probe).await, Ok(true)) {
            log::error!(
                "SIGNING_KEYS: the active key's `d` does not belong to its `x`; no token is signed"
            );
            return None;
        }
        *self.key.borrow_mut() = Some(key.clone());
        Some(key)
    }
}

/// What the imported key signs to check itself.
const PROBE: &str = "orgwarden: does d belong to x?";

/// `crypto.subtle.sign("Ed25519", key, input)`: `R || s`.
async fn sign(key: &CryptoKey, input: &[u8]) -> Result<[u8; 64], TokenError> {
    let promise = subtle()
        .ok_or_else(refused)?
        .sign_with_str_and_u8_array("Ed25519", key, input)
        .map_err(|_| refused())?;
    let bytes = Uint8Array::new(&JsFuture::from(promise).await.map_err(|_| refused())?);
    let mut signature = [0u8; 64];
    if bytes.length() as usize != signature.len() {
        return Err(refused());
    }
    bytes.copy_to(&mut signature);
    Ok(signature)
}

impl TokenSigner for WebCryptoSigner {
    fn kid(&self) -> &str {
        &self.kid
    }

    fn sign<'a>(&'a self, input: &'a [u8]) -> Signing<'a> {
        Box::pin(async move {
            let key = self.key().await.ok_or_else(refused)?;
            sign(&key, input).await
        })
    }
}
