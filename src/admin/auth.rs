//! The token endpoint's grants (CONTRACT section 5): `password` now,
//! `client_credentials` with API keys. Answers and errors follow OAuth 2.0
//! (RFC 6749 section 5).

use std::collections::BTreeMap;

use serde::Serialize;

use super::records::{Membership, OrgState, Organization, User, UserState};
use super::{membership_rights, read, tenants, AdminError, Caller, Ctx};
use crate::decide::Principal;
use crate::ids::{OrgId, TenantId, UserId};
use crate::password;
use crate::store::{keys, Store};
use crate::token::keys::SigningKeys;
use crate::token::{sign, AccessClaims, Audience, OrgClaim};

/// A successful token response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Lifetime in seconds.
    pub expires_in: i64,
}

/// The token endpoint's error when a token issued now would be born revoked
/// (see [`super::revocations`]); the worker waits for the next second and asks again.
pub const TRY_NEXT_SECOND: &str = "temporarily_unavailable";

/// An OAuth 2.0 error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OAuthError {
    /// HTTP status: 400, or 401 for `invalid_client`.
    #[serde(skip)]
    pub status: u16,
    /// `invalid_request`, `invalid_grant`, `invalid_client`, `unsupported_grant_type`.
    pub error: &'static str,
    /// For people.
    pub error_description: String,
}

impl OAuthError {
    /// 401 `invalid_client`.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new("invalid_client", description)
    }

    fn new(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status: if error == "invalid_client" { 401 } else { 400 },
            error,
            error_description: description.into(),
        }
    }
}

impl From<AdminError> for OAuthError {
    fn from(e: AdminError) -> Self {
        OAuthError {
            status: e.status.max(500),
            error: "server_error",
            error_description: e.message,
        }
    }
}

/// What signing a token needs besides the store.
#[derive(Debug, Clone, Copy)]
pub struct Issuer<'a> {
    /// `PUBLIC_BASE_URL`.
    pub base_url: &'a str,
    /// The deployment's signing keys.
    pub keys: &'a SigningKeys,
    /// Now, Unix milliseconds.
    pub now_ms: i64,
    /// Token lifetime, seconds.
    pub ttl_secs: i64,
    /// A fresh token ID.
    pub jti: &'a str,
}

/// Every approved, live membership of `user`, as the `orgs` claim. Reads the
/// user's reverse index and, per organization, its record and the membership
/// (the grant); index entries without a membership are skipped.
pub async fn org_claims<S: Store>(
    store: &S,
    tenant: &TenantId,
    user: &UserId,
    now_ms: i64,
) -> Result<BTreeMap<OrgId, OrgClaim>, AdminError> {
    let caller = Caller {
        principal: Principal::User(user.clone()),
        admin: false,
        ceiling: None,
    };
    let ctx = Ctx {
        store,
        tenant,
        now_ms,
        caller: &caller,
    };
    let mut orgs = BTreeMap::new();
    for l in store.list_all(&keys::user_orgs(tenant, user)).await? {
        let Ok(org) = OrgId::new(keys::last_component(&l.key)) else {
            continue;
        };
        let record: Option<Organization> = read(store, &keys::org(tenant, &org)).await?;
        if !record.is_some_and(|o| o.state == OrgState::Approved && o.deleted_at.is_none()) {
            continue;
        }
        let Some(m) = read::<S, Membership>(store, &keys::member(tenant, &org, user)).await? else {
            continue;
        };
        let rights = membership_rights(&ctx, &m).await?;
        let role = match m.grant {
            super::records::Grant::Role(r) => Some(r),
            super::records::Grant::Rights(_) => None,
        };
        orgs.insert(org, OrgClaim { role, rights });
    }
    Ok(orgs)
}

/// The `password` grant: an approved user with the right password gets an
/// access token carrying its approved memberships. Wrong user and wrong
/// password give one answer, so the endpoint does not tell which IDs exist.
pub async fn password_grant<S: Store>(
    store: &S,
    tenant: &TenantId,
    issuer: &Issuer<'_>,
    username: &str,
    password_text: &str,
) -> Result<TokenResponse, OAuthError> {
    let refused = || OAuthError::new("invalid_grant", "the username or password is wrong");
    let user_id = UserId::new(username).map_err(|_| refused())?;
    let stored = store
        .get(&keys::password(tenant, &user_id))
        .await
        .map_err(AdminError::from)?;
    let user: Option<User> = read(store, &keys::user(tenant, &user_id)).await?;
    let (Some(stored), Some(user)) = (stored, user.filter(|u| u.deleted_at.is_none())) else {
        return Err(refused());
    };
    if !password::verify(password_text, &stored).unwrap_or(false) {
        return Err(refused());
    }
    if user.state != UserState::Approved {
        return Err(OAuthError::new(
            "invalid_grant",
            "the account is not approved",
        ));
    }
    let orgs = org_claims(store, tenant, &user_id, issuer.now_ms).await?;
    if super::revocations::born_revoked(store, tenant, &user_id, orgs.keys(), issuer.now_ms).await?
    {
        return Err(OAuthError {
            status: 503,
            error: TRY_NEXT_SECOND,
            error_description:
                "a revocation for this account took effect this second; ask again in a second"
                    .into(),
        });
    }
    let now = issuer.now_ms.div_euclid(1000);
    let claims = AccessClaims {
        exp: now.saturating_add(issuer.ttl_secs),
        iat: now,
        nbf: None,
        iss: format!("{}/t/{tenant}", issuer.base_url),
        sub: user_id.to_string(),
        aud: Audience::One(issuer.base_url.to_owned()),
        jti: issuer.jti.to_owned(),
        tid: tenant.clone(),
        client_id: None,
        orgs,
        adm: user.admin,
        rights: None,
    };
    let access_token =
        sign(issuer.keys, &claims).map_err(|e| OAuthError::new("server_error", e.to_string()))?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: issuer.ttl_secs,
    })
}

/// The `client_credentials` grant: an API key (`OWK.<id>.<secret>`) gets a
/// token with `sub` `apikey:<id>`, `client_id` the key ID and `rights` the
/// key's rights. Such tokens carry no `orgs`: the edge resolves the key's
/// owner from the store, so deleting the key revokes them.
pub async fn client_credentials_grant<S: Store>(
    store: &S,
    tenant: &TenantId,
    issuer: &Issuer<'_>,
    key: &str,
) -> Result<TokenResponse, OAuthError> {
    let key = super::api_keys::authenticate(store, tenant, key, issuer.now_ms)
        .await?
        .ok_or_else(|| {
            OAuthError::invalid_client("the API key is unknown, wrong, expired or deleted")
        })?;
    let now = issuer.now_ms.div_euclid(1000);
    let mut exp = now.saturating_add(issuer.ttl_secs);
    if let Some(key_exp) = key.expires_at_ms {
        exp = exp.min(key_exp.div_euclid(1000));
    }
    let claims = AccessClaims {
        exp,
        iat: now,
        nbf: None,
        iss: format!("{}/t/{tenant}", issuer.base_url),
        sub: format!("{}{}", crate::token::claims::API_KEY_SUBJECT_PREFIX, key.id),
        aud: Audience::One(issuer.base_url.to_owned()),
        jti: issuer.jti.to_owned(),
        tid: tenant.clone(),
        client_id: Some(key.id.clone()),
        orgs: BTreeMap::new(),
        adm: false,
        rights: Some(key.rights),
    };
    let access_token =
        sign(issuer.keys, &claims).map_err(|e| OAuthError::new("server_error", e.to_string()))?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: exp - now,
    })
}

/// Whether the tenant exists.
pub async fn tenant_exists<S: Store>(store: &S, tenant: &TenantId) -> Result<bool, AdminError> {
    Ok(tenants::load(store, tenant).await?.is_some())
}
