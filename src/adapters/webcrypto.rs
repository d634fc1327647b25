//! The Ed25519 equation through the engine's WebCrypto
//! (`crypto.subtle.verify`), shared by the two adapters that run where it
//! exists: the worker (workerd, BoringSSL) and the browser module (the
//! page's engine). Only the equation crosses over: every strict check ran in
//! the core first ([`crate::core::token::signature`]), since engines follow
//! RFC 8032 without them. Imported keys are kept per isolate (per page), by
//! their 32 bytes.
//!
//! Promises, not futures: each adapter chains or awaits them its own way
//! (the browser module links no async runtime).

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;

use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Crypto, CryptoKey, SubtleCrypto};

use crate::core::token::SignatureCheck;

#[wasm_bindgen]
extern "C" {
    /// A promise seen through `then(onFulfilled, onRejected)` with plain
    /// functions (js-sys types its callbacks as closures of one signature).
    /// Handing one `Closure::once_into_js` function as both is how a chain
    /// step runs exactly once whatever the outcome, so it never leaks.
    #[wasm_bindgen(js_name = Promise)]
    pub type Thenable;
    #[wasm_bindgen(method, js_name = then)]
    pub fn then_both(this: &Thenable, fulfilled: &Function, rejected: &Function) -> Promise;
}

/// At most this many imported keys are kept (a deployment has a handful of
/// its own and its external issuers' keys; the bound only stops growth).
const MAX_KEYS: usize = 64;

thread_local! {
    static KEYS: RefCell<HashMap<[u8; 32], CryptoKey>> = RefCell::new(HashMap::new());
    static SUBTLE: OnceCell<Option<SubtleCrypto>> = const { OnceCell::new() };
}

/// `globalThis.crypto.subtle`, when the engine has it (looked up once per
/// isolate).
pub fn subtle() -> Option<SubtleCrypto> {
    SUBTLE.with(|subtle| subtle.get_or_init(find_subtle).clone())
}

/// workerd's global is not a WorkerGlobalScope, and a page served over plain
/// HTTP has `crypto` without `subtle`: both are read as properties and
/// checked.
fn find_subtle() -> Option<SubtleCrypto> {
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).ok()?;
    if crypto.is_undefined() {
        return None;
    }
    let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle")).ok()?;
    if subtle.is_undefined() {
        return None;
    }
    Some(crypto.unchecked_into::<Crypto>().subtle())
}

/// The imported key for `public_key`, when this isolate has one.
pub fn cached_key(public_key: &[u8; 32]) -> Option<CryptoKey> {
    KEYS.with(|keys| keys.borrow().get(public_key).cloned())
}

/// `crypto.subtle.importKey("raw", A, "Ed25519", false, ["verify"])`: a
/// promise of the `CryptoKey`, to hand to [`remember`].
pub fn import(subtle: &SubtleCrypto, public_key: &[u8; 32]) -> Result<Promise, JsValue> {
    let usages = Array::of1(&JsValue::from_str("verify"));
    let raw = Uint8Array::from(public_key.as_slice());
    subtle.import_key_with_str("raw", &raw, "Ed25519", false, &usages)
}

/// Keeps an imported key for the isolate's later checks.
pub fn remember(public_key: &[u8; 32], key: CryptoKey) {
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if keys.len() >= MAX_KEYS {
            keys.clear();
        }
        keys.insert(*public_key, key);
    });
}

/// `crypto.subtle.verify("Ed25519", key, signature, message)`: a promise of
/// the verdict (`true`/`false`), rejected when WebCrypto refuses.
pub fn start(
    subtle: &SubtleCrypto,
    key: &CryptoKey,
    check: &SignatureCheck,
) -> Result<Promise, JsValue> {
    subtle.verify_with_str_and_u8_array_and_u8_array(
        "Ed25519",
        key,
        &check.signature,
        check.message.as_bytes(),
    )
}
