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
//! in one transaction and then mirrors it to KV in the same order, a run at
//! a time ([`runs`]).
//!
//! Each write says how it can change what the store grants ([`Effect`]):
//! a run of writes that all only widen, or all only narrow, or all only
//! revoke tokens, may land in any order among themselves — every state in
//! between is bounded by the state before the run (narrowing) or after it
//! (widening), and both are prefixes. Whatever else a write does, it lands
//! alone, in order.

use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::notify::message::Notice;

/// How a write can change what the store grants, whatever the other
/// records hold: what lets the KV mirror apply several at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Anything (a record replaced): lands alone, in order.
    #[default]
    Ordered,
    /// Only adds what it grants, if anything: a record whose key was absent
    /// when planned (rights are a union over records; none denies).
    Widens,
    /// Only takes away: a record removed.
    Narrows,
    /// A revocation epoch: only takes tokens away. Kept apart from
    /// [`Effect::Narrows`], so that rights never narrow before the tokens
    /// that carry them are revoked.
    Revokes,
}

/// One write. Stored (the tenant object's mirror queue) internally tagged:
/// `{"op": "put", "key": …, "value": …}`, `{"op": "delete", "key": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "op",
    rename_all = "snake_case",
    deny_unknown_fields,
    try_from = "StoredWrite"
)]
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
        /// What it does to rights.
        #[serde(default, skip_serializing_if = "is_ordered")]
        effect: Effect,
    },
    /// Remove `key` (always [`Effect::Narrows`]: no record denies).
    Delete {
        /// Key.
        key: String,
    },
}

fn is_ordered(e: &Effect) -> bool {
    *e == Effect::Ordered
}

/// A stored [`Write`] read flat, in one pass: serde reads an internally
/// tagged enum through a buffered copy of every field, a second
/// deserializer (9 KB of the worker's module). The same maps are read and
/// refused as by the tagged derive: `null` only where a put's field is an
/// `Option`, a delete with anything but `op` and `key` refused. (A JSON
/// array, which the tagged derive also read and nothing writes, is not.)
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredWrite {
    op: String,
    key: String,
    #[serde(default, deserialize_with = "crate::model::present::present")]
    value: Option<String>,
    /// Absent, `null`, or a value.
    #[serde(default, deserialize_with = "crate::model::present::present")]
    metadata: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::model::present::present")]
    ttl_secs: Option<Option<u64>>,
    #[serde(default, deserialize_with = "crate::model::present::present")]
    effect: Option<Effect>,
}

impl TryFrom<StoredWrite> for Write {
    type Error = &'static str;

    fn try_from(w: StoredWrite) -> Result<Write, Self::Error> {
        match w.op.as_str() {
            "put" => Ok(Write::Put {
                key: w.key,
                value: w.value.ok_or("missing field `value`")?,
                metadata: w.metadata.flatten(),
                ttl_secs: w.ttl_secs.flatten(),
                effect: w.effect.unwrap_or_default(),
            }),
            "delete"
                if w.value.is_none()
                    && w.metadata.is_none()
                    && w.ttl_secs.is_none()
                    && w.effect.is_none() =>
            {
                Ok(Write::Delete { key: w.key })
            }
            "delete" => Err("a delete has only `op` and `key`"),
            _ => Err("unknown variant: `op` is `put` or `delete`"),
        }
    }
}

impl Write {
    /// The key written.
    pub fn key(&self) -> &str {
        match self {
            Write::Put { key, .. } | Write::Delete { key } => key,
        }
    }

    /// What it does to rights.
    pub fn effect(&self) -> Effect {
        match self {
            Write::Put { effect, .. } => *effect,
            Write::Delete { .. } => Effect::Narrows,
        }
    }
}

/// The lengths of the runs `writes` split into, in order: each run is one
/// write of [`Effect::Ordered`], or up to `max` consecutive writes of one
/// other effect on distinct keys, which may land in any order.
pub fn runs<'a>(writes: impl IntoIterator<Item = &'a Write>, max: usize) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let mut keys: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut current: Option<Effect> = None;
    for w in writes {
        let joins = current == Some(w.effect())
            && w.effect() != Effect::Ordered
            && !keys.contains(w.key())
            && out.last().is_some_and(|n| *n < max);
        match out.last_mut() {
            Some(n) if joins => *n += 1,
            _ => {
                out.push(1);
                keys.clear();
                current = Some(w.effect());
            }
        }
        keys.insert(w.key());
    }
    out
}

/// An ordered list of writes, and the notifications to deliver once they
/// are committed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    writes: Vec<Write>,
    notices: Vec<Notice>,
}

impl Plan {
    /// No writes.
    pub fn new() -> Plan {
        Plan::default()
    }

    fn push_put(
        &mut self,
        effect: Effect,
        key: String,
        value: String,
        metadata: Option<String>,
        ttl_secs: Option<u64>,
    ) {
        self.writes.push(Write::Put {
            key,
            value,
            metadata,
            ttl_secs,
            effect,
        });
    }

    /// Puts `value` at `key`, replacing what is there.
    pub fn put(
        &mut self,
        key: impl Into<String>,
        value: impl Into<String>,
        metadata: Option<String>,
    ) {
        self.push_put(Effect::Ordered, key.into(), value.into(), metadata, None);
    }

    /// Puts a record serialized as JSON, replacing what is there.
    pub fn put_json<T: Serialize>(
        &mut self,
        key: impl Into<String>,
        value: &T,
        metadata: Option<String>,
    ) {
        self.put(key, json(value), metadata);
    }

    /// Puts `value` at `key`, which the planner read as absent: a new
    /// record ([`Effect::Widens`]).
    pub fn create(
        &mut self,
        key: impl Into<String>,
        value: impl Into<String>,
        metadata: Option<String>,
    ) {
        self.push_put(Effect::Widens, key.into(), value.into(), metadata, None);
    }

    /// [`Plan::create`] of a record serialized as JSON.
    pub fn create_json<T: Serialize>(
        &mut self,
        key: impl Into<String>,
        value: &T,
        metadata: Option<String>,
    ) {
        self.create(key, json(value), metadata);
    }

    /// Puts a revocation epoch, expiring after `ttl_secs`
    /// ([`Effect::Revokes`]).
    pub fn put_epoch(&mut self, key: impl Into<String>, epoch: String, ttl_secs: u64) {
        let metadata = Some(epoch.clone());
        self.push_put(Effect::Revokes, key.into(), epoch, metadata, Some(ttl_secs));
    }

    /// Puts `value` at `key`, expiring after `ttl_secs`.
    pub fn put_expiring(
        &mut self,
        key: impl Into<String>,
        value: impl Into<String>,
        metadata: Option<String>,
        ttl_secs: u64,
    ) {
        self.push_put(
            Effect::Ordered,
            key.into(),
            value.into(),
            metadata,
            Some(ttl_secs),
        );
    }

    /// Removes `key`.
    pub fn delete(&mut self, key: impl Into<String>) {
        self.writes.push(Write::Delete { key: key.into() });
    }

    /// Puts a new record that expires after `ttl_secs` ([`Effect::Widens`]).
    pub fn create_expiring(
        &mut self,
        key: impl Into<String>,
        value: impl Into<String>,
        metadata: Option<String>,
        ttl_secs: u64,
    ) {
        self.push_put(
            Effect::Widens,
            key.into(),
            value.into(),
            metadata,
            Some(ttl_secs),
        );
    }

    /// A notification to deliver once the plan is committed (its outbox
    /// record is one of the writes).
    pub fn notify(&mut self, notice: Notice) {
        self.notices.push(notice);
    }

    /// The notifications, in order.
    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    /// Appends another plan's writes and notifications.
    pub fn extend(&mut self, other: Plan) {
        self.writes.extend(other.writes);
        self.notices.extend(other.notices);
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
            notices: Vec::new(),
        }
    }
}

impl FromIterator<Write> for Plan {
    fn from_iter<I: IntoIterator<Item = Write>>(iter: I) -> Plan {
        Plan {
            writes: iter.into_iter().collect(),
            notices: Vec::new(),
        }
    }
}

/// A record as JSON. Records are plain data: serialization cannot fail.
fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Applies one write.
pub async fn apply<S: Store + ?Sized>(store: &S, write: &Write) -> Result<(), StoreError> {
    match write {
        Write::Put {
            key,
            value,
            metadata,
            ttl_secs: None,
            ..
        } => store.put(key, value, metadata.as_deref()).await,
        Write::Put {
            key,
            value,
            metadata,
            ttl_secs: Some(ttl),
            ..
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
pub async fn commit<S: Store + ?Sized>(store: &S, plan: &Plan) -> Result<(), StoreError> {
    for w in plan.writes() {
        apply(store, w).await?;
    }
    Ok(())
}

/// The writes that copy every key under `prefix` of `from`: values,
/// metadata and what remains of their lifetimes (expired keys are left
/// behind). How the tenant's single writer takes over a tenant that a
/// KV-only deployment wrote.
pub async fn copy_of<S: Store + ?Sized>(
    from: &S,
    prefix: &str,
    now_secs: u64,
) -> Result<Plan, StoreError> {
    let mut plan = Plan::new();
    for listed in from.list_all(prefix).await? {
        let Some(value) = from.get(&listed.key).await? else {
            continue;
        };
        match listed.expiration {
            Some(at) if at <= now_secs => {}
            Some(at) => plan.put_expiring(listed.key, value, listed.metadata, at - now_secs),
            None => plan.put(listed.key, value, listed.metadata),
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_writes_read_back_and_malformed_ones_are_refused() {
        let writes = [
            Write::Put {
                key: "k".into(),
                value: "v".into(),
                metadata: Some("m".into()),
                ttl_secs: Some(60),
                effect: Effect::Revokes,
            },
            Write::Put {
                key: "k".into(),
                value: "{}".into(),
                metadata: None,
                ttl_secs: None,
                effect: Effect::Ordered,
            },
            Write::Delete { key: "k".into() },
        ];
        for w in writes {
            let text = serde_json::to_string(&w).unwrap();
            assert_eq!(serde_json::from_str::<Write>(&text).unwrap(), w, "{text}");
        }
        let read = |s: &str| serde_json::from_str::<Write>(s).map(|_| ());
        assert!(read(r#"{"op":"put","key":"k","value":"v","metadata":null}"#).is_ok());
        assert!(read(r#"{"op":"put","key":"k","value":"v","ttl_secs":null}"#).is_ok());
        for bad in [
            r#"{"op":"put","key":"k","value":null}"#,
            r#"{"op":"put","key":"k","value":"v","effect":null}"#,
            r#"{"op":"delete","key":"k","value":null}"#,
            r#"{"op":"delete","key":"k","metadata":null}"#,
            r#"{"op":"delete","key":"k","ttl_secs":null}"#,
            r#"{"op":"delete","key":"k","effect":null}"#,
            r#"{"op":{"put":null},"key":"k","value":"v"}"#,
            r#"{"op":"put","key":"k"}"#,
            r#"{"op":"delete","key":"k","value":"v"}"#,
            r#"{"op":"delete","key":"k","effect":"narrows"}"#,
            r#"{"op":"move","key":"k"}"#,
            r#"{"op":"put","key":"k","value":"v","extra":1}"#,
            r#"{"key":"k","value":"v"}"#,
            r#"{"op":"put","value":"v"}"#,
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn runs_group_one_effect_on_distinct_keys_and_keep_ordered_writes_alone() {
        let mut p = Plan::new();
        p.put_epoch("rv/u/a", "1".into(), 60); // revokes
        p.put_epoch("rv/o/x", "1".into(), 60); // revokes
        p.delete("m/x/a"); // narrows
        p.delete("uo/a/x"); // narrows
        p.put_epoch("rv/u/a", "1".into(), 60); // revokes
        p.create("id/y", "organization", None); // widens
        p.create("o/y", "{}", None); // widens
        p.create("o/y", "{}", None); // the same key again: a new run
        p.put("s", "{}", None); // ordered
        p.put("t", "{}", None); // ordered
        p.create("o/z", "{}", None);
        assert_eq!(runs(p.writes(), 64), [2, 2, 1, 2, 1, 1, 1, 1]);
        assert_eq!(runs(p.writes(), 1), [1; 11]);
        assert!(runs([], 64).is_empty());
    }

    #[test]
    fn the_effect_crosses_serialization_and_old_queue_rows_read_as_ordered() {
        let mut p = Plan::new();
        p.create("k", "v", None);
        p.put("k2", "v", None);
        let text = serde_json::to_string(p.writes()).unwrap_or_default();
        assert_eq!(
            text,
            r#"[{"op":"put","key":"k","value":"v","effect":"widens"},{"op":"put","key":"k2","value":"v"}]"#
        );
        let back: Vec<Write> = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, p.writes());
    }
}
