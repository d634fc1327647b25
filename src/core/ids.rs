//! Identifiers (CONTRACT section 2): one validating newtype per kind.
//!
//! Every ID kind shares one syntax, `^[a-z0-9](?:-?[a-z0-9]){1,35}$`: 2 to 36
//! lowercase letters and digits, single hyphens between them. A distinct type
//! per kind keeps a user ID from being passed where an organization ID is
//! wanted; the shared user/organization namespace is a store rule, not a type.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdError {
    /// Fewer than 2 or more than 36 characters.
    Length,
    /// A character other than `a-z`, `0-9` and `-`.
    Character,
    /// Starts or ends with `-`, or has `--`.
    Hyphen,
}

impl IdError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        "invalid_id"
    }
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Length => "an ID has 2 to 36 characters",
            Self::Character => "an ID holds only lowercase letters a-z, digits and hyphens",
            Self::Hyphen => "an ID cannot start or end with a hyphen or hold two in a row",
        })
    }
}

impl std::error::Error for IdError {}

/// Minimum length of an identifier.
pub const ID_MIN_LEN: usize = 2;
/// Maximum length of an identifier.
pub const ID_MAX_LEN: usize = 36;

/// Checks `s` against the identifier syntax shared by every kind.
pub fn validate_id(s: &str) -> Result<(), IdError> {
    let bytes = s.as_bytes();
    if !(ID_MIN_LEN..=ID_MAX_LEN).contains(&bytes.len()) {
        return Err(IdError::Length);
    }
    let mut previous_hyphen = true; // a leading hyphen counts as "after a hyphen"
    for &b in bytes {
        match b {
            b'a'..=b'z' | b'0'..=b'9' => previous_hyphen = false,
            b'-' if previous_hyphen => return Err(IdError::Hyphen),
            b'-' => previous_hyphen = true,
            _ => return Err(IdError::Character),
        }
    }
    if previous_hyphen {
        return Err(IdError::Hyphen);
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps `s`.
            pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
                let s = s.into();
                validate_id(&s)?;
                Ok(Self(s))
            }

            /// The identifier as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// A literal known to be valid (checked in debug builds and by
            /// the tests of its callers).
            #[allow(dead_code, reason = "not every ID type has literals")]
            pub(crate) fn from_static(s: &'static str) -> Self {
                debug_assert!(validate_id(s).is_ok(), "{s}");
                Self(s.to_owned())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        #[cfg(feature = "openapi")]
        impl schemars::JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({"type": "string", "minLength": 2, "maxLength": 36, "pattern": "^[a-z0-9](?:-?[a-z0-9]){1,35}$"})
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A tenant slug: the `{tenant}` of `/t/{tenant}` and the `tid` claim.
    TenantId
);
id_type!(
    /// A user ID; shares one namespace per tenant with organization IDs.
    UserId
);
id_type!(
    /// An organization ID; shares one namespace per tenant with user IDs.
    OrgId
);
id_type!(
    /// An application ID.
    ApplicationId
);
id_type!(
    /// A gateway ID.
    GatewayId
);
id_type!(
    /// An OAuth client ID.
    ClientId
);
id_type!(
    /// An organization role ID: `owner`, `admin`, `member` or a custom role of that org.
    RoleId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_contract_syntax() {
        for ok in [
            "ab",
            "a1",
            "acme",
            "acme-corp",
            "a-b-c",
            "0-9",
            &"a".repeat(36),
        ] {
            assert_eq!(validate_id(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_everything_else() {
        let cases: &[(&str, IdError)] = &[
            ("", IdError::Length),
            ("a", IdError::Length),
            (&"a".repeat(37), IdError::Length),
            ("Acme", IdError::Character),
            ("acme_corp", IdError::Character),
            ("acmé", IdError::Character),
            ("a b", IdError::Character),
            ("-ab", IdError::Hyphen),
            ("ab-", IdError::Hyphen),
            ("a--b", IdError::Hyphen),
            ("--", IdError::Hyphen),
        ];
        for (input, want) in cases {
            assert_eq!(validate_id(input), Err(*want), "{input:?}");
        }
    }

    #[test]
    fn serde_validates() {
        let id: OrgId = serde_json::from_str("\"acme\"").unwrap();
        assert_eq!(id.as_str(), "acme");
        assert!(serde_json::from_str::<OrgId>("\"ACME\"").is_err());
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"acme\"");
    }
}
