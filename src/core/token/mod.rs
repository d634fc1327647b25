//! Ed25519 access tokens (CONTRACT section 4): keys, signing, strict
//! verification, a verified-token cache and inspection.
//!
//! The phases are types: text → [`header::JoseHeader`] (checked before any key
//! is looked up) → a [`keys::KeySet`] key by `kid` → strict signature
//! ([`alg::StrictEd25519`]) → [`claims::AccessClaims`] → time, issuer and
//! audience → [`verify::VerifiedToken`].
//!
//! Tokens are built here and signed by a [`sign::TokenSigner`] (ed25519-dalek,
//! or the platform's WebCrypto in the worker); jwt-compact's `Algorithm` trait
//! carries the strict signature check; parsing on the verify path is
//! orgwarden's own (see [`verify::Verifier::verify`] for why).

pub mod alg;
pub mod budget;
pub mod cache;
pub mod claims;
pub mod error;
pub mod header;
pub mod host_keys;
pub mod keys;
pub mod public_key;
pub mod segment;
pub mod sign;
pub mod signature;
pub mod verify;

pub use budget::{fit_within, sign_within, TOKEN_BUDGET_BYTES};
pub use cache::TokenCache;
pub use claims::{AccessClaims, Audience, Claims, ExternalClaims, OrgClaim};
pub use error::{KeyError, TokenError};
pub use host_keys::HostSigningKeys;
pub use keys::{Jwk, Jwks, KeySet, SigningKeys};
pub use public_key::PublicKey;
pub use sign::{sign, sign_with, TokenSigner};
pub use signature::{Equation, SignatureCheck, SignatureHost, Verdict};
pub use verify::{decode_unverified, Checked, VerifiedToken, Verifier, VerifyOptions};
