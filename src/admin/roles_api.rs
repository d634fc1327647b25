//! Custom roles of an organization (`…/roles`) and the caller's rights on it
//! (`…/rights`). A member's rights are read through its role on every use, so
//! editing a role changes every member holding it at once; a deleted role
//! grants nothing to the members that still name it.

use serde::{Deserialize, Serialize};

use super::members::require_manage;
use super::orgs::load;
use super::revocations::{revoking, Revoke};
use super::{read, rights_on_org, AdminError, Ctx};
use crate::core::decide::{check_grant, Subject};
use crate::core::ids::{OrgId, RoleId};
use crate::core::rights::{Right, RightSet};
use crate::core::roles::{BuiltinRole, CustomRole};
use crate::store::plan::Plan;
use crate::store::{keys, Store};

/// A role as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RoleView {
    /// Role ID.
    pub id: RoleId,
    /// Rights (short form).
    pub rights: RightSet,
    /// Whether it is one of `owner`, `admin`, `member`.
    pub builtin: bool,
}

/// `POST …/roles`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NewRole {
    /// Role ID (not `owner`, `admin` or `member`).
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub id: String,
    /// Rights.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::holdable_rights")
    )]
    pub rights: Vec<String>,
}

/// `PUT …/roles/{id}` (the path names the role).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RoleBody {
    /// Rights.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::holdable_rights")
    )]
    pub rights: Vec<String>,
}

/// The caller's effective rights on an organization (`GET …/rights`).
pub async fn my_rights<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    org: &OrgId,
) -> Result<RightSet, AdminError> {
    load(ctx, org).await?;
    rights_on_org(ctx, org).await
}

/// A custom role that must exist.
async fn existing<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    org: &OrgId,
    id: &RoleId,
) -> Result<CustomRole, AdminError> {
    read(ctx.store, &keys::role(ctx.tenant, org, id))
        .await?
        .ok_or_else(|| AdminError::not_found("role"))
}

/// `GET …/roles`: the built-in roles and the organization's custom roles.
pub async fn list<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    org: &OrgId,
) -> Result<Vec<RoleView>, AdminError> {
    load(ctx, org).await?;
    Subject::require(
        rights_on_org(ctx, org).await?,
        RightSet::of(&[Right::OrganizationInfo]),
    )?;
    let mut out: Vec<RoleView> = BuiltinRole::ALL
        .into_iter()
        .filter_map(|b| {
            Some(RoleView {
                id: RoleId::new(b.id()).ok()?,
                rights: b.rights(),
                builtin: true,
            })
        })
        .collect();
    for l in ctx.store.list_all(&keys::roles(ctx.tenant, org)).await? {
        if let Some(r) = read::<S, CustomRole>(ctx.store, &l.key).await? {
            out.push(RoleView {
                id: r.id,
                rights: r.rights,
                builtin: false,
            });
        }
    }
    Ok(out)
}

/// `POST …/roles`: needs `RIGHT_ORGANIZATION_SETTINGS_MEMBERS` and every
/// right the role stands for.
pub async fn create<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    org: &OrgId,
    body: NewRole,
) -> Result<RoleView, AdminError> {
    let id = RoleId::new(body.id.as_str())?;
    let rights = RightSet::from_names(body.rights.iter().map(String::as_str))?;
    let role = CustomRole::new(id.clone(), rights)?;
    load(ctx, org).await?;
    let held = require_manage(ctx, org).await?;
    check_grant(held, RightSet::EMPTY, rights)?;
    if ctx
        .store
        .get(&keys::role(ctx.tenant, org, &id))
        .await?
        .is_some()
    {
        return Err(AdminError::new(
            409,
            "role_exists",
            format!("{org} already has a role {id}"),
        ));
    }
    plan.create_json(keys::role(ctx.tenant, org, &id), &role, None);
    Ok(RoleView {
        id,
        rights,
        builtin: false,
    })
}

/// `PUT …/roles/{id}`: changes the role for every member holding it; the
/// caller must hold every right added or removed.
pub async fn update<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    org: &OrgId,
    id: &RoleId,
    body: RoleBody,
) -> Result<RoleView, AdminError> {
    if BuiltinRole::from_id(id.as_str()).is_some() {
        return Err(AdminError::new(
            409,
            "role_reserved",
            "built-in roles cannot be changed",
        ));
    }
    let rights = RightSet::from_names(body.rights.iter().map(String::as_str))?;
    let role = CustomRole::new(id.clone(), rights)?;
    load(ctx, org).await?;
    let held = require_manage(ctx, org).await?;
    let before = existing(ctx, org, id).await?;
    check_grant(held, before.rights, rights)?;
    let mut change = Plan::new();
    change.put_json(keys::role(ctx.tenant, org, id), &role, None);
    revoking(
        plan,
        ctx.tenant,
        Revoke::Organization(org),
        ctx.now_ms,
        change,
    );
    Ok(RoleView {
        id: id.clone(),
        rights,
        builtin: false,
    })
}

/// `DELETE …/roles/{id}`: members still naming it hold nothing through it.
pub async fn delete<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    org: &OrgId,
    id: &RoleId,
) -> Result<(), AdminError> {
    if BuiltinRole::from_id(id.as_str()).is_some() {
        return Err(AdminError::new(
            409,
            "role_reserved",
            "built-in roles cannot be deleted",
        ));
    }
    load(ctx, org).await?;
    let held = require_manage(ctx, org).await?;
    let before = existing(ctx, org, id).await?;
    check_grant(held, before.rights, RightSet::EMPTY)?;
    let mut change = Plan::new();
    change.delete(keys::role(ctx.tenant, org, id));
    revoking(
        plan,
        ctx.tenant,
        Revoke::Organization(org),
        ctx.now_ms,
        change,
    );
    Ok(())
}
