//! API keys (CONTRACT section 6): `OWK.<id>.<secret>`, base32 without
//! padding, shown once at creation, stored as the SHA-256 of the secret (the
//! secret carries 256 random bits, so a slow hash would add nothing), with a
//! name, rights and an optional expiry. Keys belong to an organization or a
//! user; their rights never exceed their creator's (the granting rule).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::check_name;
use super::orgs::load as load_org;
use super::records::User;
use super::{read, rights_on_org, write, AdminError, Ctx, Page, Paging};
use crate::decide::{check_grant, Subject};
use crate::ids::{OrgId, UserId};
use crate::rights::{Right, RightSet};
use crate::roles::check_holdable;
use crate::store::{keys, Store};

/// The prefix every key starts with.
pub const PREFIX: &str = "OWK.";

/// Who an API key belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Owner {
    /// An organization's key: acts as the organization.
    Organization(OrgId),
    /// A user's key: acts as the user, within its rights.
    User(UserId),
}

impl Owner {
    fn index_prefix(&self, ctx_tenant: &crate::ids::TenantId) -> String {
        match self {
            Owner::Organization(o) => keys::owner_api_keys(ctx_tenant, "organization", o.as_str()),
            Owner::User(u) => keys::owner_api_keys(ctx_tenant, "user", u.as_str()),
        }
    }
}

/// A stored API key (the secret only as its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// Key ID (base32).
    pub id: String,
    /// Name.
    pub name: String,
    /// Owner.
    pub owner: Owner,
    /// Rights (short form); the ceiling of every request made with it.
    pub rights: RightSet,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Expiry, Unix milliseconds, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at_ms: Option<i64>,
    /// SHA-256 of the secret, base64.
    secret_sha256: String,
}

/// An API key as listings show it: never the secret or its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKeyView {
    /// Key ID.
    pub id: String,
    /// Name.
    pub name: String,
    /// Rights.
    pub rights: RightSet,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Expiry (RFC 3339), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// A newly created key: the view plus the key itself, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatedKey {
    /// The key's fields.
    #[serde(flatten)]
    pub view: ApiKeyView,
    /// `OWK.<id>.<secret>`: store it now, it is not shown again.
    pub key: String,
}

/// `POST …/api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    /// Name, 1 to 50 characters.
    pub name: String,
    /// Rights.
    pub rights: Vec<String>,
    /// Expiry, RFC 3339, in the future.
    #[serde(default)]
    pub expires_at: Option<String>,
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn base32_digit(v: u32) -> char {
    BASE32
        .get((v & 31) as usize)
        .map_or('A', |b| char::from(*b))
}

/// RFC 4648 base32 without padding.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(base32_digit(buffer >> bits));
        }
    }
    if bits > 0 {
        out.push(base32_digit(buffer << (5 - bits)));
    }
    out
}

fn secret_hash(secret: &str) -> String {
    use base64ct::Encoding;
    base64ct::Base64::encode_string(&Sha256::digest(secret.as_bytes()))
}

fn rfc3339(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

impl ApiKey {
    /// The public view.
    pub fn view(&self) -> ApiKeyView {
        ApiKeyView {
            id: self.id.clone(),
            name: self.name.clone(),
            rights: self.rights,
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            expires_at: self.expires_at_ms.and_then(rfc3339),
        }
    }

    /// Whether `secret` is this key's secret (constant time).
    fn secret_matches(&self, secret: &str) -> bool {
        secret_hash(secret)
            .as_bytes()
            .ct_eq(self.secret_sha256.as_bytes())
            .into()
    }
}

/// Splits `OWK.<id>.<secret>`.
pub fn split_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('.')?;
    let ok = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| BASE32.contains(&b));
    (ok(id, 16) && ok(secret, 52)).then_some((id, secret))
}

/// Resolves a presented key: the record when the secret matches and the key
/// has not expired. Every failure is the same `None`.
pub async fn authenticate<S: Store>(
    store: &S,
    tenant: &crate::ids::TenantId,
    key: &str,
    now_ms: i64,
) -> Result<Option<ApiKey>, AdminError> {
    let Some((id, secret)) = split_key(key) else {
        return Ok(None);
    };
    let record: Option<ApiKey> = read(store, &keys::api_key(tenant, id)).await?;
    Ok(record.filter(|k| k.secret_matches(secret) && k.expires_at_ms.is_none_or(|e| e > now_ms)))
}

/// The caller's rights on the owner, and the right that managing its keys needs.
async fn owner_rights<S: Store>(ctx: &Ctx<'_, S>, owner: &Owner) -> Result<RightSet, AdminError> {
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

/// `POST …/api-keys`: needs the owner's `…_SETTINGS_API_KEYS` right and every
/// right the key will carry. Writes the owner's index entry, then the key.
pub async fn create<S: Store>(
    ctx: &Ctx<'_, S>,
    owner: Owner,
    req: CreateKey,
    rng: &dyn Fn(&mut [u8]) -> bool,
) -> Result<CreatedKey, AdminError> {
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

    let mut id_bytes = [0u8; 10];
    let mut secret_bytes = [0u8; 32];
    if !(rng(&mut id_bytes) && rng(&mut secret_bytes)) {
        return Err(AdminError::new(
            500,
            "no_randomness",
            "the platform gave no random bytes; nothing was changed",
        ));
    }
    let (id, secret) = (base32(&id_bytes), base32(&secret_bytes));
    let now = ctx.timestamp();
    let key = ApiKey {
        id: id.clone(),
        name: req.name,
        owner: owner.clone(),
        rights,
        created_at: now.clone(),
        updated_at: now,
        expires_at_ms,
        secret_sha256: secret_hash(&secret),
    };
    ctx.store
        .put(&format!("{}{id}", owner.index_prefix(ctx.tenant)), "", None)
        .await?;
    write(ctx.store, &keys::api_key(ctx.tenant, &id), &key, None).await?;
    Ok(CreatedKey {
        view: key.view(),
        key: format!("{PREFIX}{id}.{secret}"),
    })
}

async fn owned<S: Store>(ctx: &Ctx<'_, S>, owner: &Owner, id: &str) -> Result<ApiKey, AdminError> {
    let key: Option<ApiKey> = read(ctx.store, &keys::api_key(ctx.tenant, id)).await?;
    key.filter(|k| k.owner == *owner)
        .ok_or_else(|| AdminError::not_found("API key"))
}

/// `GET …/api-keys`.
pub async fn list<S: Store>(
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
pub async fn get<S: Store>(
    ctx: &Ctx<'_, S>,
    owner: Owner,
    id: &str,
) -> Result<ApiKeyView, AdminError> {
    owner_rights(ctx, &owner).await?;
    Ok(owned(ctx, &owner, id).await?.view())
}

/// `PUT …/api-keys/{id}`: rename, change rights (granting rule on the change).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateKey {
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New rights.
    #[serde(default)]
    pub rights: Option<Vec<String>>,
}

/// `PUT …/api-keys/{id}`.
pub async fn update<S: Store>(
    ctx: &Ctx<'_, S>,
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
    write(ctx.store, &keys::api_key(ctx.tenant, id), &key, None).await?;
    Ok(key.view())
}

/// `DELETE …/api-keys/{id}`: the key first (it stops working at once here),
/// then the owner's index entry.
pub async fn delete<S: Store>(ctx: &Ctx<'_, S>, owner: Owner, id: &str) -> Result<(), AdminError> {
    let held = owner_rights(ctx, &owner).await?;
    let key = owned(ctx, &owner, id).await?;
    check_grant(held, key.rights, RightSet::EMPTY)?;
    ctx.store.delete(&keys::api_key(ctx.tenant, id)).await?;
    ctx.store
        .delete(&format!("{}{id}", owner.index_prefix(ctx.tenant)))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(input.as_bytes()), want);
        }
        assert_eq!(base32(&[0xff; 10]).len(), 16);
        assert_eq!(base32(&[0xff; 32]).len(), 52);
    }

    #[test]
    fn keys_split_strictly() {
        let key = format!("OWK.{}.{}", base32(&[1; 10]), base32(&[2; 32]));
        assert!(split_key(&key).is_some());
        assert!(split_key(&key.to_lowercase()).is_none());
        assert!(split_key(&key.replace("OWK.", "XYZ.")).is_none());
        assert!(split_key(&format!("{key}A")).is_none());
        assert!(split_key("OWK..").is_none());
    }
}
