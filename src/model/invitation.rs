//! Invitations (CONTRACT section 6): an email address invited into an
//! organization with a role, or into the tenant to register. The one-time
//! token is `OWI.<id>.<secret>` (base32 without padding, 80 random bits of
//! ID and 256 of secret), shown only in the notification; the record keeps
//! the SHA-256 of the secret, as API keys do.

use serde::{Deserialize, Serialize};

use super::api_key::{base32, is_key_id, secret_hash};
use crate::auth::Secret;
use crate::core::ids::{OrgId, RoleId, UserId};

/// The prefix every invitation token starts with.
pub const PREFIX: &str = "OWI.";

/// How long an accepted or revoked invitation is kept after its expiry, so
/// that its token is answered with `invitation_used` or `invitation_revoked`
/// rather than as unknown.
pub const KEEP_AFTER_EXPIRY_SECS: u64 = 30 * 24 * 3600;

/// Where an invitation leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Scope {
    /// Into an organization, with a role.
    Organization(OrgId),
    /// Into the tenant: register a user.
    Tenant,
}

/// Where an invitation stands. `expired` is never stored: a pending
/// invitation past its expiry shows as expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    /// Waiting for its invitee.
    Pending,
    /// Past its expiry without being accepted.
    Expired,
    /// Accepted: the membership or user exists.
    Accepted,
    /// Revoked by an administrator.
    Revoked,
}

/// A stored invitation (the secret only as its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// Invitation ID (16 base32 characters).
    pub id: String,
    /// Organization or tenant.
    pub scope: Scope,
    /// The invitee's address.
    pub email: String,
    /// The role in the organization (organization invitations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<RoleId>,
    /// Given name, proposed for the registration.
    #[serde(default)]
    pub first_name: String,
    /// Family name, proposed for the registration.
    #[serde(default)]
    pub last_name: String,
    /// Who invited: a user ID, or `organization:<id>` for an organization's key.
    pub invited_by: String,
    /// Pending, accepted or revoked.
    pub state: InvitationState,
    /// Created.
    pub created_at: String,
    /// Last changed (a resend, the acceptance, the revocation).
    pub updated_at: String,
    /// Expiry, Unix milliseconds.
    pub expires_at_ms: i64,
    /// Who accepted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_by: Option<UserId>,
    /// SHA-256 of the token's secret, base64.
    pub secret_sha256: String,
}

/// An invitation as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct InvitationView {
    /// Invitation ID.
    pub id: String,
    /// The organization (organization invitations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrgId>,
    /// The invitee's address.
    pub email: String,
    /// The role in the organization (organization invitations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<RoleId>,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Who invited.
    pub invited_by: String,
    /// Pending, expired, accepted or revoked.
    pub state: InvitationState,
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
    /// When the token stops working.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::date_time")
    )]
    pub expires_at: String,
    /// Who accepted it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_by: Option<UserId>,
}

/// RFC 3339 with milliseconds.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

impl Invitation {
    /// Its state at `now_ms`.
    pub fn state_at(&self, now_ms: i64) -> InvitationState {
        match self.state {
            InvitationState::Pending if now_ms >= self.expires_at_ms => InvitationState::Expired,
            s => s,
        }
    }

    /// The public view at `now_ms`.
    pub fn view(&self, now_ms: i64) -> InvitationView {
        InvitationView {
            id: self.id.clone(),
            organization_id: match &self.scope {
                Scope::Organization(o) => Some(o.clone()),
                Scope::Tenant => None,
            },
            email: self.email.clone(),
            role: self.role.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            invited_by: self.invited_by.clone(),
            state: self.state_at(now_ms),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            expires_at: rfc3339(self.expires_at_ms),
            accepted_by: self.accepted_by.clone(),
        }
    }

    /// Whether `secret` is this invitation's current secret (constant time).
    pub fn secret_matches(&self, secret: &str) -> bool {
        use subtle::ConstantTimeEq;
        secret_hash(secret)
            .as_bytes()
            .ct_eq(self.secret_sha256.as_bytes())
            .into()
    }

    /// Seconds the record is kept from `now_ms`: until its expiry, and
    /// [`KEEP_AFTER_EXPIRY_SECS`] beyond.
    pub fn keep_secs(&self, now_ms: i64) -> u64 {
        let left = (self.expires_at_ms - now_ms).max(0).unsigned_abs() / 1000;
        left + KEEP_AFTER_EXPIRY_SECS
    }
}

/// The random material of a new token, drawn by the platform before the
/// command exists (planning draws nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    /// The invitation ID (for a resend, the invitation's own).
    pub id: String,
    /// The token to send: `OWI.<id>.<secret>`.
    pub token: Secret,
    /// SHA-256 of the secret, as stored.
    pub secret_sha256: String,
}

impl NewToken {
    /// A token with a new ID from 10 random bytes and a secret from 32.
    pub fn draw(id: &[u8; 10], secret: &[u8; 32]) -> NewToken {
        NewToken::for_id(&base32(id), secret)
    }

    /// A new secret for the invitation `id` (a resend).
    pub fn for_id(id: &str, secret: &[u8; 32]) -> NewToken {
        let secret = base32(secret);
        NewToken {
            id: id.to_owned(),
            token: Secret::new(format!("{PREFIX}{id}.{secret}")),
            secret_sha256: secret_hash(&secret),
        }
    }
}

/// Splits `OWI.<id>.<secret>`; `None` when it cannot be a token.
pub fn split_token(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('.')?;
    let secret_ok = secret.len() == 52
        && secret
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b));
    (is_key_id(id) && secret_ok).then_some((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_split_strictly() {
        let t = NewToken::draw(&[1; 10], &[2; 32]);
        let (id, secret) = split_token(t.token.expose()).unwrap();
        assert_eq!(id, t.id);
        assert_eq!(secret_hash(secret), t.secret_sha256);
        for bad in [
            "",
            "OWI.",
            "OWK.AEAQCAIBAEAQCAIB.AAAA",
            &t.token.expose().to_lowercase(),
            &format!("{}A", t.token.expose()),
            &t.token.expose().replace("OWI.", "OWI.."),
        ] {
            assert!(split_token(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn expiry_shows_as_a_state_and_keeps_the_record_a_while() {
        let inv = Invitation {
            id: "AEAQCAIBAEAQCAIB".into(),
            scope: Scope::Tenant,
            email: "a@b.example".into(),
            role: None,
            first_name: String::new(),
            last_name: String::new(),
            invited_by: "root".into(),
            state: InvitationState::Pending,
            created_at: String::new(),
            updated_at: String::new(),
            expires_at_ms: 10_000,
            accepted_by: None,
            secret_sha256: String::new(),
        };
        assert_eq!(inv.state_at(9_999), InvitationState::Pending);
        assert_eq!(inv.state_at(10_000), InvitationState::Expired);
        assert_eq!(inv.keep_secs(0), 10 + KEEP_AFTER_EXPIRY_SECS);
        assert_eq!(inv.keep_secs(50_000), KEEP_AFTER_EXPIRY_SECS);
        assert_eq!(inv.view(0).expires_at, "1970-01-01T00:00:10.000Z");
    }
}
