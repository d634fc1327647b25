//! The admin API over HTTP, platform-free: a request in (method, path, query,
//! headers that matter, body), a response out. Routing, authentication with
//! the deployment's own access tokens, strict parsing and problem documents
//! live here; the worker adapter only translates `worker` types and supplies
//! the store, the keys and the clock.

use base64ct::Encoding;
use serde::Serialize;

use crate::admin::account;
use crate::admin::api_keys::{self, CreateKey, Owner, UpdateKey};
use crate::admin::auth::{self, Issuer, OAuthError};
use crate::admin::entities::{self, Collaborator, CreateEntity, EntityKind, UpdateEntity, Who};
use crate::admin::members::{self, MemberGrant};
use crate::admin::orgs::{self, CreateOrg, OrgFilter, UpdateOrg};
use crate::admin::records::OrgState;
use crate::admin::records::{User, UserState};
use crate::admin::revocations::Epochs;
use crate::admin::roles_api::{self, RoleBody};
use crate::admin::settings::{self, SettingsPatch};
use crate::admin::tenants::{self, CreateTenant};
use crate::admin::users::{self, CreateUser, UpdateUser, UserFilter};
use crate::admin::{parse_body, read, AdminError, Caller, Ctx, Page, Paging};
use crate::decide::Principal;
use crate::ids::{OrgId, RoleId, TenantId, UserId};
use crate::password::secrets_equal;
use crate::problem::{Problem, CONTENT_TYPE as PROBLEM};
use crate::rights::RightSet;
use crate::store::Store;
use crate::token::claims::API_KEY_SUBJECT_PREFIX;
use crate::token::keys::SigningKeys;
use crate::token::{KeySet, Verifier, VerifyOptions};

/// What the adapter hands over of an HTTP request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Method, upper case.
    pub method: &'a str,
    /// Path, without the query.
    pub path: &'a str,
    /// Query string, without `?`.
    pub query: &'a str,
    /// `Authorization` header.
    pub authorization: Option<&'a str>,
    /// `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The body, as text (at most 64 KiB is read).
    pub body: &'a str,
}

/// What the adapter sends back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status.
    pub status: u16,
    /// Headers to set (`content-type` included).
    pub headers: Vec<(&'static str, String)>,
    /// Body.
    pub body: String,
}

impl Response {
    fn json<T: Serialize>(status: u16, value: &T) -> Response {
        Response {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: serde_json::to_string(value).unwrap_or_default(),
        }
    }

    fn no_content() -> Response {
        Response {
            status: 204,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// A problem document.
    pub fn problem(p: &Problem) -> Response {
        Response {
            status: p.status,
            headers: vec![("content-type", PROBLEM.into())],
            body: p.to_json(),
        }
    }

    fn error(e: &AdminError) -> Response {
        Response::problem(&e.to_problem())
    }

    fn page<T: Serialize>(field: &str, page: &Page<T>) -> Response {
        let mut r = Response::json(200, &serde_json::json!({ field: page.items }));
        r.headers.push(("x-total-count", page.total.to_string()));
        r
    }
}

/// The deployment's configuration the API needs, and what the platform
/// supplies per request (the clock, a source of random bytes).
#[derive(Clone, Copy)]
pub struct Config<'a> {
    /// `PUBLIC_BASE_URL`, without a trailing slash.
    pub base_url: &'a str,
    /// The deployment's signing keys (the first signs).
    pub signing: &'a SigningKeys,
    /// Their public set, which tokens are verified against.
    pub keys: &'a KeySet,
    /// `OPERATOR_KEY`: the bearer secret of `POST /api/v1/tenants`.
    pub operator_key: Option<&'a str>,
    /// PBKDF2 iterations for new password hashes.
    pub password_iterations: u32,
    /// Now, Unix milliseconds.
    pub now_ms: i64,
    /// Fills a buffer with cryptographically secure random bytes; `false`
    /// when the platform could not.
    pub rng: &'a dyn Fn(&mut [u8]) -> bool,
}

impl core::fmt::Debug for Config<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url)
            .field("now_ms", &self.now_ms)
            .finish_non_exhaustive()
    }
}

impl Config<'_> {
    fn salt(&self) -> Result<[u8; 16], AdminError> {
        let mut salt = [0u8; 16];
        if (self.rng)(&mut salt) {
            Ok(salt)
        } else {
            Err(no_randomness())
        }
    }

    fn jti(&self) -> Result<String, AdminError> {
        let mut id = [0u8; 16];
        if (self.rng)(&mut id) {
            Ok(base64ct::Base64UrlUnpadded::encode_string(&id))
        } else {
            Err(no_randomness())
        }
    }
}

fn no_randomness() -> AdminError {
    AdminError::new(
        500,
        "no_randomness",
        "the platform gave no random bytes; nothing was changed",
    )
}

/// The admin routes, after `/t/{tenant}/api/v1/admin/`.
enum Route {
    Orgs,
    Org(OrgId),
    Members(OrgId),
    Member(OrgId, UserId),
    Users,
    User(UserId),
    Keys(Owner),
    Key(Owner, String),
    OrgRights(OrgId),
    Roles(OrgId),
    Role(OrgId, RoleId),
    Settings,
    Entities(EntityKind),
    Entity(EntityKind, String),
    EntityRights(EntityKind, String),
    Collaborators(EntityKind, String),
    Collaborator(EntityKind, String, Who),
}

fn parse_route(rest: &str) -> Result<Option<Route>, AdminError> {
    let parts: Vec<&str> = rest.split('/').collect();
    Ok(Some(match parts.as_slice() {
        ["organizations"] => Route::Orgs,
        ["organizations", o] => {
            Route::Org(OrgId::new(*o).map_err(|_| AdminError::not_found("organization"))?)
        }
        ["organizations", o, "members"] => {
            Route::Members(OrgId::new(*o).map_err(|_| AdminError::not_found("organization"))?)
        }
        ["organizations", o, "members", u] => Route::Member(
            OrgId::new(*o).map_err(|_| AdminError::not_found("organization"))?,
            UserId::new(*u).map_err(|_| AdminError::not_found("member"))?,
        ),
        ["organizations", o, "api-keys"] => Route::Keys(Owner::Organization(
            OrgId::new(*o).map_err(|_| AdminError::not_found("organization"))?,
        )),
        ["organizations", o, "api-keys", k] => Route::Key(
            Owner::Organization(OrgId::new(*o).map_err(|_| AdminError::not_found("organization"))?),
            (*k).to_owned(),
        ),
        ["users", u, "api-keys"] => Route::Keys(Owner::User(
            UserId::new(*u).map_err(|_| AdminError::not_found("user"))?,
        )),
        ["users", u, "api-keys", k] => Route::Key(
            Owner::User(UserId::new(*u).map_err(|_| AdminError::not_found("user"))?),
            (*k).to_owned(),
        ),
        ["organizations", o, "rights"] => {
            Route::OrgRights(OrgId::new(*o).map_err(|_| AdminError::not_found("organization"))?)
        }
        ["organizations", o, "roles"] => {
            Route::Roles(OrgId::new(*o).map_err(|_| AdminError::not_found("organization"))?)
        }
        ["organizations", o, "roles", r] => Route::Role(
            OrgId::new(*o).map_err(|_| AdminError::not_found("organization"))?,
            RoleId::new(*r).map_err(|_| AdminError::not_found("role"))?,
        ),
        [kind, rest @ ..] if EntityKind::from_path(kind).is_some() => {
            let kind =
                EntityKind::from_path(kind).ok_or_else(|| AdminError::not_found("endpoint"))?;
            match rest {
                [] => Route::Entities(kind),
                [id] => Route::Entity(kind, (*id).to_owned()),
                [id, "rights"] => Route::EntityRights(kind, (*id).to_owned()),
                [id, "collaborators"] => Route::Collaborators(kind, (*id).to_owned()),
                [id, "collaborators", who, cid] => Route::Collaborator(
                    kind,
                    (*id).to_owned(),
                    Who::from_path(who, cid).map_err(|_| AdminError::not_found("collaborator"))?,
                ),
                _ => return Ok(None),
            }
        }
        ["settings"] => Route::Settings,
        ["users"] => Route::Users,
        ["users", u] => Route::User(UserId::new(*u).map_err(|_| AdminError::not_found("user"))?),
        _ => return Ok(None),
    }))
}

fn allowed(route: &Route) -> &'static str {
    match route {
        Route::Orgs | Route::Members(_) | Route::Users => "GET, POST",
        Route::Org(_) => "GET, PUT, DELETE",
        Route::Member(..) => "PUT, DELETE",
        Route::User(_) => "GET, PUT, DELETE",
        Route::Keys(_) => "GET, POST",
        Route::Key(..) => "GET, PUT, DELETE",
        Route::OrgRights(_) => "GET",
        Route::Roles(_) => "GET, POST",
        Route::Role(..) => "PUT, DELETE",
        Route::Settings => "GET, PUT",
        Route::Entities(_) => "GET, POST",
        Route::Entity(..) => "GET, PUT, DELETE",
        Route::EntityRights(..) => "GET",
        Route::Collaborators(..) => "GET, PUT",
        Route::Collaborator(..) => "DELETE",
    }
}

/// Decodes `%XX` and `+` of a query component.
fn percent_decode(s: &str) -> Result<String, AdminError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                let v = hex
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| AdminError::invalid("bad percent-encoding in the query"))?;
                out.push(v);
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| AdminError::invalid("the query is not UTF-8"))
}

/// The query parameters, each known name at most once; unknown names are refused.
fn parse_query(query: &str, known: &[&str]) -> Result<Vec<(String, String)>, AdminError> {
    parse_pairs(query, known, true)
}

/// `application/x-www-form-urlencoded` pairs of `text`: each known name at
/// most once; unknown names refused when `strict`, else skipped (RFC 6749
/// section 3.2: a token endpoint ignores parameters it does not know).
fn parse_pairs(
    text: &str,
    known: &[&str],
    strict: bool,
) -> Result<Vec<(String, String)>, AdminError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k)?, percent_decode(v)?);
        if !known.contains(&k.as_str()) {
            if !strict {
                continue;
            }
            return Err(AdminError::invalid(format!(
                "unknown query parameter {k:?}; known: {}",
                known.join(", ")
            )));
        }
        if out.iter().any(|(seen, _)| *seen == k) {
            return Err(AdminError::invalid(format!(
                "query parameter {k:?} given twice"
            )));
        }
        out.push((k, v));
    }
    Ok(out)
}

fn param<'q>(q: &'q [(String, String)], name: &str) -> Option<&'q str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn number(q: &[(String, String)], name: &str) -> Result<Option<usize>, AdminError> {
    param(q, name)
        .map(|v| {
            v.parse::<usize>()
                .map_err(|_| AdminError::invalid(format!("`{name}` is a positive integer")))
        })
        .transpose()
}

fn paging(q: &[(String, String)]) -> Result<Paging, AdminError> {
    Paging::new(number(q, "limit")?, number(q, "page")?)
}

const ORG_FIELDS: &[&str] = &[
    "id",
    "name",
    "description",
    "state",
    "created_at",
    "updated_at",
    "deleted_at",
];
const USER_FIELDS: &[&str] = &[
    "id",
    "first_name",
    "last_name",
    "email",
    "state",
    "admin",
    "created_at",
    "updated_at",
    "deleted_at",
];
const ENTITY_FIELDS: &[&str] = &[
    "id",
    "kind",
    "name",
    "description",
    "created_at",
    "updated_at",
];

/// The `field_mask` parameter (`name,state,admin`): the fields to return,
/// checked against the resource's; `id` is always returned.
fn field_mask(q: &[(String, String)], fields: &[&str]) -> Result<Option<Vec<String>>, AdminError> {
    let Some(mask) = param(q, "field_mask") else {
        return Ok(None);
    };
    let mut out = vec!["id".to_owned()];
    for f in mask.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        if !fields.contains(&f) {
            return Err(AdminError::invalid(format!(
                "field_mask: unknown field {f:?}; fields: {}",
                fields.join(", ")
            )));
        }
        out.push(f.to_owned());
    }
    Ok(Some(out))
}

fn masked<T: Serialize>(value: &T, mask: Option<&[String]>) -> serde_json::Value {
    let mut v = serde_json::to_value(value).unwrap_or_default();
    if let (Some(m), serde_json::Value::Object(map)) = (mask, &mut v) {
        map.retain(|k, _| m.iter().any(|f| f == k));
    }
    v
}

fn masked_page<T: Serialize>(field: &str, page: &Page<T>, mask: Option<&[String]>) -> Response {
    let items: Vec<serde_json::Value> = page.items.iter().map(|i| masked(i, mask)).collect();
    let mut r = Response::json(200, &serde_json::json!({ field: items }));
    r.headers.push(("x-total-count", page.total.to_string()));
    r
}

fn unauthorized(code: &str, detail: &str) -> Response {
    let mut r = Response::problem(&Problem::new(401, code, detail));
    let description = detail.replace('"', "'");
    r.headers.push((
        "www-authenticate",
        format!("Bearer error=\"invalid_token\", error_description=\"{description}\""),
    ));
    r
}

/// The caller an API key stands for: its owner, cut by its rights (and, for
/// a user's key, the user's admin flag, still cut by the key).
async fn key_caller<S: Store>(
    store: &S,
    tenant: &TenantId,
    key: &api_keys::ApiKey,
    ceiling: RightSet,
) -> Result<Caller, AdminError> {
    Ok(match &key.owner {
        Owner::Organization(o) => Caller {
            principal: Principal::Organization(o.clone()),
            admin: false,
            ceiling: Some(ceiling),
        },
        Owner::User(u) => {
            let user: Option<User> = read(store, &crate::store::keys::user(tenant, u)).await?;
            let user = user.filter(|u| u.deleted_at.is_none() && u.state == UserState::Approved);
            let Some(user) = user else {
                return Err(AdminError::new(
                    401,
                    "credential_invalid",
                    "the key's user cannot act now",
                ));
            };
            Caller {
                principal: Principal::User(u.clone()),
                admin: user.admin,
                ceiling: Some(ceiling),
            }
        }
    })
}

/// Authenticates a request to `tenant`'s admin API: an access token of this
/// deployment (a user's, or one issued to an API key), or an API key itself.
async fn authenticate<S: Store>(
    store: &S,
    cfg: &Config<'_>,
    tenant: &TenantId,
    authorization: Option<&str>,
) -> Result<Caller, Response> {
    let Some(header) = authorization else {
        let mut r = Response::problem(&Problem::new(
            401,
            "credential_missing",
            "an Authorization: Bearer token is required",
        ));
        r.headers.push(("www-authenticate", "Bearer".into()));
        return Err(r);
    };
    let credential = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or_else(|| {
            unauthorized(
                "credential_malformed",
                "the Authorization header is not a Bearer credential",
            )
        })?;
    let key_refused = || {
        unauthorized(
            "credential_invalid",
            "the API key is unknown, wrong, expired or deleted",
        )
    };
    if credential.starts_with(api_keys::PREFIX) {
        let key = api_keys::authenticate(store, tenant, credential, cfg.now_ms)
            .await
            .map_err(|e| Response::error(&e))?;
        let key = key.ok_or_else(key_refused)?;
        return key_caller(store, tenant, &key, key.rights)
            .await
            .map_err(|e| Response::error(&e));
    }
    let options = VerifyOptions::new(format!("{}/t/{tenant}", cfg.base_url), cfg.base_url);
    let verified = Verifier::new(cfg.keys.clone(), options)
        .verify(credential, cfg.now_ms.div_euclid(1000))
        .map_err(|e| unauthorized(e.code(), &e.to_string()))?;
    let claims = verified.claims;
    if claims.tid != *tenant {
        return Err(unauthorized(
            "token_wrong_issuer",
            "the token is for another tenant",
        ));
    }
    if let Some(key_id) = claims.sub.strip_prefix(API_KEY_SUBJECT_PREFIX) {
        // A token issued to an API key: the key must still exist (deleting a
        // key revokes its tokens here at once).
        let key: Option<api_keys::ApiKey> =
            read(store, &crate::store::keys::api_key(tenant, key_id))
                .await
                .map_err(|e| Response::error(&e))?;
        let key = key
            .filter(|k| k.expires_at_ms.is_none_or(|e| e > cfg.now_ms))
            .ok_or_else(|| {
                unauthorized(
                    "token_revoked",
                    "the token's API key was deleted or has expired",
                )
            })?;
        let ceiling = claims.rights.map_or(key.rights, |r| {
            r.implied().intersection(key.rights.implied())
        });
        return key_caller(store, tenant, &key, ceiling)
            .await
            .map_err(|e| Response::error(&e));
    }
    let user = claims
        .user()
        .ok_or_else(|| unauthorized("token_malformed", "the token's subject is not a user"))?;
    // Admin calls read every epoch fresh: one listing, no cache.
    let epochs = Epochs::load(store, tenant)
        .await
        .map_err(|e| Response::error(&e))?;
    if epochs.revokes(Some(user.as_str()), claims.orgs.keys(), claims.iat) {
        return Err(unauthorized(
            "token_revoked",
            "the token was revoked: the user's memberships, roles or state changed since it was issued",
        ));
    }
    Ok(Caller {
        principal: Principal::User(user),
        admin: claims.adm,
        ceiling: claims.rights,
    })
}

fn require_json(req: &Request<'_>) -> Result<(), AdminError> {
    let ct = req.content_type.unwrap_or("");
    let media = ct.split(';').next().unwrap_or("").trim();
    if media.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(AdminError::new(
            415,
            "unsupported_media_type",
            "send the body as application/json",
        ))
    }
}

fn org_state(v: &str) -> Result<OrgState, AdminError> {
    serde_json::from_value(serde_json::Value::String(v.into()))
        .map_err(|_| AdminError::invalid("`state` is approved, pending or rejected"))
}

fn only(req: &Request<'_>, method: &'static str) -> Option<Response> {
    if req.method == method {
        return None;
    }
    let mut r = Response::error(&AdminError::new(
        405,
        "method_not_allowed",
        format!("{} allows {method}", req.path),
    ));
    r.headers.push(("allow", method.into()));
    Some(r)
}

/// `POST /api/v1/tenants`, authorized by the operator key.
async fn create_tenant<S: Store>(store: &S, cfg: &Config<'_>, req: &Request<'_>) -> Response {
    if let Some(r) = only(req, "POST") {
        return r;
    }
    let presented = req
        .authorization
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim);
    match (cfg.operator_key.filter(|k| !k.is_empty()), presented) {
        (None, _) => {
            return Response::error(&AdminError::new(
                503,
                "operator_key_unset",
                "OPERATOR_KEY is not configured",
            ))
        }
        (Some(_), None) => {
            return unauthorized(
                "credential_missing",
                "the operator key is required as a Bearer credential",
            )
        }
        (Some(k), Some(p)) if !secrets_equal(k, p) => {
            return unauthorized("credential_invalid", "wrong operator key")
        }
        _ => {}
    }
    let result = async {
        require_json(req)?;
        let body: CreateTenant = parse_body(req.body)?;
        let now = chrono::DateTime::from_timestamp_millis(cfg.now_ms)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_default();
        tenants::create(store, &now, body, &cfg.salt()?, cfg.password_iterations).await
    }
    .await;
    match result {
        Ok(created) => Response::json(201, &created),
        Err(e) => Response::error(&e),
    }
}

fn oauth_error(e: &OAuthError) -> Response {
    let mut r = Response::json(e.status, e);
    r.headers.push(("cache-control", "no-store".into()));
    if e.status == 401 {
        r.headers
            .push(("www-authenticate", "Basic realm=\"orgwarden\"".into()));
    }
    if e.error == auth::TRY_NEXT_SECOND {
        r.headers.push(("retry-after", "1".into()));
    }
    r
}

/// `POST /t/{tenant}/api/v1/auth/token` (OAuth 2.0, form-encoded).
async fn token<S: Store>(
    store: &S,
    cfg: &Config<'_>,
    tenant: &TenantId,
    req: &Request<'_>,
) -> Response {
    if let Some(r) = only(req, "POST") {
        return r;
    }
    match auth::tenant_exists(store, tenant).await {
        Ok(true) => {}
        Ok(false) => return Response::error(&AdminError::not_found("tenant")),
        Err(e) => return Response::error(&e),
    }
    let media = req
        .content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim();
    if !media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return oauth_error(&OAuthError {
            status: 400,
            error: "invalid_request",
            error_description: "send the request as application/x-www-form-urlencoded".into(),
        });
    }
    let form = match parse_pairs(
        req.body,
        &[
            "grant_type",
            "username",
            "password",
            "client_id",
            "client_secret",
            "scope",
            "organization",
        ],
        false,
    ) {
        Ok(f) => f,
        Err(e) => {
            return oauth_error(&OAuthError {
                status: 400,
                error: "invalid_request",
                error_description: e.message.replace("query parameter", "form parameter"),
            })
        }
    };
    let jti = match cfg.jti() {
        Ok(j) => j,
        Err(e) => return Response::error(&e),
    };
    let ttl_secs = match settings::load(store, tenant).await {
        Ok(s) => i64::from(s.token_ttl_seconds),
        Err(e) => return Response::error(&e),
    };
    let issuer = Issuer {
        base_url: cfg.base_url,
        keys: cfg.signing,
        now_ms: cfg.now_ms,
        ttl_secs,
        jti: &jti,
        password_iterations: cfg.password_iterations,
    };
    let result = match param(&form, "grant_type") {
        Some("password") => match (param(&form, "username"), param(&form, "password")) {
            (Some(username), Some(password)) => {
                let login = auth::PasswordLogin {
                    username,
                    password,
                    organization: param(&form, "organization"),
                };
                auth::password_grant(store, tenant, &issuer, &login).await
            }
            _ => Err(OAuthError {
                status: 400,
                error: "invalid_request",
                error_description: "username and password are required".into(),
            }),
        },
        Some("client_credentials") => {
            let basic = req
                .authorization
                .and_then(|h| h.strip_prefix("Basic "))
                .and_then(|b| {
                    use base64ct::Encoding;
                    let decoded = base64ct::Base64::decode_vec(b.trim()).ok()?;
                    let text = String::from_utf8(decoded).ok()?;
                    text.split_once(':').map(|(_, secret)| secret.to_owned())
                });
            match param(&form, "client_secret").map(str::to_owned).or(basic) {
                Some(key) => {
                    auth::client_credentials_grant(
                        store,
                        tenant,
                        &issuer,
                        &key,
                        param(&form, "organization"),
                    )
                    .await
                }
                None => Err(OAuthError::invalid_client(
                    "give the API key as client_secret or with HTTP Basic",
                )),
            }
        }
        Some(other) => Err(OAuthError {
            status: 400,
            error: "unsupported_grant_type",
            error_description: format!(
                "grant_type {:?} is not supported here yet",
                other.chars().take(40).collect::<String>()
            ),
        }),
        None => Err(OAuthError {
            status: 400,
            error: "invalid_request",
            error_description: "grant_type is required".into(),
        }),
    };
    match result {
        Ok(t) => {
            let mut r = Response::json(200, &t);
            r.headers.push(("cache-control", "no-store".into()));
            r
        }
        Err(e) => oauth_error(&e),
    }
}

/// `GET /t/{tenant}/.well-known/openid-configuration`: authorization server
/// metadata (RFC 8414 fields, served at the OpenID discovery path clients look at).
async fn discovery<S: Store>(
    store: &S,
    cfg: &Config<'_>,
    tenant: &TenantId,
    req: &Request<'_>,
) -> Response {
    if req.method != "GET" && req.method != "HEAD" {
        let mut r = Response::error(&AdminError::new(
            405,
            "method_not_allowed",
            "only GET is allowed here",
        ));
        r.headers.push(("allow", "GET, HEAD".into()));
        return r;
    }
    match auth::tenant_exists(store, tenant).await {
        Ok(true) => {}
        Ok(false) => return Response::error(&AdminError::not_found("tenant")),
        Err(e) => return Response::error(&e),
    }
    let issuer = format!("{}/t/{tenant}", cfg.base_url);
    let mut r = Response::json(
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
    );
    r.headers
        .push(("cache-control", "public, max-age=300".into()));
    r
}

/// `GET /t/{tenant}/api/v1/account` and `…/account/organizations`.
async fn account<S: Store>(
    store: &S,
    cfg: &Config<'_>,
    tenant: &TenantId,
    which: &str,
    req: &Request<'_>,
) -> Response {
    if !which.is_empty() && which != "/organizations" {
        return Response::error(&AdminError::not_found("endpoint"));
    }
    if let Some(r) = only(req, "GET") {
        return r;
    }
    let caller = match authenticate(store, cfg, tenant, req.authorization).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let ctx = Ctx {
        store,
        tenant,
        now_ms: cfg.now_ms,
        caller: &caller,
    };
    let result = async {
        parse_query(req.query, &[])?;
        if which.is_empty() {
            Ok(Response::json(200, &account::get(&ctx).await?))
        } else {
            let orgs = account::organizations(&ctx).await?;
            Ok(Response::json(
                200,
                &serde_json::json!({ "organizations": orgs }),
            ))
        }
    }
    .await;
    result.unwrap_or_else(|e: AdminError| Response::error(&e))
}

/// Handles a request; `None` when the path is not the API's.
pub async fn handle<S: Store>(store: &S, cfg: &Config<'_>, req: &Request<'_>) -> Option<Response> {
    if req.path == "/api/v1/tenants" {
        return Some(create_tenant(store, cfg, req).await);
    }
    let rest = req.path.strip_prefix("/t/")?;
    let (tenant, rest) = rest.split_once('/')?;
    if rest == ".well-known/openid-configuration" {
        return Some(match TenantId::new(tenant) {
            Ok(t) => discovery(store, cfg, &t, req).await,
            Err(_) => Response::error(&AdminError::not_found("tenant")),
        });
    }
    if rest == "api/v1/auth/token" {
        return Some(match TenantId::new(tenant) {
            Ok(t) => token(store, cfg, &t, req).await,
            Err(_) => Response::error(&AdminError::not_found("tenant")),
        });
    }
    if let Some(which) = rest.strip_prefix("api/v1/account") {
        return Some(match TenantId::new(tenant) {
            Ok(t) => account(store, cfg, &t, which, req).await,
            Err(_) => Response::error(&AdminError::not_found("tenant")),
        });
    }
    let rest = rest.strip_prefix("api/v1/admin/")?;
    let Ok(tenant) = TenantId::new(tenant) else {
        return Some(Response::error(&AdminError::not_found("tenant")));
    };
    let route = match parse_route(rest.trim_end_matches('/')) {
        Ok(Some(r)) => r,
        Ok(None) => return Some(Response::error(&AdminError::not_found("endpoint"))),
        Err(e) => return Some(Response::error(&e)),
    };
    let allow = allowed(&route);
    if !allow.split(", ").any(|m| m == req.method) {
        let mut r = Response::error(&AdminError::new(
            405,
            "method_not_allowed",
            format!("{} allows {allow}", req.path),
        ));
        r.headers.push(("allow", allow.into()));
        return Some(r);
    }
    let caller = match authenticate(store, cfg, &tenant, req.authorization).await {
        Ok(c) => c,
        Err(r) => return Some(r),
    };
    let ctx = Ctx {
        store,
        tenant: &tenant,
        now_ms: cfg.now_ms,
        caller: &caller,
    };
    Some(
        dispatch(&ctx, cfg, route, req)
            .await
            .unwrap_or_else(|e| Response::error(&e)),
    )
}

async fn dispatch<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config<'_>,
    route: Route,
    req: &Request<'_>,
) -> Result<Response, AdminError> {
    let body_query = |known: &[&str]| parse_query(req.query, known);
    Ok(match (route, req.method) {
        (Route::Orgs, "GET") => {
            let q = body_query(&[
                "limit",
                "page",
                "id_contains",
                "name_contains",
                "state",
                "deleted",
                "field_mask",
            ])?;
            let mask = field_mask(&q, ORG_FIELDS)?;
            let filter = OrgFilter {
                id_contains: param(&q, "id_contains").map(str::to_owned),
                name_contains: param(&q, "name_contains").map(str::to_owned),
                state: param(&q, "state").map(org_state).transpose()?,
                deleted: match param(&q, "deleted") {
                    None | Some("false") => false,
                    Some("true") => true,
                    Some(_) => return Err(AdminError::invalid("`deleted` is true or false")),
                },
            };
            masked_page(
                "organizations",
                &orgs::list(ctx, &filter, paging(&q)?).await?,
                mask.as_deref(),
            )
        }
        (Route::Orgs, _) => {
            body_query(&[])?;
            require_json(req)?;
            let created = orgs::create(ctx, parse_body::<CreateOrg>(req.body)?).await?;
            Response::json(201, &created)
        }
        (Route::Org(id), "GET") => {
            let q = body_query(&["field_mask"])?;
            let mask = field_mask(&q, ORG_FIELDS)?;
            Response::json(200, &masked(&orgs::get(ctx, &id).await?, mask.as_deref()))
        }
        (Route::Org(id), "PUT") => {
            body_query(&[])?;
            require_json(req)?;
            Response::json(
                200,
                &orgs::update(ctx, &id, parse_body::<UpdateOrg>(req.body)?).await?,
            )
        }
        (Route::Org(id), _) => {
            body_query(&[])?;
            orgs::delete(ctx, &id).await?;
            Response::no_content()
        }
        (Route::Members(org), "GET") => {
            let q = body_query(&["limit", "page"])?;
            Response::page("members", &members::list(ctx, &org, paging(&q)?).await?)
        }
        (Route::Members(org), _) => {
            body_query(&[])?;
            require_json(req)?;
            Response::json(
                201,
                &members::add(ctx, &org, parse_body::<MemberGrant>(req.body)?).await?,
            )
        }
        (Route::Member(org, user), "PUT") => {
            body_query(&[])?;
            require_json(req)?;
            Response::json(
                200,
                &members::update(ctx, &org, &user, parse_body::<MemberGrant>(req.body)?).await?,
            )
        }
        (Route::Member(org, user), _) => {
            body_query(&[])?;
            members::remove(ctx, &org, &user).await?;
            Response::no_content()
        }
        (Route::Users, "GET") => {
            let q = body_query(&[
                "limit",
                "page",
                "id_contains",
                "name_contains",
                "state",
                "deleted",
                "field_mask",
            ])?;
            let mask = field_mask(&q, USER_FIELDS)?;
            let filter = UserFilter {
                id_contains: param(&q, "id_contains").map(str::to_owned),
                name_contains: param(&q, "name_contains").map(str::to_owned),
                state: param(&q, "state")
                    .map(|v| {
                        serde_json::from_value(serde_json::Value::String(v.into())).map_err(|_| {
                            AdminError::invalid(
                                "`state` is requested, approved, rejected, flagged or suspended",
                            )
                        })
                    })
                    .transpose()?,
                deleted: match param(&q, "deleted") {
                    None | Some("false") => false,
                    Some("true") => true,
                    Some(_) => return Err(AdminError::invalid("`deleted` is true or false")),
                },
            };
            masked_page(
                "users",
                &users::list(ctx, &filter, paging(&q)?).await?,
                mask.as_deref(),
            )
        }
        (Route::Users, _) => {
            body_query(&[])?;
            require_json(req)?;
            {
                let body = parse_body::<CreateUser>(req.body)?;
                Response::json(
                    201,
                    &users::create(ctx, body, &cfg.salt()?, cfg.password_iterations).await?,
                )
            }
        }
        (Route::OrgRights(org), _) => {
            body_query(&[])?;
            Response::json(
                200,
                &serde_json::json!({ "rights": roles_api::my_rights(ctx, &org).await? }),
            )
        }
        (Route::Roles(org), "GET") => {
            body_query(&[])?;
            Response::json(
                200,
                &serde_json::json!({ "roles": roles_api::list(ctx, &org).await? }),
            )
        }
        (Route::Roles(org), _) => {
            body_query(&[])?;
            require_json(req)?;
            Response::json(
                201,
                &roles_api::create(ctx, &org, parse_body::<RoleBody>(req.body)?).await?,
            )
        }
        (Route::Role(org, id), "PUT") => {
            body_query(&[])?;
            require_json(req)?;
            Response::json(
                200,
                &roles_api::update(ctx, &org, &id, parse_body::<RoleBody>(req.body)?).await?,
            )
        }
        (Route::Role(org, id), _) => {
            body_query(&[])?;
            roles_api::delete(ctx, &org, &id).await?;
            Response::no_content()
        }
        (Route::Settings, "GET") => {
            body_query(&[])?;
            Response::json(200, &settings::get(ctx).await?)
        }
        (Route::Settings, _) => {
            body_query(&[])?;
            require_json(req)?;
            Response::json(
                200,
                &settings::update(ctx, parse_body::<SettingsPatch>(req.body)?).await?,
            )
        }
        (Route::Entities(kind), "GET") => {
            let q = body_query(&["limit", "page", "field_mask"])?;
            let mask = field_mask(&q, ENTITY_FIELDS)?;
            masked_page(
                kind.path(),
                &entities::list(ctx, kind, paging(&q)?).await?,
                mask.as_deref(),
            )
        }
        (Route::Entities(kind), _) => {
            body_query(&[])?;
            require_json(req)?;
            Response::json(
                201,
                &entities::create(ctx, kind, parse_body::<CreateEntity>(req.body)?).await?,
            )
        }
        (Route::Entity(kind, id), "GET") => {
            let q = body_query(&["field_mask"])?;
            let mask = field_mask(&q, ENTITY_FIELDS)?;
            Response::json(
                200,
                &masked(&entities::get(ctx, kind, &id).await?, mask.as_deref()),
            )
        }
        (Route::Entity(kind, id), "PUT") => {
            body_query(&[])?;
            require_json(req)?;
            Response::json(
                200,
                &entities::update(ctx, kind, &id, parse_body::<UpdateEntity>(req.body)?).await?,
            )
        }
        (Route::Entity(kind, id), _) => {
            body_query(&[])?;
            entities::delete(ctx, kind, &id).await?;
            Response::no_content()
        }
        (Route::EntityRights(kind, id), _) => {
            body_query(&[])?;
            Response::json(
                200,
                &serde_json::json!({ "rights": entities::my_rights(ctx, kind, &id).await? }),
            )
        }
        (Route::Collaborators(kind, id), "GET") => {
            body_query(&[])?;
            Response::json(
                200,
                &serde_json::json!({ "collaborators": entities::collaborators(ctx, kind, &id).await? }),
            )
        }
        (Route::Collaborators(kind, id), _) => {
            body_query(&[])?;
            require_json(req)?;
            Response::json(
                200,
                &entities::set_collaborator(ctx, kind, &id, parse_body::<Collaborator>(req.body)?)
                    .await?,
            )
        }
        (Route::Collaborator(kind, id, who), _) => {
            body_query(&[])?;
            entities::remove(ctx, kind, &id, &who).await?;
            Response::no_content()
        }
        (Route::Keys(owner), "GET") => {
            let q = body_query(&["limit", "page"])?;
            Response::page("api_keys", &api_keys::list(ctx, owner, paging(&q)?).await?)
        }
        (Route::Keys(owner), _) => {
            body_query(&[])?;
            require_json(req)?;
            let body = parse_body::<CreateKey>(req.body)?;
            let mut r = Response::json(201, &api_keys::create(ctx, owner, body, cfg.rng).await?);
            r.headers.push(("cache-control", "no-store".into()));
            r
        }
        (Route::Key(owner, id), "GET") => {
            body_query(&[])?;
            Response::json(200, &api_keys::get(ctx, owner, &id).await?)
        }
        (Route::Key(owner, id), "PUT") => {
            body_query(&[])?;
            require_json(req)?;
            Response::json(
                200,
                &api_keys::update(ctx, owner, &id, parse_body::<UpdateKey>(req.body)?).await?,
            )
        }
        (Route::Key(owner, id), _) => {
            body_query(&[])?;
            api_keys::delete(ctx, owner, &id).await?;
            Response::no_content()
        }
        (Route::User(id), "GET") => {
            let q = body_query(&["field_mask"])?;
            let mask = field_mask(&q, USER_FIELDS)?;
            Response::json(200, &masked(&users::get(ctx, &id).await?, mask.as_deref()))
        }
        (Route::User(id), "PUT") => {
            body_query(&[])?;
            require_json(req)?;
            Response::json(
                200,
                &users::update(ctx, &id, parse_body::<UpdateUser>(req.body)?).await?,
            )
        }
        (Route::User(id), _) => {
            body_query(&[])?;
            users::delete(ctx, &id).await?;
            Response::no_content()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_strict() {
        assert_eq!(
            parse_query("limit=5&page=2", &["limit", "page"])
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            parse_query("name_contains=a%20b+c", &["name_contains"]).unwrap()[0].1,
            "a b c"
        );
        assert_eq!(
            parse_query("x=1", &["limit"]).unwrap_err().code,
            "invalid_request"
        );
        assert_eq!(
            parse_query("limit=1&limit=2", &["limit"]).unwrap_err().code,
            "invalid_request"
        );
        assert_eq!(
            parse_query("limit=%zz", &["limit"]).unwrap_err().code,
            "invalid_request"
        );
        assert_eq!(
            parse_query("limit=%e2%82", &["limit"]).unwrap_err().code,
            "invalid_request"
        );
        assert!(parse_query("", &[]).unwrap().is_empty());
    }
}

#[cfg(test)]
mod mask_tests {
    use super::*;

    #[test]
    fn field_masks_keep_the_id_and_refuse_unknown_fields() {
        let q = vec![("field_mask".to_owned(), "name, state".to_owned())];
        let mask = field_mask(&q, ORG_FIELDS).unwrap().unwrap();
        let v = masked(
            &serde_json::json!({"id": "a", "name": "A", "state": "approved", "description": "d"}),
            Some(&mask),
        );
        assert_eq!(
            v,
            serde_json::json!({"id": "a", "name": "A", "state": "approved"})
        );
        let bad = vec![("field_mask".to_owned(), "name,password".to_owned())];
        assert_eq!(
            field_mask(&bad, USER_FIELDS).unwrap_err().code,
            "invalid_request"
        );
        assert_eq!(field_mask(&[], USER_FIELDS).unwrap(), None);
    }
}
