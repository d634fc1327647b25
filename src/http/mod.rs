//! orgwarden's own HTTP surface, platform-free: path classification, one
//! table from route and method to operation, strict extractors, OAuth and
//! discovery, operator-key checks, and one error-to-response path. Adapters
//! translate their platform's requests into [`Request`] and [`Response`]
//! back, and supply the store, the writer, the keys and the clock.
//!
//! - [`table`]: every endpoint, its methods and operations;
//! - [`extract`]: queries, forms and JSON-object bodies, strictly;
//! - [`admin`]: admin operations taken apart into commands and queries;
//! - [`oauth`]: the token endpoint and discovery;
//! - [`serve`]: the whole surface, and where writes go;
//! - [`wire`]: a write as it travels to the tenant's writer, and the
//!   edge's draws recorded and replayed;
//! - [`message`]: plain requests and responses;
//! - [`console`]: which file of the console a path is, and its headers.

pub mod admin;
pub mod console;
pub mod directory;
pub mod extract;
#[cfg(feature = "openapi")]
mod links;
pub mod message;
pub mod oauth;
#[cfg(feature = "openapi")]
pub mod openapi;
#[cfg(feature = "openapi")]
pub mod schema;
pub mod serve;
pub mod table;
pub mod wire;

pub use message::{Method, Request, Response, BODY_MAX};
pub use serve::{handle, write, Authority, Call, Deployment, Local, WriteRequest, Writer};
