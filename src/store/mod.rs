//! The organization store: what every admin operation reads and writes,
//! behind a trait so that the same logic runs on Workers KV at the edge and
//! on [`memory::MemoryStore`] in native tests.
//!
//! The trait is Workers KV's model, nothing more: string keys and values, a
//! small metadata string per key that listings return without reading values,
//! prefix listing in key order with an opaque cursor, no transactions, no
//! compare-and-set. [`keys`] lays out the keys; docs/store.md explains the
//! layout, the write orders and what concurrency can do to them.

pub mod facts;
pub mod keys;
pub mod memory;
pub mod plan;

use core::fmt;

/// One key of a listing, with its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The full key.
    pub key: String,
    /// Metadata stored with the key, if any.
    pub metadata: Option<String>,
    /// When the key expires by itself, Unix seconds (stores that know it).
    pub expiration: Option<u64>,
}

/// One page of a prefix listing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListPage {
    /// Keys in ascending order.
    pub keys: Vec<Listed>,
    /// Where the next page starts; `None` when this was the last.
    pub cursor: Option<String>,
}

/// Most keys one listing call returns (Workers KV's limit).
pub const LIST_LIMIT: usize = 1000;
/// Largest metadata string (Workers KV's limit is 1024 bytes of JSON).
pub const METADATA_LIMIT: usize = 1024;

/// A store failure: the backend did not answer, or refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// A key-value store with Workers KV's semantics.
///
/// The futures need not be `Send`: Workers run one request per isolate thread.
/// A method added here is forwarded by [`AnyStore`] too (a default method
/// left out there would run its default for every store behind `dyn`).
#[allow(
    async_fn_in_trait,
    reason = "single-threaded adapters; no Send bound wanted"
)]
pub trait Store {
    /// The value of `key`.
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Writes `value` (and `metadata`, which listings return) at `key`.
    async fn put(&self, key: &str, value: &str, metadata: Option<&str>) -> Result<(), StoreError>;
    /// Writes like [`put`](Store::put), and the key disappears by itself
    /// after `ttl_secs` (Workers KV's `expirationTtl`, at least 60 s). Stores
    /// without expiry keep the key: readers must not rely on it vanishing.
    async fn put_expiring(
        &self,
        key: &str,
        value: &str,
        metadata: Option<&str>,
        ttl_secs: u64,
    ) -> Result<(), StoreError> {
        let _ = ttl_secs;
        self.put(key, value, metadata).await
    }
    /// Removes `key`; removing a missing key is not an error.
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Keys starting with `prefix`, in ascending order, at most `limit`
    /// (≤ [`LIST_LIMIT`]) from `cursor` on.
    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ListPage, StoreError>;

    /// Every key under `prefix`, following cursors.
    async fn list_all(&self, prefix: &str) -> Result<Vec<Listed>, StoreError> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.list(prefix, cursor.as_deref(), LIST_LIMIT).await?;
            out.extend(page.keys);
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(out),
            }
        }
    }
}

/// A store call's answer, boxed: what makes [`AnyStore`] object-safe.
pub type StoreFuture<'a, T> =
    core::pin::Pin<Box<dyn core::future::Future<Output = Result<T, StoreError>> + 'a>>;

/// Any [`Store`] behind one type.
///
/// The admin operations, the authenticator's facts and the HTTP layer are
/// generic over their store. A host with two stores — the worker's KV and
/// its tenant object's SQLite share one module — would carry two compiled
/// copies of all of them; handed `&dyn AnyStore` instead, every store runs
/// the one copy. The price is an allocation per store call (a boxed
/// future), small beside the call itself.
pub trait AnyStore {
    /// [`Store::get`].
    fn get_any<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>>;
    /// [`Store::put`].
    fn put_any<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        metadata: Option<&'a str>,
    ) -> StoreFuture<'a, ()>;
    /// [`Store::put_expiring`].
    fn put_expiring_any<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        metadata: Option<&'a str>,
        ttl_secs: u64,
    ) -> StoreFuture<'a, ()>;
    /// [`Store::delete`].
    fn delete_any<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;
    /// [`Store::list`].
    fn list_any<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> StoreFuture<'a, ListPage>;
}

// Sized stores only: `dyn AnyStore` is a `Store` through its vtable (below),
// and must not also be one through this impl.
impl<S: Store> AnyStore for S {
    fn get_any<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>> {
        Box::pin(self.get(key))
    }
    fn put_any<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        metadata: Option<&'a str>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.put(key, value, metadata))
    }
    fn put_expiring_any<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        metadata: Option<&'a str>,
        ttl_secs: u64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.put_expiring(key, value, metadata, ttl_secs))
    }
    fn delete_any<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(self.delete(key))
    }
    fn list_any<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> StoreFuture<'a, ListPage> {
        Box::pin(self.list(prefix, cursor, limit))
    }
}

impl Store for dyn AnyStore + '_ {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.get_any(key).await
    }
    async fn put(&self, key: &str, value: &str, metadata: Option<&str>) -> Result<(), StoreError> {
        self.put_any(key, value, metadata).await
    }
    async fn put_expiring(
        &self,
        key: &str,
        value: &str,
        metadata: Option<&str>,
        ttl_secs: u64,
    ) -> Result<(), StoreError> {
        self.put_expiring_any(key, value, metadata, ttl_secs).await
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.delete_any(key).await
    }
    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ListPage, StoreError> {
        self.list_any(prefix, cursor, limit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// Records every call with its arguments; listings come in pages of one.
    #[derive(Default)]
    struct Recording(RefCell<Vec<String>>);

    impl Store for Recording {
        async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
            self.0.borrow_mut().push(format!("get {key}"));
            Ok(Some(format!("value of {key}")))
        }
        async fn put(
            &self,
            key: &str,
            value: &str,
            metadata: Option<&str>,
        ) -> Result<(), StoreError> {
            self.0
                .borrow_mut()
                .push(format!("put {key} {value} {metadata:?}"));
            Ok(())
        }
        async fn put_expiring(
            &self,
            key: &str,
            value: &str,
            metadata: Option<&str>,
            ttl_secs: u64,
        ) -> Result<(), StoreError> {
            self.0.borrow_mut().push(format!(
                "put_expiring {key} {value} {metadata:?} {ttl_secs}"
            ));
            Ok(())
        }
        async fn delete(&self, key: &str) -> Result<(), StoreError> {
            self.0.borrow_mut().push(format!("delete {key}"));
            Err(StoreError("refused".into()))
        }
        async fn list(
            &self,
            prefix: &str,
            cursor: Option<&str>,
            limit: usize,
        ) -> Result<ListPage, StoreError> {
            self.0
                .borrow_mut()
                .push(format!("list {prefix} {cursor:?} {limit}"));
            let (key, cursor) = match cursor {
                None => ("p/a", Some("c1".to_owned())),
                Some(_) => ("p/b", None),
            };
            Ok(ListPage {
                keys: vec![Listed {
                    key: key.into(),
                    metadata: Some("m".into()),
                    expiration: Some(60),
                }],
                cursor,
            })
        }
    }

    #[test]
    fn a_store_behind_dyn_gets_every_call_with_its_arguments() {
        let inner = Recording::default();
        let store: &dyn AnyStore = &inner;
        memory::block_on(async {
            assert_eq!(store.get("k").await.unwrap().as_deref(), Some("value of k"));
            store.put("k", "v", Some("m")).await.unwrap();
            store.put_expiring("k", "v", None, 90).await.unwrap();
            assert_eq!(store.delete("k").await, Err(StoreError("refused".into())));
            let all = store.list_all("p/").await.unwrap();
            assert_eq!(
                all.iter().map(|l| l.key.as_str()).collect::<Vec<_>>(),
                ["p/a", "p/b"]
            );
            assert_eq!(all[0].expiration, Some(60));
        });
        assert_eq!(
            *inner.0.borrow(),
            [
                "get k",
                "put k v Some(\"m\")",
                "put_expiring k v None 90",
                "delete k",
                "list p/ None 1000",
                "list p/ Some(\"c1\") 1000",
            ]
        );
    }
}
