//! orgwarden: edge authorization for multi-organization APIs.
//!
//! One platform-free core, compiled natively and to WebAssembly:
//!
//! - [`ids`]: validating identifier newtypes;
//! - [`rights`]: The Things Stack's rights catalog as a 64-bit set with its algebra;
//! - [`roles`]: built-in and custom organization roles;
//! - [`decide`]: rights along membership chains, the granting and last-owner rules;
//! - [`token`]: Ed25519 access tokens: keys, signing, strict verification, cache;
//! - [`problem`]: RFC 9457 problem documents with stable codes;
//! - [`surface`]: the JSON-shaped decision surface every target exports;
//! - [`store`]: the organization store's trait, key layout and in-memory store;
//! - [`admin`]: admin operations on the store, authorized by rights;
//! - [`api`]: the admin API over HTTP (routing, authentication, parsing), platform-free;
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
//!
//! The WebAssembly component (`component`, interface in `wit/`) and the
//! proxy-wasm filter (`proxy-wasm`) will be adapters beside these, calling the
//! same core functions.
//!
//! # Security
//!
//! Tokens are accepted only under the rules of [`token::verify`]; private key
//! material is redacted in `Debug` and wiped on drop; no error message echoes
//! a token or a key.

pub mod adapters;
pub mod admin;
pub mod auth;
pub mod core;
pub mod http;
pub mod model;
pub mod proxy;
pub mod store;
