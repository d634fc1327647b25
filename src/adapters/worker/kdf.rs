//! PBKDF2-HMAC-SHA256 through workerd's WebCrypto (`crypto.subtle`): the
//! same derivation as the core's, in native code instead of a loop in wasm.
//! The hash format, the salt and every check stay in the core
//! ([`crate::core::password`]); only the derivation crosses over.

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Crypto, CryptoKey, Pbkdf2Params, SubtleCrypto};

fn subtle() -> Option<SubtleCrypto> {
    // workerd's global is not a WorkerGlobalScope: read `crypto` off it.
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).ok()?;
    if crypto.is_undefined() {
        return None;
    }
    Some(crypto.unchecked_into::<Crypto>().subtle())
}

/// The 32-byte derived key; `None` when WebCrypto refused or is missing.
pub async fn pbkdf2(password: &[u8], salt: &[u8], iterations: u32) -> Option<[u8; 32]> {
    let subtle = subtle()?;
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let key = subtle
        .import_key_with_str("raw", &Uint8Array::from(password), "PBKDF2", false, &usages)
        .ok()?;
    let key: CryptoKey = JsFuture::from(key).await.ok()?.unchecked_into();
    let params = Pbkdf2Params::new(
        "PBKDF2",
        &JsValue::from_str("SHA-256"),
        iterations,
        &Uint8Array::from(salt),
    );
    let bits = subtle.derive_bits_with_object(&params, &key, 256).ok()?;
    let bits = JsFuture::from(bits).await.ok()?;
    Uint8Array::new(&bits).to_vec().try_into().ok()
}
