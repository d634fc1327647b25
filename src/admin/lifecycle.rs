//! Restore and purge (CONTRACT section 2; The Things Stack's
//! `restore`/`purge`): a soft-deleted user or organization is restored
//! within the tenant's window (24 h by default) as it was; a purge (tenant
//! admins) erases it with everything that names it — memberships, custom
//! roles, API keys, grants on entities, invitations — and frees its ID.
//! Both are the tenant admin's: an owner who deleted by mistake asks one.

use super::revocations::{revoking, Revoke};
use super::{membership_rights, read, settings, AdminError, Ctx};
use crate::core::decide::{check_owner_remains, Subject};
use crate::core::ids::{OrgId, UserId};
use crate::core::rights::{Right, RightSet};
use crate::model::records::{Membership, Organization, User};
use crate::store::plan::Plan;
use crate::store::{keys, Store};

/// Which record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// A user.
    User(&'a UserId),
    /// An organization.
    Organization(&'a OrgId),
}

fn require<S: ?Sized>(ctx: &Ctx<'_, S>, target: &Target<'_>) -> Result<(), AdminError> {
    let right = match target {
        Target::User(_) => Right::UserDelete,
        Target::Organization(_) => Right::OrganizationDelete,
    };
    Subject::require(ctx.caller.tenant_rights(), RightSet::of(&[right]))?;
    Ok(())
}

fn deleted_ms(deleted_at: Option<&str>) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(deleted_at?)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Checks that a record deleted at `deleted_at` may be restored now.
async fn check_window<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    deleted_at: Option<&str>,
) -> Result<(), AdminError> {
    let Some(at) = deleted_ms(deleted_at) else {
        return Err(AdminError::new(409, "not_deleted", "it is not deleted"));
    };
    let hours = settings::load(ctx.store, ctx.tenant)
        .await?
        .restore_window_hours;
    if ctx.now_ms - at > i64::from(hours) * 3_600_000 {
        return Err(AdminError::new(
            409,
            "restore_window_passed",
            format!("it was deleted more than {hours} h ago; it can only be purged"),
        ));
    }
    Ok(())
}

/// Restores a user: the record as it was, memberships included (they were
/// kept); its tokens from before the deletion stay revoked.
pub async fn restore_user<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    id: &UserId,
) -> Result<User, AdminError> {
    require(ctx, &Target::User(id))?;
    let mut u: User = read(ctx.store, &keys::user(ctx.tenant, id))
        .await?
        .ok_or_else(|| AdminError::not_found("user"))?;
    check_window(ctx, u.deleted_at.as_deref()).await?;
    u.deleted_at = None;
    u.updated_at = ctx.timestamp();
    super::users::save(plan, ctx.tenant, &u);
    Ok(u)
}

/// Restores an organization as it was, with its members, roles and keys.
pub async fn restore_org<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    id: &OrgId,
) -> Result<Organization, AdminError> {
    require(ctx, &Target::Organization(id))?;
    let mut o: Organization = read(ctx.store, &keys::org(ctx.tenant, id))
        .await?
        .ok_or_else(|| AdminError::not_found("organization"))?;
    check_window(ctx, o.deleted_at.as_deref()).await?;
    o.deleted_at = None;
    o.updated_at = ctx.timestamp();
    super::orgs::save(plan, ctx.tenant, &o);
    Ok(o)
}

/// Deletes every key under `prefix`, and for each the key `other` names
/// from its last components (an index and what it indexes).
async fn delete_listed<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    change: &mut Plan,
    prefix: &str,
    other: impl Fn(&str) -> Option<String>,
) -> Result<(), AdminError> {
    for l in ctx.store.list_all(prefix).await? {
        if let Some(k) = l.key.strip_prefix(prefix).and_then(&other) {
            change.delete(k);
        }
        change.delete(l.key);
    }
    Ok(())
}

/// The grants a user or organization holds on entities, both keys each.
async fn delete_collaborations<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    change: &mut Plan,
    who: &str,
    id: &str,
) -> Result<(), AdminError> {
    let t = ctx.tenant;
    let prefix = format!("t/{t}/ce/{who}/{id}/");
    delete_listed(ctx, change, &prefix, |rest| {
        let (kind, entity) = rest.split_once('/')?;
        Some(keys::collaborator(t, kind, entity, who, id))
    })
    .await
}

/// Purges an organization (tenant admins), deleted or not: its grants go
/// first (memberships, API keys, grants on entities, invitations, roles),
/// the record and the ID's reservation last, between two revocation epochs
/// for tokens that carry it.
pub async fn purge_org<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    id: &OrgId,
) -> Result<(), AdminError> {
    require(ctx, &Target::Organization(id))?;
    if ctx.store.get(&keys::org(ctx.tenant, id)).await?.is_none() {
        return Err(AdminError::not_found("organization"));
    }
    let t = ctx.tenant;
    let mut change = Plan::new();
    delete_listed(ctx, &mut change, &keys::members(t, id), |user| {
        UserId::new(user).ok().map(|u| keys::user_org(t, &u, id))
    })
    .await?;
    delete_listed(
        ctx,
        &mut change,
        &keys::owner_api_keys(t, "organization", id.as_str()),
        |k| Some(keys::api_key(t, k)),
    )
    .await?;
    delete_collaborations(ctx, &mut change, "o", id.as_str()).await?;
    delete_listed(ctx, &mut change, &keys::org_invitations(t, id), |i| {
        Some(keys::invitation(t, i))
    })
    .await?;
    delete_listed(ctx, &mut change, &keys::roles(t, id), |_| None).await?;
    change.delete(keys::org(t, id));
    change.delete(keys::id(t, id.as_str()));
    revoking(plan, t, Revoke::Organization(id), ctx.now_ms, change);
    Ok(())
}

/// Refuses to purge the last owner of an organization that is not deleted
/// (CONTRACT section 6: an organization always keeps an owner).
async fn check_not_last_owner<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    id: &UserId,
) -> Result<(), AdminError> {
    for l in ctx.store.list_all(&keys::user_orgs(ctx.tenant, id)).await? {
        let Ok(org) = OrgId::new(keys::last_component(&l.key)) else {
            continue;
        };
        let o: Option<Organization> = read(ctx.store, &keys::org(ctx.tenant, &org)).await?;
        if o.is_none_or(|o| o.deleted_at.is_some()) {
            continue;
        }
        let mut others = Vec::new();
        for m in ctx.store.list_all(&keys::members(ctx.tenant, &org)).await? {
            if keys::last_component(&m.key) == id.as_str() {
                continue;
            }
            if let Some(m) = read::<S, Membership>(ctx.store, &m.key).await? {
                others.push(membership_rights(ctx, &m).await?);
            }
        }
        check_owner_remains(others).map_err(|_| {
            AdminError::new(
                409,
                "organization_needs_owner",
                format!("{id} is the last owner of {org}: give it another owner first"),
            )
        })?;
    }
    Ok(())
}

/// Purges a user (tenant admins), deleted or not, unless it is the last
/// owner of a live organization: memberships, API keys, grants on
/// entities, the password, the record, and the ID's reservation last,
/// between two revocation epochs.
pub async fn purge_user<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    id: &UserId,
) -> Result<(), AdminError> {
    require(ctx, &Target::User(id))?;
    if ctx.store.get(&keys::user(ctx.tenant, id)).await?.is_none() {
        return Err(AdminError::not_found("user"));
    }
    check_not_last_owner(ctx, id).await?;
    let t = ctx.tenant;
    let mut change = Plan::new();
    // Memberships: the grant (m/) before its index entry (um/).
    for l in ctx.store.list_all(&keys::user_orgs(t, id)).await? {
        if let Ok(org) = OrgId::new(keys::last_component(&l.key)) {
            change.delete(keys::member(t, &org, id));
        }
        change.delete(l.key);
    }
    delete_listed(
        ctx,
        &mut change,
        &keys::owner_api_keys(t, "user", id.as_str()),
        |k| Some(keys::api_key(t, k)),
    )
    .await?;
    delete_collaborations(ctx, &mut change, "u", id.as_str()).await?;
    change.delete(keys::password(t, id));
    change.delete(keys::user(t, id));
    change.delete(keys::id(t, id.as_str()));
    revoking(plan, t, Revoke::User(id), ctx.now_ms, change);
    Ok(())
}
