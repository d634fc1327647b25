//! `storage.transactionSync`, which workers-rs 0.8.7 does not wrap: the
//! tenant's writer commits a plan and its mirror rows all or nothing.

use worker::wasm_bindgen::closure::Closure;
use worker::wasm_bindgen::prelude::wasm_bindgen;
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::Storage;

use super::sql::err;
use crate::store::StoreError;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(extends = js_sys::Object)]
    type StorageTx;
    #[wasm_bindgen(method, catch, js_name = transactionSync)]
    fn transaction_sync_js(
        this: &StorageTx,
        f: &js_sys::Function,
    ) -> std::result::Result<JsValue, JsValue>;
}

/// Runs `f` inside `storage.transactionSync`: an error rolls every SQL
/// write of `f` back (workers-rs 0.8.7 does not wrap it).
pub(super) fn transaction_sync(
    storage: &Storage,
    f: impl FnOnce() -> Result<(), StoreError> + 'static,
) -> Result<(), StoreError> {
    let callback = Closure::once_into_js(move || -> std::result::Result<JsValue, JsValue> {
        f().map(|()| JsValue::UNDEFINED)
            .map_err(|e| JsValue::from_str(&e.0))
    });
    storage
        .as_raw()
        .unchecked_ref::<StorageTx>()
        .transaction_sync_js(callback.unchecked_ref())
        .map(|_| ())
        .map_err(|e| err(e.as_string().unwrap_or_else(|| "transaction failed".into())))
}
