//! Tenants: `POST /api/v1/tenants` creates one with its first admin user
//! (the deployment operator's call).

use serde::{Deserialize, Serialize};

use super::{check_email, check_name, check_name_part, read, AdminError};
use crate::auth::Secret;
use crate::core::ids::{TenantId, UserId};
use crate::core::password;
use crate::model::records::{User, UserState};
use crate::store::plan::Plan;
use crate::store::{keys, Store};

/// A tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Tenant {
    /// The tenant slug.
    pub id: TenantId,
    /// Display name.
    pub name: String,
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

/// The first admin of a new tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FirstAdmin {
    /// User ID.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub id: String,
    /// Email address.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::email_address")
    )]
    pub email: String,
    /// Password (8 to 1024 characters); stored hashed only (the HTTP layer
    /// hashes it before the operation runs).
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::password")
    )]
    pub password: Secret,
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
}

/// `POST /api/v1/tenants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CreateTenant {
    /// The tenant slug.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub id: String,
    /// Display name.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name")
    )]
    pub name: String,
    /// Its first admin user.
    pub admin: FirstAdmin,
}

/// What the call answers: the tenant and its admin (never the password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CreatedTenant {
    /// The tenant.
    pub tenant: Tenant,
    /// Its first admin.
    pub admin: User,
}

/// Reads a tenant record.
pub async fn load<S: Store + ?Sized>(
    store: &S,
    id: &TenantId,
) -> Result<Option<Tenant>, AdminError> {
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
    check_name(&req.name)?;
    UserId::new(req.admin.id.as_str())?;
    check_name_part("admin.first_name", &req.admin.first_name)?;
    check_name_part("admin.last_name", &req.admin.last_name)?;
    check_email("admin.email", &req.admin.email, true)?;
    Ok(id)
}

/// Creates a tenant and its first admin. Plans the admin's namespace entry,
/// record and password first and the tenant record last: the tenant exists
/// only once it has an admin, and a retry after a stop overwrites the partial
/// state (nothing can use a tenant whose record is missing). `password_hash`
/// is the PHC string the HTTP layer made of `req.admin.password`.
pub async fn create<S: Store + ?Sized>(
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
    plan.create(keys::id(&id, admin_id.as_str()), "user", None);
    super::users::save_new(plan, &id, &admin);
    plan.create(keys::password(&id, &admin_id), password_hash.expose(), None);
    plan.create_json(keys::tenant(&id), &tenant, None);
    Ok(CreatedTenant { tenant, admin })
}
