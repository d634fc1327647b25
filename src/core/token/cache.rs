//! A bounded cache of verified tokens, so that a token seen again costs a
//! hash lookup instead of a signature check until it expires.
//!
//! Entries are keyed by the whole token text and compared in full on a hit,
//! so a token that differs in any byte never matches. Only tokens that passed
//! every check are stored, and a hit re-runs the time checks, so a cached
//! token stops passing at its `exp` exactly as an uncached one would. The
//! cache belongs to one key set and one set of options: a key rotation builds
//! a new verifier and with it a new cache. Revocation is checked by the caller
//! on every request, cached or not.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use super::claims::{AccessClaims, Claims};
use super::error::TokenError;
use super::signature::Equation;
use super::verify::{Checked, VerifiedToken, Verifier};

/// Default number of tokens kept.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// Counters for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that verified the token.
    pub misses: u64,
    /// Entries dropped to stay within capacity.
    pub evictions: u64,
}

/// Verified tokens, at most `capacity` of them, oldest evicted first. Its
/// `Debug` shows counts only: the keys are bearer tokens.
pub struct TokenCache<C = AccessClaims> {
    entries: HashMap<Arc<str>, (Arc<VerifiedToken<C>>, u64)>,
    order: VecDeque<(Arc<str>, u64)>,
    capacity: usize,
    next_seq: u64,
    stats: CacheStats,
}

impl<C> core::fmt::Debug for TokenCache<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TokenCache")
            .field("len", &self.entries.len())
            .field("capacity", &self.capacity)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// A cache of at most `capacity` of orgwarden's own tokens (at least 1).
    pub fn new(capacity: usize) -> Self {
        TokenCache::with_capacity(capacity)
    }
}

impl<C: Claims> TokenCache<C> {
    /// A cache of at most `capacity` tokens of claims type `C` (at least 1).
    pub fn with_capacity(capacity: usize) -> Self {
        TokenCache {
            entries: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
            next_seq: 0,
            stats: CacheStats::default(),
        }
    }

    /// Verifies `token` through the cache.
    pub fn verify(
        &mut self,
        verifier: &Verifier,
        token: &str,
        now: i64,
    ) -> Result<Arc<VerifiedToken<C>>, TokenError> {
        match self.check(verifier, token, now, Equation::Here)? {
            Checked::Verified(v) => Ok(v),
            // Equation::Here computes the equation: it never asks.
            Checked::NeedsSignature(_) => Err(TokenError::BadSignature),
        }
    }

    /// Verifies `token` through the cache, the equation computed by
    /// `equation` (see [`Verifier::check_as`]). A token that waits for its
    /// verdict is counted as a miss once, when the verdict lands.
    pub fn check(
        &mut self,
        verifier: &Verifier,
        token: &str,
        now: i64,
        equation: Equation<'_>,
    ) -> Result<Checked<Arc<VerifiedToken<C>>>, TokenError> {
        if let Some((hit, _)) = self.entries.get(token) {
            let hit = Arc::clone(hit);
            match hit.claims.check_time(now, verifier.options().leeway_secs) {
                Ok(()) => {
                    self.stats.hits += 1;
                    return Ok(Checked::Verified(hit));
                }
                Err(e) => {
                    self.entries.remove(token);
                    return Err(e);
                }
            }
        }
        let checked = verifier.check_as::<C>(token, now, equation);
        if !matches!(checked, Ok(Checked::NeedsSignature(_))) {
            self.stats.misses += 1;
        }
        match checked? {
            Checked::Verified(v) => {
                let verified = Arc::new(v);
                self.insert(token, Arc::clone(&verified));
                Ok(Checked::Verified(verified))
            }
            Checked::NeedsSignature(c) => Ok(Checked::NeedsSignature(c)),
        }
    }

    fn insert(&mut self, token: &str, verified: Arc<VerifiedToken<C>>) {
        while self.entries.len() >= self.capacity {
            let Some((key, seq)) = self.order.pop_front() else {
                break;
            };
            // Skip queue slots whose entry was already dropped or replaced.
            if self.entries.get(&key).is_some_and(|(_, s)| *s == seq) {
                self.entries.remove(&key);
                self.stats.evictions += 1;
            }
        }
        let key: Arc<str> = Arc::from(token);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.order.push_back((Arc::clone(&key), seq));
        self.entries.insert(key, (verified, seq));
        // Keep the queue from growing without bound when entries expire early.
        if self.order.len() > self.capacity.saturating_mul(2) {
            let entries = &self.entries;
            self.order
                .retain(|(k, s)| entries.get(k).is_some_and(|(_, live)| live == s));
        }
    }

    /// Number of cached tokens.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The counters.
    pub fn stats(&self) -> CacheStats {
        self.stats
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache::new(DEFAULT_CAPACITY)
    }
}
