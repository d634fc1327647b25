//! The decision for one proxied request: route → credential → caller →
//! entity grants → rights, through isolate-memory caches.
//!
//! What each cache adds to the staleness of a decision (all bounded by the
//! configured `cache.ttl_seconds`, default 10 s, at most 30 s, plus the
//! time one request takes to refresh an expired entry while the others keep
//! it, at most [`super::ttl::REFRESH_GRACE_MS`]):
//!
//! | cache | key | holds | stale by at most |
//! |---|---|---|---|
//! | verified tokens | the token | claims after the signature check | nothing: time checks re-run on every hit, revocation is checked apart |
//! | revocation epochs | tenant | every epoch of the tenant (one KV listing) | the TTL |
//! | entity grants | tenant, entity | the entity's collaborators (one KV listing) | the TTL |
//! | API keys | tenant, key (or key ID for key tokens) | the key record and its owner's state and memberships | the TTL |
//! | users | tenant, user | state, admin flag and memberships of a user behind a key or an external token | the TTL |
//!
//! On top of that come KV's own propagation delays between locations (see
//! docs/store.md). An admin call served by the same isolate drops every
//! cached entry of its tenant ([`Gate::forget_tenant`]), so in that isolate
//! a change is seen at once.
//!
//! `RefCell` borrows never live across an `await`: an isolate serves several
//! requests concurrently, and each borrow is a short, synchronous step.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use super::config::{IssuerConfig, IssuerKeys, ProxyConfig};
use super::credential::{extract, Credential, CredentialError};
use super::headers::Identity;
use super::metrics::{HitMiss, Metrics};
use super::path::{canonicalize, PathError};
use super::routes::Target;
use super::ttl::TtlCache;
use crate::admin::api_keys::{self, ApiKey, Owner};
use crate::admin::auth::org_claims;
use crate::admin::entities::{grants_in, EntityKind};
use crate::admin::read;
use crate::admin::records::{OrgState, Organization, User, UserState};
use crate::admin::revocations::Epochs;
use crate::decide::{EntityGrants, Principal, Subject};
use crate::ids::{validate_id, OrgId, TenantId, UserId};
use crate::problem::Problem;
use crate::rights::RightSet;
use crate::store::{keys, ListPage, Store, StoreError};
use crate::token::claims::{ExternalClaims, API_KEY_SUBJECT_PREFIX};
use crate::token::{KeySet, TokenCache, TokenError, Verifier, VerifyOptions};

/// Least time between two fetches of one issuer's JWKS (CONTRACT section 4).
pub const JWKS_REFRESH_MS: i64 = 30_000;

/// Fetches an external issuer's JWKS document; the adapter's network.
#[allow(
    async_fn_in_trait,
    reason = "single-threaded adapters; no Send bound wanted"
)]
pub trait JwksFetch {
    /// The body of a GET of `url`, or `None` when it failed.
    async fn fetch(&self, url: &str) -> Option<String>;
}

/// A fetcher for configurations without JWKS URLs.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFetch;

impl JwksFetch for NoFetch {
    async fn fetch(&self, _url: &str) -> Option<String> {
        None
    }
}

/// What the proxy needs of a request.
#[derive(Debug, Clone, Copy)]
pub struct ProxyRequest<'a> {
    /// Method.
    pub method: &'a str,
    /// Path, as received (percent-encoded).
    pub path: &'a str,
    /// `Authorization`, if any.
    pub authorization: Option<&'a str>,
    /// `X-API-Key`, if any.
    pub api_key: Option<&'a str>,
}

/// A refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// HTTP status.
    pub status: u16,
    /// Stable code.
    pub code: &'static str,
    /// Human-readable reason, without secrets.
    pub message: String,
    /// For 403: the rights the caller lacks.
    pub missing: Option<RightSet>,
    /// For 400 and 401: the `WWW-Authenticate` value (RFC 6750 section 3).
    pub www_authenticate: Option<String>,
}

impl Denial {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Denial {
        Denial {
            status,
            code,
            message: message.into(),
            missing: None,
            www_authenticate: None,
        }
    }

    /// 401 with `error="invalid_token"` (CONTRACT section 5).
    fn unauthorized(code: &'static str, message: impl Into<String>) -> Denial {
        let message = message.into();
        let header = format!(
            "Bearer realm=\"orgwarden\", error=\"invalid_token\", error_description=\"{}\"",
            message.replace(['"', '\\'], "'")
        );
        Denial {
            www_authenticate: Some(header),
            ..Denial::new(401, code, message)
        }
    }

    fn token(e: &TokenError) -> Denial {
        Denial::unauthorized(e.code(), e.to_string())
    }

    fn store(e: impl core::fmt::Display) -> Denial {
        // The store's message stays in the log; the caller learns the kind only.
        let _ = e.to_string();
        Denial::new(
            503,
            "store_unavailable",
            "the authorization store did not answer; try again",
        )
    }

    /// The problem document.
    pub fn problem(&self) -> Problem {
        let p = Problem::new(self.status, self.code, self.message.clone());
        match self.missing {
            Some(m) => p.with_missing(m),
            None => p,
        }
    }
}

/// What a request that passes is forwarded as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    /// The canonical path the rules read: the origin receives exactly this.
    pub path: String,
    /// The identity to vouch for; `None` on public routes.
    pub identity: Option<Identity>,
}

/// The decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Forward.
    Forward(Forward),
    /// Refuse.
    Deny(Denial),
}

/// How a decision was reached, for `Server-Timing` and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// The matched rule's pattern.
    pub rule: Option<String>,
    /// Whether the token came from the verified-token cache.
    pub token_cached: Option<bool>,
    /// KV reads this decision made.
    pub kv_reads: u64,
}

/// A decision and its trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Forward or refuse.
    pub outcome: Outcome,
    /// How.
    pub trace: Trace,
}

/// The state of a user behind an API key or an external token.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UserEntry {
    active: bool,
    admin: bool,
    orgs: Vec<(OrgId, RightSet)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum OwnerEntry {
    /// An organization key; whether the organization is approved and not deleted.
    Organization(OrgId, bool),
    User(UserId, Rc<UserEntry>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct KeyEntry {
    key: ApiKey,
    owner: OwnerEntry,
}

#[derive(Debug)]
struct IssuerState {
    config: IssuerConfig,
    verifier: Option<Rc<Verifier>>,
    cache: TokenCache<ExternalClaims>,
    fetched_at_ms: Option<i64>,
}

type TenantKey = (String, String);

#[derive(Debug)]
struct State {
    own: HashMap<String, Rc<Verifier>>,
    tokens: TokenCache,
    issuers: Vec<IssuerState>,
    grants: TtlCache<TenantKey, Rc<EntityGrants>>,
    epochs: TtlCache<String, Rc<Epochs>>,
    keys: TtlCache<TenantKey, Rc<KeyEntry>>,
    users: TtlCache<TenantKey, Rc<UserEntry>>,
    metrics: Metrics,
}

/// The caller of a request, resolved.
struct Caller {
    subject: Subject,
    id: String,
    organizations: Vec<OrgId>,
}

/// A [`Store`] that counts reads, for metrics and the trace.
struct Counted<'s, S> {
    inner: &'s S,
    reads: Cell<u64>,
}

impl<S: Store> Store for Counted<'_, S> {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.reads.set(self.reads.get() + 1);
        self.inner.get(key).await
    }
    async fn put(&self, key: &str, value: &str, metadata: Option<&str>) -> Result<(), StoreError> {
        self.inner.put(key, value, metadata).await
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.inner.delete(key).await
    }
    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ListPage, StoreError> {
        self.reads.set(self.reads.get() + 1);
        self.inner.list(prefix, cursor, limit).await
    }
}

/// The authorizing proxy of one isolate: configuration, trusted keys, caches
/// and counters. Build it once per isolate and share it.
#[derive(Debug)]
pub struct Gate {
    config: ProxyConfig,
    base_url: String,
    own_keys: KeySet,
    state: RefCell<State>,
}

type Step<T> = Result<T, Denial>;

impl Gate {
    /// A gate for `config`, trusting `own_keys` for tokens whose issuer is
    /// `<base_url>/t/<tenant>` and audience `base_url`.
    pub fn new(config: ProxyConfig, base_url: &str, own_keys: KeySet) -> Gate {
        let capacity = config.cache_capacity;
        let ttl = config.cache_ttl_ms;
        let issuers = config
            .issuers
            .iter()
            .map(|c| IssuerState {
                verifier: match &c.keys {
                    IssuerKeys::Static(k) => Some(Rc::new(external_verifier(c, k.clone()))),
                    IssuerKeys::Url(_) => None,
                },
                config: c.clone(),
                cache: TokenCache::with_capacity(capacity),
                fetched_at_ms: None,
            })
            .collect();
        Gate {
            base_url: base_url.trim_end_matches('/').to_owned(),
            own_keys,
            state: RefCell::new(State {
                own: HashMap::new(),
                tokens: TokenCache::new(capacity),
                issuers,
                grants: TtlCache::new(capacity, ttl),
                epochs: TtlCache::new(capacity, ttl),
                keys: TtlCache::new(capacity, ttl),
                users: TtlCache::new(capacity, ttl),
                metrics: Metrics::default(),
            }),
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ProxyConfig {
        &self.config
    }

    /// A copy of the counters.
    pub fn metrics(&self) -> Metrics {
        self.state.borrow().metrics.clone()
    }

    /// Counts a forwarded request whose origin could not be reached.
    pub fn count_origin_unreachable(&self) {
        self.state.borrow_mut().metrics.origin_unreachable += 1;
    }

    /// Drops every cached grant, epoch table, key and user of `tenant`: called
    /// after an admin write in this isolate, so it sees its own changes at once.
    pub fn forget_tenant(&self, tenant: &str) {
        let mut st = self.state.borrow_mut();
        st.grants.retain(|(t, _)| t != tenant);
        st.keys.retain(|(t, _)| t != tenant);
        st.users.retain(|(t, _)| t != tenant);
        st.epochs.retain(|t| t != tenant);
    }

    /// Decides on `req` at `now_ms`.
    pub async fn authorize<S: Store, F: JwksFetch>(
        &self,
        store: &S,
        fetch: &F,
        req: &ProxyRequest<'_>,
        now_ms: i64,
    ) -> Decision {
        let counted = Counted {
            inner: store,
            reads: Cell::new(0),
        };
        let mut trace = Trace::default();
        let outcome = match self.decide(&counted, fetch, req, now_ms, &mut trace).await {
            Ok(o) => o,
            Err(d) => Outcome::Deny(d),
        };
        trace.kv_reads = counted.reads.get();
        let mut st = self.state.borrow_mut();
        let m = &mut st.metrics;
        m.requests += 1;
        m.kv_reads += trace.kv_reads;
        match &outcome {
            Outcome::Forward(Forward {
                identity: Some(_), ..
            }) => m.allowed += 1,
            Outcome::Forward(Forward { identity: None, .. }) => m.public += 1,
            Outcome::Deny(d) => m.deny(d.code),
        }
        Decision { outcome, trace }
    }

    async fn decide<S: Store, F: JwksFetch>(
        &self,
        store: &S,
        fetch: &F,
        req: &ProxyRequest<'_>,
        now_ms: i64,
        trace: &mut Trace,
    ) -> Step<Outcome> {
        let path = canonicalize(req.path, &self.config.path).map_err(path_denial)?;
        let m = self
            .config
            .routes
            .find(req.method, &path)
            .map_err(path_denial)?
            .ok_or_else(|| {
                Denial::new(
                    404,
                    "route_not_found",
                    "no route rule matches this method and path",
                )
            })?;
        trace.rule = Some(m.rule.path.clone());
        let Target::Entity { kind, rights, .. } = &m.rule.target else {
            return Ok(Outcome::Forward(Forward {
                path: path.path,
                identity: None,
            }));
        };
        let tenant = match (&m.tenant, &self.config.default_tenant) {
            (Some(t), _) => TenantId::new(t)
                .map_err(|_| Denial::new(404, "tenant_not_found", "no such tenant"))?,
            (None, Some(t)) => t.clone(),
            (None, None) => {
                return Err(Denial::new(
                    500,
                    "server_misconfigured",
                    "the rule names no tenant",
                ))
            }
        };
        let entity = m
            .entity_id
            .filter(|id| validate_id(id).is_ok())
            .ok_or_else(|| Denial::new(404, "entity_not_found", "no such entity"))?;
        let credential = extract(req.authorization, req.api_key).map_err(credential_denial)?;
        let caller = match credential {
            Credential::ApiKey(text) => {
                let entry = self
                    .key_by_secret(store, &tenant, text, now_ms)
                    .await?
                    .ok_or_else(|| {
                        Denial::unauthorized(
                            "credential_invalid",
                            "the API key is unknown, wrong, expired or deleted",
                        )
                    })?;
                key_caller(&entry, entry.key.rights)?
            }
            Credential::Token(token) => {
                self.token_caller(store, fetch, &tenant, token, now_ms, trace)
                    .await?
            }
        };
        let grants = self.grants(store, &tenant, *kind, &entity, now_ms).await?;
        let held = caller.subject.rights_on(&grants);
        Subject::require(held, *rights).map_err(|e| Denial {
            missing: Some(e.missing()),
            ..Denial::new(
                403,
                "insufficient_rights",
                format!(
                    "missing rights on {} {entity}: {}",
                    kind.path(),
                    e.missing().names().join(", ")
                ),
            )
        })?;
        Ok(Outcome::Forward(Forward {
            path: path.path,
            identity: Some(Identity {
                subject: caller.id,
                tenant: tenant.to_string(),
                rights: held,
                organizations: caller.organizations,
            }),
        }))
    }

    fn own_verifier(&self, tenant: &TenantId) -> Rc<Verifier> {
        let mut st = self.state.borrow_mut();
        if let Some(v) = st.own.get(tenant.as_str()) {
            return Rc::clone(v);
        }
        let v = Rc::new(Verifier::new(
            self.own_keys.clone(),
            VerifyOptions::new(
                format!("{}/t/{tenant}", self.base_url),
                self.base_url.clone(),
            ),
        ));
        st.own.insert(tenant.to_string(), Rc::clone(&v));
        v
    }

    /// Whether `iss` is `<base>/t/<tenant>`, without building the string.
    fn is_own_issuer(&self, iss: &str, tenant: &TenantId) -> bool {
        iss.strip_prefix(self.base_url.as_str())
            .and_then(|rest| rest.strip_prefix("/t/"))
            .is_some_and(|t| t == tenant.as_str())
    }

    async fn token_caller<S: Store, F: JwksFetch>(
        &self,
        store: &S,
        fetch: &F,
        tenant: &TenantId,
        token: &str,
        now_ms: i64,
        trace: &mut Trace,
    ) -> Step<Caller> {
        let now = now_ms.div_euclid(1000);
        let verifier = self.own_verifier(tenant);
        let verified = {
            let mut st = self.state.borrow_mut();
            let hits = st.tokens.stats().hits;
            let r = st.tokens.verify(&verifier, token, now);
            let hit = st.tokens.stats().hits > hits;
            st.metrics.token_cache.count(hit);
            trace.token_cached = Some(hit);
            r
        };
        let verified = match verified {
            Ok(v) => v,
            Err(TokenError::UnknownKid(_)) if self.has_issuers(tenant) => {
                return self
                    .external_caller(store, fetch, tenant, token, now_ms)
                    .await;
            }
            Err(e) => return Err(Denial::token(&e)),
        };
        let claims = &verified.claims;
        // A cache hit re-checks times only; issuer and tenant are checked here.
        if !self.is_own_issuer(&claims.iss, tenant) || claims.tid != *tenant {
            return Err(Denial::unauthorized(
                "token_wrong_issuer",
                "the token is for another tenant",
            ));
        }
        if let Some(key_id) = claims.sub.strip_prefix(API_KEY_SUBJECT_PREFIX) {
            let entry = self
                .key_by_id(store, tenant, key_id, now_ms)
                .await?
                .ok_or_else(|| {
                    Denial::unauthorized(
                        "token_revoked",
                        "the token's API key was deleted or has expired",
                    )
                })?;
            let ceiling = claims.rights.map_or(entry.key.rights, |r| {
                r.implied().intersection(entry.key.rights.implied())
            });
            return key_caller(&entry, ceiling);
        }
        let subject = claims.subject().ok_or_else(|| {
            Denial::unauthorized("token_malformed", "the token's subject is not a user")
        })?;
        let epochs = self.epochs(store, tenant, now_ms).await?;
        if epochs.revokes(Some(claims.sub.as_str()), claims.orgs.keys(), claims.iat) {
            return Err(Denial::unauthorized(
                "token_revoked",
                "the token was revoked: the user's memberships, roles or state changed since it was issued",
            ));
        }
        if claims.orgs_incomplete {
            // The token's size budget left memberships out: read them all
            // through the same cached path as a key's user.
            let user = claims.user().ok_or_else(|| {
                Denial::unauthorized("token_malformed", "the token's subject is not a user")
            })?;
            let entry = self.user(store, tenant, &user, now_ms).await?;
            if !entry.active {
                return Err(Denial::unauthorized(
                    "token_revoked",
                    "the token's user is suspended or deleted",
                ));
            }
            return Ok(Caller {
                subject: Subject::new(
                    Principal::User(user),
                    entry.orgs.iter().cloned(),
                    claims.adm,
                    claims.rights,
                ),
                id: claims.sub.clone(),
                organizations: entry.orgs.iter().map(|(o, _)| o.clone()).collect(),
            });
        }
        Ok(Caller {
            subject,
            id: claims.sub.clone(),
            organizations: claims.orgs.keys().cloned().collect(),
        })
    }

    fn has_issuers(&self, tenant: &TenantId) -> bool {
        self.config.issuers.iter().any(|i| i.tenant == *tenant)
    }

    /// A token of an external issuer of `tenant`: found by `kid` among the
    /// issuers' keys, fetching URL issuers' keys when no issuer has the `kid`.
    async fn external_caller<S: Store, F: JwksFetch>(
        &self,
        store: &S,
        fetch: &F,
        tenant: &TenantId,
        token: &str,
        now_ms: i64,
    ) -> Step<Caller> {
        let now = now_ms.div_euclid(1000);
        let mut verified = self.try_issuers(tenant, token, now)?;
        if verified.is_none() {
            self.refresh_issuers(fetch, tenant, now_ms).await;
            verified = self.try_issuers(tenant, token, now)?;
        }
        let claims = verified.ok_or_else(|| Denial::token(&TokenError::UnknownKid(None)))?;
        let user = UserId::new(&claims.sub).map_err(|_| {
            Denial::unauthorized(
                "token_malformed",
                "the token's subject is not a user ID of this tenant",
            )
        })?;
        let epochs = self.epochs(store, tenant, now_ms).await?;
        if epochs.revokes(Some(user.as_str()), [], claims.iat) {
            return Err(Denial::unauthorized(
                "token_revoked",
                "the token was revoked: the user's memberships, roles or state changed since it was issued",
            ));
        }
        let entry = self.user(store, tenant, &user, now_ms).await?;
        if !entry.active {
            return Err(Denial::unauthorized(
                "token_revoked",
                "the token's user is unknown here, suspended or deleted",
            ));
        }
        Ok(Caller {
            subject: Subject::new(
                Principal::User(user.clone()),
                entry.orgs.iter().cloned(),
                entry.admin,
                None,
            ),
            id: user.to_string(),
            organizations: entry.orgs.iter().map(|(o, _)| o.clone()).collect(),
        })
    }

    /// The token's claims under the first issuer of `tenant` that has its
    /// `kid`; `None` when none has it.
    fn try_issuers(
        &self,
        tenant: &TenantId,
        token: &str,
        now: i64,
    ) -> Step<Option<ExternalClaims>> {
        let mut st = self.state.borrow_mut();
        let st = &mut *st;
        for issuer in st.issuers.iter_mut().filter(|i| i.config.tenant == *tenant) {
            let Some(verifier) = issuer.verifier.clone() else {
                continue;
            };
            let hits = issuer.cache.stats().hits;
            let r = issuer.cache.verify(&verifier, token, now);
            st.metrics
                .token_cache
                .count(issuer.cache.stats().hits > hits);
            match r {
                Ok(v) => return Ok(Some(v.claims.clone())),
                Err(TokenError::UnknownKid(_)) => continue,
                Err(e) => return Err(Denial::token(&e)),
            }
        }
        Ok(None)
    }

    /// Fetches the JWKS of every URL issuer of `tenant` not fetched in the
    /// last 30 s. A failed fetch keeps the keys already held.
    async fn refresh_issuers<F: JwksFetch>(&self, fetch: &F, tenant: &TenantId, now_ms: i64) {
        let due: Vec<(usize, String)> = {
            let mut st = self.state.borrow_mut();
            let st = &mut *st;
            let mut due = Vec::new();
            for (i, issuer) in st.issuers.iter_mut().enumerate() {
                let IssuerKeys::Url(url) = &issuer.config.keys else {
                    continue;
                };
                let recent = issuer
                    .fetched_at_ms
                    .is_some_and(|t| now_ms.saturating_sub(t) < JWKS_REFRESH_MS);
                if issuer.config.tenant == *tenant && !recent {
                    // Marked before the fetch, so concurrent requests do not fetch too.
                    issuer.fetched_at_ms = Some(now_ms);
                    st.metrics.jwks_fetches += 1;
                    due.push((i, url.clone()));
                }
            }
            due
        };
        for (i, url) in due {
            let Some(text) = fetch.fetch(&url).await else {
                continue;
            };
            let Ok(keys) = KeySet::from_json(&text) else {
                continue;
            };
            let mut st = self.state.borrow_mut();
            let capacity = self.config.cache_capacity;
            if let Some(issuer) = st.issuers.get_mut(i) {
                issuer.verifier = Some(Rc::new(external_verifier(&issuer.config, keys)));
                issuer.cache = TokenCache::with_capacity(capacity);
            }
        }
    }

    /// A lookup in one of the TTL caches (see [`TtlCache::claim`]), counted
    /// in that cache's metrics, under a single borrow.
    fn cached<K: std::hash::Hash + Eq + Clone, V: Clone>(
        &self,
        which: for<'s> fn(&'s mut State) -> (&'s mut TtlCache<K, V>, &'s mut HitMiss),
        key: &K,
        now_ms: i64,
    ) -> Option<V> {
        let mut st = self.state.borrow_mut();
        let (cache, counter) = which(&mut st);
        let hit = cache.claim(key, now_ms);
        counter.count(hit.is_some());
        hit
    }

    async fn epochs<S: Store>(
        &self,
        store: &S,
        tenant: &TenantId,
        now_ms: i64,
    ) -> Step<Rc<Epochs>> {
        let key = tenant.to_string();
        if let Some(e) = self.cached(
            |s| (&mut s.epochs, &mut s.metrics.epochs_cache),
            &key,
            now_ms,
        ) {
            return Ok(e);
        }
        let e = Rc::new(Epochs::load(store, tenant).await.map_err(Denial::store)?);
        self.state
            .borrow_mut()
            .epochs
            .insert(key, Rc::clone(&e), now_ms);
        Ok(e)
    }

    async fn grants<S: Store>(
        &self,
        store: &S,
        tenant: &TenantId,
        kind: EntityKind,
        id: &str,
        now_ms: i64,
    ) -> Step<Rc<EntityGrants>> {
        let key = (tenant.to_string(), format!("{}/{id}", kind.path()));
        if let Some(g) = self.cached(
            |s| (&mut s.grants, &mut s.metrics.grants_cache),
            &key,
            now_ms,
        ) {
            return Ok(g);
        }
        let (users, orgs) = grants_in(store, tenant, kind, id)
            .await
            .map_err(Denial::store)?;
        let g = Rc::new(EntityGrants::new(users, orgs));
        self.state
            .borrow_mut()
            .grants
            .insert(key, Rc::clone(&g), now_ms);
        Ok(g)
    }

    /// A user's state and memberships, as a token would carry them.
    async fn user<S: Store>(
        &self,
        store: &S,
        tenant: &TenantId,
        user: &UserId,
        now_ms: i64,
    ) -> Step<Rc<UserEntry>> {
        let key = (tenant.to_string(), user.to_string());
        if let Some(u) = self.cached(|s| (&mut s.users, &mut s.metrics.users_cache), &key, now_ms) {
            return Ok(u);
        }
        let record: Option<User> = read(store, &keys::user(tenant, user))
            .await
            .map_err(Denial::store)?;
        let entry = match record {
            Some(u) if u.deleted_at.is_none() && u.state == UserState::Approved => UserEntry {
                active: true,
                admin: u.admin,
                orgs: org_claims(store, tenant, user, now_ms)
                    .await
                    .map_err(Denial::store)?
                    .into_iter()
                    .map(|(o, c)| (o, c.rights))
                    .collect(),
            },
            _ => UserEntry {
                active: false,
                admin: false,
                orgs: Vec::new(),
            },
        };
        let entry = Rc::new(entry);
        self.state
            .borrow_mut()
            .users
            .insert(key, Rc::clone(&entry), now_ms);
        Ok(entry)
    }

    /// A key presented with its secret. Only keys that verified are cached,
    /// keyed by the whole presented text.
    async fn key_by_secret<S: Store>(
        &self,
        store: &S,
        tenant: &TenantId,
        text: &str,
        now_ms: i64,
    ) -> Step<Option<Rc<KeyEntry>>> {
        let cache_key = (tenant.to_string(), text.to_owned());
        if let Some(hit) = self.cached_key(&cache_key, now_ms) {
            return Ok(Some(hit));
        }
        let key = api_keys::authenticate(store, tenant, text, now_ms)
            .await
            .map_err(Denial::store)?;
        self.key_entry(store, tenant, key, cache_key, now_ms).await
    }

    /// The key behind a token issued to it (no secret: the token vouches).
    async fn key_by_id<S: Store>(
        &self,
        store: &S,
        tenant: &TenantId,
        id: &str,
        now_ms: i64,
    ) -> Step<Option<Rc<KeyEntry>>> {
        let cache_key = (tenant.to_string(), format!("id:{id}"));
        if let Some(hit) = self.cached_key(&cache_key, now_ms) {
            return Ok(Some(hit));
        }
        if validate_key_id(id).is_err() {
            return Ok(None);
        }
        let key: Option<ApiKey> = read(store, &keys::api_key(tenant, id))
            .await
            .map_err(Denial::store)?;
        let key = key.filter(|k| k.expires_at_ms.is_none_or(|e| e > now_ms));
        self.key_entry(store, tenant, key, cache_key, now_ms).await
    }

    fn cached_key(&self, cache_key: &TenantKey, now_ms: i64) -> Option<Rc<KeyEntry>> {
        let mut st = self.state.borrow_mut();
        let hit = st
            .keys
            .claim(cache_key, now_ms)
            .filter(|e| e.key.expires_at_ms.is_none_or(|x| x > now_ms));
        st.metrics.keys_cache.count(hit.is_some());
        hit
    }

    async fn key_entry<S: Store>(
        &self,
        store: &S,
        tenant: &TenantId,
        key: Option<ApiKey>,
        cache_key: TenantKey,
        now_ms: i64,
    ) -> Step<Option<Rc<KeyEntry>>> {
        let Some(key) = key else {
            return Ok(None);
        };
        let owner = match &key.owner {
            Owner::Organization(o) => {
                let org: Option<Organization> = read(store, &keys::org(tenant, o))
                    .await
                    .map_err(Denial::store)?;
                let live =
                    org.is_some_and(|o| o.deleted_at.is_none() && o.state == OrgState::Approved);
                OwnerEntry::Organization(o.clone(), live)
            }
            Owner::User(u) => {
                OwnerEntry::User(u.clone(), self.user(store, tenant, u, now_ms).await?)
            }
        };
        let entry = Rc::new(KeyEntry { key, owner });
        self.state
            .borrow_mut()
            .keys
            .insert(cache_key, Rc::clone(&entry), now_ms);
        Ok(Some(entry))
    }
}

fn validate_key_id(id: &str) -> Result<(), ()> {
    let ok = id.len() == 16
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b));
    if ok {
        Ok(())
    } else {
        Err(())
    }
}

fn external_verifier(c: &IssuerConfig, keys: KeySet) -> Verifier {
    Verifier::new(
        keys,
        VerifyOptions::new(c.issuer.clone(), c.audience.clone()),
    )
}

fn path_denial(e: PathError) -> Denial {
    Denial::new(400, e.code(), e.message())
}

fn credential_denial(e: CredentialError) -> Denial {
    match e {
        CredentialError::Conflict => Denial {
            www_authenticate: Some(format!(
                "Bearer realm=\"orgwarden\", error=\"invalid_request\", error_description=\"{}\"",
                e.message()
            )),
            ..Denial::new(400, e.code(), e.message())
        },
        _ => Denial::unauthorized(e.code(), e.message()),
    }
}

/// The caller an API key (or a token issued to one) stands for: its owner,
/// cut by `ceiling`.
fn key_caller(entry: &KeyEntry, ceiling: RightSet) -> Step<Caller> {
    let id = format!("{API_KEY_SUBJECT_PREFIX}{}", entry.key.id);
    match &entry.owner {
        OwnerEntry::Organization(o, live) => {
            if !live {
                return Err(Denial::unauthorized(
                    "credential_invalid",
                    "the key's organization is deleted or not approved",
                ));
            }
            Ok(Caller {
                subject: Subject::new(Principal::Organization(o.clone()), [], false, Some(ceiling)),
                id,
                organizations: vec![o.clone()],
            })
        }
        OwnerEntry::User(u, user) => {
            if !user.active {
                return Err(Denial::unauthorized(
                    "credential_invalid",
                    "the key's user is suspended or deleted",
                ));
            }
            Ok(Caller {
                subject: Subject::new(
                    Principal::User(u.clone()),
                    user.orgs.iter().cloned(),
                    user.admin,
                    Some(ceiling),
                ),
                id,
                organizations: user.orgs.iter().map(|(o, _)| o.clone()).collect(),
            })
        }
    }
}
