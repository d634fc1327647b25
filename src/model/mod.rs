//! The read model: the records the store holds and what decisions read from
//! them.
//!
//! - [`records`]: users, organizations, memberships, states (CONTRACT section 2);
pub mod api_key;
pub mod entity;
pub mod epochs;
pub mod facts;
pub mod invitation;
pub mod present;
pub mod records;
pub mod text;
