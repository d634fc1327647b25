//! Repeated failed sign-ins, counted per key (a user of a tenant, a client
//! address) in the memory of the isolate that saw them: the success path
//! costs no store round trip, and a key that fails `limit` times within
//! `window` is refused until the window ends. The bound is per isolate: an
//! attacker spread over many isolates (locations) gets that many times the
//! limit, which docs/tokens.md states.

use std::cell::RefCell;
use std::collections::HashMap;

/// Failures of one key in its current window.
#[derive(Debug, Clone, Copy)]
struct Window {
    start_ms: i64,
    failures: u32,
}

/// The isolate's failure counters.
#[derive(Debug)]
pub struct Throttle {
    /// Failures allowed per user of a tenant and window.
    pub user_limit: u32,
    /// Failures allowed per client address and window (an office behind
    /// one address has many users: a wider bound).
    pub address_limit: u32,
    window_ms: i64,
    capacity: usize,
    seen: RefCell<HashMap<String, Window>>,
}

/// Failed sign-ins allowed per user and window by default.
pub const DEFAULT_USER_LIMIT: u32 = 10;
/// Failed sign-ins allowed per client address and window by default.
pub const DEFAULT_ADDRESS_LIMIT: u32 = 50;
/// The window, seconds.
pub const DEFAULT_WINDOW_SECS: i64 = 300;
/// Keys kept at most (the oldest windows make room).
pub const DEFAULT_CAPACITY: usize = 10_000;

impl Throttle {
    /// Failures per user and per address within `window_secs`; at most
    /// `capacity` keys.
    pub fn new(user_limit: u32, address_limit: u32, window_secs: i64, capacity: usize) -> Throttle {
        Throttle {
            user_limit: user_limit.max(1),
            address_limit: address_limit.max(1),
            window_ms: window_secs.max(1).saturating_mul(1000),
            capacity: capacity.max(1),
            seen: RefCell::new(HashMap::new()),
        }
    }

    /// Seconds until `key`, allowed `limit` failures, may try again;
    /// `None` when it may now.
    pub fn blocked(&self, key: &str, limit: u32, now_ms: i64) -> Option<i64> {
        let seen = self.seen.borrow();
        let w = seen.get(key)?;
        let ends = w.start_ms.saturating_add(self.window_ms);
        (w.failures >= limit && now_ms < ends)
            .then(|| (ends.saturating_sub(now_ms).saturating_add(999) / 1000).max(1))
    }

    /// Counts a failure of `key`.
    pub fn failed(&self, key: &str, now_ms: i64) {
        let mut seen = self.seen.borrow_mut();
        if seen.len() >= self.capacity && !seen.contains_key(key) {
            let window = self.window_ms;
            seen.retain(|_, w| now_ms < w.start_ms.saturating_add(window));
            if seen.len() >= self.capacity {
                let oldest = seen
                    .iter()
                    .min_by_key(|(_, w)| w.start_ms)
                    .map(|(k, _)| k.clone());
                if let Some(k) = oldest {
                    seen.remove(&k);
                }
            }
        }
        let w = seen.entry(key.to_owned()).or_insert(Window {
            start_ms: now_ms,
            failures: 0,
        });
        if now_ms >= w.start_ms.saturating_add(self.window_ms) {
            *w = Window {
                start_ms: now_ms,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
    }

    /// Forgets `key`'s failures (a sign-in that succeeded).
    pub fn succeeded(&self, key: &str) {
        self.seen.borrow_mut().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_refused_after_its_limit_until_the_window_ends() {
        let t = Throttle::new(3, 5, 60, 100);
        for i in 0..3 {
            assert_eq!(t.blocked("u", 3, i), None);
            t.failed("u", i);
        }
        assert_eq!(t.blocked("u", 3, 10), Some(60));
        assert_eq!(t.blocked("u", 5, 10), None, "a wider bound");
        assert_eq!(t.blocked("other", 3, 10), None);
        assert_eq!(t.blocked("u", 3, 59_001), Some(1));
        assert_eq!(t.blocked("u", 3, 60_000), None);
        // A new window starts with the next failure.
        t.failed("u", 60_000);
        assert_eq!(t.blocked("u", 3, 60_001), None);
    }

    #[test]
    fn success_forgets_and_capacity_is_bounded() {
        let t = Throttle::new(1, 1, 60, 2);
        t.failed("a", 0);
        assert!(t.blocked("a", 1, 1).is_some());
        t.succeeded("a");
        assert_eq!(t.blocked("a", 1, 1), None);
        t.failed("a", 0);
        t.failed("b", 1);
        t.failed("c", 2);
        assert_eq!(t.seen.borrow().len(), 2);
        assert_eq!(t.blocked("a", 1, 3), None, "the oldest window made room");
        assert!(t.blocked("c", 1, 3).is_some());
    }
}
