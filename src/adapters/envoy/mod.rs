//! The Envoy filter (feature `proxy-wasm`, target `wasm32-wasip1`): the
//! proxy's gate as a proxy-wasm HTTP filter for Envoy and the gateways built
//! on it (Istio, Envoy Gateway).
//!
//! - [`config`]: the plugin configuration (the worker's proxy configuration
//!   plus where the directory is);
//! - [`root`]: the plugin: its configuration, the VM's gate and keys;
//! - [`filter`]: one request: the gate's steps driven from Envoy's
//!   callbacks, facts from the directory cluster, the verdict applied;
//! - [`request`]: the request as read from Envoy and written back;
//! - [`keys`]: the deployment's keys and the call-outs to its cluster;
//! - [`shared`]: facts cached across Envoy's worker threads in shared data.
//!
//! proxy-wasm has no executor: the request pauses on the facts the gate
//! lacks ([`crate::proxy::Step::Need`]) and resumes from the HTTP call-out's
//! callback ([`crate::proxy::Gate::supply`], then `advance` again). The
//! decision is the worker's, step for step; only the I/O is Envoy's.
#![allow(
    unsafe_code,
    reason = "proxy_wasm::main! exports `_initialize` (a no_mangle function) and calls the WASI constructors; no other unsafe code here"
)]

pub mod config;
#[cfg(target_arch = "wasm32")]
pub mod filter;
#[cfg(target_arch = "wasm32")]
pub mod keys;
#[cfg(target_arch = "wasm32")]
pub mod request;
#[cfg(target_arch = "wasm32")]
pub mod root;
#[cfg(target_arch = "wasm32")]
pub mod shared;
