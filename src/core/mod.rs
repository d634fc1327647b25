//! The platform-free core: what a decision is made of, and nothing else.
//!
//! - [`ids`]: validating identifier newtypes;
//! - [`rights`]: The Things Stack's rights catalog as a 64-bit set with its algebra;
//! - [`roles`]: built-in and custom organization roles;
//! - [`decide`]: rights along membership chains, the granting and last-owner rules;
//! - [`order`]: stable sorting through one compiled sort (module size);
//! - [`token`]: Ed25519 access tokens: keys, signing, strict verification, cache, size budget;
//! - [`password`]: PBKDF2 password hashes;
//! - [`problem`]: RFC 9457 problem documents with stable codes;
//! - [`surface`]: the JSON-shaped decision surface every target exports.
//!
//! The core reads no clock, no randomness, no storage and no network: time
//! is passed in as Unix seconds, random bytes as arguments.

pub mod decide;
pub mod ids;
pub mod order;
pub mod password;
pub mod problem;
pub mod rights;
pub mod roles;
pub mod surface;
pub mod token;
