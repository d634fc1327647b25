//! Tenants: `POST /api/v1/tenants` creates one with its first admin user
//! (the deployment operator's call).

use serde::{Deserialize, Serialize};

use super::{check_text, read, AdminError, NAME_MAX};
use crate::auth::Secret;
use crate::core::ids::{TenantId, UserId};
use crate::core::password;
use crate::model::records::{User, UserState};
use crate::store::plan::Plan;
use crate::store::{keys, Store};

/// A tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// The tenant slug.
    pub id: TenantId,
    /// Display name.
    pub name: String,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

/// The first admin of a new tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirstAdmin {
    /// User ID.
    pub id: String,
    /// Email address.
    pub email: String,
    /// Password (8 to 1024 characters); stored hashed only (the HTTP layer
    /// hashes it before the operation runs).
    pub password: Secret,
    /// Given name.
    #[serde(default)]
    pub first_name: String,
    /// Family name.
    #[serde(default)]
    pub last_name: String,
}

/// `POST /api/v1/tenants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTenant {
    /// The tenant slug.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Its first admin user.
    pub admin: FirstAdmin,
}

/// What the call answers: the tenant and its admin (never the password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatedTenant {
    /// The tenant.
    pub tenant: Tenant,
    /// Its first admin.
    pub admin: User,
}

/// Reads a tenant record.
pub async fn load<S: Store>(store: &S, id: &TenantId) -> Result<Option<Tenant>, AdminError> {
    read(store, &keys::tenant(id)).await
}

/// Checks what needs no store, the password included (the HTTP layer runs
/// this before hashing the password).
pub fn check_new(req: &CreateTenant) -> Result<TenantId, AdminError> {
    let id = check_fields(req)?;
    password::check_policy(req.admin.password.expose())
        .map_err(|_| AdminError::invalid("`admin.password` has 8 to 1024 characters"))?;
    Ok(id)
}

/// The fields besides the password (which the planner never sees).
fn check_fields(req: &CreateTenant) -> Result<TenantId, AdminError> {
    let id = TenantId::new(req.id.as_str())?;
    if req.name.trim().is_empty() {
        return Err(AdminError::invalid("`name` is required"));
    }
    check_text("name", &req.name, NAME_MAX)?;
    UserId::new(req.admin.id.as_str())?;
    check_text("first_name", &req.admin.first_name, NAME_MAX)?;
    check_text("last_name", &req.admin.last_name, NAME_MAX)?;
    check_text("email", &req.admin.email, 254)?;
    if req.admin.email.matches('@').count() != 1 {
        return Err(AdminError::invalid("`admin.email` is not an email address"));
    }
    Ok(id)
}

/// Creates a tenant and its first admin. Plans the admin's namespace entry,
/// record and password first and the tenant record last: the tenant exists
/// only once it has an admin, and a retry after a stop overwrites the partial
/// state (nothing can use a tenant whose record is missing). `password_hash`
/// is the PHC string the HTTP layer made of `req.admin.password`.
pub async fn create<S: Store>(
    store: &S,
    plan: &mut Plan,
    now: &str,
    req: CreateTenant,
    password_hash: &Secret,
) -> Result<CreatedTenant, AdminError> {
    let id = check_fields(&req)?;
    let admin_id = UserId::new(req.admin.id.as_str())?;
    if load(store, &id).await?.is_some() {
        return Err(AdminError::new(
            409,
            "tenant_exists",
            format!("tenant {id} exists"),
        ));
    }
    let admin = User {
        id: admin_id.clone(),
        first_name: req.admin.first_name,
        last_name: req.admin.last_name,
        email: req.admin.email,
        state: UserState::Approved,
        admin: true,
        created_at: now.to_owned(),
        updated_at: now.to_owned(),
        deleted_at: None,
    };
    let tenant = Tenant {
        id: id.clone(),
        name: req.name,
        created_at: now.to_owned(),
        updated_at: now.to_owned(),
    };
    plan.put(keys::id(&id, admin_id.as_str()), "user", None);
    super::users::save(plan, &id, &admin);
    plan.put(keys::password(&id, &admin_id), password_hash.expose(), None);
    plan.put_json(keys::tenant(&id), &tenant, None);
    Ok(CreatedTenant { tenant, admin })
}
