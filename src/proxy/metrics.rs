//! Counters of one isolate's proxy: decisions by outcome, cache hits and
//! misses, facts fetched. Workers run many isolates; each counts its own, and the
//! metrics endpoint answers for the isolate that serves it (the `isolate`
//! member tells them apart), so totals are summed by whoever scrapes.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::facts::Need;

/// Hits and misses of one cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HitMiss {
    /// Answered from isolate memory.
    pub hits: u64,
    /// Read or computed.
    pub misses: u64,
}

impl HitMiss {
    /// Counts one lookup.
    pub fn count(&mut self, hit: bool) {
        if hit {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
    }
}

/// Where the signature equations of a gate built with host signatures ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Signatures {
    /// Answered by the host.
    pub host: u64,
    /// Computed here because the host could not answer.
    pub here: u64,
}

/// The counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Metrics {
    /// Requests the proxy decided on.
    pub requests: u64,
    /// Forwarded after a rights check.
    pub allowed: u64,
    /// Forwarded on a public rule.
    pub public: u64,
    /// Refused, by problem code.
    pub denied: BTreeMap<&'static str, u64>,
    /// Forwarded but the origin could not be reached.
    pub origin_unreachable: u64,
    /// Verified tokens.
    pub token_cache: HitMiss,
    /// Entity grants.
    pub grants_cache: HitMiss,
    /// Revocation epochs (per tenant).
    pub epochs_cache: HitMiss,
    /// API keys and their owners.
    pub keys_cache: HitMiss,
    /// Users' state and memberships (external tokens, tokens whose budget
    /// left memberships out).
    pub principals_cache: HitMiss,
    /// External issuers' JWKS fetches.
    pub jwks_fetches: u64,
    /// New tokens' signature equations: computed by the host (WebCrypto in
    /// the worker) or, where the host could not, here.
    pub signatures: Signatures,
    /// Facts fetched from the store (each one listing or a few reads).
    pub fact_fetches: u64,
}

impl Metrics {
    /// Counts a lookup of a fact in the cache.
    pub fn count_fact(&mut self, need: &Need, hit: bool) {
        match need {
            Need::Epochs(_) => self.epochs_cache.count(hit),
            Need::Grants(..) => self.grants_cache.count(hit),
            Need::ApiKey(..) => self.keys_cache.count(hit),
            Need::Principal(..) => self.principals_cache.count(hit),
            Need::Jwks(_) | Need::Signature(_) => {}
        }
    }

    /// Counts a refusal.
    pub fn deny(&mut self, code: &'static str) {
        *self.denied.entry(code).or_insert(0) += 1;
    }
}
