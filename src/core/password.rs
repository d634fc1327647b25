//! Password hashing: PBKDF2-HMAC-SHA256 in the PHC string format
//! (`$pbkdf2-sha256$i=<iterations>$<salt>$<hash>`, base64 without padding).
//!
//! PBKDF2 rather than a memory-hard function because Workers give a request
//! little CPU and 128 MB of memory shared by the isolate; the iteration count
//! is stored in each hash, so raising it applies to new and re-hashed
//! passwords without invalidating old ones. docs/tokens.md records the
//! measured cost and the chosen count. The salt is drawn by the caller (the
//! core has no randomness).

use core::future::Future;
use core::pin::Pin;

use base64ct::{Base64Unpadded, Encoding};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// PBKDF2-HMAC-SHA256 with a 32-byte output, from the platform: workerd's
/// WebCrypto (native code, far cheaper per iteration than the same loop in
/// wasm), or [`RustKdf`] where there is none. The hash format and every
/// check around the derivation stay here, so all platforms agree.
pub trait Kdf: core::fmt::Debug {
    /// The derived key; `None` when the platform failed.
    fn pbkdf2<'a>(
        &'a self,
        password: &'a [u8],
        salt: &'a [u8],
        iterations: u32,
    ) -> Pin<Box<dyn Future<Output = Option<[u8; 32]>> + 'a>>;
}

/// The derivation in Rust (the `pbkdf2` crate): native builds and tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct RustKdf;

impl Kdf for RustKdf {
    fn pbkdf2<'a>(
        &'a self,
        password: &'a [u8],
        salt: &'a [u8],
        iterations: u32,
    ) -> Pin<Box<dyn Future<Output = Option<[u8; 32]>> + 'a>> {
        Box::pin(async move { Some(derive_bytes(password, salt, iterations)) })
    }
}

/// Default iteration count for new hashes.
pub const DEFAULT_ITERATIONS: u32 = 100_000;
/// Fewest iterations a stored hash may claim (older, weaker hashes are refused).
pub const MIN_ITERATIONS: u32 = 10_000;
/// Most iterations a stored hash may claim (a bound on the CPU one login costs).
pub const MAX_ITERATIONS: u32 = 1_000_000;
/// Shortest password accepted.
pub const MIN_LENGTH: usize = 8;
/// Longest password accepted (bytes hashed per iteration grow with it).
pub const MAX_LENGTH: usize = 1024;

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordError {
    /// Shorter than 8 or longer than 1024 characters.
    Length,
    /// A stored hash that is not in the expected format.
    BadHash,
    /// The platform's derivation failed.
    Unavailable,
}

/// Checks a new password against the policy.
pub fn check_policy(password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if (MIN_LENGTH..=MAX_LENGTH).contains(&n) {
        Ok(())
    } else {
        Err(PasswordError::Length)
    }
}

fn derive_bytes(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out);
    out
}

fn derive(password: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
    derive_bytes(password.as_bytes(), salt, iterations)
}

fn format_hash(salt: &[u8], iterations: u32, dk: &[u8; 32]) -> String {
    format!(
        "$pbkdf2-sha256$i={iterations}${}${}",
        Base64Unpadded::encode_string(salt),
        Base64Unpadded::encode_string(dk)
    )
}

/// Hashes `password` with a 16-byte random `salt`.
pub fn hash(password: &str, salt: &[u8; 16], iterations: u32) -> String {
    format_hash(salt, iterations, &derive(password, salt, iterations))
}

/// [`hash`] with the platform's derivation.
pub async fn hash_with(
    kdf: &dyn Kdf,
    password: &str,
    salt: &[u8; 16],
    iterations: u32,
) -> Result<String, PasswordError> {
    let dk = kdf
        .pbkdf2(password.as_bytes(), salt, iterations)
        .await
        .ok_or(PasswordError::Unavailable)?;
    Ok(format_hash(salt, iterations, &dk))
}

/// A stored hash, taken apart and checked.
struct Stored {
    iterations: u32,
    salt: Vec<u8>,
    want: Vec<u8>,
}

fn parse(stored: &str) -> Result<Stored, PasswordError> {
    let mut parts = stored.split('$');
    let (Some(""), Some("pbkdf2-sha256"), Some(i), Some(salt), Some(want), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(PasswordError::BadHash);
    };
    let iterations: u32 = i
        .strip_prefix("i=")
        .and_then(|n| n.parse().ok())
        .ok_or(PasswordError::BadHash)?;
    if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
        return Err(PasswordError::BadHash);
    }
    let salt = Base64Unpadded::decode_vec(salt).map_err(|_| PasswordError::BadHash)?;
    let want = Base64Unpadded::decode_vec(want).map_err(|_| PasswordError::BadHash)?;
    Ok(Stored {
        iterations,
        salt,
        want,
    })
}

/// Whether `password` matches a stored hash; compares in constant time.
pub fn verify(password: &str, stored: &str) -> Result<bool, PasswordError> {
    let s = parse(stored)?;
    if password.len() > MAX_LENGTH * 4 {
        return Ok(false);
    }
    Ok(derive(password, &s.salt, s.iterations)
        .ct_eq(s.want.as_slice())
        .into())
}

/// [`verify`] with the platform's derivation.
pub async fn verify_with(
    kdf: &dyn Kdf,
    password: &str,
    stored: &str,
) -> Result<bool, PasswordError> {
    let s = parse(stored)?;
    if password.len() > MAX_LENGTH * 4 {
        return Ok(false);
    }
    let dk = kdf
        .pbkdf2(password.as_bytes(), &s.salt, s.iterations)
        .await
        .ok_or(PasswordError::Unavailable)?;
    Ok(dk.ct_eq(s.want.as_slice()).into())
}

/// Does the work of one check at `iterations` and throws it away: a
/// sign-in for an unknown user takes as long as one for a known user.
pub fn burn(password: &str, iterations: u32) {
    let iterations = iterations.clamp(MIN_ITERATIONS, MAX_ITERATIONS);
    let out = derive(password, &[0u8; 16], iterations);
    core::hint::black_box(out);
}

/// [`burn`] with the platform's derivation.
pub async fn burn_with(kdf: &dyn Kdf, password: &str, iterations: u32) {
    let iterations = iterations.clamp(MIN_ITERATIONS, MAX_ITERATIONS);
    let out = kdf
        .pbkdf2(password.as_bytes(), &[0u8; 16], iterations)
        .await;
    core::hint::black_box(out);
}

/// Compares two secrets (operator keys) in constant time for equal lengths.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rfc_vector() {
        // RFC 7914 section 11: PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64) starts 55 ac 04 6e.
        let mut out = [0u8; 64];
        pbkdf2::pbkdf2_hmac::<Sha256>(b"passwd", b"salt", 1, &mut out);
        assert_eq!(&out[..4], &[0x55, 0xac, 0x04, 0x6e]);
        let h = hash("correct horse", &[7; 16], MIN_ITERATIONS);
        assert!(h.starts_with("$pbkdf2-sha256$i=10000$"));
        assert_eq!(verify("correct horse", &h), Ok(true));
        assert_eq!(verify("correct horsf", &h), Ok(false));
        assert_eq!(verify("", &h), Ok(false));
    }

    #[test]
    fn the_platform_derivation_gives_the_same_hashes() {
        use crate::store::memory::block_on as block;
        let h = block(hash_with(
            &RustKdf,
            "correct horse",
            &[7; 16],
            MIN_ITERATIONS,
        ));
        assert_eq!(h, Ok(hash("correct horse", &[7; 16], MIN_ITERATIONS)));
        let h = h.unwrap_or_default();
        assert_eq!(block(verify_with(&RustKdf, "correct horse", &h)), Ok(true));
        assert_eq!(block(verify_with(&RustKdf, "correct horsf", &h)), Ok(false));
        assert_eq!(
            block(verify_with(&RustKdf, "x", "$bcrypt$x$y$z")),
            Err(PasswordError::BadHash)
        );
    }

    #[test]
    fn refuses_odd_hashes_and_policies() {
        for bad in [
            "",
            "plain",
            "$pbkdf2-sha256$i=1$AAAA$AAAA",
            "$pbkdf2-sha256$i=99999999$AAAA$AAAA",
            "$bcrypt$x$y$z",
            "$pbkdf2-sha256$i=10000$!!$AAAA",
        ] {
            assert_eq!(verify("x", bad), Err(PasswordError::BadHash), "{bad}");
        }
        assert_eq!(check_policy("short"), Err(PasswordError::Length));
        assert_eq!(check_policy("long enough"), Ok(()));
        assert!(secrets_equal("abc", "abc"));
        assert!(!secrets_equal("abc", "abd"));
        assert!(!secrets_equal("abc", "abcd"));
    }
}
