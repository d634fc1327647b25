//! The authorizing proxy (CONTRACT section 5, last part), platform-free:
//! every adapter (the worker, the gateway plugins) hands it the method, path
//! and credential headers of a request and gets back forward-with-identity or
//! a refusal, then forwards with [`headers::forwarded`].
//!
//! - [`config`]: the configuration document, checked as a whole at load;
//! - [`gate`]: the decision (sans-I/O steps), its fact cache;
//! - [`headers`]: what the origin receives;
//! - [`metrics`]: counters per isolate;
//! - [`path`]: the one canonical reading of a path, for the rules and the origin;
//! - [`remote`]: facts from orgwarden's directory, for deciders outside the worker;
//! - [`routes`]: the route rules: checked at load, most specific match;
//! - [`ttl`]: the bounded, expiring cache the gate's caches are made of;
//! - [`verdict`]: a decision as a gateway acts on it (header changes or an answer).

pub mod config;
pub mod gate;
pub mod headers;
pub mod metrics;
pub mod path;
pub mod remote;
pub mod routes;
pub mod ttl;
pub mod verdict;

pub use config::ProxyConfig;
pub use gate::{Decision, Forward, Gate, Outcome, Pending, ProxyRequest, Started, Step, Trace};
pub use headers::Identity;
pub use verdict::{Allow, Deny, Verdict};
