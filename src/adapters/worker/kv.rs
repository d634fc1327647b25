//! [`Store`] on Workers KV. Metadata travels as a JSON string value.

use std::cell::OnceCell;

use worker::kv::KvStore;
use worker::Env;

use crate::store::{ListPage, Listed, Store, StoreError, LIST_LIMIT};

/// The `ORGWARDEN` KV namespace as a [`Store`]. The binding is looked up on
/// first use: a proxied request answered from the isolate caches never
/// touches it.
pub struct Kv<'e> {
    env: &'e Env,
    store: OnceCell<KvStore>,
}

impl<'e> Kv<'e> {
    /// The namespace of `env`.
    pub fn new(env: &'e Env) -> Self {
        Kv {
            env,
            store: OnceCell::new(),
        }
    }

    fn kv(&self) -> Result<&KvStore, StoreError> {
        if let Some(k) = self.store.get() {
            return Ok(k);
        }
        let k = self.env.kv("ORGWARDEN").map_err(err)?;
        Ok(self.store.get_or_init(|| k))
    }
}

fn err(e: impl core::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

impl Kv<'_> {
    async fn write(
        &self,
        key: &str,
        value: &str,
        metadata: Option<&str>,
        ttl_secs: Option<u64>,
    ) -> Result<(), StoreError> {
        let mut put = self.kv()?.put(key, value).map_err(err)?;
        if let Some(ttl) = ttl_secs {
            put = put.expiration_ttl(ttl);
        }
        if let Some(m) = metadata {
            put = put.metadata(m).map_err(err)?;
        }
        put.execute().await.map_err(err)
    }
}

impl Store for Kv<'_> {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.kv()?.get(key).text().await.map_err(err)
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
        self.kv()?.delete(key).await.map_err(err)
    }

    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ListPage, StoreError> {
        let mut list = self
            .kv()?
            .list()
            .prefix(prefix.to_owned())
            .limit(limit.clamp(1, LIST_LIMIT) as u64);
        if let Some(c) = cursor {
            list = list.cursor(c.to_owned());
        }
        let page = list.execute().await.map_err(err)?;
        Ok(ListPage {
            keys: page
                .keys
                .into_iter()
                .map(|k| Listed {
                    key: k.name,
                    metadata: k.metadata.and_then(|m| m.as_str().map(str::to_owned)),
                    expiration: k.expiration,
                })
                .collect(),
            cursor: if page.list_complete {
                None
            } else {
                page.cursor
            },
        })
    }
}
