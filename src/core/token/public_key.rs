//! A trusted Ed25519 public key `A`: its encoding checked by bytes, its
//! point decompressed only where the equation is computed in Rust.
//!
//! The strict rules on `A` are rules on its encoding: a canonical `y` (below
//! p = 2²⁵⁵ − 19) and not one of the small-order points. Both are byte
//! comparisons, so a host that computes the equation itself (WebCrypto in a
//! page) checks them without linking any curve arithmetic. Whether the bytes
//! decode to a point at all needs a square root: [`PublicKey::decode`] does
//! it when the key is loaded (native builds, the worker, the gateway
//! plugins: a key that is no point fails the load, and the equation never
//! decompresses it again), [`PublicKey::from_encoding`] leaves it to the
//! equation, which refuses every signature under such a key.

use base64ct::{Base64UrlUnpadded, Encoding};
use ed25519_dalek::{VerifyingKey, PUBLIC_KEY_LENGTH};

use super::alg::SMALL_ORDER_ENCODINGS;
use super::error::KeyError;

/// An Ed25519 public key whose encoding passed the strict checks.
#[derive(Clone, Copy)]
pub struct PublicKey {
    bytes: [u8; PUBLIC_KEY_LENGTH],
    /// Decompressed at load by [`PublicKey::decode`]; `None` from
    /// [`PublicKey::from_encoding`].
    point: Option<VerifyingKey>,
}

impl PublicKey {
    /// The key, its encoding checked: `y` canonical, not of small order.
    pub fn from_encoding(bytes: [u8; PUBLIC_KEY_LENGTH]) -> Result<PublicKey, KeyError> {
        if !is_canonical_encoding(&bytes) {
            return Err(KeyError::Malformed(
                "`x` is not a canonical Ed25519 point encoding".into(),
            ));
        }
        if is_small_order_y(&bytes) {
            return Err(KeyError::WeakKey);
        }
        Ok(PublicKey { bytes, point: None })
    }

    /// [`from_encoding`](PublicKey::from_encoding), and the point decompressed
    /// now: a key that is no point on the curve fails here.
    pub fn decode(bytes: [u8; PUBLIC_KEY_LENGTH]) -> Result<PublicKey, KeyError> {
        let mut key = PublicKey::from_encoding(bytes)?;
        let point = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| KeyError::Malformed("`x` is not a point on Ed25519".into()))?;
        // The encoding checks above are the whole of `is_weak`'s accept set;
        // checked again on the point so the two can never disagree.
        if point.is_weak() {
            return Err(KeyError::WeakKey);
        }
        key.point = Some(point);
        Ok(key)
    }

    /// The public half of one of the deployment's own private keys: a
    /// clamped scalar times the base point is canonical and of prime order.
    pub(super) fn derived(point: VerifyingKey) -> PublicKey {
        PublicKey {
            bytes: point.to_bytes(),
            point: Some(point),
        }
    }

    /// The 32 bytes of `A`.
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LENGTH] {
        &self.bytes
    }

    /// The decompressed point, for the equation computed here: the one from
    /// the load, else decompressed now (`None` when it is no point).
    pub fn point(&self) -> Option<VerifyingKey> {
        self.point
            .or_else(|| VerifyingKey::from_bytes(&self.bytes).ok())
    }
}

/// Equal when their bytes are: the point is a function of them.
impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for PublicKey {}

impl core::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("PublicKey")
            .field(&Base64UrlUnpadded::encode_string(&self.bytes))
            .finish()
    }
}

/// Whether `y` (the encoding without its sign bit) is below p. (A zero `x`
/// with its sign bit set, y = ±1, is canonical here and refused as small
/// order by [`is_small_order_y`].)
fn is_canonical_encoding(bytes: &[u8; 32]) -> bool {
    let Some((&last, rest)) = bytes.split_last() else {
        return false;
    };
    let Some((&first, middle)) = rest.split_first() else {
        return false;
    };
    // y ≥ p = 2²⁵⁵ − 19 only when its bits 8..254 are all ones and its low
    // byte is at least 0xed.
    let y_too_large = last & 0x7f == 0x7f && middle.iter().all(|&b| b == 0xff) && first >= 0xed;
    !y_too_large
}

/// Whether `y` is that of a point of order dividing 8, with either sign bit:
/// the canonical small-order encodings and the two sign-flipped encodings of
/// x = 0 (y = ±1). Non-canonical `y` are refused before this is asked.
fn is_small_order_y(bytes: &[u8; 32]) -> bool {
    let mut y = *bytes;
    if let Some(last) = y.last_mut() {
        *last &= 0x7f;
    }
    SMALL_ORDER_ENCODINGS.iter().any(|e| {
        let mut ey = *e;
        if let Some(last) = ey.last_mut() {
            *last &= 0x7f;
        }
        ey == y
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::edwards::CompressedEdwardsY;

    fn with_sign(mut bytes: [u8; 32]) -> [u8; 32] {
        bytes[31] |= 0x80;
        bytes
    }

    /// `y = p + k` (non-canonical), sign bit as given.
    fn p_plus(k: u8, sign: bool) -> [u8; 32] {
        let mut bytes = [0xff; 32];
        bytes[0] = 0xed + k;
        bytes[31] = if sign { 0xff } else { 0x7f };
        bytes
    }

    #[test]
    fn every_small_order_encoding_is_weak_both_ways() {
        for e in SMALL_ORDER_ENCODINGS {
            for bytes in [e, with_sign(e)] {
                assert_eq!(PublicKey::from_encoding(bytes), Err(KeyError::WeakKey));
                assert!(PublicKey::decode(bytes).is_err());
                // Where dalek decodes it, dalek agrees it is weak.
                if let Ok(k) = VerifyingKey::from_bytes(&bytes) {
                    assert!(k.is_weak(), "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn non_canonical_encodings_are_refused() {
        for k in 0..19 {
            for sign in [false, true] {
                let bytes = p_plus(k, sign);
                assert_eq!(
                    PublicKey::from_encoding(bytes).unwrap_err().code(),
                    "jwk_malformed",
                    "p + {k}"
                );
            }
        }
        // p − 1 (the largest canonical y) is a small-order point, refused as weak.
        let mut minus_one = [0xff; 32];
        minus_one[0] = 0xec;
        minus_one[31] = 0x7f;
        assert_eq!(PublicKey::from_encoding(minus_one), Err(KeyError::WeakKey));
    }

    #[test]
    fn a_real_key_loads_both_ways_and_no_point_fails_only_the_decode() {
        let real = ed25519_dalek::SigningKey::from_bytes(&[9; 32])
            .verifying_key()
            .to_bytes();
        let lazy = PublicKey::from_encoding(real).unwrap();
        let eager = PublicKey::decode(real).unwrap();
        assert_eq!(lazy, eager);
        assert_eq!(lazy.point(), eager.point());
        assert!(eager.point.is_some() && lazy.point.is_none());

        // y = 2 is on no point of the curve.
        let mut none = [0u8; 32];
        none[0] = 2;
        assert!(CompressedEdwardsY(none).decompress().is_none());
        let loaded = PublicKey::from_encoding(none).unwrap();
        assert_eq!(loaded.point(), None);
        assert_eq!(PublicKey::decode(none).unwrap_err().code(), "jwk_malformed");
    }
}
