//! Users: create, get, list (tenant admins; a user reads itself).

use serde::Deserialize;

use super::orgs::check_id_free;
use super::records::{ListingMeta, User, UserState};
use super::{check_text, read, write, AdminError, Ctx, Page, Paging, NAME_MAX};
use crate::decide::Subject;
use crate::ids::UserId;
use crate::password;
use crate::rights::{Right, RightSet};
use crate::store::{keys, Store};

/// `POST /api/v1/admin/users`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// The new user's ID.
    pub id: String,
    /// Given name.
    #[serde(default)]
    pub first_name: String,
    /// Family name.
    #[serde(default)]
    pub last_name: String,
    /// Email address.
    #[serde(default)]
    pub email: String,
    /// Initial state (default `approved`).
    #[serde(default)]
    pub state: Option<UserState>,
    /// Tenant admin.
    #[serde(default)]
    pub admin: bool,
    /// Initial password (8 to 1024 characters); stored hashed, apart from the record.
    #[serde(default)]
    pub password: Option<String>,
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

/// Tenant-level rights the caller must hold for user administration.
fn require_tenant<S>(ctx: &Ctx<'_, S>, right: Right) -> Result<(), AdminError> {
    Subject::require(ctx.caller.tenant_rights(), RightSet::of(&[right]))?;
    Ok(())
}

fn check_email(email: &str) -> Result<(), AdminError> {
    check_text("email", email, 254)?;
    if !email.is_empty()
        && (email.chars().filter(|c| *c == '@').count() != 1
            || email.starts_with('@')
            || email.ends_with('@')
            || email.contains(char::is_whitespace))
    {
        return Err(AdminError::invalid("`email` is not an email address"));
    }
    Ok(())
}

/// Creates a user (tenant admins only). Writes the namespace entry, the
/// record, then the password hash (drawn with `salt`) under its own key.
pub async fn create<S: Store>(
    ctx: &Ctx<'_, S>,
    req: CreateUser,
    salt: &[u8; 16],
    iterations: u32,
) -> Result<User, AdminError> {
    require_tenant(ctx, Right::UserAll)?;
    let id = UserId::new(req.id.as_str())?;
    check_text("first_name", &req.first_name, NAME_MAX)?;
    check_text("last_name", &req.last_name, NAME_MAX)?;
    check_email(&req.email)?;
    if let Some(p) = &req.password {
        password::check_policy(p)
            .map_err(|_| AdminError::invalid("`password` has 8 to 1024 characters"))?;
    }
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
    ctx.store
        .put(&keys::id(ctx.tenant, id.as_str()), "user", None)
        .await?;
    write(
        ctx.store,
        &keys::user(ctx.tenant, &id),
        &user,
        Some(&metadata(&user)),
    )
    .await?;
    if let Some(p) = &req.password {
        let hash = password::hash(p, salt, iterations);
        ctx.store
            .put(&keys::password(ctx.tenant, &id), &hash, None)
            .await?;
    }
    Ok(user)
}

/// A user: itself, or anyone for a tenant admin.
pub async fn get<S: Store>(ctx: &Ctx<'_, S>, id: &UserId) -> Result<User, AdminError> {
    if ctx.caller.user() != Some(id) {
        require_tenant(ctx, Right::UserInfo)?;
    }
    let user: Option<User> = read(ctx.store, &keys::user(ctx.tenant, id)).await?;
    user.filter(|u| u.deleted_at.is_none())
        .ok_or_else(|| AdminError::not_found("user"))
}

/// All users (tenant admins), filtered by `id_contains` on the listing.
pub async fn list<S: Store>(
    ctx: &Ctx<'_, S>,
    id_contains: Option<&str>,
    paging: Paging,
) -> Result<Page<User>, AdminError> {
    require_tenant(ctx, Right::UserInfo)?;
    let prefix = keys::users(ctx.tenant);
    let ids: Vec<UserId> = ctx
        .store
        .list_all(&prefix)
        .await?
        .into_iter()
        .filter(|l| {
            l.metadata
                .as_deref()
                .and_then(|m| serde_json::from_str::<ListingMeta>(m).ok())
                .is_some_and(|m| !m.deleted)
        })
        .filter_map(|l| UserId::new(l.key.strip_prefix(&prefix)?).ok())
        .filter(|id| id_contains.is_none_or(|s| id.as_str().contains(s)))
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
