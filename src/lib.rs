//! orgwarden: edge authorization for multi-organization APIs.
//!
//! One platform-free core, compiled natively and to WebAssembly, in layers
//! (docs/architecture.md):
//!
//! - [`core`]: identifiers, the rights catalog and algebra, roles, decisions,
//!   Ed25519 tokens, problem documents, the JSON decision surface;
//! - [`model`]: the records the store holds and the facts decisions read;
//! - [`store`]: the store trait, key layout, write plans, fact reads, memory;
//! - [`auth`]: credentials, the one authenticator, callers, refusals;
//! - [`admin`]: admin operations as commands planned into writes, and the flows;
//! - [`notify`]: notifications: outbox records, queue messages, templates, webhooks;
//! - [`http`]: orgwarden's own HTTP surface, platform-free;
//! - [`proxy`]: the authorizing proxy's gate.
//!
//! The core reads no clock, no randomness, no storage and no network: the
//! time is passed in as Unix seconds, random bytes as arguments. Platform code
//! lives in [`adapters`], each behind a cargo feature:
//!
//! | feature | adapter | target |
//! |---|---|---|
//! | `cli` | `orgwarden` command line tool | native |
//! | `worker` | Cloudflare Worker | `wasm32-unknown-unknown` |
//! | `browser` | `wasm-bindgen` module for web pages | `wasm32-unknown-unknown` |
//! | `component` | gateway component, world `orgwarden:authz/library` (`wit/`) | `wasm32-wasip2` |
//! | `component-http` | gateway component as `wasi:http/proxy` middleware | `wasm32-wasip2` |
//! | `proxy-wasm` | Envoy filter (proxy-wasm ABI) | `wasm32-wasip1` |
//!
//! # Security
//!
//! Tokens are accepted only under the rules of [`core::token::verify`]; private key
//! material is redacted in `Debug` and wiped on drop; no error message echoes
//! a token or a key.

pub mod adapters;
pub mod admin;
pub mod auth;
pub mod core;
pub mod http;
pub mod model;
pub mod notify;
pub mod proxy;
pub mod store;
