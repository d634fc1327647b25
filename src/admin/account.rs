//! The caller's own account: `GET /api/v1/account` and
//! `GET /api/v1/account/organizations` (memberships with roles and rights).
//! Self-registration (`POST …/account/organizations`) comes with the flows.

use serde::Serialize;

use super::{membership_rights, read, AdminError, Ctx};
use crate::core::ids::{OrgId, RoleId, UserId};
use crate::core::rights::RightSet;
use crate::model::records::{Grant, Membership, Organization, User};
use crate::store::{keys, Store};

/// One of the caller's memberships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MyMembership {
    /// The organization.
    pub organization: Organization,
    /// The role, when the membership is by role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<RoleId>,
    /// The rights it stands for (short form).
    pub rights: RightSet,
}

fn me<S: ?Sized>(ctx: &Ctx<'_, S>) -> Result<UserId, AdminError> {
    ctx.caller.user().cloned().ok_or_else(|| {
        AdminError::new(
            403,
            "not_a_user",
            "an organization's API key has no account",
        )
    })
}

/// The caller's user record.
pub async fn get<S: Store + ?Sized>(ctx: &Ctx<'_, S>) -> Result<User, AdminError> {
    let id = me(ctx)?;
    let user: Option<User> = read(ctx.store, &keys::user(ctx.tenant, &id)).await?;
    user.filter(|u| u.deleted_at.is_none())
        .ok_or_else(|| AdminError::not_found("user"))
}

/// The caller's memberships, live organizations only, in ID order.
pub async fn organizations<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
) -> Result<Vec<MyMembership>, AdminError> {
    let id = me(ctx)?;
    let mut out = Vec::new();
    for l in ctx
        .store
        .list_all(&keys::user_orgs(ctx.tenant, &id))
        .await?
    {
        let Ok(org) = OrgId::new(keys::last_component(&l.key)) else {
            continue;
        };
        let Some(o) = read::<S, Organization>(ctx.store, &keys::org(ctx.tenant, &org)).await?
        else {
            continue;
        };
        if o.deleted_at.is_some() {
            continue;
        }
        let Some(m) =
            read::<S, Membership>(ctx.store, &keys::member(ctx.tenant, &org, &id)).await?
        else {
            continue;
        };
        let rights = membership_rights(ctx, &m).await?;
        let role = match m.grant {
            Grant::Role(r) => Some(r),
            Grant::Rights(_) => None,
        };
        out.push(MyMembership {
            organization: o,
            role,
            rights,
        });
    }
    Ok(out)
}
