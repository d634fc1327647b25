//! The outbox: one record per notification, kept 30 days, readable by
//! tenant admins (`GET /api/v1/admin/notifications`). It holds what was
//! told and to whom, never an invitation's token.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long the outbox keeps a notification.
pub const KEEP_SECS: u64 = 30 * 24 * 3600;

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An email address invited into an organization.
    Invitation,
    /// The same invitation, with a new token.
    InvitationResent,
    /// An email address invited to register in the tenant.
    TenantInvitation,
    /// A user registered an organization that waits for approval (to the
    /// tenant's admins).
    RegistrationRequested,
    /// A registered organization was approved (to its owner).
    OrganizationApproved,
    /// A registered organization was rejected (to its owner).
    OrganizationRejected,
    /// A member was removed from an organization (to the member).
    MemberRemoved,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 7] = [
        Kind::Invitation,
        Kind::InvitationResent,
        Kind::TenantInvitation,
        Kind::RegistrationRequested,
        Kind::OrganizationApproved,
        Kind::OrganizationRejected,
        Kind::MemberRemoved,
    ];

    /// Its name in configuration and in the outbox (`invitation_resent`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Invitation => "invitation",
            Kind::InvitationResent => "invitation_resent",
            Kind::TenantInvitation => "tenant_invitation",
            Kind::RegistrationRequested => "registration_requested",
            Kind::OrganizationApproved => "organization_approved",
            Kind::OrganizationRejected => "organization_rejected",
            Kind::MemberRemoved => "member_removed",
        }
    }

    /// The webhook event type (`invitation.resent`).
    pub fn event_type(self) -> &'static str {
        match self {
            Kind::Invitation => "invitation.created",
            Kind::InvitationResent => "invitation.resent",
            Kind::TenantInvitation => "tenant_invitation.created",
            Kind::RegistrationRequested => "organization.registration_requested",
            Kind::OrganizationApproved => "organization.approved",
            Kind::OrganizationRejected => "organization.rejected",
            Kind::MemberRemoved => "member.removed",
        }
    }

    /// Whether it carries an invitation's link.
    pub fn has_link(self) -> bool {
        matches!(
            self,
            Kind::Invitation | Kind::InvitationResent | Kind::TenantInvitation
        )
    }
}

/// Where a notification goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// To the recipients' addresses (the `send_email` binding).
    Email,
    /// To the deployment's webhook (`NOTIFY_WEBHOOK_URL`).
    Webhook,
}

/// One notification in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Notification {
    /// Its ID: also the webhook's `webhook-id`, the same on every retry, so
    /// a receiver can drop duplicates.
    pub id: String,
    /// What it is about.
    pub kind: Kind,
    /// Email recipients.
    pub to: Vec<String>,
    /// What it tells: the tenant, the organization, the role, who acted,
    /// the invitation's expiry, a rejection's reason (strings by name).
    pub data: BTreeMap<String, String>,
    /// When it was made.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::date_time")
    )]
    pub created_at: String,
    /// Channels whose every delivery attempt failed (the queue's dead
    /// letters); empty while delivering or delivered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undelivered: Vec<Channel>,
}

/// A notification ID: the time it was made (so IDs sort by time) and a
/// digest of what makes it unique (`parts`), so that planning stays a
/// function of its inputs. `0001764633600000-3f2a9c01d4e5`.
pub fn id(now_ms: i64, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(now_ms.to_be_bytes());
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("{:016}-{hex}", now_ms.max(0))
}

/// Whether `id` has the shape of a notification ID.
pub fn is_id(id: &str) -> bool {
    id.len() == 29
        && id.bytes().enumerate().all(|(i, b)| match i {
            16 => b == b'-',
            0..=15 => b.is_ascii_digit(),
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time_and_differ_by_parts() {
        let a = id(1_764_633_600_000, &["invitation", "X"]);
        let b = id(1_764_633_600_000, &["invitation", "Y"]);
        let c = id(1_764_633_600_001, &["invitation", "X"]);
        assert_ne!(a, b);
        assert!(a < c && b < c);
        assert!(is_id(&a) && is_id(&c), "{a}");
        // Parts are length-prefixed: ("ab", "c") is not ("a", "bc").
        assert_ne!(id(1, &["ab", "c"]), id(1, &["a", "bc"]));
        assert!(!is_id("0001764633600000_3f2a9c01d4e5") && !is_id(""));
    }

    #[test]
    fn every_kind_has_names() {
        for k in Kind::ALL {
            assert!(!k.name().is_empty() && k.event_type().contains('.'));
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.name()));
        }
    }
}
