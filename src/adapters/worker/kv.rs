//! [`Store`] on Workers KV, called through its JavaScript binding. Metadata
//! travels as a JSON string value.
//!
//! The binding's `get`, `put`, `delete` and `list` are called directly
//! rather than through the `worker` crate's KV builders: those convert
//! options and listings with serde_wasm_bindgen (with the object bindings
//! read the same way, about 7 KB gzip of the module; docs/performance.md).

use std::cell::OnceCell;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::Env;

use crate::store::{ListPage, Listed, Store, StoreError, LIST_LIMIT};

/// The `ORGWARDEN` KV namespace as a [`Store`]. The binding is looked up on
/// first use: a proxied request answered from the isolate caches never
/// touches it.
pub struct Kv<'e> {
    env: &'e Env,
    ns: OnceCell<Object>,
}

impl<'e> Kv<'e> {
    /// The namespace of `env`.
    pub fn new(env: &'e Env) -> Self {
        Kv {
            env,
            ns: OnceCell::new(),
        }
    }

    fn ns(&self) -> Result<&Object, StoreError> {
        if let Some(ns) = self.ns.get() {
            return Ok(ns);
        }
        let ns = Reflect::get(self.env, &JsValue::from_str("ORGWARDEN")).map_err(err)?;
        if !ns.is_object() {
            return Err(StoreError("the ORGWARDEN KV binding is missing".into()));
        }
        Ok(self.ns.get_or_init(|| ns.unchecked_into()))
    }

    /// `ORGWARDEN.<method>(...args)`, awaited.
    async fn call(&self, method: &str, args: &Array) -> Result<JsValue, StoreError> {
        let ns = self.ns()?;
        let f: Function = get(ns, method)?
            .dyn_into()
            .map_err(|_| StoreError(format!("KV has no {method}()")))?;
        let promise: Promise = f
            .apply(ns, args)
            .map_err(err)?
            .dyn_into()
            .map_err(|_| StoreError(format!("KV {method}() returned no promise")))?;
        JsFuture::from(promise).await.map_err(err)
    }
}

/// A JavaScript exception as a store error: its message, never the value.
fn err(e: JsValue) -> StoreError {
    let message = match e.dyn_ref::<js_sys::Error>() {
        Some(e) => String::from(e.message()),
        None => e.as_string().unwrap_or_else(|| "a KV call failed".into()),
    };
    StoreError(message)
}

fn get(o: &JsValue, name: &str) -> Result<JsValue, StoreError> {
    Reflect::get(o, &JsValue::from_str(name)).map_err(err)
}

fn set(o: &Object, name: &str, value: &JsValue) -> Result<(), StoreError> {
    Reflect::set(o, &JsValue::from_str(name), value)
        .map(|_| ())
        .map_err(err)
}

impl Kv<'_> {
    async fn write(
        &self,
        key: &str,
        value: &str,
        metadata: Option<&str>,
        ttl_secs: Option<u64>,
    ) -> Result<(), StoreError> {
        let options = Object::new();
        if let Some(ttl) = ttl_secs {
            set(&options, "expirationTtl", &JsValue::from_f64(ttl as f64))?;
        }
        if let Some(m) = metadata {
            set(&options, "metadata", &JsValue::from_str(m))?;
        }
        let args = Array::of3(&key.into(), &value.into(), &options);
        self.call("put", &args).await.map(|_| ())
    }
}

impl Store for Kv<'_> {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .call("get", &Array::of1(&key.into()))
            .await?
            .as_string())
    }

    async fn put(&self, key: &str, value: &str, metadata: Option<&str>) -> Result<(), StoreError> {
        self.write(key, value, metadata, None).await
    }

    async fn put_expiring(
        &self,
        key: &str,
        value: &str,
        metadata: Option<&str>,
        ttl_secs: u64,
    ) -> Result<(), StoreError> {
        // KV's least expiration TTL is 60 s.
        self.write(key, value, metadata, Some(ttl_secs.max(60)))
            .await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.call("delete", &Array::of1(&key.into()))
            .await
            .map(|_| ())
    }

    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ListPage, StoreError> {
        let options = Object::new();
        set(&options, "prefix", &prefix.into())?;
        set(
            &options,
            "limit",
            &JsValue::from_f64(limit.clamp(1, LIST_LIMIT) as f64),
        )?;
        if let Some(c) = cursor {
            set(&options, "cursor", &c.into())?;
        }
        let page = self.call("list", &Array::of1(&options)).await?;
        let keys: Array = get(&page, "keys")?
            .dyn_into()
            .map_err(|_| StoreError("a KV listing without keys".into()))?;
        let keys = keys
            .iter()
            .map(|k| {
                Ok(Listed {
                    key: get(&k, "name")?
                        .as_string()
                        .ok_or_else(|| StoreError("a KV listing key without a name".into()))?,
                    metadata: get(&k, "metadata")?.as_string(),
                    expiration: get(&k, "expiration")?.as_f64().map(|e| e as u64),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // A listing that cannot say where it goes on is an error, never a
        // short list: listings feed revocations and grants.
        let cursor =
            match get(&page, "list_complete")?.as_bool() {
                Some(true) => None,
                Some(false) => Some(get(&page, "cursor")?.as_string().ok_or_else(|| {
                    StoreError("an incomplete KV listing without a cursor".into())
                })?),
                None => return Err(StoreError("a KV listing without list_complete".into())),
            };
        Ok(ListPage { keys, cursor })
    }
}
