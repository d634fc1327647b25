//! The token endpoint's grants (CONTRACT section 5): `password` now,
//! `client_credentials` with API keys. Answers and errors follow OAuth 2.0
//! (RFC 6749 section 5).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{read, tenants, AdminError};
use crate::core::ids::{OrgId, TenantId, UserId};
use crate::core::password;
use crate::core::token::{
    fit_within, sign_with, AccessClaims, Audience, OrgClaim, TokenError, TokenSigner,
    TOKEN_BUDGET_BYTES,
};
use crate::model::records::{User, UserState};
use crate::store::{keys, Store};

/// A successful token response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OAuthError {
    /// HTTP status: 400, 401 for `invalid_client`, 500 for `server_error`.
    #[serde(skip)]
    pub status: u16,
    /// `invalid_request`, `invalid_grant`, `invalid_client`,
    /// `unsupported_grant_type`, `server_error`.
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
            status: match error {
                "invalid_client" => 401,
                "server_error" => 500,
                _ => 400,
            },
            error,
            error_description: description.into(),
        }
    }

    /// 500 `server_error`: the token could not be made (the platform did not
    /// sign it); the cause goes to the log.
    fn unsigned(e: &TokenError) -> Self {
        log::error!("token not signed: {e}");
        Self::new("server_error", "the token could not be signed; try again")
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
    /// The deployment's active signing key.
    pub signer: &'a dyn TokenSigner,
    /// Now, Unix milliseconds.
    pub now_ms: i64,
    /// Token lifetime, seconds.
    pub ttl_secs: i64,
    /// A fresh token ID.
    pub jti: &'a str,
    /// PBKDF2 iterations of new password hashes: the work a sign-in of an
    /// unknown user burns, so that it takes as long as a known one.
    pub password_iterations: u32,
    /// The platform's PBKDF2.
    pub kdf: &'a dyn password::Kdf,
}

/// Every approved, live membership of `user`, as entries of the `orgs`
/// claim, oldest membership first (the order the token budget keeps them in).
pub async fn org_claims<S: Store + ?Sized>(
    store: &S,
    tenant: &TenantId,
    user: &UserId,
) -> Result<Vec<(OrgId, OrgClaim)>, AdminError> {
    Ok(crate::store::facts::memberships(store, tenant, user)
        .await?
        .into_iter()
        .map(|(m, rights)| {
            let role = match m.grant {
                crate::model::records::Grant::Role(r) => Some(r),
                crate::model::records::Grant::Rights(_) => None,
            };
            (m.organization, OrgClaim { role, rights })
        })
        .collect())
}

/// The `password` grant: an approved user with the right password gets an
/// access token carrying its approved memberships (as many as the token's
/// size budget holds), or with `organization`, only that membership. Wrong
/// user and wrong password give one answer after the same hashing work, so
/// the endpoint tells neither by its answer nor by its time which IDs exist.
pub async fn password_grant<S: Store + ?Sized>(
    store: &S,
    tenant: &TenantId,
    issuer: &Issuer<'_>,
    login: &PasswordLogin<'_>,
) -> Result<TokenResponse, OAuthError> {
    let (user_id, user) = signed_in(store, tenant, issuer, login).await?;
    let mut orgs = org_claims(store, tenant, &user_id).await?;
    let active = scope(&mut orgs, login.organization)?;
    if super::revocations::born_revoked(
        store,
        tenant,
        &user_id,
        orgs.iter().map(|(o, _)| o),
        issuer.now_ms,
    )
    .await?
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
    let mut claims = AccessClaims {
        exp: now.saturating_add(issuer.ttl_secs),
        iat: now,
        nbf: None,
        iss: format!("{}/t/{tenant}", issuer.base_url),
        sub: user_id.to_string(),
        aud: Audience::One(issuer.base_url.to_owned()),
        jti: issuer.jti.to_owned(),
        tid: tenant.clone(),
        client_id: None,
        orgs: BTreeMap::new(),
        orgs_incomplete: false,
        org_id: active,
        adm: user.admin,
        rights: None,
    };
    fit_within(issuer.signer.kid(), &mut claims, orgs, TOKEN_BUDGET_BYTES)
        .map_err(|e| OAuthError::unsigned(&e))?;
    let access_token = sign_with(issuer.signer, &claims)
        .await
        .map_err(|e| OAuthError::unsigned(&e))?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: issuer.ttl_secs,
    })
}

/// With `organization`, only that membership (which must exist).
fn scope(
    orgs: &mut Vec<(OrgId, OrgClaim)>,
    organization: Option<&str>,
) -> Result<Option<OrgId>, OAuthError> {
    let Some(o) = organization else {
        return Ok(None);
    };
    let org = OrgId::new(o).ok();
    orgs.retain(|(id, _)| Some(id) == org.as_ref());
    if orgs.is_empty() {
        return Err(OAuthError::new(
            "invalid_request",
            "`organization` names no organization this user is an approved member of",
        ));
    }
    Ok(org)
}

/// The approved user whose password this is.
async fn signed_in<S: Store + ?Sized>(
    store: &S,
    tenant: &TenantId,
    issuer: &Issuer<'_>,
    login: &PasswordLogin<'_>,
) -> Result<(UserId, User), OAuthError> {
    let refused = || OAuthError::new("invalid_grant", "the username or password is wrong");
    let user_id = UserId::new(login.username).ok();
    let (stored, user) = match &user_id {
        Some(id) => (
            store
                .get(&keys::password(tenant, id))
                .await
                .map_err(AdminError::from)?,
            read::<S, User>(store, &keys::user(tenant, id)).await?,
        ),
        None => (None, None),
    };
    let user = user.filter(|u| u.deleted_at.is_none());
    let matches = match (&stored, &user) {
        (Some(hash), Some(_)) => {
            match password::verify_with(issuer.kdf, login.password, hash).await {
                Ok(m) => m,
                Err(password::PasswordError::Unavailable) => {
                    return Err(AdminError::new(
                        503,
                        "unavailable",
                        "password checking failed; try again",
                    )
                    .into())
                }
                Err(_) => false,
            }
        }
        _ => {
            // The same work as a real check, so the time tells nothing.
            password::burn_with(issuer.kdf, login.password, issuer.password_iterations).await;
            false
        }
    };
    let (Some(user_id), Some(user), true) = (user_id, user, matches) else {
        return Err(refused());
    };
    if user.state != UserState::Approved {
        return Err(OAuthError::new(
            "invalid_grant",
            "the account is not approved",
        ));
    }
    Ok((user_id, user))
}

/// What a `password` grant presents.
#[derive(Clone, Copy)]
pub struct PasswordLogin<'a> {
    /// `username`.
    pub username: &'a str,
    /// `password`.
    pub password: &'a str,
    /// `organization`: a token scoped to that one membership.
    pub organization: Option<&'a str>,
}

impl core::fmt::Debug for PasswordLogin<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PasswordLogin")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("organization", &self.organization)
            .finish()
    }
}

/// The `client_credentials` grant: an API key (`OWK.<id>.<secret>`) gets a
/// token with `sub` `apikey:<id>`, `client_id` the key ID and `rights` the
/// key's rights. Such tokens carry no `orgs`: the edge resolves the key's
/// owner from the store, so deleting the key revokes them.
pub async fn client_credentials_grant<S: Store + ?Sized>(
    store: &S,
    tenant: &TenantId,
    issuer: &Issuer<'_>,
    key: &str,
    organization: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let refused =
        || OAuthError::invalid_client("the API key is unknown, wrong, expired or deleted");
    let (id, secret) = crate::model::api_key::split_key(key).ok_or_else(refused)?;
    let fact = crate::store::facts::api_key(store, tenant, id)
        .await
        .map_err(AdminError::from)?;
    // The same checks as the authenticator's: secret, expiry, a live owner.
    let key = fact
        .filter(|k| k.key.secret_matches(secret))
        .filter(|k| k.key.expires_at_ms.is_none_or(|e| e > issuer.now_ms))
        .filter(|k| match &k.owner {
            crate::model::facts::OwnerFact::Organization { live, .. } => *live,
            crate::model::facts::OwnerFact::User { principal, .. } => principal.active,
        })
        .ok_or_else(refused)?
        .key;
    // A key's token acts as the key's owner; `organization` may only repeat
    // an organization key's own organization.
    let owner_org = match &key.owner {
        super::api_keys::Owner::Organization(o) => Some(o.as_str()),
        super::api_keys::Owner::User(_) => None,
    };
    if organization.is_some() && organization != owner_org {
        return Err(OAuthError::new(
            "invalid_request",
            "`organization` may only name the organization an organization's API key belongs to",
        ));
    }
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
        sub: format!(
            "{}{}",
            crate::core::token::claims::API_KEY_SUBJECT_PREFIX,
            key.id
        ),
        aud: Audience::One(issuer.base_url.to_owned()),
        jti: issuer.jti.to_owned(),
        tid: tenant.clone(),
        client_id: Some(key.id.clone()),
        orgs: BTreeMap::new(),
        orgs_incomplete: false,
        org_id: None,
        adm: false,
        rights: Some(key.rights),
    };
    let access_token = sign_with(issuer.signer, &claims)
        .await
        .map_err(|e| OAuthError::unsigned(&e))?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: exp - now,
    })
}

/// Whether the tenant exists.
pub async fn tenant_exists<S: Store + ?Sized>(
    store: &S,
    tenant: &TenantId,
) -> Result<bool, AdminError> {
    Ok(tenants::load(store, tenant).await?.is_some())
}
