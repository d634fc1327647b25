//! A token's base64url segments, decoded.
//!
//! The header, the claims and the signature of a token are public, so their
//! decoding need not be constant-time. base64ct's branch-free decoder (kept
//! for secrets: signing keys, API keys) was the largest Rust cost of a new
//! token in the worker's profile (docs/performance.md); the `base64` crate's
//! table decoder does the same job with the same strictness: the URL-safe
//! alphabet, no padding, no non-zero trailing bits, so a segment has exactly
//! one encoding and a changed character is never the same bytes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The bytes of a segment, or `None` if it is not unpadded base64url.
pub fn decode(segment: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(segment).ok()
}

/// The bytes of a segment, written to the start of `out`; `None` if it is
/// not unpadded base64url or does not fit.
pub fn decode_into<'o>(segment: &str, out: &'o mut [u8]) -> Option<&'o [u8]> {
    let n = URL_SAFE_NO_PAD.decode_slice(segment, out).ok()?;
    out.get(..n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::{Base64UrlUnpadded, Encoding};

    /// The verdicts and bytes base64ct (the decoder before) gives.
    fn reference(segment: &str) -> Option<Vec<u8>> {
        Base64UrlUnpadded::decode_vec(segment).ok()
    }

    /// Every string of up to four characters over an alphabet holding the
    /// edges of each trailing-bits class, both alphabets' extra characters,
    /// padding and whitespace; then longer strings built from them.
    #[test]
    fn agrees_with_base64ct_on_every_short_string() {
        let chars: Vec<char> = "AQgw-_+/= \nBEfz09".chars().collect();
        let mut strings = vec![String::new()];
        for len in 1..=4 {
            let mut next = Vec::new();
            for s in strings.iter().filter(|s| s.chars().count() == len - 1) {
                for c in &chars {
                    next.push(format!("{s}{c}"));
                }
            }
            strings.extend(next);
        }
        let mut checked = 0;
        for s in &strings {
            assert_eq!(decode(s), reference(s), "{s:?}");
            for prefix in ["AAAA", "eyJhbGciOiJFZERTQSJ9", "_-_-_-_-"] {
                let long = format!("{prefix}{s}");
                assert_eq!(decode(&long), reference(&long), "{long:?}");
                checked += 1;
            }
        }
        assert!(checked > 80_000, "{checked}");
    }

    #[test]
    fn refuses_what_a_token_segment_cannot_hold() {
        // Padding, the standard alphabet, non-zero trailing bits, a length
        // that is 1 modulo 4, whitespace.
        for bad in ["QQ==", "a+b/", "QR", "QUJDR", "QUJD\n"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
        assert_eq!(decode("QQ").as_deref(), Some(&b"A"[..]));
        assert_eq!(decode("QUI").as_deref(), Some(&b"AB"[..]));
    }

    #[test]
    fn decodes_into_a_buffer_only_what_fits() {
        let mut out = [0u8; 2];
        assert_eq!(decode_into("QUI", &mut out), Some(&b"AB"[..]));
        assert_eq!(decode_into("QUJD", &mut out), None);
        assert_eq!(decode_into("QQ", &mut out), Some(&b"A"[..]));
        assert_eq!(decode_into("Q", &mut out), None);
    }
}
