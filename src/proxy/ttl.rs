//! A bounded map whose entries expire: the isolate-memory caches of the
//! proxy (entity grants, revocation epochs, API keys, users' memberships).
//! The clock is passed in, so the cache is deterministic in tests.
//!
//! [`TtlCache::claim`] is the lookup for a busy isolate: when an entry has
//! just expired, the first request to see it refreshes it, and requests in
//! the meantime (at most [`REFRESH_GRACE_MS`]) keep the old value instead of
//! all reading KV at once.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// How long other requests keep an expired entry while one refreshes it.
pub const REFRESH_GRACE_MS: i64 = 1_000;

/// At most `capacity` entries, each valid for `ttl_ms` after it was stored;
/// the oldest entry goes first when full.
#[derive(Debug)]
pub struct TtlCache<K, V> {
    entries: HashMap<K, (V, i64, u64)>,
    order: VecDeque<(K, u64)>,
    capacity: usize,
    ttl_ms: i64,
    next_seq: u64,
}

impl<K: Hash + Eq + Clone, V: Clone> TtlCache<K, V> {
    /// An empty cache.
    pub fn new(capacity: usize, ttl_ms: i64) -> Self {
        TtlCache {
            entries: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
            ttl_ms,
            next_seq: 0,
        }
    }

    /// The value stored for `key`, unless it has expired at `now_ms`.
    pub fn get(&mut self, key: &K, now_ms: i64) -> Option<V> {
        match self.entries.get(key) {
            Some((v, expires, _)) if *expires > now_ms => Some(v.clone()),
            Some(_) => {
                self.entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Like [`get`](TtlCache::get), except that an entry that has expired is
    /// handed to this caller to refresh (`None`) and stays valid for others
    /// for [`REFRESH_GRACE_MS`] more.
    pub fn claim(&mut self, key: &K, now_ms: i64) -> Option<V> {
        match self.entries.get_mut(key) {
            Some((v, expires, _)) if *expires > now_ms => Some(v.clone()),
            Some((_, expires, _)) => {
                *expires = now_ms.saturating_add(REFRESH_GRACE_MS);
                None
            }
            None => None,
        }
    }

    /// Stores `value` for `key` from `now_ms` on.
    pub fn insert(&mut self, key: K, value: V, now_ms: i64) {
        while self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            let Some((old, seq)) = self.order.pop_front() else {
                break;
            };
            if self.entries.get(&old).is_some_and(|(_, _, s)| *s == seq) {
                self.entries.remove(&old);
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.order.push_back((key.clone(), seq));
        self.entries
            .insert(key, (value, now_ms.saturating_add(self.ttl_ms), seq));
        if self.order.len() > self.capacity.saturating_mul(2) {
            let entries = &self.entries;
            self.order
                .retain(|(k, s)| entries.get(k).is_some_and(|(_, _, live)| live == s));
        }
    }

    /// Drops every entry whose key fails `keep`.
    pub fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) {
        self.entries.retain(|k, _| keep(k));
    }

    /// Number of entries, expired ones included until they are looked up.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_oldest_goes_first() {
        let mut c = TtlCache::new(2, 1000);
        c.insert("a", 1, 0);
        assert_eq!(c.get(&"a", 999), Some(1));
        assert_eq!(c.get(&"a", 1000), None, "expired at exactly ttl");
        c.insert("a", 1, 0);
        c.insert("b", 2, 10);
        c.insert("c", 3, 20);
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(&"a", 30), None, "evicted");
        assert_eq!(c.get(&"c", 30), Some(3));
        c.insert("c", 4, 40);
        assert_eq!(c.get(&"b", 41), Some(2), "replacing a key evicts nothing");
        c.retain(|k| *k != "b");
        // An expired entry goes to one caller to refresh; the others keep it meanwhile.
        let mut r = TtlCache::new(4, 1000);
        r.insert("k", 1, 0);
        assert_eq!(
            r.claim(&"k", 1000),
            None,
            "the first to see it expired refreshes"
        );
        assert_eq!(r.claim(&"k", 1001), Some(1), "others keep the old value");
        assert_eq!(
            r.claim(&"k", 1000 + REFRESH_GRACE_MS),
            None,
            "a refresh that never came is claimed again"
        );
        r.insert("k", 2, 1500);
        assert_eq!(r.claim(&"k", 1600), Some(2));
        assert_eq!(c.get(&"b", 41), None);
        for i in 0..100 {
            c.insert("x", i, 50);
        }
        assert!(c.order.len() <= 4, "the queue stays bounded");
    }
}
