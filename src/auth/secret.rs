//! Secrets as types: their `Debug` prints `[redacted]`, so a credential,
//! password or key never reaches a log line or a panic message by accident.

use core::fmt;

/// An owned secret string. It serializes as the plain string (bodies carry
/// passwords, the one-time key display carries the key), but its `Debug` is
/// redacted.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps `text`.
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A borrowed secret: the same redacted `Debug` for request views.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SecretRef<'a>(pub &'a str);

impl fmt::Debug for SecretRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let s = Secret::new("OWK.ABC.DEF");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{:?}", SecretRef("tok")), "[redacted]");
        assert_eq!(s.expose(), "OWK.ABC.DEF");
    }
}
