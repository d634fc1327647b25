//! `EdDSA` for jwt-compact with strict Ed25519 verification.
//!
//! jwt-compact's own `Ed25519` calls ed25519-dalek's `verify`, which accepts
//! signatures that RFC 8032's strict rules and the Zcash/"ed25519 speccheck"
//! consensus reject (small-order `R` or public key, the cofactored equation).
//! This implementation of jwt-compact's `Algorithm` trait calls
//! `verify_strict`, so every verification goes through it; non-canonical `s`
//! (`s ≥ L`) is refused by ed25519-dalek in both calls.

use std::borrow::Cow;

use ed25519_dalek::{Signature, Signer};
use jwt_compact::Algorithm;

/// The `EdDSA` JWS algorithm (RFC 8037) over Ed25519, verifying strictly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StrictEd25519;

impl Algorithm for StrictEd25519 {
    type SigningKey = ed25519_dalek::SigningKey;
    type VerifyingKey = ed25519_dalek::VerifyingKey;
    type Signature = Signature;

    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("EdDSA")
    }

    fn sign(&self, signing_key: &Self::SigningKey, message: &[u8]) -> Signature {
        signing_key.sign(message)
    }

    fn verify_signature(
        &self,
        signature: &Signature,
        verifying_key: &Self::VerifyingKey,
        message: &[u8],
    ) -> bool {
        verifying_key.verify_strict(message, signature).is_ok()
    }
}
