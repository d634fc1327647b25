//! The Ed25519 equation through workerd's WebCrypto (`crypto.subtle.verify`,
//! BoringSSL in native code) instead of curve arithmetic in wasm. Only the
//! equation crosses over: every strict check ran in the core first
//! ([`crate::core::token::signature`]), since workerd follows RFC 8032
//! without them. Imported keys are kept per isolate, by their 32 bytes.
//! The gate counts where each equation ran (metrics `signatures`).

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Crypto, CryptoKey, SubtleCrypto};

use crate::core::token::SignatureCheck;
use crate::model::facts::FactError;

/// At most this many imported keys are kept (a deployment has a handful of
/// its own and its external issuers' keys; the bound only stops growth).
const MAX_KEYS: usize = 64;

thread_local! {
    static KEYS: RefCell<HashMap<[u8; 32], CryptoKey>> = RefCell::new(HashMap::new());
}

fn subtle() -> Option<SubtleCrypto> {
    // workerd's global is not a WorkerGlobalScope: read `crypto` off it.
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).ok()?;
    if crypto.is_undefined() {
        return None;
    }
    Some(crypto.unchecked_into::<Crypto>().subtle())
}

/// The imported key for `public_key`, when this isolate has one.
fn cached_key(public_key: &[u8; 32]) -> Option<CryptoKey> {
    KEYS.with(|keys| keys.borrow().get(public_key).cloned())
}

async fn key(subtle: &SubtleCrypto, public_key: &[u8; 32]) -> Option<CryptoKey> {
    if let Some(k) = cached_key(public_key) {
        return Some(k);
    }
    let usages = Array::of1(&JsValue::from_str("verify"));
    let raw = Uint8Array::from(public_key.as_slice());
    let promise = subtle
        .import_key_with_str("raw", &raw, "Ed25519", false, &usages)
        .ok()?;
    let k: CryptoKey = JsFuture::from(promise).await.ok()?.unchecked_into();
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if keys.len() >= MAX_KEYS {
            keys.clear();
        }
        keys.insert(*public_key, k.clone());
    });
    Some(k)
}

/// `crypto.subtle.verify("Ed25519", key, signature, message)`.
fn start(subtle: &SubtleCrypto, key: &CryptoKey, check: &SignatureCheck) -> Option<Promise> {
    subtle
        .verify_with_str_and_u8_array_and_u8_array(
            "Ed25519",
            key,
            &check.signature,
            check.message.as_bytes(),
        )
        .ok()
}

/// WebCrypto's verification of `check` started now, when its key was
/// imported before: a promise of the verdict (`true`/`false`), rejected when
/// WebCrypto refuses. `None` when the key is not imported yet.
pub fn verify_now(check: &SignatureCheck) -> Option<Promise> {
    start(&subtle()?, &cached_key(&check.public_key)?, check)
}

/// WebCrypto's verdict on `check`, importing its key first if need be; an
/// error when WebCrypto cannot answer (the gate then computes the equation
/// in Rust and counts it).
pub async fn verify(check: &SignatureCheck) -> Result<bool, FactError> {
    let verdict = async {
        let subtle = subtle()?;
        let key = key(&subtle, &check.public_key).await?;
        JsFuture::from(start(&subtle, &key, check)?)
            .await
            .ok()?
            .as_bool()
    };
    verdict
        .await
        .ok_or_else(|| FactError("WebCrypto could not verify an Ed25519 signature".into()))
}
