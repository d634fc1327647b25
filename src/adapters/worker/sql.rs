//! The tenant's records in its Durable Object's SQLite storage: the source
//! of truth of the tenant's writer ([`super::tenant`]).
//!
//! - `kv(key, value, metadata, expires_at)`: the records, with Workers KV's
//!   shape, so the same planner reads them through [`Store`];
//! - `mirror(seq, write)`: every committed write, in commit order, until it
//!   is mirrored to Workers KV;
//! - `meta(name, value)`: whether the tenant was copied in from KV;
//! - `outgoing(seq, notice)`: committed notifications until they are on
//!   the notification queue (an invitation's token waits here, and only
//!   here, for the moment between the commit and the queue).
//!
//! `exec` is synchronous: the store's futures are ready at once, so planning
//! against it never yields to another request, and a plan is committed in
//! one `transactionSync` together with its mirror rows.

use serde::Deserialize;
use worker::{SqlStorage, SqlStorageValue, Storage};

use super::transaction::transaction_sync;

use crate::notify::message::Notice;
use crate::store::plan::{Plan, Write};
use crate::store::{keys, ListPage, Listed, Store, StoreError, LIST_LIMIT};

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, metadata TEXT, expires_at INTEGER)",
    "CREATE TABLE IF NOT EXISTS mirror (seq INTEGER PRIMARY KEY AUTOINCREMENT, write TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS outgoing (seq INTEGER PRIMARY KEY AUTOINCREMENT, notice TEXT NOT NULL)",
];

pub(super) fn err(e: impl core::fmt::Display) -> StoreError {
    StoreError(format!("sql: {e}"))
}

/// The tenant's SQLite storage as a [`Store`].
#[derive(Debug, Clone)]
pub struct SqlStore {
    sql: SqlStorage,
    now_secs: i64,
}

#[derive(Deserialize)]
struct ValueRow {
    value: String,
}

#[derive(Deserialize)]
struct ListRow {
    key: String,
    metadata: Option<String>,
    expires_at: Option<f64>,
}

#[derive(Deserialize)]
struct MirrorRow {
    seq: f64,
    write: String,
}

impl SqlStore {
    /// The store; `now_secs` decides expiry.
    pub fn new(sql: SqlStorage, now_secs: i64) -> SqlStore {
        SqlStore { sql, now_secs }
    }

    /// Creates the tables that do not exist yet.
    pub fn create_tables(&self) -> Result<(), StoreError> {
        for statement in SCHEMA {
            self.sql.exec(statement, None).map_err(err)?;
        }
        Ok(())
    }

    fn apply(&self, w: &Write) -> Result<(), StoreError> {
        match w {
            Write::Put {
                key,
                value,
                metadata,
                ttl_secs,
                ..
            } => self.upsert(key, value, metadata.as_deref(), *ttl_secs),
            Write::Delete { key } => {
                self.sql
                    .exec("DELETE FROM kv WHERE key = ?", vec![key.as_str().into()])
                    .map_err(err)?;
                Ok(())
            }
        }
    }

    fn upsert(
        &self,
        key: &str,
        value: &str,
        metadata: Option<&str>,
        ttl_secs: Option<u64>,
    ) -> Result<(), StoreError> {
        let expires = ttl_secs.map(|t| {
            self.now_secs
                .saturating_add(i64::try_from(t).unwrap_or(i64::MAX))
        });
        self.sql
            .exec(
                "INSERT INTO kv (key, value, metadata, expires_at) VALUES (?, ?, ?, ?) \
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value, metadata = excluded.metadata, expires_at = excluded.expires_at",
                vec![key.into(), value.into(), metadata.into(), expires.into()],
            )
            .map_err(err)?;
        Ok(())
    }

    /// Applies `plan` and queues it for the KV mirror (`mirror`), all in
    /// one transaction; the last queued sequence number.
    pub fn commit(&self, storage: &Storage, plan: &Plan, mirror: bool) -> Result<i64, StoreError> {
        let this = self.clone();
        let plan = plan.clone();
        let last = std::rc::Rc::new(std::cell::Cell::new(0i64));
        let out = std::rc::Rc::clone(&last);
        transaction_sync(storage, move || {
            for w in plan.writes() {
                this.apply(w)?;
                if mirror && !keys::writer_only(w.key()) {
                    let text = serde_json::to_string(w).map_err(err)?;
                    this.sql
                        .exec("INSERT INTO mirror (write) VALUES (?)", vec![text.into()])
                        .map_err(err)?;
                }
            }
            for n in plan.notices() {
                let text = serde_json::to_string(n).map_err(err)?;
                this.sql
                    .exec(
                        "INSERT INTO outgoing (notice) VALUES (?)",
                        vec![text.into()],
                    )
                    .map_err(err)?;
            }
            let rows: Vec<SeqRow> = this
                .sql
                .exec("SELECT COALESCE(MAX(seq), 0) AS seq FROM mirror", None)
                .and_then(|c| c.to_array())
                .map_err(err)?;
            out.set(rows.first().map_or(0, |r| r.seq as i64));
            Ok(())
        })?;
        Ok(last.get())
    }

    /// The oldest `limit` writes not yet mirrored.
    pub fn queued(&self, limit: usize) -> Result<Vec<(i64, Write)>, StoreError> {
        let rows: Vec<MirrorRow> = self
            .sql
            .exec(
                "SELECT seq, write FROM mirror ORDER BY seq LIMIT ?",
                vec![SqlStorageValue::Integer(i64::try_from(limit).unwrap_or(1))],
            )
            .and_then(|c| c.to_array())
            .map_err(err)?;
        rows.into_iter()
            .map(|r| {
                Ok((
                    r.seq as i64,
                    serde_json::from_slice(r.write.as_bytes()).map_err(err)?,
                ))
            })
            .collect()
    }

    /// Marks every write up to `seq` as mirrored.
    pub fn mirrored_through(&self, seq: i64) -> Result<(), StoreError> {
        self.sql
            .exec("DELETE FROM mirror WHERE seq <= ?", vec![seq.into()])
            .map_err(err)?;
        Ok(())
    }

    /// Whether every write up to `seq` is mirrored.
    pub fn mirrored_upto(&self, seq: i64) -> Result<bool, StoreError> {
        let rows: Vec<SeqRow> = self
            .sql
            .exec(
                "SELECT seq FROM mirror WHERE seq <= ? LIMIT 1",
                vec![seq.into()],
            )
            .and_then(|c| c.to_array())
            .map_err(err)?;
        Ok(rows.is_empty())
    }

    /// The oldest `limit` notifications not yet on the queue.
    pub fn outgoing(&self, limit: usize) -> Result<Vec<(i64, Notice)>, StoreError> {
        let rows: Vec<OutgoingRow> = self
            .sql
            .exec(
                "SELECT seq, notice FROM outgoing ORDER BY seq LIMIT ?",
                vec![SqlStorageValue::Integer(i64::try_from(limit).unwrap_or(1))],
            )
            .and_then(|c| c.to_array())
            .map_err(err)?;
        rows.into_iter()
            .map(|r| {
                Ok((
                    r.seq as i64,
                    serde_json::from_slice(r.notice.as_bytes()).map_err(err)?,
                ))
            })
            .collect()
    }

    /// Marks notification `seq` as queued.
    pub fn queued_notice(&self, seq: i64) -> Result<(), StoreError> {
        self.sql
            .exec("DELETE FROM outgoing WHERE seq = ?", vec![seq.into()])
            .map_err(err)?;
        Ok(())
    }

    /// A meta value.
    pub fn meta(&self, name: &str) -> Result<Option<String>, StoreError> {
        let rows: Vec<ValueRow> = self
            .sql
            .exec("SELECT value FROM meta WHERE name = ?", vec![name.into()])
            .and_then(|c| c.to_array())
            .map_err(err)?;
        Ok(rows.into_iter().next().map(|r| r.value))
    }

    /// Sets a meta value.
    pub fn set_meta(&self, name: &str, value: &str) -> Result<(), StoreError> {
        self.sql
            .exec(
                "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                vec![name.into(), value.into()],
            )
            .map_err(err)?;
        Ok(())
    }
}

#[derive(Deserialize)]
struct OutgoingRow {
    seq: f64,
    notice: String,
}

#[derive(Deserialize)]
struct SeqRow {
    seq: f64,
}

/// The successor of a key prefix: the first string after every key that
/// starts with it (keys are ASCII; the last byte is bumped).
fn successor(prefix: &str) -> Option<String> {
    let mut bytes = prefix.as_bytes().to_vec();
    while let Some(last) = bytes.pop() {
        if last < 0x7f {
            bytes.push(last + 1);
            return String::from_utf8(bytes).ok();
        }
    }
    None
}

impl Store for SqlStore {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        let rows: Vec<ValueRow> = self
            .sql
            .exec(
                "SELECT value FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)",
                vec![key.into(), self.now_secs.into()],
            )
            .and_then(|c| c.to_array())
            .map_err(err)?;
        Ok(rows.into_iter().next().map(|r| r.value))
    }

    async fn put(&self, key: &str, value: &str, metadata: Option<&str>) -> Result<(), StoreError> {
        self.upsert(key, value, metadata, None)
    }

    async fn put_expiring(
        &self,
        key: &str,
        value: &str,
        metadata: Option<&str>,
        ttl_secs: u64,
    ) -> Result<(), StoreError> {
        self.upsert(key, value, metadata, Some(ttl_secs))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.apply(&Write::Delete { key: key.into() })
    }

    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ListPage, StoreError> {
        let limit = limit.clamp(1, LIST_LIMIT);
        let after = cursor.unwrap_or("");
        let end = successor(prefix).unwrap_or_else(|| "\u{7f}".repeat(8));
        let rows: Vec<ListRow> = self
            .sql
            .exec(
                "SELECT key, metadata, expires_at FROM kv WHERE key >= ? AND key < ? AND key > ? \
                 AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT ?",
                vec![
                    prefix.into(),
                    end.into(),
                    after.into(),
                    self.now_secs.into(),
                    SqlStorageValue::Integer(i64::try_from(limit + 1).unwrap_or(1)),
                ],
            )
            .and_then(|c| c.to_array())
            .map_err(err)?;
        let mut keys: Vec<Listed> = rows
            .into_iter()
            .map(|r| Listed {
                key: r.key,
                metadata: r.metadata,
                expiration: r.expires_at.map(|e| e as u64),
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
