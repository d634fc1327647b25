//! API keys (CONTRACT section 6): `OWK.<id>.<secret>`, base32 without
//! padding; stored as the SHA-256 of the secret (the secret carries 256
//! random bits, so a slow hash would add nothing), with a name, rights, an
//! owner and an optional expiry.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::core::ids::{OrgId, UserId};
use crate::core::rights::RightSet;
use crate::store::keys;

/// The prefix every key starts with.
pub const PREFIX: &str = "OWK.";

/// Who an API key belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Owner {
    /// An organization's key: acts as the organization.
    Organization(OrgId),
    /// A user's key: acts as the user, within its rights.
    User(UserId),
}

impl Owner {
    /// The prefix of the owner's key index.
    pub fn index_prefix(&self, ctx_tenant: &crate::core::ids::TenantId) -> String {
        match self {
            Owner::Organization(o) => keys::owner_api_keys(ctx_tenant, "organization", o.as_str()),
            Owner::User(u) => keys::owner_api_keys(ctx_tenant, "user", u.as_str()),
        }
    }
}

/// A stored API key (the secret only as its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// Key ID (base32).
    pub id: String,
    /// Name.
    pub name: String,
    /// Owner.
    pub owner: Owner,
    /// Rights (short form); the ceiling of every request made with it.
    pub rights: RightSet,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Expiry, Unix milliseconds, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at_ms: Option<i64>,
    /// SHA-256 of the secret, base64.
    pub secret_sha256: String,
}

/// An API key as listings show it: never the secret or its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ApiKeyView {
    /// Key ID.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::key_id")
    )]
    pub id: String,
    /// Name.
    pub name: String,
    /// Rights.
    pub rights: RightSet,
    /// Created.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::date_time")
    )]
    pub created_at: String,
    /// Last changed.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::date_time")
    )]
    pub updated_at: String,
    /// Expiry (RFC 3339), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::date_time_or_null")
    )]
    pub expires_at: Option<String>,
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn base32_digit(v: u32) -> char {
    BASE32
        .get((v & 31) as usize)
        .map_or('A', |b| char::from(*b))
}

/// RFC 4648 base32 without padding.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(base32_digit(buffer >> bits));
        }
    }
    if bits > 0 {
        out.push(base32_digit(buffer << (5 - bits)));
    }
    out
}

pub fn secret_hash(secret: &str) -> String {
    use base64ct::Encoding;
    base64ct::Base64::encode_string(&Sha256::digest(secret.as_bytes()))
}

fn rfc3339(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

impl ApiKey {
    /// The public view.
    pub fn view(&self) -> ApiKeyView {
        ApiKeyView {
            id: self.id.clone(),
            name: self.name.clone(),
            rights: self.rights,
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            expires_at: self.expires_at_ms.and_then(rfc3339),
        }
    }

    /// Whether `secret` is this key's secret (constant time).
    pub fn secret_matches(&self, secret: &str) -> bool {
        secret_hash(secret)
            .as_bytes()
            .ct_eq(self.secret_sha256.as_bytes())
            .into()
    }
}

/// Whether `id` can be a key ID: 16 base32 characters.
pub fn is_key_id(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| BASE32.contains(&b))
}

/// Splits `OWK.<id>.<secret>`.
pub fn split_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('.')?;
    let ok = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| BASE32.contains(&b));
    (ok(id, 16) && ok(secret, 52)).then_some((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(input.as_bytes()), want);
        }
        assert_eq!(base32(&[0xff; 10]).len(), 16);
        assert_eq!(base32(&[0xff; 32]).len(), 52);
    }

    #[test]
    fn keys_split_strictly() {
        let key = format!("OWK.{}.{}", base32(&[1; 10]), base32(&[2; 32]));
        assert!(split_key(&key).is_some());
        assert!(split_key(&key.to_lowercase()).is_none());
        assert!(split_key(&key.replace("OWK.", "XYZ.")).is_none());
        assert!(split_key(&format!("{key}A")).is_none());
        assert!(split_key("OWK..").is_none());
    }
}
