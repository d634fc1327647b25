//! Users: create, get, list (tenant admins; a user reads itself).

use serde::{Deserialize, Serialize};

use super::orgs::check_id_free;
use super::revocations::{revoking, Revoke};
use super::{check_email, check_name_part, read, AdminError, Ctx, Page, Paging};
use crate::auth::Secret;
use crate::core::decide::Subject;
use crate::core::ids::{TenantId, UserId};
use crate::core::password;
use crate::core::rights::{Right, RightSet};
use crate::model::records::{ListingMeta, User, UserState};
use crate::store::plan::Plan;
use crate::store::{keys, Store};

/// `POST /api/v1/admin/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CreateUser {
    /// The new user's ID.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub id: String,
    /// Given name.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name_part")
    )]
    pub first_name: String,
    /// Family name.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name_part")
    )]
    pub last_name: String,
    /// Email address.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::email")
    )]
    pub email: String,
    /// Initial state (default `approved`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "crate::model::records::UserState")
    )]
    pub state: Option<UserState>,
    /// Tenant admin.
    #[serde(default)]
    pub admin: bool,
    /// Initial password (8 to 1024 characters); stored hashed, apart from
    /// the record. The HTTP layer hashes it before the operation runs.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::password")
    )]
    pub password: Option<Secret>,
}

fn state_name(s: UserState) -> &'static str {
    match s {
        UserState::Requested => "requested",
        UserState::Approved => "approved",
        UserState::Rejected => "rejected",
        UserState::Flagged => "flagged",
        UserState::Suspended => "suspended",
    }
}

fn metadata(u: &User) -> String {
    let meta = ListingMeta {
        name: format!("{} {}", u.first_name, u.last_name)
            .trim()
            .to_owned(),
        state: state_name(u.state).into(),
        deleted: u.deleted_at.is_some(),
    };
    serde_json::to_string(&meta).unwrap_or_default()
}

/// Whether the caller is user `id` acting with `right` in its credential.
fn is_self_with<S: ?Sized>(ctx: &Ctx<'_, S>, id: &UserId, right: Right) -> bool {
    ctx.caller.user() == Some(id)
        && Subject::new(ctx.caller.principal.clone(), [], false, ctx.caller.ceiling)
            .ceiling()
            .contains(right)
}

/// Tenant-level rights the caller must hold for user administration.
fn require_tenant<S: ?Sized>(ctx: &Ctx<'_, S>, right: Right) -> Result<(), AdminError> {
    Subject::require(ctx.caller.tenant_rights(), RightSet::of(&[right]))?;
    Ok(())
}

/// Checks the fields of a new user that need no store (the HTTP layer runs
/// this before hashing the password).
pub fn check_new(req: &CreateUser) -> Result<UserId, AdminError> {
    let id = UserId::new(req.id.as_str())?;
    check_name_part("first_name", &req.first_name)?;
    check_name_part("last_name", &req.last_name)?;
    check_email("email", &req.email, false)?;
    if let Some(p) = &req.password {
        password::check_policy(p.expose())
            .map_err(|_| AdminError::invalid("`password` has 8 to 1024 characters"))?;
    }
    Ok(id)
}

/// Creates a user (tenant admins only). Plans the namespace entry, the
/// record, then the password hash (the PHC string the HTTP layer made) under
/// its own key. `req.password` is ignored here: only its hash is stored.
pub async fn create<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    req: CreateUser,
    password_hash: Option<&Secret>,
) -> Result<User, AdminError> {
    require_tenant(ctx, Right::UserAll)?;
    let id = check_new(&req)?;
    check_id_free(ctx, id.as_str()).await?;
    let now = ctx.timestamp();
    let user = User {
        id: id.clone(),
        first_name: req.first_name,
        last_name: req.last_name,
        email: req.email,
        state: req.state.unwrap_or(UserState::Approved),
        admin: req.admin,
        created_at: now.clone(),
        updated_at: now,
        deleted_at: None,
    };
    plan.create(keys::id(ctx.tenant, id.as_str()), "user", None);
    save_new(plan, ctx.tenant, &user);
    if let Some(hash) = password_hash {
        plan.create(keys::password(ctx.tenant, &id), hash.expose(), None);
    }
    Ok(user)
}

/// A user: itself, or anyone for a tenant admin.
pub async fn get<S: Store + ?Sized>(ctx: &Ctx<'_, S>, id: &UserId) -> Result<User, AdminError> {
    if ctx.caller.user() != Some(id) {
        require_tenant(ctx, Right::UserInfo)?;
    }
    get_any(ctx, id).await
}

/// `PUT /api/v1/admin/users/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct UpdateUser {
    /// Given name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name_part")
    )]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name_part")
    )]
    pub last_name: Option<String>,
    /// Email address.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::email")
    )]
    pub email: Option<String>,
    /// State (tenant admins only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(
        feature = "openapi",
        schemars(with = "crate::model::records::UserState")
    )]
    pub state: Option<UserState>,
    /// Tenant admin flag (tenant admins only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(feature = "openapi", schemars(with = "bool"))]
    pub admin: Option<bool>,
}

/// Whether the caller administers the members of an organization `user` belongs to.
async fn admins_a_member<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    user: &UserId,
) -> Result<bool, AdminError> {
    for l in ctx
        .store
        .list_all(&keys::user_orgs(ctx.tenant, user))
        .await?
    {
        let Ok(org) = crate::core::ids::OrgId::new(keys::last_component(&l.key)) else {
            continue;
        };
        if super::rights_on_org(ctx, &org)
            .await?
            .contains(Right::OrganizationSettingsMembers)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Changes a user. Tenant admins change anything; a user changes its own
/// names and email (`RIGHT_USER_SETTINGS_BASIC`); an organization admin
/// changes the first and last names of its members, as Tyk's super admins do.
pub async fn update<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    id: &UserId,
    req: UpdateUser,
) -> Result<User, AdminError> {
    for (field, value) in [
        ("first_name", &req.first_name),
        ("last_name", &req.last_name),
    ] {
        if let Some(v) = value {
            check_name_part(field, v)?;
        }
    }
    if let Some(e) = &req.email {
        check_email("email", e, false)?;
    }
    let mut user = get_any(ctx, id).await?;
    let tenant_admin = ctx.caller.tenant_rights().contains(Right::UserAll);
    let is_self = is_self_with(ctx, id, Right::UserSettingsBasic);
    let wants_admin_fields = req.state.is_some() || req.admin.is_some();
    let wants_email = req.email.is_some();
    let allowed = if tenant_admin {
        true
    } else if wants_admin_fields {
        false
    } else if is_self {
        true
    } else {
        !wants_email && admins_a_member(ctx, id).await?
    };
    if !allowed {
        let missing = if wants_admin_fields || wants_email {
            Right::UserAll
        } else {
            Right::UserSettingsBasic
        };
        return Err(AdminError {
            status: 403,
            code: "insufficient_rights".into(),
            message: "not allowed to change these fields of this user".into(),
            missing: Some(RightSet::of(&[missing])),
            challenge: None,
        });
    }
    if let Some(v) = req.first_name {
        user.first_name = v;
    }
    if let Some(v) = req.last_name {
        user.last_name = v;
    }
    if let Some(v) = req.email {
        user.email = v;
    }
    let (state_before, admin_before) = (user.state, user.admin);
    if let Some(v) = req.state {
        user.state = v;
    }
    if let Some(v) = req.admin {
        user.admin = v;
    }
    user.updated_at = ctx.timestamp();
    if user.state != state_before || user.admin != admin_before {
        let mut change = Plan::new();
        save(&mut change, ctx.tenant, &user);
        revoking(plan, ctx.tenant, Revoke::User(id), ctx.now_ms, change);
    } else {
        save(plan, ctx.tenant, &user);
    }
    Ok(user)
}

/// Plans a user record with its listing metadata.
pub(super) fn save(plan: &mut Plan, tenant: &TenantId, user: &User) {
    plan.put_json(keys::user(tenant, &user.id), user, Some(metadata(user)));
}

/// Plans a new user's record (its ID was free).
pub(super) fn save_new(plan: &mut Plan, tenant: &TenantId, user: &User) {
    plan.create_json(keys::user(tenant, &user.id), user, Some(metadata(user)));
}

async fn get_any<S: Store + ?Sized>(ctx: &Ctx<'_, S>, id: &UserId) -> Result<User, AdminError> {
    let user: Option<User> = read(ctx.store, &keys::user(ctx.tenant, id)).await?;
    user.filter(|u| u.deleted_at.is_none())
        .ok_or_else(|| AdminError::not_found("user"))
}

/// Soft-deletes a user (a tenant admin, or the user itself with
/// `RIGHT_USER_DELETE`): the record keeps `deleted_at`, the ID stays reserved,
/// the user gets no more tokens, and its tokens already issued are revoked.
/// Memberships stay for a restore.
pub async fn delete<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    id: &UserId,
) -> Result<(), AdminError> {
    let mut user = get_any(ctx, id).await?;
    let own = is_self_with(ctx, id, Right::UserDelete);
    if !own {
        require_tenant(ctx, Right::UserDelete)?;
    }
    let now = ctx.timestamp();
    user.deleted_at = Some(now.clone());
    user.updated_at = now;
    let mut change = Plan::new();
    save(&mut change, ctx.tenant, &user);
    revoking(plan, ctx.tenant, Revoke::User(id), ctx.now_ms, change);
    Ok(())
}

/// Filters of the users listing (applied to listing metadata, no reads).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Substring of the ID.
    pub id_contains: Option<String>,
    /// Substring of "first last" (case-insensitive).
    pub name_contains: Option<String>,
    /// Exact state.
    pub state: Option<UserState>,
    /// Soft-deleted ones instead.
    pub deleted: bool,
}

/// All users (tenant admins), filtered on the listing metadata.
pub async fn list<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    filter: &UserFilter,
    paging: Paging,
) -> Result<Page<User>, AdminError> {
    require_tenant(ctx, Right::UserInfo)?;
    let prefix = keys::users(ctx.tenant);
    let name = filter.name_contains.as_deref().map(str::to_lowercase);
    let ids: Vec<UserId> = ctx
        .store
        .list_all(&prefix)
        .await?
        .into_iter()
        .filter(|l| {
            l.metadata
                .as_deref()
                .and_then(|m| serde_json::from_slice::<ListingMeta>(m.as_bytes()).ok())
                .is_some_and(|m| {
                    m.deleted == filter.deleted
                        && name
                            .as_deref()
                            .is_none_or(|n| m.name.to_lowercase().contains(n))
                        && filter.state.is_none_or(|s| state_name(s) == m.state)
                })
        })
        .filter_map(|l| UserId::new(l.key.strip_prefix(&prefix)?).ok())
        .filter(|id| {
            filter
                .id_contains
                .as_deref()
                .is_none_or(|s| id.as_str().contains(s))
        })
        .collect();
    let page = paging.apply(ids);
    let mut items = Vec::with_capacity(page.items.len());
    for id in &page.items {
        if let Some(u) = read::<S, User>(ctx.store, &keys::user(ctx.tenant, id)).await? {
            items.push(u);
        }
    }
    Ok(Page {
        items,
        total: page.total,
    })
}
