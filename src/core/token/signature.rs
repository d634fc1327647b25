//! The Ed25519 equation as a step a host may take over.
//!
//! Every strict rule is checked in Rust before the equation
//! ([`super::verify::Verifier`]): the algorithm and `kid`, the sizes, a
//! canonical `s` ([`is_canonical_scalar`]), an `R` that is not one of the
//! eight small-order encodings, and a public key `A` that decoded and is not
//! of small order (when the key was loaded). What is left — `[s]B = R + [k]A`
//! compared as encodings — is the same computation in every RFC 8032
//! implementation, so a host with native Ed25519 (workerd's
//! `crypto.subtle.verify`, BoringSSL) can do it and hand the verdict back:
//! the accept set stays the strict one (tests/worker/ed25519.test.mjs runs
//! the differential cases of tests/cases/ed25519.json through both).

use ed25519_dalek::{Signature, VerifyingKey, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH};

/// Who computes the equation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Equation<'v> {
    /// ed25519-dalek, here.
    Here,
    /// The host, asked through a [`SignatureCheck`]; its answer so far, if any.
    Host(Option<&'v Verdict>),
}

/// The equation's inputs: a token whose every other check passed. Equal
/// checks are the same question (the verdict of one answers the other).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignatureCheck {
    /// `A`, as the trusted key's 32 bytes.
    pub public_key: [u8; PUBLIC_KEY_LENGTH],
    /// The signing input (`header.claims`, base64url).
    pub message: Box<str>,
    /// `R || s`.
    pub signature: [u8; SIGNATURE_LENGTH],
}

/// Not the message or the signature: together they are the bearer token.
impl core::fmt::Debug for SignatureCheck {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SignatureCheck")
            .field("message_len", &self.message.len())
            .finish_non_exhaustive()
    }
}

impl SignatureCheck {
    /// The equation computed here, with ed25519-dalek: what a host answers
    /// when its own implementation is unavailable, and the reference the
    /// differential tests hold the host to.
    pub fn verify_here(&self) -> bool {
        VerifyingKey::from_bytes(&self.public_key).is_ok_and(|key| {
            super::alg::verify_strict_fast(
                &key,
                self.message.as_bytes(),
                &Signature::from_bytes(&self.signature),
            )
        })
    }
}

/// A platform's Ed25519 (the worker's WebCrypto), for the code that awaits
/// its checks in one place ([`crate::auth::authenticate`]); the proxy's
/// gate hands its checks out instead ([`crate::model::facts::Need::Signature`]).
pub trait SignatureHost: core::fmt::Debug {
    /// The verdict on `check`; `None` when the platform could not compute it.
    fn verify<'a>(
        &'a self,
        check: &'a SignatureCheck,
    ) -> core::pin::Pin<Box<dyn core::future::Future<Output = Option<bool>> + 'a>>;
}

/// A host's answer to a [`SignatureCheck`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The question.
    pub check: SignatureCheck,
    /// Whether the signature verified.
    pub valid: bool,
}

/// ℓ, the order of the prime-order subgroup, little-endian.
const ORDER: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
];

/// Whether `s` (little-endian) is below ℓ: RFC 8032 section 5.1.7 step 1.
/// Not constant-time: `s` is public.
pub fn is_canonical_scalar(s: &[u8; 32]) -> bool {
    for (a, b) in s.iter().rev().zip(ORDER.iter().rev()) {
        if a != b {
            return a < b;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::scalar::Scalar;
    use proptest::prelude::*;

    #[test]
    fn order_is_the_basepoint_order() {
        // ℓ − 1 is −1 mod ℓ.
        let mut minus_one = ORDER;
        minus_one[0] -= 1;
        assert_eq!((Scalar::ZERO - Scalar::ONE).to_bytes(), minus_one);
        assert!(!is_canonical_scalar(&ORDER));
        let mut below = ORDER;
        below[0] -= 1;
        assert!(is_canonical_scalar(&below));
        assert!(is_canonical_scalar(&[0; 32]));
        assert!(!is_canonical_scalar(&[0xff; 32]));
    }

    proptest! {
        #[test]
        fn agrees_with_curve25519_dalek(s in proptest::array::uniform32(any::<u8>()), top in 0u8..0x20) {
            let mut s = s;
            // Most random values are far above ℓ; bring half near it.
            s[31] = top;
            let dalek = bool::from(Scalar::from_canonical_bytes(s).is_some());
            prop_assert_eq!(is_canonical_scalar(&s), dalek);
        }
    }

    #[test]
    fn debug_shows_no_token_material() {
        let c = SignatureCheck {
            public_key: [7; 32],
            message: "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0".into(),
            signature: [9; 64],
        };
        let d = format!("{c:?}");
        assert!(!d.contains("eyJ") && !d.contains("9, 9") && !d.contains("7, 7"));
    }
}
