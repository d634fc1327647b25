//! Stored records (CONTRACT section 2): JSON with snake_case fields and
//! RFC 3339 millisecond timestamps.

use serde::{Deserialize, Serialize};

use crate::core::ids::{OrgId, RoleId, UserId};
use crate::core::rights::RightSet;

/// The five user states of The Things Stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum UserState {
    /// Waiting for approval.
    Requested,
    /// May sign in.
    Approved,
    /// Refused; gets no tokens.
    Rejected,
    /// Marked for review.
    Flagged,
    /// Blocked; gets no tokens, and existing ones stop at the edge.
    Suspended,
}

/// Organization states (self-registration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum OrgState {
    /// Active: tokens carry its memberships.
    Approved,
    /// Waiting for a tenant admin.
    Pending,
    /// Refused.
    Rejected,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct User {
    /// ID.
    pub id: UserId,
    /// Given name.
    #[serde(default)]
    pub first_name: String,
    /// Family name.
    #[serde(default)]
    pub last_name: String,
    /// Email address.
    #[serde(default)]
    pub email: String,
    /// State.
    pub state: UserState,
    /// Tenant admin.
    #[serde(default)]
    pub admin: bool,
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
    /// Soft-deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::date_time_or_null")
    )]
    pub deleted_at: Option<String>,
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Organization {
    /// ID.
    pub id: OrgId,
    /// Display name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// State.
    pub state: OrgState,
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
    /// Soft-deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::date_time_or_null")
    )]
    pub deleted_at: Option<String>,
}

/// What a membership grants: a role (built-in or custom), or, as in The
/// Things Stack, an explicit list of rights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// A role of the organization.
    Role(RoleId),
    /// Explicit rights.
    Rights(RightSet),
}

/// A user's membership in an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The organization.
    pub organization: OrgId,
    /// The member.
    pub user: UserId,
    /// What it grants.
    pub grant: Grant,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

/// The listing metadata of an organization or user key: enough to filter and
/// count without reading every record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingMeta {
    /// Name (organizations) or "first last" (users).
    #[serde(rename = "n")]
    pub name: String,
    /// State, as its snake_case name.
    #[serde(rename = "s")]
    pub state: String,
    /// Soft-deleted.
    #[serde(rename = "d", default, skip_serializing_if = "core::ops::Not::not")]
    pub deleted: bool,
}

impl Organization {
    /// Approved and not deleted: its memberships count, its keys work.
    pub fn is_live(&self) -> bool {
        self.state == OrgState::Approved && self.deleted_at.is_none()
    }
}

impl User {
    /// Approved and not deleted: may sign in and act.
    pub fn is_active(&self) -> bool {
        self.state == UserState::Approved && self.deleted_at.is_none()
    }
}
