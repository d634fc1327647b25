//! An in-memory [`Store`] for native tests and tools: a sorted map behind a
//! `RefCell`, with Workers KV's listing semantics (key order, opaque cursor,
//! at most [`LIST_LIMIT`] keys a call). It counts calls so tests can hold
//! operations to their read and write budgets.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::ops::Bound;

use super::{ListPage, Listed, Store, StoreError, LIST_LIMIT, METADATA_LIMIT};

/// Calls made to a [`MemoryStore`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Calls {
    /// `get`.
    pub gets: u64,
    /// `put`.
    pub puts: u64,
    /// `delete`.
    pub deletes: u64,
    /// `list`.
    pub lists: u64,
}

/// The store in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    map: RefCell<BTreeMap<String, (String, Option<String>)>>,
    calls: Cell<Calls>,
    /// When set, every call after this many fails: a crash half-way through an operation.
    fail_after: Cell<Option<u64>>,
    /// When set, every read fails: a store that does not answer.
    fail_reads: Cell<bool>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The calls so far.
    pub fn calls(&self) -> Calls {
        self.calls.get()
    }

    /// Makes every read fail (or not).
    pub fn fail_reads(&self, fail: bool) {
        self.fail_reads.set(fail);
    }

    fn check_read(&self) -> Result<(), StoreError> {
        if self.fail_reads.get() {
            Err(StoreError("injected read failure".into()))
        } else {
            Ok(())
        }
    }

    /// Makes every write after the next `n` writes fail (`None`: never).
    pub fn fail_writes_after(&self, n: Option<u64>) {
        let done = self.calls.get().puts + self.calls.get().deletes;
        self.fail_after.set(n.map(|n| done + n));
    }

    /// A copy of the contents (calls and failure injection start afresh):
    /// the state a test applies a plan's prefix to.
    pub fn fork(&self) -> MemoryStore {
        MemoryStore {
            map: RefCell::new(self.map.borrow().clone()),
            ..MemoryStore::default()
        }
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.map.borrow().len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.map.borrow().is_empty()
    }

    /// Every key, for tests.
    pub fn keys(&self) -> Vec<String> {
        self.map.borrow().keys().cloned().collect()
    }

    fn count(&self, f: impl FnOnce(&mut Calls)) {
        let mut c = self.calls.get();
        f(&mut c);
        self.calls.set(c);
    }

    fn check_write(&self) -> Result<(), StoreError> {
        let c = self.calls.get();
        match self.fail_after.get() {
            Some(limit) if c.puts + c.deletes >= limit => {
                Err(StoreError("injected failure".into()))
            }
            _ => Ok(()),
        }
    }
}

impl Store for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.check_read()?;
        self.count(|c| c.gets += 1);
        Ok(self.map.borrow().get(key).map(|(v, _)| v.clone()))
    }

    async fn put(&self, key: &str, value: &str, metadata: Option<&str>) -> Result<(), StoreError> {
        self.check_write()?;
        self.count(|c| c.puts += 1);
        if metadata.is_some_and(|m| m.len() > METADATA_LIMIT) {
            return Err(StoreError(format!("metadata over {METADATA_LIMIT} bytes")));
        }
        self.map.borrow_mut().insert(
            key.to_owned(),
            (value.to_owned(), metadata.map(str::to_owned)),
        );
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.check_write()?;
        self.count(|c| c.deletes += 1);
        self.map.borrow_mut().remove(key);
        Ok(())
    }

    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ListPage, StoreError> {
        self.check_read()?;
        self.count(|c| c.lists += 1);
        let limit = limit.clamp(1, LIST_LIMIT);
        let map = self.map.borrow();
        let start = match cursor {
            Some(c) => Bound::Excluded(c.to_owned()),
            None => Bound::Included(prefix.to_owned()),
        };
        let mut keys: Vec<Listed> = map
            .range((start, Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .take(limit + 1)
            .map(|(k, (_, m))| Listed {
                key: k.clone(),
                metadata: m.clone(),
                expiration: None,
            })
            .collect();
        let cursor = if keys.len() > limit {
            keys.truncate(limit);
            keys.last().map(|l| l.key.clone())
        } else {
            None
        };
        Ok(ListPage { keys, cursor })
    }
}

/// Runs a future whose every await is already complete (the memory store's),
/// for tests and tools that have no executor.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_in_order_with_cursors() {
        let s = MemoryStore::new();
        block_on(async {
            for i in (0..2500).rev() {
                s.put(&format!("p/{i:05}"), "v", Some("m")).await.unwrap();
            }
            s.put("q/other", "v", None).await.unwrap();
            let first = s.list("p/", None, 1000).await.unwrap();
            assert_eq!(first.keys.len(), 1000);
            assert_eq!(first.keys[0].key, "p/00000");
            assert_eq!(first.keys[0].metadata.as_deref(), Some("m"));
            let all = s.list_all("p/").await.unwrap();
            assert_eq!(all.len(), 2500);
            assert!(all.windows(2).all(|w| w[0].key < w[1].key));
            assert_eq!(s.list_all("q/").await.unwrap().len(), 1);
            assert!(s.list_all("r/").await.unwrap().is_empty());
        });
        assert_eq!(s.calls().lists, 1 + 3 + 1 + 1);
    }

    #[test]
    fn injected_failures_stop_writes() {
        let s = MemoryStore::new();
        s.fail_writes_after(Some(1));
        block_on(async {
            assert!(s.put("a", "1", None).await.is_ok());
            assert!(s.put("b", "2", None).await.is_err());
            assert!(s.delete("a").await.is_err());
            assert_eq!(s.get("a").await.unwrap().as_deref(), Some("1"));
        });
    }
}
