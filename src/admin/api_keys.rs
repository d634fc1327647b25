//! API keys (CONTRACT section 6): `OWK.<id>.<secret>`, base32 without
//! padding, shown once at creation, stored as the SHA-256 of the secret (the
//! secret carries 256 random bits, so a slow hash would add nothing), with a
//! name, rights and an optional expiry. Keys belong to an organization or a
//! user; their rights never exceed their creator's (the granting rule).

use serde::{Deserialize, Serialize};

use super::check_name;
use super::orgs::load as load_org;
use super::{read, rights_on_org, AdminError, Ctx, Page, Paging};
use crate::core::decide::{check_grant, Subject};
use crate::core::rights::{Right, RightSet};
use crate::core::roles::check_holdable;
pub use crate::model::api_key::{
    base32, secret_hash, split_key, ApiKey, ApiKeyView, Owner, PREFIX,
};
use crate::model::records::User;
use crate::store::plan::Plan;
use crate::store::{keys, Store};

/// A newly created key: the view plus the key itself, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CreatedKey {
    /// The key's fields.
    #[serde(flatten)]
    pub view: ApiKeyView,
    /// `OWK.<id>.<secret>`: store it now, it is not shown again.
    #[cfg_attr(
        feature = "openapi",
        schemars(regex(pattern = r"^OWK\.[A-Z2-7]{16}\.[A-Z2-7]{52}$"))
    )]
    pub key: crate::auth::Secret,
}

/// `POST …/api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CreateKey {
    /// Name, 1 to 50 characters.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name")
    )]
    pub name: String,
    /// Rights.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::rights")
    )]
    pub rights: Vec<String>,
    /// Expiry, RFC 3339, in the future.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::date_time")
    )]
    pub expires_at: Option<String>,
}

/// The caller's rights on the owner, and the right that managing its keys needs.
async fn owner_rights<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    owner: &Owner,
) -> Result<RightSet, AdminError> {
    let (held, needed) = match owner {
        Owner::Organization(o) => {
            load_org(ctx, o).await?;
            (
                rights_on_org(ctx, o).await?,
                Right::OrganizationSettingsApiKeys,
            )
        }
        Owner::User(u) => {
            let user: Option<User> = read(ctx.store, &keys::user(ctx.tenant, u)).await?;
            if user.is_none_or(|u| u.deleted_at.is_some()) {
                return Err(AdminError::not_found("user"));
            }
            // A user holds everything on itself (cut by the credential); admins hold it through universal rights.
            let own = if ctx.caller.user() == Some(u) {
                Subject::new(
                    ctx.caller.principal.clone(),
                    [],
                    ctx.caller.admin,
                    ctx.caller.ceiling,
                )
                .ceiling()
            } else {
                ctx.caller.tenant_rights()
            };
            (own, Right::UserSettingsApiKeys)
        }
    };
    Subject::require(held, RightSet::of(&[needed]))?;
    Ok(held)
}

/// A new key's ID and the SHA-256 of its secret, drawn by the adapter (the
/// core has no randomness). The secret itself never reaches the planner:
/// the adapter shows it to the caller once and forgets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    /// Key ID (16 base32 characters).
    pub id: String,
    /// SHA-256 of the secret, base64.
    pub secret_sha256: String,
}

impl NewKey {
    /// From 10 random bytes of ID and 32 of secret: the new key's record
    /// part and its full text, `OWK.<id>.<secret>`.
    pub fn draw(id_bytes: &[u8; 10], secret_bytes: &[u8; 32]) -> (NewKey, crate::auth::Secret) {
        let (id, secret) = (base32(id_bytes), base32(secret_bytes));
        let text = crate::auth::Secret::new(format!("{PREFIX}{id}.{secret}"));
        (
            NewKey {
                secret_sha256: secret_hash(&secret),
                id,
            },
            text,
        )
    }
}

/// `POST …/api-keys`: needs the owner's `…_SETTINGS_API_KEYS` right and every
/// right the key will carry. Plans the owner's index entry, then the key.
pub async fn create<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    owner: Owner,
    req: CreateKey,
    new: &NewKey,
) -> Result<ApiKeyView, AdminError> {
    check_name(&req.name)?;
    let rights = RightSet::from_names(req.rights.iter().map(String::as_str))?;
    if let Owner::Organization(_) = owner {
        check_holdable(rights)?;
    }
    let expires_at_ms = match &req.expires_at {
        None => None,
        Some(t) => {
            let at = chrono::DateTime::parse_from_rfc3339(t)
                .map_err(|_| AdminError::invalid("`expires_at` is an RFC 3339 time"))?;
            let ms = at.timestamp_millis();
            if ms <= ctx.now_ms {
                return Err(AdminError::invalid("`expires_at` is in the past"));
            }
            Some(ms)
        }
    };
    let held = owner_rights(ctx, &owner).await?;
    check_grant(held, RightSet::EMPTY, rights)?;

    if !crate::model::api_key::is_key_id(&new.id) {
        return Err(AdminError::invalid(
            "a new key's ID is 16 base32 characters",
        ));
    }
    if read::<S, ApiKey>(ctx.store, &keys::api_key(ctx.tenant, &new.id))
        .await?
        .is_some()
    {
        // 80 random bits: only a broken random source gets here.
        return Err(AdminError::new(
            500,
            "no_randomness",
            "a key with this ID exists; nothing was changed",
        ));
    }
    let id = new.id.clone();
    let now = ctx.timestamp();
    let key = ApiKey {
        id: id.clone(),
        name: req.name,
        owner: owner.clone(),
        rights,
        created_at: now.clone(),
        updated_at: now,
        expires_at_ms,
        secret_sha256: new.secret_sha256.clone(),
    };
    plan.create(format!("{}{id}", owner.index_prefix(ctx.tenant)), "", None);
    plan.create_json(keys::api_key(ctx.tenant, &id), &key, None);
    Ok(key.view())
}

async fn owned<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    owner: &Owner,
    id: &str,
) -> Result<ApiKey, AdminError> {
    let key: Option<ApiKey> = read(ctx.store, &keys::api_key(ctx.tenant, id)).await?;
    key.filter(|k| k.owner == *owner)
        .ok_or_else(|| AdminError::not_found("API key"))
}

/// `GET …/api-keys`.
pub async fn list<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    owner: Owner,
    paging: Paging,
) -> Result<Page<ApiKeyView>, AdminError> {
    owner_rights(ctx, &owner).await?;
    let prefix = owner.index_prefix(ctx.tenant);
    let page = paging.apply(ctx.store.list_all(&prefix).await?);
    let mut items = Vec::with_capacity(page.items.len());
    for l in &page.items {
        if let Some(k) = read::<S, ApiKey>(
            ctx.store,
            &keys::api_key(ctx.tenant, keys::last_component(&l.key)),
        )
        .await?
        {
            items.push(k.view());
        }
    }
    Ok(Page {
        items,
        total: page.total,
    })
}

/// `GET …/api-keys/{id}`.
pub async fn get<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    owner: Owner,
    id: &str,
) -> Result<ApiKeyView, AdminError> {
    owner_rights(ctx, &owner).await?;
    Ok(owned(ctx, &owner, id).await?.view())
}

/// `PUT …/api-keys/{id}`: rename, change rights (granting rule on the change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct UpdateKey {
    /// New name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name")
    )]
    pub name: Option<String>,
    /// New rights.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::rights")
    )]
    pub rights: Option<Vec<String>>,
}

/// `PUT …/api-keys/{id}`.
pub async fn update<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    owner: Owner,
    id: &str,
    req: UpdateKey,
) -> Result<ApiKeyView, AdminError> {
    let held = owner_rights(ctx, &owner).await?;
    let mut key = owned(ctx, &owner, id).await?;
    if let Some(name) = req.name {
        check_name(&name)?;
        key.name = name;
    }
    if let Some(names) = req.rights {
        let rights = RightSet::from_names(names.iter().map(String::as_str))?;
        check_grant(held, key.rights, rights)?;
        key.rights = rights;
    }
    key.updated_at = ctx.timestamp();
    plan.put_json(keys::api_key(ctx.tenant, id), &key, None);
    Ok(key.view())
}

/// `DELETE …/api-keys/{id}`: the key first (it stops working at once here),
/// then the owner's index entry.
pub async fn delete<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    owner: Owner,
    id: &str,
) -> Result<(), AdminError> {
    let held = owner_rights(ctx, &owner).await?;
    let key = owned(ctx, &owner, id).await?;
    check_grant(held, key.rights, RightSet::EMPTY)?;
    plan.delete(keys::api_key(ctx.tenant, id));
    plan.delete(format!("{}{id}", owner.index_prefix(ctx.tenant)));
    Ok(())
}
