//! Write plans: an admin operation reads and authorizes, then returns its
//! outcome and the ordered writes that make it so; a committer applies them.
//!
//! The order is the safety: every prefix of a plan grants nothing that
//! neither the state before nor the state after grants (docs/store.md), so a
//! writer that stops half-way — a failed KV write, a crashed isolate, a
//! mirror that lags — never hands out rights nobody gave. Revocation epochs
//! are written before the change that takes rights away and again after it.
//!
//! Today's committers: [`commit`] on any [`Store`] in order (Workers KV,
//! memory); the tenant's Durable Object applies a plan to its SQLite storage
//! in one transaction and then mirrors it to KV in the same order.

use serde::{Deserialize, Serialize};

use super::{Store, StoreError};

/// One write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Write {
    /// Put `value` (and `metadata`) at `key`; with `ttl_secs`, the key
    /// disappears by itself after that long.
    Put {
        /// Key.
        key: String,
        /// Value.
        value: String,
        /// Listing metadata.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        metadata: Option<String>,
        /// Expiry, seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ttl_secs: Option<u64>,
    },
    /// Remove `key`.
    Delete {
        /// Key.
        key: String,
    },
}

impl Write {
    /// The key written.
    pub fn key(&self) -> &str {
        match self {
            Write::Put { key, .. } | Write::Delete { key } => key,
        }
    }
}

/// An ordered list of writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Plan {
    writes: Vec<Write>,
}

impl Plan {
    /// No writes.
    pub fn new() -> Plan {
        Plan::default()
    }

    /// Puts `value` at `key`.
    pub fn put(
        &mut self,
        key: impl Into<String>,
        value: impl Into<String>,
        metadata: Option<String>,
    ) {
        self.writes.push(Write::Put {
            key: key.into(),
            value: value.into(),
            metadata,
            ttl_secs: None,
        });
    }

    /// Puts a record serialized as JSON.
    pub fn put_json<T: Serialize>(
        &mut self,
        key: impl Into<String>,
        value: &T,
        metadata: Option<String>,
    ) {
        // Records are plain data: serialization cannot fail.
        let text = serde_json::to_string(value).unwrap_or_default();
        self.put(key, text, metadata);
    }

    /// Puts `value` at `key`, expiring after `ttl_secs`.
    pub fn put_expiring(
        &mut self,
        key: impl Into<String>,
        value: impl Into<String>,
        metadata: Option<String>,
        ttl_secs: u64,
    ) {
        self.writes.push(Write::Put {
            key: key.into(),
            value: value.into(),
            metadata,
            ttl_secs: Some(ttl_secs),
        });
    }

    /// Removes `key`.
    pub fn delete(&mut self, key: impl Into<String>) {
        self.writes.push(Write::Delete { key: key.into() });
    }

    /// Appends another plan's writes.
    pub fn extend(&mut self, other: Plan) {
        self.writes.extend(other.writes);
    }

    /// The writes, in order.
    pub fn writes(&self) -> &[Write] {
        &self.writes
    }

    /// Number of writes.
    pub fn len(&self) -> usize {
        self.writes.len()
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// The first `n` writes: what a writer that stopped leaves behind.
    pub fn prefix(&self, n: usize) -> Plan {
        Plan {
            writes: self.writes.iter().take(n).cloned().collect(),
        }
    }
}

/// Applies one write.
pub async fn apply<S: Store>(store: &S, write: &Write) -> Result<(), StoreError> {
    match write {
        Write::Put {
            key,
            value,
            metadata,
            ttl_secs: None,
        } => store.put(key, value, metadata.as_deref()).await,
        Write::Put {
            key,
            value,
            metadata,
            ttl_secs: Some(ttl),
        } => {
            store
                .put_expiring(key, value, metadata.as_deref(), *ttl)
                .await
        }
        Write::Delete { key } => store.delete(key).await,
    }
}

/// Applies `plan` to `store` in order; stops at the first failure, leaving
/// a prefix (which the order makes safe).
pub async fn commit<S: Store>(store: &S, plan: &Plan) -> Result<(), StoreError> {
    for w in plan.writes() {
        apply(store, w).await?;
    }
    Ok(())
}
