//! Members of an organization: list, add, change, remove; the granting rule
//! and the last-owner rule (CONTRACT section 3).

use serde::{Deserialize, Serialize};

use super::notifications::{data, notify, Tell};
use super::orgs::load;
use super::revocations::{revoking, Revoke};
use super::{membership_rights, read, rights_on_org, AdminError, Ctx, Page, Paging};
use crate::core::decide::{check_grant, check_owner_remains, Subject};
use crate::core::ids::{OrgId, RoleId, UserId};
use crate::core::rights::{Right, RightSet};
use crate::core::roles::{check_holdable, BuiltinRole, CustomRole};
use crate::model::records::{Grant, Membership, User};
use crate::notify::record::Kind;
use crate::store::plan::Plan;
use crate::store::{keys, Store};

/// What `POST …/members` takes: the member, and a role or an explicit list
/// of rights, not both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "openapi",
    schemars(extend("oneOf" = [{"required": ["role"]}, {"required": ["rights"]}]))
)]
pub struct NewMember {
    /// The member.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub user_id: String,
    /// A built-in or custom role of the organization.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub role: Option<String>,
    /// Explicit rights.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::holdable_rights")
    )]
    pub rights: Option<Vec<String>>,
}

impl NewMember {
    /// The grant part.
    pub fn grant(&self) -> MemberGrant {
        MemberGrant {
            role: self.role.clone(),
            rights: self.rights.clone(),
        }
    }
}

/// What `PUT …/members/{userId}` takes (the path names the member): a role
/// or an explicit list of rights, not both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "openapi",
    schemars(extend("oneOf" = [{"required": ["role"]}, {"required": ["rights"]}]))
)]
pub struct MemberGrant {
    /// A built-in or custom role of the organization.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub role: Option<String>,
    /// Explicit rights.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::holdable_rights")
    )]
    pub rights: Option<Vec<String>>,
}

/// A member as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MemberView {
    /// The member.
    pub user_id: UserId,
    /// The role, when the membership is by role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<RoleId>,
    /// The rights it stands for (short form).
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
}

pub(super) async fn view<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    m: &Membership,
) -> Result<MemberView, AdminError> {
    Ok(MemberView {
        user_id: m.user.clone(),
        role: match &m.grant {
            Grant::Role(r) => Some(r.clone()),
            Grant::Rights(_) => None,
        },
        rights: membership_rights(ctx, m).await?,
        created_at: m.created_at.clone(),
        updated_at: m.updated_at.clone(),
    })
}

/// Checks a requested grant: exactly one of role and rights; a role that
/// exists in this organization; rights an organization can hold.
pub(super) async fn parse_grant<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    org: &OrgId,
    req: &MemberGrant,
) -> Result<(Grant, RightSet), AdminError> {
    match (&req.role, &req.rights) {
        (Some(role), None) => {
            let role = RoleId::new(role.as_str())?;
            if let Some(b) = BuiltinRole::from_id(role.as_str()) {
                return Ok((Grant::Role(role), b.rights()));
            }
            let custom: Option<CustomRole> =
                read(ctx.store, &keys::role(ctx.tenant, org, &role)).await?;
            let custom = custom.ok_or_else(|| {
                AdminError::new(
                    400,
                    "unknown_role",
                    format!("{role} is not a role of {org}"),
                )
            })?;
            Ok((Grant::Role(role), custom.rights))
        }
        (None, Some(names)) => {
            let rights = RightSet::from_names(names.iter().map(String::as_str))?;
            check_holdable(rights)?;
            Ok((Grant::Rights(rights), rights))
        }
        _ => Err(AdminError::invalid("give either `role` or `rights`")),
    }
}

async fn read_member<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    org: &OrgId,
    user: &UserId,
) -> Result<Membership, AdminError> {
    read(ctx.store, &keys::member(ctx.tenant, org, user))
        .await?
        .ok_or_else(|| AdminError::not_found("member"))
}

/// The caller's rights on `org`, which must include `RIGHT_ORGANIZATION_SETTINGS_MEMBERS`.
pub(super) async fn require_manage<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    org: &OrgId,
) -> Result<RightSet, AdminError> {
    let held = rights_on_org(ctx, org).await?;
    Subject::require(held, RightSet::of(&[Right::OrganizationSettingsMembers]))?;
    Ok(held)
}

/// The last-owner rule: after replacing `user`'s rights by `after`, someone
/// must still hold `RIGHT_ORGANIZATION_ALL`. Reads the other members only
/// when `user` held it before.
async fn check_owners_after<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    org: &OrgId,
    user: &UserId,
    before: RightSet,
    after: RightSet,
) -> Result<(), AdminError> {
    if !before.implied().contains(Right::OrganizationAll)
        || after.implied().contains(Right::OrganizationAll)
    {
        return Ok(());
    }
    let mut others = Vec::new();
    for l in ctx.store.list_all(&keys::members(ctx.tenant, org)).await? {
        if keys::last_component(&l.key) == user.as_str() {
            continue;
        }
        if let Some(m) = read::<S, Membership>(ctx.store, &l.key).await? {
            others.push(membership_rights(ctx, &m).await?);
        }
    }
    others.push(after);
    check_owner_remains(others)?;
    Ok(())
}

/// `GET …/members`: needs `RIGHT_ORGANIZATION_INFO`.
pub async fn list<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    org: &OrgId,
    paging: Paging,
) -> Result<Page<MemberView>, AdminError> {
    let o = load(ctx, org).await?;
    Subject::require(
        super::rights_on_loaded(ctx, &o).await?,
        RightSet::of(&[Right::OrganizationInfo]),
    )?;
    let keys_page = paging.apply(ctx.store.list_all(&keys::members(ctx.tenant, org)).await?);
    let mut items = Vec::with_capacity(keys_page.items.len());
    for l in &keys_page.items {
        if let Some(m) = read::<S, Membership>(ctx.store, &l.key).await? {
            items.push(view(ctx, &m).await?);
        }
    }
    Ok(Page {
        items,
        total: keys_page.total,
    })
}

/// `POST …/members`: needs `RIGHT_ORGANIZATION_SETTINGS_MEMBERS` and every
/// right the membership grants. Writes the reverse index entry first and the
/// membership (the grant) last.
pub async fn add<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    org: &OrgId,
    req: NewMember,
) -> Result<MemberView, AdminError> {
    let user = UserId::new(req.user_id.as_str())?;
    load(ctx, org).await?;
    let held = require_manage(ctx, org).await?;
    let (grant, rights) = parse_grant(ctx, org, &req.grant()).await?;
    check_grant(held, RightSet::EMPTY, rights)?;
    let target: Option<User> = read(ctx.store, &keys::user(ctx.tenant, &user)).await?;
    if target.is_none_or(|u| u.deleted_at.is_some()) {
        return Err(AdminError::invalid(format!(
            "{user} is not a user of this tenant"
        )));
    }
    if ctx
        .store
        .get(&keys::member(ctx.tenant, org, &user))
        .await?
        .is_some()
    {
        return Err(AdminError::new(
            409,
            "already_member",
            format!("{user} is already a member of {org}"),
        ));
    }
    let now = ctx.timestamp();
    let m = Membership {
        organization: org.clone(),
        user: user.clone(),
        grant,
        created_at: now.clone(),
        updated_at: now,
    };
    plan.create(
        keys::user_org(ctx.tenant, &user, org),
        role_label(&m.grant),
        None,
    );
    plan.create_json(keys::member(ctx.tenant, org, &user), &m, None);
    view(ctx, &m).await
}

fn role_label(g: &Grant) -> &str {
    match g {
        Grant::Role(r) => r.as_str(),
        Grant::Rights(_) => "",
    }
}

/// `PUT …/members/{userId}`: needs `RIGHT_ORGANIZATION_SETTINGS_MEMBERS`,
/// every right added or removed, and an owner left afterwards.
pub async fn update<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    org: &OrgId,
    user: &UserId,
    req: MemberGrant,
) -> Result<MemberView, AdminError> {
    load(ctx, org).await?;
    let held = require_manage(ctx, org).await?;
    let mut m = read_member(ctx, org, user).await?;
    let before = membership_rights(ctx, &m).await?;
    let (grant, after) = parse_grant(ctx, org, &req).await?;
    check_grant(held, before, after)?;
    check_owners_after(ctx, org, user, before, after).await?;
    m.grant = grant;
    m.updated_at = ctx.timestamp();
    let mut change = Plan::new();
    change.put_json(keys::member(ctx.tenant, org, user), &m, None);
    change.put(
        keys::user_org(ctx.tenant, user, org),
        role_label(&m.grant),
        None,
    );
    revoking(plan, ctx.tenant, Revoke::User(user), ctx.now_ms, change);
    view(ctx, &m).await
}

/// `DELETE …/members/{userId}`: needs `RIGHT_ORGANIZATION_SETTINGS_MEMBERS`,
/// every right the membership held, and an owner left afterwards. A member
/// may always leave (`{userId}` its own ID) with a credential that may
/// change its account (`RIGHT_USER_SETTINGS_BASIC`), except the last owner:
/// otherwise anyone could tie anyone to organizations they cannot leave.
/// Deletes the membership (the grant) first and the reverse index entry last.
pub async fn remove<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    org: &OrgId,
    user: &UserId,
) -> Result<(), AdminError> {
    let o = load(ctx, org).await?;
    let leaving = ctx.caller.user() == Some(user)
        && Subject::new(ctx.caller.principal.clone(), [], false, ctx.caller.ceiling)
            .ceiling()
            .contains(Right::UserSettingsBasic);
    let m = if leaving {
        read_member(ctx, org, user).await?
    } else {
        let held = require_manage(ctx, org).await?;
        let m = read_member(ctx, org, user).await?;
        check_grant(held, membership_rights(ctx, &m).await?, RightSet::EMPTY)?;
        m
    };
    let before = membership_rights(ctx, &m).await?;
    check_owners_after(ctx, org, user, before, RightSet::EMPTY).await?;
    let mut change = Plan::new();
    change.delete(keys::member(ctx.tenant, org, user));
    change.delete(keys::user_org(ctx.tenant, user, org));
    revoking(plan, ctx.tenant, Revoke::User(user), ctx.now_ms, change);
    if !leaving {
        // Removed by someone else: the member is told.
        let to: Option<User> = read(ctx.store, &keys::user(ctx.tenant, user)).await?;
        let by = super::invitations::actor(ctx);
        notify(
            ctx,
            plan,
            Tell {
                kind: Kind::MemberRemoved,
                to: to.map(|u| u.email).into_iter().collect(),
                data: data(&[
                    ("organization_id", org.as_str()),
                    ("organization_name", &o.name),
                    ("user_id", user.as_str()),
                    ("removed_by", &by),
                ]),
                token: None,
                unique: &[org.as_str(), user.as_str()],
            },
        );
    }
    Ok(())
}
