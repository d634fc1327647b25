//! OAuth 2.0 at the edge: the token endpoint (RFC 6749: `password` and
//! `client_credentials`, form-encoded, answers and errors in OAuth's own
//! shape) and the tenant's discovery document (RFC 8414 fields, served at
//! the OpenID path clients look at).

use base64ct::Encoding;

use super::extract;
use super::message::{Request, Response};
use super::serve::Deployment;
use crate::admin::auth::{self, Issuer, OAuthError, PasswordLogin};
use crate::admin::{settings, AdminError};
use crate::core::ids::TenantId;
use crate::store::Store;

/// The form fields the token endpoint reads; others are ignored.
const FIELDS: &[&str] = &[
    "grant_type",
    "username",
    "password",
    "client_id",
    "client_secret",
    "scope",
    "organization",
];

fn oauth_error(e: &OAuthError) -> Response {
    let mut r = Response::json(e.status, e).with("cache-control", "no-store");
    if e.status == 401 {
        r = r.with("www-authenticate", "Basic realm=\"orgwarden\"");
    }
    if e.error == auth::TRY_NEXT_SECOND {
        r = r.with("retry-after", "1");
    }
    r
}

fn invalid(description: impl Into<String>) -> OAuthError {
    OAuthError {
        status: 400,
        error: "invalid_request",
        error_description: description.into(),
    }
}

/// The API key of a `client_credentials` request: `client_secret`, or the
/// password of HTTP Basic.
fn client_secret(req: &Request, form: &extract::Query) -> Option<String> {
    form.get("client_secret").map(str::to_owned).or_else(|| {
        let header = req.authorization.as_deref()?.trim();
        let (scheme, b) = header.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = base64ct::Base64::decode_vec(b.trim()).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        text.split_once(':').map(|(_, secret)| secret.to_owned())
    })
}

/// `POST /t/{tenant}/api/v1/auth/token`.
pub async fn token<S: Store + ?Sized>(
    store: &S,
    d: &Deployment<'_>,
    tenant: &TenantId,
    req: &Request,
) -> Response {
    match crate::admin::tenants::load(store, tenant).await {
        Ok(Some(_)) => {}
        Ok(None) => return Response::error(&AdminError::not_found("tenant")),
        Err(e) => return Response::error(&e),
    }
    if !extract::is_media(req, "application/x-www-form-urlencoded") {
        return oauth_error(&invalid(
            "send the request as application/x-www-form-urlencoded",
        ));
    }
    let form = match extract::form(req, FIELDS) {
        Ok(f) => f,
        Err(e) => return oauth_error(&invalid(e.message)),
    };
    let mut jti = [0u8; 16];
    if !d.draw.random(&mut jti) {
        return Response::error(&AdminError::new(
            500,
            "no_randomness",
            "the platform gave no random bytes",
        ));
    }
    let jti = base64ct::Base64UrlUnpadded::encode_string(&jti);
    let ttl_secs = match settings::load(store, tenant).await {
        Ok(s) => i64::from(s.token_ttl_seconds),
        Err(e) => return Response::error(&e),
    };
    let issuer = Issuer {
        base_url: d.base_url,
        signer: d.signer,
        now_ms: d.now_ms,
        ttl_secs,
        jti: &jti,
        password_iterations: d.draw.password_iterations(),
        kdf: d.draw,
    };
    let keys = throttle_keys(tenant, req, &form);
    if let (Some(t), Some([user, address])) = (d.throttle, &keys) {
        let waits = [
            t.blocked(user, t.user_limit, d.now_ms),
            t.blocked(address, t.address_limit, d.now_ms),
        ];
        if let Some(wait) = waits.into_iter().flatten().max() {
            return too_many_attempts(wait);
        }
    }
    let answer = grant(store, tenant, &issuer, req, &form).await;
    if let (Some(t), Some([user, address])) = (d.throttle, &keys) {
        match &answer {
            Ok(_) => t.succeeded(user),
            Err(e) if e.error == "invalid_grant" => {
                t.failed(user, d.now_ms);
                t.failed(address, d.now_ms);
            }
            Err(_) => {}
        }
    }
    match answer {
        Ok(t) => Response::json(200, &t).with("cache-control", "no-store"),
        Err(e) => oauth_error(&e),
    }
}

/// What a password grant's failures count against: the user of the
/// tenant, and the client's address (`-` when the platform gives none).
fn throttle_keys(tenant: &TenantId, req: &Request, form: &extract::Query) -> Option<[String; 2]> {
    if form.get("grant_type") != Some("password") {
        return None;
    }
    let user = form.get("username")?;
    let address = req.client_ip.as_deref().unwrap_or("-");
    Some([format!("u/{tenant}/{user}"), format!("ip/{address}")])
}

/// 429 with `Retry-After`: the password is not even checked.
fn too_many_attempts(wait_secs: i64) -> Response {
    let e = OAuthError {
        status: 429,
        error: "too_many_attempts",
        error_description:
            "too many failed sign-ins for this user or from this address; try again later".into(),
    };
    oauth_error(&e).with("retry-after", wait_secs.to_string())
}

/// The grant the form asks for.
async fn grant<S: Store + ?Sized>(
    store: &S,
    tenant: &TenantId,
    issuer: &Issuer<'_>,
    req: &Request,
    form: &extract::Query,
) -> Result<auth::TokenResponse, OAuthError> {
    match form.get("grant_type") {
        Some("password") => match (form.get("username"), form.get("password")) {
            (Some(username), Some(password)) => {
                let login = PasswordLogin {
                    username,
                    password,
                    organization: form.get("organization"),
                };
                auth::password_grant(store, tenant, issuer, &login).await
            }
            _ => Err(invalid("username and password are required")),
        },
        Some("client_credentials") => match client_secret(req, form) {
            Some(key) => {
                auth::client_credentials_grant(
                    store,
                    tenant,
                    issuer,
                    &key,
                    form.get("organization"),
                )
                .await
            }
            None => Err(OAuthError::invalid_client(
                "give the API key as client_secret or with HTTP Basic",
            )),
        },
        Some(other) => Err(OAuthError {
            status: 400,
            error: "unsupported_grant_type",
            error_description: format!(
                "grant_type {:?} is not supported here",
                other.chars().take(40).collect::<String>()
            ),
        }),
        None => Err(invalid("grant_type is required")),
    }
}

/// `GET /t/{tenant}/.well-known/openid-configuration`.
pub async fn discovery<S: Store + ?Sized>(
    store: &S,
    d: &Deployment<'_>,
    tenant: &TenantId,
) -> Response {
    match crate::admin::tenants::load(store, tenant).await {
        Ok(Some(_)) => {}
        Ok(None) => return Response::error(&AdminError::not_found("tenant")),
        Err(e) => return Response::error(&e),
    }
    let issuer = format!("{}/t/{tenant}", d.base_url);
    Response::json(
        200,
        &serde_json::json!({
            "issuer": issuer,
            "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
            "token_endpoint": format!("{issuer}/api/v1/auth/token"),
            "grant_types_supported": ["password", "client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "response_types_supported": [],
            "scopes_supported": [],
            "subject_types_supported": ["public"],
            "access_token_signing_alg_values_supported": ["EdDSA"],
            "id_token_signing_alg_values_supported": ["EdDSA"],
        }),
    )
    .with("cache-control", "public, max-age=300")
}
