//! Token and key errors, each with one stable code (CONTRACT section 4).

use core::fmt;

/// Why a token was refused. Each variant has its own stable [`code`](TokenError::code);
/// messages hold no token bytes and no key material.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// Larger than the size cap.
    TooLarge {
        /// Size of the token in bytes.
        size: usize,
        /// The cap.
        max: usize,
    },
    /// Not three base64url parts, bad JSON, a duplicate header member, a
    /// `crit` header, a wrong `typ`, a missing or mistyped claim.
    Malformed(String),
    /// `alg` is not `EdDSA` (`none` and `HS256` included): refused before any key is touched.
    AlgNotAllowed(String),
    /// No `kid`, or a `kid` that names no trusted key.
    UnknownKid(Option<String>),
    /// The signature does not verify under the strict Ed25519 rules.
    BadSignature,
    /// `exp` has passed (beyond the leeway).
    Expired {
        /// The token's `exp`.
        exp: i64,
    },
    /// `nbf` or `iat` is in the future (beyond the leeway).
    NotYetValid {
        /// The claim that is in the future.
        claim: &'static str,
    },
    /// `iss` differs from the expected issuer.
    WrongIssuer,
    /// `aud` does not hold the expected audience.
    WrongAudience,
    /// Revoked after it was issued (a membership, role, user state or key changed).
    Revoked,
}

impl TokenError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::TooLarge { .. } => "token_too_large",
            TokenError::Malformed(_) => "token_malformed",
            TokenError::AlgNotAllowed(_) => "token_alg_not_allowed",
            TokenError::UnknownKid(_) => "token_unknown_kid",
            TokenError::BadSignature => "token_bad_signature",
            TokenError::Expired { .. } => "token_expired",
            TokenError::NotYetValid { .. } => "token_not_yet_valid",
            TokenError::WrongIssuer => "token_wrong_issuer",
            TokenError::WrongAudience => "token_wrong_audience",
            TokenError::Revoked => "token_revoked",
        }
    }

    pub(crate) fn malformed(why: impl Into<String>) -> TokenError {
        TokenError::Malformed(why.into())
    }
}

/// Quotes attacker-supplied text for a message: at most 40 characters
/// (`...` when there were more), printable ASCII as it is except the quote
/// and the backslash, anything else as `?`, so the text can neither close
/// the quotes nor put a control character or a look-alike in a log or a
/// page. (Not through `Debug`, which the browser module's size-first build
/// compiles out.)
pub(crate) fn quote(s: &str) -> String {
    let mut shown: String = s
        .chars()
        .take(40)
        .map(|c| match c {
            '"' | '\\' => '?',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '?',
        })
        .collect();
    if s.chars().nth(40).is_some() {
        shown.push_str("...");
    }
    format!("\"{shown}\"")
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::TooLarge { size, max } => {
                write!(f, "token is {size} bytes, more than the {max} allowed")
            }
            TokenError::Malformed(why) => write!(f, "malformed token: {why}"),
            TokenError::AlgNotAllowed(alg) => {
                write!(f, "algorithm {} is not allowed; only EdDSA is", quote(alg))
            }
            TokenError::UnknownKid(None) => f.write_str("token header has no kid"),
            TokenError::UnknownKid(Some(kid)) => {
                write!(f, "kid {} names no trusted key", quote(kid))
            }
            TokenError::BadSignature => f.write_str("signature does not verify"),
            TokenError::Expired { exp } => write!(f, "token expired at {exp}"),
            TokenError::NotYetValid { claim } => write!(f, "token `{claim}` is in the future"),
            TokenError::WrongIssuer => f.write_str("token issuer is not the expected one"),
            TokenError::WrongAudience => {
                f.write_str("token audience does not include this service")
            }
            TokenError::Revoked => f.write_str("token was revoked"),
        }
    }
}

impl std::error::Error for TokenError {}

/// Why a key or key set could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// Not a JWK / JWKS, or a member of the wrong shape.
    Malformed(String),
    /// A small-order (weak) Ed25519 public key.
    WeakKey,
    /// The private part does not belong to the public part.
    Mismatch,
    /// Two keys with one `kid`.
    DuplicateKid(String),
    /// No usable key.
    Empty,
    /// A private key was needed.
    NotPrivate,
}

impl KeyError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            KeyError::Malformed(_) => "jwk_malformed",
            KeyError::WeakKey => "jwk_weak_key",
            KeyError::Mismatch => "jwk_mismatch",
            KeyError::DuplicateKid(_) => "jwk_duplicate_kid",
            KeyError::Empty => "jwks_empty",
            KeyError::NotPrivate => "jwk_not_private",
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Malformed(why) => write!(f, "malformed key: {why}"),
            KeyError::WeakKey => f.write_str("Ed25519 public key has small order and is refused"),
            KeyError::Mismatch => f.write_str("private key does not match its public key x"),
            KeyError::DuplicateKid(kid) => write!(f, "two keys share kid {}", quote(kid)),
            KeyError::Empty => f.write_str("key set holds no Ed25519 key"),
            KeyError::NotPrivate => f.write_str("a private key (with d) is needed"),
        }
    }
}

impl std::error::Error for KeyError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_text_cannot_close_its_quotes_or_hide_its_length() {
        let forged = quote(r#"x" names no trusted key; kid "y"#);
        assert_eq!(forged, r#""x? names no trusted key; kid ?y""#);
        assert_eq!(quote("a\\b\u{7}\u{202e}ü"), r#""a?b???""#);
        let long = "R".repeat(41);
        assert_eq!(quote(&long), format!("\"{}...\"", "R".repeat(40)));
        assert_eq!(quote(&long[..40]), format!("\"{}\"", "R".repeat(40)));
    }
}
