//! The gateway component (target `wasm32-wasip2`): the proxy's gate for
//! WebAssembly component hosts, in two builds of this crate.
//!
//! - [`library`] (feature `component`): world `orgwarden:authz/library` of
//!   `wit/orgwarden.wit`. A gateway embeds it, backs the `directory` import
//!   with its own store or with orgwarden's directory endpoint, and acts on
//!   each [`Verdict`].
//! - [`middleware`] (feature `component-http`): world `wasi:http/proxy`. A
//!   WASI HTTP host runs it in front of an API; it takes facts from the
//!   directory endpoint over HTTP and forwards what passes.
//!
//! Both decide with [`decide`]: the same [`Gate`] as the worker, driven to
//! the end with every fact fetched synchronously. Time is the host's wall
//! clock (`wasi:clocks`, through `std`).

use crate::model::facts::FactSource;
use crate::proxy::verdict::header_value;
use crate::proxy::{Gate, ProxyRequest, Verdict};
use crate::store::memory::block_on;

#[cfg(feature = "component")]
pub mod library;

#[cfg(feature = "component-http")]
pub mod middleware;
#[cfg(feature = "component-http")]
mod outgoing;
#[cfg(feature = "component-http")]
mod settings;

/// Now, Unix milliseconds, from the host's wall clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The gate's verdict on one request. `facts` answers synchronously (an
/// import call, a blocking HTTP request), so the decision's future is
/// complete at every await and runs to its end here.
pub fn decide<F: FactSource>(
    gate: &Gate,
    facts: &F,
    method: &str,
    path: &str,
    headers: &[(String, String)],
) -> Verdict {
    let pairs = headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    let authorization = header_value(pairs.clone(), "authorization");
    let api_key = header_value(pairs.clone(), "x-api-key");
    let request = ProxyRequest {
        method,
        path,
        authorization: authorization.as_deref(),
        api_key: api_key.as_deref(),
    };
    let decision = block_on(gate.authorize(facts, &request, now_ms()));
    Verdict::of(&decision, pairs, gate.config().forward_credential)
}
