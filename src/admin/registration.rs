//! Organization self-registration (Tyk's developer portal; docs/flows.md):
//! when the tenant's settings allow it, an approved user registers an
//! organization (`POST /api/v1/account/organizations`) and owns it. With
//! auto-approve it is usable at once; otherwise it waits in `pending` — no
//! invitations, in no token — and the tenant's admins are told, until one
//! approves or rejects it (`POST …/organizations/{orgId}/approve`,
//! `…/reject`), which its owners are told.

use serde::{Deserialize, Serialize};

use super::notifications::{admin_addresses, data, notify, Tell};
use super::orgs::{insert, save, NewOrg};
use super::{check_description, check_name, read, settings, AdminError, Ctx};
use crate::core::decide::Subject;
use crate::core::ids::{OrgId, UserId};
use crate::core::rights::{Right, RightKind, RightSet};
use crate::model::records::{Membership, OrgState, Organization, User};
use crate::notify::record::Kind;
use crate::store::plan::Plan;
use crate::store::{keys, Store};

/// `POST /api/v1/account/organizations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Registration {
    /// The new organization's ID.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub id: String,
    /// Display name, 1 to 50 characters.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name")
    )]
    pub name: String,
    /// Description, at most 2000 characters.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::description")
    )]
    pub description: String,
}

/// `POST …/organizations/{orgId}/reject`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Rejection {
    /// Why, for the owner (at most 2000 characters).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::description")
    )]
    pub reason: String,
}

/// Registers an organization for the calling user, who owns it.
pub async fn register<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    req: Registration,
) -> Result<Organization, AdminError> {
    let Some(me) = ctx.caller.user().cloned() else {
        return Err(AdminError::new(
            403,
            "not_a_user",
            "an organization's API key cannot register organizations",
        ));
    };
    let id = OrgId::new(req.id.as_str())?;
    check_name(&req.name)?;
    check_description(&req.description)?;
    let own = ctx
        .caller
        .ceiling()
        .intersection(RightSet::of_kind(RightKind::User));
    Subject::require(own, RightSet::of(&[Right::UserOrganizationsCreate]))?;
    let s = settings::load(ctx.store, ctx.tenant).await?;
    if !s.org_registration_enabled {
        return Err(AdminError::new(
            403,
            "registration_disabled",
            "this tenant does not let users register organizations",
        ));
    }
    let state = if s.org_registration_auto_approve {
        OrgState::Approved
    } else {
        OrgState::Pending
    };
    let org = NewOrg {
        id,
        name: req.name,
        description: req.description,
        state,
        owner: Some(me.clone()),
    };
    let org = insert(ctx, plan, org).await?;
    if state == OrgState::Pending {
        notify(
            ctx,
            plan,
            Tell {
                kind: Kind::RegistrationRequested,
                to: admin_addresses(ctx).await?,
                data: data(&[
                    ("organization_id", org.id.as_str()),
                    ("organization_name", &org.name),
                    ("requested_by", me.as_str()),
                ]),
                token: None,
                unique: &[org.id.as_str()],
            },
        );
    }
    Ok(org)
}

/// The addresses of `org`'s owners.
async fn owner_addresses<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    org: &OrgId,
) -> Result<Vec<String>, AdminError> {
    let mut out = Vec::new();
    for l in ctx.store.list_all(&keys::members(ctx.tenant, org)).await? {
        let Some(m) = read::<S, Membership>(ctx.store, &l.key).await? else {
            continue;
        };
        let owner =
            matches!(&m.grant, crate::model::records::Grant::Role(r) if r.as_str() == "owner");
        if !owner {
            continue;
        }
        if let Some(u) = read::<S, User>(ctx.store, &keys::user(ctx.tenant, &m.user)).await? {
            out.push(u.email);
        }
    }
    Ok(out)
}

/// A pending organization, for a tenant admin's decision.
async fn pending<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    org: &OrgId,
) -> Result<Organization, AdminError> {
    Subject::require(
        ctx.caller.tenant_rights(),
        RightSet::of(&[Right::OrganizationSettingsBasic]),
    )?;
    let o = super::orgs::load(ctx, org).await?;
    if o.state != OrgState::Pending {
        return Err(AdminError::new(
            409,
            "organization_not_pending",
            format!("{org} is not waiting for approval"),
        ));
    }
    Ok(o)
}

/// Approves or rejects a pending organization (tenant admins) and tells its
/// owners; `reason` goes with a rejection.
pub async fn decide<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    org: &OrgId,
    reject: Option<Rejection>,
) -> Result<Organization, AdminError> {
    let mut o = pending(ctx, org).await?;
    if let Some(r) = &reject {
        check_description(&r.reason)?;
    }
    o.state = if reject.is_some() {
        OrgState::Rejected
    } else {
        OrgState::Approved
    };
    o.updated_at = ctx.timestamp();
    save(plan, ctx.tenant, &o);
    let by = ctx.caller.user().map(UserId::to_string).unwrap_or_default();
    let reason = reject.map(|r| r.reason).unwrap_or_default();
    let kind = if o.state == OrgState::Approved {
        Kind::OrganizationApproved
    } else {
        Kind::OrganizationRejected
    };
    notify(
        ctx,
        plan,
        Tell {
            kind,
            to: owner_addresses(ctx, org).await?,
            data: data(&[
                ("organization_id", org.as_str()),
                ("organization_name", &o.name),
                ("decided_by", &by),
                ("reason", &reason),
            ]),
            token: None,
            unique: &[org.as_str()],
        },
    );
    Ok(o)
}
