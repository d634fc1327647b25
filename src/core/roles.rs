//! Organization roles: the three built-in ones and custom roles as data.
//!
//! A role stands for a set of rights a member holds in the organization. The
//! built-in sets follow CONTRACT section 3 (Tyk's owner / super admin / team
//! member); custom roles are created per organization with an explicit list.
//! A member's rights are looked up through the role at evaluation time, so
//! editing a role changes every member holding it at once.

use serde::{Deserialize, Serialize};

use crate::core::ids::RoleId;
use crate::core::rights::{Right, RightSet};

/// The built-in roles every organization has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BuiltinRole {
    /// Everything an organization can hold.
    Owner,
    /// Manages members, invitations, API keys, org info and settings, and every application.
    Admin,
    /// Org info, application list and create, and every application right.
    Member,
}

/// What an organization can hold: every organization, application, gateway
/// and client right. User rights are about a user's own account and
/// `RIGHT_SEND_INVITES` / `RIGHT_ALL` are tenant-level, so no membership
/// carries them.
pub const ORGANIZATION_HOLDABLE: RightSet = RightSet::of(&[
    Right::OrganizationAll,
    Right::ApplicationAll,
    Right::GatewayAll,
    Right::ClientAll,
])
.implied();

const OWNER: RightSet = RightSet::of(&[
    Right::OrganizationAll,
    Right::ApplicationAll,
    Right::GatewayAll,
    Right::ClientAll,
]);

const ADMIN: RightSet = RightSet::of(&[
    Right::OrganizationInfo,
    Right::OrganizationSettingsBasic,
    Right::OrganizationSettingsMembers,
    Right::OrganizationSettingsApiKeys,
    Right::OrganizationApplicationsList,
    Right::OrganizationApplicationsCreate,
    Right::ApplicationAll,
]);

const MEMBER: RightSet = RightSet::of(&[
    Right::OrganizationInfo,
    Right::OrganizationApplicationsList,
    Right::OrganizationApplicationsCreate,
    Right::ApplicationAll,
]);

impl BuiltinRole {
    /// Every built-in role.
    pub const ALL: [BuiltinRole; 3] = [BuiltinRole::Owner, BuiltinRole::Admin, BuiltinRole::Member];

    /// The role's ID.
    pub const fn id(self) -> &'static str {
        match self {
            BuiltinRole::Owner => "owner",
            BuiltinRole::Admin => "admin",
            BuiltinRole::Member => "member",
        }
    }

    /// The role's rights, in short form (expand with [`RightSet::implied`]).
    pub const fn rights(self) -> RightSet {
        match self {
            BuiltinRole::Owner => OWNER,
            BuiltinRole::Admin => ADMIN,
            BuiltinRole::Member => MEMBER,
        }
    }

    /// The built-in role with this ID, if any.
    pub fn from_id(id: &str) -> Option<BuiltinRole> {
        BuiltinRole::ALL.into_iter().find(|r| r.id() == id)
    }
}

/// A custom role of one organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomRole {
    /// The role's ID; never one of the built-in IDs.
    pub id: RoleId,
    /// The rights it stands for, short form.
    pub rights: RightSet,
}

/// Why a custom role definition is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RoleError {
    /// The ID of a built-in role.
    Reserved,
    /// Rights an organization cannot hold (user rights, `RIGHT_SEND_INVITES`, `RIGHT_ALL`).
    NotHoldable(RightSet),
}

impl RoleError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            RoleError::Reserved => "role_reserved",
            RoleError::NotHoldable(_) => "right_not_holdable",
        }
    }
}

impl core::fmt::Display for RoleError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RoleError::Reserved => f.write_str("owner, admin and member are built-in roles"),
            RoleError::NotHoldable(r) => {
                write!(f, "an organization cannot hold {}", r.names().join(", "))
            }
        }
    }
}

impl std::error::Error for RoleError {}

impl CustomRole {
    /// A custom role, checked: not a built-in ID, only rights an organization can hold.
    pub fn new(id: RoleId, rights: RightSet) -> Result<CustomRole, RoleError> {
        if BuiltinRole::from_id(id.as_str()).is_some() {
            return Err(RoleError::Reserved);
        }
        check_holdable(rights)?;
        Ok(CustomRole { id, rights })
    }
}

/// Refuses rights an organization cannot hold (user rights,
/// `RIGHT_SEND_INVITES`, `RIGHT_ALL`): for roles, memberships and org API keys.
pub fn check_holdable(rights: RightSet) -> Result<(), RoleError> {
    let outside = rights.implied().difference(ORGANIZATION_HOLDABLE);
    if outside.is_empty() {
        Ok(())
    } else {
        Err(RoleError::NotHoldable(outside))
    }
}

/// Resolves a role ID to its rights: a built-in role, or one of `custom`.
pub fn role_rights(role: &str, custom: &[CustomRole]) -> Option<RightSet> {
    BuiltinRole::from_id(role)
        .map(BuiltinRole::rights)
        .or_else(|| {
            custom
                .iter()
                .find(|c| c.id.as_str() == role)
                .map(|c| c.rights)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_is_everything_an_org_can_hold() {
        assert_eq!(BuiltinRole::Owner.rights().implied(), ORGANIZATION_HOLDABLE);
        assert!(!ORGANIZATION_HOLDABLE.contains(Right::UserInfo));
        assert!(!ORGANIZATION_HOLDABLE.contains(Right::All));
    }

    #[test]
    fn admin_manages_members_but_cannot_delete_the_org() {
        let admin = BuiltinRole::Admin.rights().implied();
        assert!(admin.contains(Right::OrganizationSettingsMembers));
        assert!(admin.contains(Right::ApplicationDelete));
        assert!(!admin.contains(Right::OrganizationDelete));
        assert!(!admin.contains(Right::OrganizationAll));
        assert!(!admin.contains(Right::GatewayInfo));
    }

    #[test]
    fn member_cannot_manage_members() {
        let member = BuiltinRole::Member.rights().implied();
        assert!(member.contains(Right::OrganizationInfo));
        assert!(member.contains(Right::OrganizationApplicationsCreate));
        assert!(member.contains(Right::ApplicationTrafficRead));
        assert!(!member.contains(Right::OrganizationSettingsMembers));
        assert!(!member.contains(Right::OrganizationSettingsApiKeys));
    }

    #[test]
    fn roles_are_ordered_by_inclusion() {
        let [owner, admin, member] = BuiltinRole::ALL.map(BuiltinRole::rights);
        assert!(owner.includes_all(admin));
        assert!(admin.includes_all(member));
        assert!(!member.includes_all(admin));
    }

    #[test]
    fn custom_roles_are_checked() {
        let billing = RoleId::new("billing").unwrap();
        let r = CustomRole::new(billing.clone(), RightSet::of(&[Right::OrganizationInfo])).unwrap();
        assert_eq!(
            role_rights("billing", &[r]),
            Some(RightSet::of(&[Right::OrganizationInfo]))
        );
        assert_eq!(
            CustomRole::new(RoleId::new("admin").unwrap(), RightSet::EMPTY),
            Err(RoleError::Reserved)
        );
        let err = CustomRole::new(billing, RightSet::of(&[Right::UserDelete])).unwrap_err();
        assert_eq!(err.code(), "right_not_holdable");
        assert_eq!(role_rights("nope", &[]), None);
        assert_eq!(role_rights("owner", &[]), Some(BuiltinRole::Owner.rights()));
    }
}
