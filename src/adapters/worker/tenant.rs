//! The tenant's single writer: a Durable Object per tenant that executes
//! every admin write (CONTRACT section 6, "Writes are strongly
//! consistent").
//!
//! A write arrives as a [`WriteRequest`] (the admin request as the edge read
//! it with what the edge drew for it, its caller's credential or the
//! operator's authority). The object takes the request apart with the
//! edge's parser, the draws replayed, then authenticates and plans it
//! against its own SQLite storage, the tenant's source of truth — IDs,
//! memberships, the last-owner rule are read there, consistently — and
//! commits the plan in one transaction together with its mirror rows. Then
//! it mirrors the committed writes to Workers KV in commit order, so the
//! edge keeps reading KV, and answers once the request's own writes are
//! there (a client reads its own writes through KV). A mirror write that
//! fails is retried by the object's alarm until KV matches; nothing reaches
//! KV before it is committed here. docs/store.md states what readers see.
//!
//! Planning never yields: the storage's `exec` is synchronous, so two
//! requests cannot interleave between a check and the write it guards.

use std::cell::Cell;
use std::time::Duration;

use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

use super::isolate;
use super::kv::Kv;
use super::notify;
use super::sql::SqlStore;
use crate::admin::AdminError;
use crate::http::{self, WriteRequest};
use crate::store::plan::{apply, copy_of, runs, Write};
use crate::store::{keys, AnyStore, StoreError};
use futures_util::future::join_all;

/// Writes read from the queue at a time, and the most sent to KV at once.
const MIRROR_BATCH: usize = 64;
/// Longest wait between two mirror retries.
const MAX_BACKOFF_MS: u64 = 60_000;

/// The Durable Object class (`TENANTS` binding in wrangler.toml).
#[durable_object]
#[derive(Debug)]
pub struct TenantWriter {
    state: State,
    env: Env,
    /// The tables exist.
    tables: Cell<bool>,
    /// A mirror round is running in this instance.
    draining: Cell<bool>,
    /// Consecutive failed mirror rounds (the alarm's backoff).
    failures: Cell<u32>,
    /// The copy from KV of a tenant the object has not seen is running.
    migrating: Cell<bool>,
    /// Test hook (`ORGWARDEN_TEST_MIRROR_FAILURES`): mirror writes still to fail.
    injected: Cell<u32>,
}

impl TenantWriter {
    /// Now, as the deployment's clock reads it (the isolate's test offset
    /// included).
    fn now_ms(&self) -> i64 {
        isolate::get(&self.env).map_or(js_sys::Date::now() as i64, |i| i.now_ms())
    }
}

impl DurableObject for TenantWriter {
    fn new(state: State, env: Env) -> Self {
        let injected = env
            .var("ORGWARDEN_TEST_MIRROR_FAILURES")
            .ok()
            .and_then(|v| v.to_string().parse().ok())
            .unwrap_or(0);
        TenantWriter {
            state,
            env,
            tables: Cell::new(false),
            draining: Cell::new(false),
            failures: Cell::new(0),
            migrating: Cell::new(false),
            injected: Cell::new(injected),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        // Bytes and serde_json, as every other JSON read in the module
        // (`Request::json` would bring serde_wasm_bindgen's deserializer).
        let w: WriteRequest = match req.bytes().await.map(|b| serde_json::from_slice(&b)) {
            Ok(Ok(w)) => w,
            // Only the worker reaches the object; a message it cannot read
            // comes from another version of it (a deployment rolling out):
            // the write was not made and is safe to retry.
            _ => {
                return answer(Err(AdminError::new(
                    503,
                    "store_unavailable",
                    "the tenant's writer could not read the write; nothing was changed and it is safe to retry",
                )))
            }
        };
        let store = self.store()?;
        if let Err(e) = self.take_over(&store, w.tenant.as_str()).await {
            return answer(Err(AdminError::from(e)));
        }
        let iso = match isolate::get(&self.env) {
            Ok(i) => i,
            Err(p) => {
                return answer(Err(AdminError::new(
                    p.status,
                    "server_misconfigured",
                    p.detail,
                )))
            }
        };
        // Plan and commit: no await that yields between them.
        let planned = http::write::<dyn AnyStore>(&store, &iso.auth, iso.now_ms(), w).await;
        let (done, plan) = match planned {
            Ok(p) => p,
            Err(e) => return answer(Err(e)),
        };
        let last = match store.commit(&self.state.storage(), &plan, true) {
            Ok(seq) => seq,
            Err(e) => return answer(Err(AdminError::from(e))),
        };
        self.mirror_upto(&store, last).await;
        if !plan.notices().is_empty() {
            self.dispatch(&store).await;
        }
        answer(Ok(done))
    }

    async fn alarm(&self) -> Result<Response> {
        let store = self.store()?;
        self.mirror_upto(&store, i64::MAX).await;
        self.dispatch(&store).await;
        Response::ok("")
    }
}

/// The object's answer: the operation's [`crate::admin::command::Done`] or
/// its error, as JSON for the worker ([`super::writer`]).
fn answer(r: std::result::Result<crate::admin::command::Done, AdminError>) -> Result<Response> {
    Response::from_json(&r)
}

impl TenantWriter {
    fn store(&self) -> Result<SqlStore> {
        let store = SqlStore::new(self.state.storage().sql(), self.now_ms().div_euclid(1000));
        if !self.tables.get() {
            store
                .create_tables()
                .map_err(|e| worker::Error::RustError(e.0))?;
            self.tables.set(true);
        }
        Ok(store)
    }

    /// On first use, copies the tenant's records from KV (a deployment that
    /// ran without the object keeps its data); other requests wait for it.
    async fn take_over(
        &self,
        store: &SqlStore,
        tenant: &str,
    ) -> std::result::Result<(), StoreError> {
        loop {
            if store.meta("migrated")?.is_some() {
                return Ok(());
            }
            if !self.migrating.get() {
                break;
            }
            worker::Delay::from(Duration::from_millis(5)).await;
        }
        self.migrating.set(true);
        let result = async {
            let prefix = keys::tenant_prefix(
                &crate::core::ids::TenantId::new(tenant).map_err(|e| StoreError(e.to_string()))?,
            );
            let copy = copy_of::<dyn AnyStore>(
                &Kv::new(&self.env),
                &prefix,
                self.now_ms().div_euclid(1000).unsigned_abs(),
            )
            .await?;
            store.commit(&self.state.storage(), &copy, false)?;
            store.set_meta("migrated", &self.now_ms().to_string())?;
            store.set_meta("tenant", tenant)
        }
        .await;
        self.migrating.set(false);
        result
    }

    /// Mirrors committed writes to KV until every write up to `seq` is
    /// there, or a mirror write fails (then the alarm retries with backoff).
    async fn mirror_upto(&self, store: &SqlStore, seq: i64) {
        loop {
            match store.mirrored_upto(seq) {
                Ok(true) | Err(_) => return,
                Ok(false) => {}
            }
            if self.draining.get() {
                // Another request is mirroring, in order: wait for it.
                worker::Delay::from(Duration::from_millis(1)).await;
                continue;
            }
            self.draining.set(true);
            let ok = self.drain(store).await;
            self.draining.set(false);
            if !ok {
                self.retry_later().await;
                return;
            }
        }
    }

    /// One round: the queue in commit order, a run at a time ([`runs`]:
    /// the writes of a run land in any order, so they are sent at once);
    /// each run leaves the queue once all of it is in KV.
    async fn drain(&self, store: &SqlStore) -> bool {
        let kv = Kv::new(&self.env);
        loop {
            let Ok(batch) = store.queued(MIRROR_BATCH) else {
                return false;
            };
            if batch.is_empty() {
                self.failures.set(0);
                return true;
            }
            let mut rest = batch.as_slice();
            for n in runs(batch.iter().map(|(_, w)| w), MIRROR_BATCH) {
                let Some((run, tail)) = rest.split_at_checked(n) else {
                    return false;
                };
                rest = tail;
                let sent = join_all(run.iter().map(|(_, w)| self.mirror(&kv, w))).await;
                let last = run.last().map_or(0, |(seq, _)| *seq);
                if sent.contains(&false) || store.mirrored_through(last).is_err() {
                    log::warn!("mirror to KV failed before write {last}; retrying later");
                    return false;
                }
            }
        }
    }

    /// One write to KV; whether it landed.
    async fn mirror(&self, kv: &Kv<'_>, write: &Write) -> bool {
        if self.injected.get() > 0 {
            self.injected.set(self.injected.get() - 1);
            return false;
        }
        apply::<dyn AnyStore>(kv, write).await.is_ok()
    }

    /// Hands committed notifications to the queue, oldest first; one that
    /// the queue refuses stays for the alarm.
    async fn dispatch(&self, store: &SqlStore) {
        let Ok(iso) = isolate::get(&self.env) else {
            return;
        };
        let Ok(waiting) = store.outgoing(MIRROR_BATCH) else {
            return;
        };
        for (seq, notice) in waiting {
            let sent = notify::dispatch(&self.env, &iso.notify, &notice).await;
            if let Err(why) = sent.and_then(|()| store.queued_notice(seq).map_err(|e| e.0)) {
                log::warn!("notification {seq} not queued ({why}); retrying later");
                self.retry_later().await;
                return;
            }
        }
    }

    async fn retry_later(&self) {
        let n = self.failures.get().saturating_add(1);
        self.failures.set(n);
        let wait = 250u64.saturating_mul(1 << n.min(8)).min(MAX_BACKOFF_MS);
        let storage = self.state.storage();
        if storage.get_alarm().await.ok().flatten().is_none() {
            let _ = storage.set_alarm(Duration::from_millis(wait)).await;
        }
    }
}
