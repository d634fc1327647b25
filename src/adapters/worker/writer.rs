//! Where the worker sends admin writes: the tenant's Durable Object
//! ([`super::tenant`]), reached through its `TENANTS` binding by the
//! tenant's name. The object answers the operation's result as JSON: a
//! [`Done`] or the [`AdminError`] it refused with.

use worker::Env;

use crate::admin::command::Done;
use crate::admin::AdminError;
use crate::http::{Local, WriteRequest, Writer};
use crate::store::AnyStore;

/// The object's answer on the wire.
pub type Answer = Result<Done, AdminError>;

/// The tenant's object as the worker's [`Writer`].
#[derive(Debug)]
pub struct ObjectWriter<'e> {
    env: &'e Env,
}

impl<'e> ObjectWriter<'e> {
    /// Writes through `env`'s `TENANTS` binding.
    pub fn new(env: &'e Env) -> Self {
        ObjectWriter { env }
    }
}

/// The object could not be reached or answered nonsense. Whether the write
/// happened is unknown to the edge; every operation is safe to retry (a
/// repeated create answers 409, a repeated delete 404).
fn unavailable(why: impl core::fmt::Display) -> AdminError {
    log::warn!("tenant writer unreachable: {why}");
    AdminError::new(
        503,
        "store_unavailable",
        "the tenant's writer did not answer; the change may or may not have been made and is safe to retry",
    )
}

impl Writer for ObjectWriter<'_> {
    async fn write(&self, w: WriteRequest) -> Result<Done, AdminError> {
        let ns = self.env.durable_object("TENANTS").map_err(unavailable)?;
        let stub = ns
            .id_from_name(w.tenant.as_str())
            .and_then(|id| id.get_stub())
            .map_err(unavailable)?;
        let body = serde_json::to_string(&w).map_err(unavailable)?;
        let req = super::body::post("https://tenant/write", body, None)
            .map_err(|e| unavailable(format_args!("{e:?}")))?;
        let mut resp = stub.fetch_with_request(req).await.map_err(unavailable)?;
        let answer = resp.bytes().await.map_err(unavailable)?;
        serde_json::from_slice::<Answer>(&answer).map_err(unavailable)?
    }
}

/// The writer `ORGWARDEN_WRITES` chose, as one type: the HTTP layer is
/// generic over its writer, and two writer types would put two copies of
/// the whole layer into the module.
pub enum EdgeWriter<'a> {
    /// The tenant's object (the default).
    Object(ObjectWriter<'a>),
    /// Straight to KV (`kv-only`, the benchmarks' baseline).
    KvOnly(Local<'a, dyn AnyStore + 'a>),
}

impl Writer for EdgeWriter<'_> {
    async fn write(&self, w: WriteRequest) -> Result<Done, AdminError> {
        match self {
            EdgeWriter::Object(o) => o.write(w).await,
            EdgeWriter::KvOnly(l) => l.write(w).await,
        }
    }
}
