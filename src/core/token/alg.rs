//! `EdDSA` for jwt-compact with strict Ed25519 verification.
//!
//! jwt-compact's own `Ed25519` calls ed25519-dalek's `verify`, which accepts
//! a small-order `R` or public key `A`. The strict rules refuse both (and a
//! non-canonical `s`, which ed25519-dalek already refuses in either call).
//!
//! ed25519-dalek's `verify_strict` enforces them by decompressing `R` on every
//! call to test its order, about 9 µs of the ~46 µs a verification costs. The
//! same accept set is reached without it:
//! - `A` small order: refused when the key is loaded
//!   ([`super::keys::KeySet`]), and checked here again (three doublings);
//! - `R` small order: there are eight small-order points, and the cofactorless
//!   equation compares `R` as bytes with the canonical encoding of `[s]B − [k]A`,
//!   so only their eight canonical encodings can ever match; they are refused
//!   by table;
//! - `s` canonical (`s < L`) and the equation itself: `verify`.
//!
//! Tests hold the table to curve25519-dalek's `EIGHT_TORSION` and the whole
//! check to `verify_strict` on valid, mutated and crafted signatures.

use std::borrow::Cow;

use ed25519_dalek::{Signature, Signer, Verifier};
use jwt_compact::Algorithm;

/// The canonical encodings of the eight points of order dividing 8.
pub const SMALL_ORDER_ENCODINGS: [[u8; 32]; 8] = {
    let mut identity = [0u8; 32];
    identity[0] = 0x01;
    let mut minus_one = [0xffu8; 32];
    minus_one[0] = 0xec;
    minus_one[31] = 0x7f;
    let zero_y = [0u8; 32];
    let mut zero_y_neg = [0u8; 32];
    zero_y_neg[31] = 0x80;
    let order8_a: [u8; 32] = [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ];
    let order8_b: [u8; 32] = [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ];
    let mut order8_a_neg = order8_a;
    order8_a_neg[31] |= 0x80;
    let mut order8_b_neg = order8_b;
    order8_b_neg[31] |= 0x80;
    [
        identity,
        minus_one,
        zero_y,
        zero_y_neg,
        order8_a,
        order8_a_neg,
        order8_b,
        order8_b_neg,
    ]
};

/// Whether `r` is the encoding of a small-order point.
pub fn is_small_order_encoding(r: &[u8; 32]) -> bool {
    SMALL_ORDER_ENCODINGS.iter().any(|e| e == r)
}

/// Strict Ed25519 verification: the accept set of ed25519-dalek's
/// `verify_strict`, without decompressing `R`.
pub fn verify_strict_fast(
    key: &ed25519_dalek::VerifyingKey,
    message: &[u8],
    signature: &Signature,
) -> bool {
    !is_small_order_encoding(signature.r_bytes())
        && !key.is_weak()
        && key.verify(message, signature).is_ok()
}

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
        verify_strict_fast(verifying_key, message, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
    use curve25519_dalek::scalar::Scalar;
    use ed25519_dalek::{SigningKey, VerifyingKey};
    use sha2::{Digest, Sha512};

    #[test]
    fn the_table_is_the_eight_torsion_subgroup() {
        let mut want: Vec<[u8; 32]> = EIGHT_TORSION
            .iter()
            .map(|p| p.compress().to_bytes())
            .collect();
        let mut have = SMALL_ORDER_ENCODINGS.to_vec();
        want.sort_unstable();
        have.sort_unstable();
        assert_eq!(have, want);
    }

    /// A key holder can sign with R = identity (s = k·a): lax `verify`
    /// accepts it, `verify_strict` and orgwarden refuse it.
    #[test]
    fn identity_r_from_a_real_key_is_refused() {
        let sk = SigningKey::from_bytes(&[5; 32]);
        let a = sk.to_scalar();
        let pk = sk.verifying_key();
        let msg = b"header.payload";
        let r = SMALL_ORDER_ENCODINGS[0];
        let k = Scalar::from_hash(
            Sha512::new()
                .chain_update(r)
                .chain_update(pk.as_bytes())
                .chain_update(msg),
        );
        let s = k * a;
        let mut bytes = [0u8; 64];
        bytes[..32].copy_from_slice(&r);
        bytes[32..].copy_from_slice(s.as_bytes());
        let sig = Signature::from_bytes(&bytes);
        assert!(pk.verify(msg, &sig).is_ok(), "the lax check accepts it");
        assert!(pk.verify_strict(msg, &sig).is_err());
        assert!(!verify_strict_fast(&pk, msg, &sig));
    }

    /// A small-order public key with R = identity and s = 0 verifies any
    /// message under the lax check.
    #[test]
    fn small_order_key_is_refused() {
        let weak = VerifyingKey::from_bytes(&SMALL_ORDER_ENCODINGS[0]).unwrap();
        let mut bytes = [0u8; 64];
        bytes[..32].copy_from_slice(&SMALL_ORDER_ENCODINGS[0]);
        let sig = Signature::from_bytes(&bytes);
        assert!(
            weak.verify(b"anything", &sig).is_ok(),
            "the lax check accepts it"
        );
        assert!(!verify_strict_fast(&weak, b"anything", &sig));
        // A mixed-order R on a good key: neither accepts.
        let sk = SigningKey::from_bytes(&[6; 32]);
        let good = sk.sign(b"m");
        let mut mixed = good.to_bytes();
        let r = curve25519_dalek::edwards::CompressedEdwardsY(good.r_bytes().to_owned())
            .decompress()
            .unwrap();
        mixed[..32].copy_from_slice(&(r + EIGHT_TORSION[1]).compress().to_bytes());
        let mixed = Signature::from_bytes(&mixed);
        assert_eq!(
            verify_strict_fast(&sk.verifying_key(), b"m", &mixed),
            sk.verifying_key().verify_strict(b"m", &mixed).is_ok()
        );
        assert!(ED25519_BASEPOINT_POINT.is_torsion_free());
    }

    /// Same verdict as `verify_strict` on valid and mutated signatures.
    #[test]
    fn agrees_with_verify_strict() {
        for seed in 0u8..24 {
            let sk = SigningKey::from_bytes(&[seed; 32]);
            let pk = sk.verifying_key();
            let msg = [seed; 40];
            let sig = sk.sign(&msg);
            assert!(verify_strict_fast(&pk, &msg, &sig));
            let bytes = sig.to_bytes();
            for bit in (0..512).step_by(7) {
                let mut m = bytes;
                m[bit / 8] ^= 1 << (bit % 8);
                let m = Signature::from_bytes(&m);
                assert_eq!(
                    verify_strict_fast(&pk, &msg, &m),
                    pk.verify_strict(&msg, &m).is_ok(),
                    "seed {seed} bit {bit}"
                );
            }
            let mut other = msg;
            other[0] ^= 1;
            assert!(!verify_strict_fast(&pk, &other, &sig));
        }
    }
}
