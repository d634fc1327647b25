//! Platform adapters: each translates between a platform and the core, and
//! holds no rule of its own.

#[cfg(feature = "cli")]
pub mod cli;

#[cfg(all(feature = "worker", target_arch = "wasm32"))]
pub mod worker;

#[cfg(all(feature = "browser", target_arch = "wasm32"))]
pub mod browser;

#[cfg(all(any(feature = "worker", feature = "browser"), target_arch = "wasm32"))]
pub mod webcrypto;

#[cfg(all(
    any(feature = "component", feature = "component-http"),
    target_arch = "wasm32"
))]
pub mod component;

#[cfg(feature = "proxy-wasm")]
pub mod envoy;
