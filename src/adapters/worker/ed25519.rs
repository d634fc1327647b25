//! The Ed25519 equation through workerd's WebCrypto (`crypto.subtle.verify`,
//! BoringSSL in native code) instead of curve arithmetic in wasm, awaited
//! ([`crate::adapters::webcrypto`] holds the calls and the key cache). The
//! gate counts where each equation ran (metrics `signatures`).

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

use crate::adapters::webcrypto::{cached_key, import, remember, start, subtle};
use crate::core::token::{SignatureCheck, SignatureHost};
use crate::model::facts::FactError;

async fn key(subtle: &SubtleCrypto, public_key: &[u8; 32]) -> Option<CryptoKey> {
    if let Some(k) = cached_key(public_key) {
        return Some(k);
    }
    let promise = import(subtle, public_key).ok()?;
    let k: CryptoKey = JsFuture::from(promise).await.ok()?.unchecked_into();
    remember(public_key, k.clone());
    Some(k)
}

/// WebCrypto's verification of `check` started now, when its key was
/// imported before: a promise of the verdict (`true`/`false`), rejected when
/// WebCrypto refuses. `None` when the key is not imported yet.
pub fn verify_now(check: &SignatureCheck) -> Option<js_sys::Promise> {
    start(&subtle()?, &cached_key(&check.public_key)?, check).ok()
}

/// WebCrypto's verdict on `check`, importing its key first if need be; an
/// error when WebCrypto cannot answer (the gate then computes the equation
/// in Rust and counts it).
pub async fn verify(check: &SignatureCheck) -> Result<bool, FactError> {
    let verdict = async {
        let subtle = subtle()?;
        let key = key(&subtle, &check.public_key).await?;
        JsFuture::from(start(&subtle, &key, check).ok()?)
            .await
            .ok()?
            .as_bool()
    };
    verdict
        .await
        .ok_or_else(|| FactError("WebCrypto could not verify an Ed25519 signature".into()))
}

/// workerd's WebCrypto as the authenticator's [`SignatureHost`]: the admin
/// API's and the tenant object's token checks ([`crate::auth::authenticate`]).
#[derive(Debug, Clone, Copy)]
pub struct WebCryptoEd25519;

impl SignatureHost for WebCryptoEd25519 {
    fn verify<'a>(
        &'a self,
        check: &'a SignatureCheck,
    ) -> core::pin::Pin<Box<dyn core::future::Future<Output = Option<bool>> + 'a>> {
        Box::pin(async move { verify(check).await.ok() })
    }
}
