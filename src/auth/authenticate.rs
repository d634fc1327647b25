//! The one authenticator: a credential and a tenant in, the [`Caller`] out,
//! for the admin API and the proxy alike (and the gateway plugins, which run
//! the proxy's gate).
//!
//! Two phases:
//!
//! 1. [`Authenticator::present`] is pure CPU: it verifies a token (through
//!    the verified-token cache) or takes an API key apart. It needs a fact
//!    only for an external issuer whose keys are fetched from a URL.
//! 2. [`Authenticator::resolve`] reads facts — revocation epochs, the API
//!    key, the user's memberships — from a [`FactView`], and stops with the
//!    [`Need`]s it lacks (sans-I/O, see [`crate::model::facts`]).
//!
//! The admin API hands it facts read fresh from the store on every call; the
//! proxy hands it its TTL caches. [`authenticate`] drives both phases against
//! any [`FactSource`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use super::caller::Caller;
use super::credential::Credential;
use super::denial::Denial;
use super::secret::Secret;
use crate::core::decide::Principal;
use crate::core::ids::{TenantId, UserId};
use crate::core::rights::RightSet;
use crate::core::token::claims::{ExternalClaims, API_KEY_SUBJECT_PREFIX};
use crate::core::token::{
    Checked, Equation, KeyError, KeySet, SignatureCheck, SignatureHost, TokenCache, TokenError,
    Verdict, VerifiedToken, Verifier, VerifyOptions,
};
use crate::model::api_key::split_key;
use crate::model::facts::{
    Fact, FactSource, FactView, KeyFact, Need, OwnerFact, PrincipalFact, Supplied,
};
use crate::proxy::config::{IssuerConfig, IssuerKeys};
use crate::proxy::metrics::HitMiss;

/// Least time between two fetches of one issuer's JWKS (CONTRACT section 4).
pub const JWKS_REFRESH_MS: i64 = 30_000;

/// Why a step could not finish: facts to fetch first, or a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    /// Fetch these, then ask again.
    Need(Vec<Need>),
    /// Refused.
    Denied(Denial),
}

impl From<Denial> for Blocked {
    fn from(d: Denial) -> Self {
        Blocked::Denied(d)
    }
}

/// A credential after phase one.
#[derive(Debug, Clone)]
pub enum Presented {
    /// An own token, verified; issuer and tenant checked.
    Own(Arc<VerifiedToken>),
    /// An external issuer's token, verified: identity only.
    External(UserId, i64),
    /// An API key, not yet looked up.
    Key {
        /// Key ID.
        id: String,
        /// The secret part.
        secret: Secret,
    },
}

/// Phase one's result, with whether the token came from the cache.
#[derive(Debug, Clone)]
pub struct Presentation {
    /// The credential.
    pub presented: Presented,
    /// For tokens: answered by the verified-token cache.
    pub token_cached: Option<bool>,
}

#[derive(Debug)]
struct IssuerState {
    config: IssuerConfig,
    verifier: Option<Rc<Verifier>>,
    cache: TokenCache<ExternalClaims>,
    fetched_at_ms: Option<i64>,
}

#[derive(Debug)]
struct State {
    own: HashMap<String, Rc<Verifier>>,
    tokens: TokenCache,
    issuers: Vec<IssuerState>,
    token_stats: HitMiss,
    jwks_fetches: u64,
}

/// Counters of the authenticator, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthStats {
    /// Verified-token cache (own and external tokens).
    pub tokens: HitMiss,
    /// External JWKS fetches started.
    pub jwks_fetches: u64,
}

/// Where the Ed25519 equation of a token not in the cache is computed, as
/// the functions that do it: chosen by the constructor, so that a build
/// whose adapters only call [`Authenticator::for_host`] (the worker) names
/// none of the curve arithmetic and links none.
#[derive(Debug, Clone, Copy)]
struct Arithmetic {
    /// Makes the verifiers ([`Verifier::new`] or [`Verifier::for_host`]).
    verifier: fn(KeySet, VerifyOptions) -> Verifier,
    /// Loads a fetched JWKS (decompressed, or checked by its encodings).
    load_jwks: fn(&str) -> Result<KeySet, KeyError>,
    /// The equation here, when the host's could not be had (`None`: the
    /// request fails closed instead).
    here: Option<fn(&SignatureCheck) -> bool>,
}

/// The deployment's trust: its own keys (tokens of `<base>/t/<tenant>`,
/// audience `<base>`) and the external issuers, with a verified-token cache.
/// One per isolate (or filter VM), shared by every request.
#[derive(Debug)]
pub struct Authenticator {
    base_url: String,
    own_keys: KeySet,
    has_issuers: bool,
    capacity: usize,
    arithmetic: Arithmetic,
    /// The platform's Ed25519, for [`authenticate`] (a host's authenticator).
    host: Option<Box<dyn SignatureHost>>,
    state: RefCell<State>,
}

impl Authenticator {
    /// An authenticator trusting `own_keys` and `issuers`, caching up to
    /// `capacity` tokens, computing the equation in Rust.
    pub fn new(
        base_url: &str,
        own_keys: KeySet,
        issuers: &[IssuerConfig],
        capacity: usize,
    ) -> Authenticator {
        let arithmetic = Arithmetic {
            verifier: Verifier::new,
            load_jwks: KeySet::from_json,
            here: Some(SignatureCheck::verify_here),
        };
        Self::build(base_url, own_keys, issuers, capacity, arithmetic, None)
    }

    /// [`new`](Authenticator::new) for a host that computes every equation:
    /// the proxy's gate asks for them ([`Need::Signature`]), [`authenticate`]
    /// awaits `host`. Keys are loaded by their encodings
    /// ([`KeySet::from_jwks_encodings`]: `own_keys` and the issuers' should be
    /// too), and when the host cannot answer, the request fails closed (503).
    pub fn for_host(
        base_url: &str,
        own_keys: KeySet,
        issuers: &[IssuerConfig],
        capacity: usize,
        host: Box<dyn SignatureHost>,
    ) -> Authenticator {
        let arithmetic = Arithmetic {
            verifier: Verifier::for_host,
            load_jwks: KeySet::from_json_encodings,
            here: None,
        };
        Self::build(
            base_url,
            own_keys,
            issuers,
            capacity,
            arithmetic,
            Some(host),
        )
    }

    fn build(
        base_url: &str,
        own_keys: KeySet,
        issuers: &[IssuerConfig],
        capacity: usize,
        arithmetic: Arithmetic,
        host: Option<Box<dyn SignatureHost>>,
    ) -> Authenticator {
        let issuers = issuers
            .iter()
            .map(|c| IssuerState {
                verifier: match &c.keys {
                    IssuerKeys::Static(k) => Some(Rc::new(external_verifier(
                        arithmetic.verifier,
                        c,
                        k.clone(),
                    ))),
                    IssuerKeys::Url(_) => None,
                },
                config: c.clone(),
                cache: TokenCache::with_capacity(capacity),
                fetched_at_ms: None,
            })
            .collect::<Vec<_>>();
        Authenticator {
            base_url: base_url.trim_end_matches('/').to_owned(),
            own_keys,
            has_issuers: !issuers.is_empty(),
            capacity,
            arithmetic,
            host,
            state: RefCell::new(State {
                own: HashMap::new(),
                tokens: TokenCache::new(capacity),
                issuers,
                token_stats: HitMiss::default(),
                jwks_fetches: 0,
            }),
        }
    }

    /// The counters.
    pub fn stats(&self) -> AuthStats {
        let st = self.state.borrow();
        AuthStats {
            tokens: st.token_stats,
            jwks_fetches: st.jwks_fetches,
        }
    }

    /// The deployment's public base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn own_verifier(&self, tenant: &TenantId) -> Rc<Verifier> {
        let mut st = self.state.borrow_mut();
        if let Some(v) = st.own.get(tenant.as_str()) {
            return Rc::clone(v);
        }
        let v = Rc::new((self.arithmetic.verifier)(
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

    /// Who computes the equation for this authenticator: here, or the host
    /// (whose answer so far is `verdict`).
    pub fn equation<'v>(&self, verdict: Option<&'v Verdict>) -> Equation<'v> {
        if self.arithmetic.here.is_some() {
            Equation::Here
        } else {
            Equation::Host(verdict)
        }
    }

    /// The equation computed here, when this authenticator has it: what a
    /// host that could not answer falls back to.
    pub fn equation_here(&self) -> Option<fn(&SignatureCheck) -> bool> {
        self.arithmetic.here
    }

    /// Phase one: the credential verified (a token) or taken apart (a key).
    /// A host's authenticator ([`Authenticator::for_host`]) stops with
    /// [`Need::Signature`] for a token not in the cache.
    pub fn present(
        &self,
        credential: Credential<'_>,
        tenant: &TenantId,
        now_ms: i64,
    ) -> Result<Presentation, Blocked> {
        self.present_with(credential, tenant, now_ms, self.equation(None))
    }

    /// [`present`](Authenticator::present) with the signature equation
    /// computed by `equation`: with [`Equation::Host`], a token not in the
    /// cache stops with [`Need::Signature`] until its verdict is passed in.
    pub fn present_with(
        &self,
        credential: Credential<'_>,
        tenant: &TenantId,
        now_ms: i64,
        equation: Equation<'_>,
    ) -> Result<Presentation, Blocked> {
        match credential {
            Credential::ApiKey(text) => {
                let (id, secret) = split_key(text).ok_or_else(key_refused)?;
                Ok(Presentation {
                    presented: Presented::Key {
                        id: id.to_owned(),
                        secret: Secret::new(secret),
                    },
                    token_cached: None,
                })
            }
            Credential::Token(token) => self.present_token(token, tenant, now_ms, equation),
        }
    }

    fn present_token(
        &self,
        token: &str,
        tenant: &TenantId,
        now_ms: i64,
        equation: Equation<'_>,
    ) -> Result<Presentation, Blocked> {
        let now = now_ms.div_euclid(1000);
        let verifier = self.own_verifier(tenant);
        let (checked, hit) = {
            let mut st = self.state.borrow_mut();
            let hits = st.tokens.stats().hits;
            let r = st.tokens.check(&verifier, token, now, equation);
            let hit = st.tokens.stats().hits > hits;
            if !matches!(r, Ok(Checked::NeedsSignature(_))) {
                st.token_stats.count(hit);
            }
            (r, hit)
        };
        let verified = match checked {
            Ok(Checked::Verified(v)) => v,
            Ok(Checked::NeedsSignature(c)) => return Err(Blocked::Need(vec![Need::Signature(c)])),
            Err(TokenError::UnknownKid(_)) if self.has_issuers => {
                let (user, iat) = self.present_external(token, tenant, now_ms, equation)?;
                return Ok(Presentation {
                    presented: Presented::External(user, iat),
                    token_cached: Some(hit),
                });
            }
            Err(e) => return Err(Denial::token(&e).into()),
        };
        let claims = &verified.claims;
        // A cache hit re-checks times only; issuer and tenant are checked here.
        if !self.is_own_issuer(&claims.iss, tenant) || claims.tid != *tenant {
            return Err(Denial::unauthorized(
                "token_wrong_issuer",
                "the token is for another tenant",
            )
            .into());
        }
        let subject_ok = match claims.sub.strip_prefix(API_KEY_SUBJECT_PREFIX) {
            Some(id) => crate::model::api_key::is_key_id(id),
            None => claims.user().is_some(),
        };
        if !subject_ok {
            return Err(Denial::unauthorized(
                "token_malformed",
                "the token's subject is neither a user nor an API key",
            )
            .into());
        }
        Ok(Presentation {
            presented: Presented::Own(verified),
            token_cached: Some(hit),
        })
    }

    /// A token of an external issuer of `tenant`: found by `kid` among the
    /// issuers' keys; when none has it, the keys of URL issuers not fetched
    /// in the last 30 s are needed first.
    fn present_external(
        &self,
        token: &str,
        tenant: &TenantId,
        now_ms: i64,
        equation: Equation<'_>,
    ) -> Result<(UserId, i64), Blocked> {
        let now = now_ms.div_euclid(1000);
        let claims = match self.try_issuers(tenant, token, now, equation)? {
            Some(c) => c,
            None => {
                let due = self.due_jwks(tenant, now_ms);
                if !due.is_empty() {
                    return Err(Blocked::Need(due));
                }
                return Err(Denial::token(&TokenError::UnknownKid(None)).into());
            }
        };
        let user = UserId::new(&claims.sub).map_err(|_| {
            Denial::unauthorized(
                "token_malformed",
                "the token's subject is not a user ID of this tenant",
            )
        })?;
        Ok((user, claims.iat))
    }

    fn try_issuers(
        &self,
        tenant: &TenantId,
        token: &str,
        now: i64,
        equation: Equation<'_>,
    ) -> Result<Option<ExternalClaims>, Blocked> {
        let mut st = self.state.borrow_mut();
        let st = &mut *st;
        for issuer in st.issuers.iter_mut().filter(|i| i.config.tenant == *tenant) {
            let Some(verifier) = issuer.verifier.clone() else {
                continue;
            };
            let hits = issuer.cache.stats().hits;
            let r = issuer.cache.check(&verifier, token, now, equation);
            match r {
                Ok(Checked::Verified(v)) => {
                    st.token_stats.count(issuer.cache.stats().hits > hits);
                    return Ok(Some(v.claims.clone()));
                }
                Ok(Checked::NeedsSignature(c)) => {
                    return Err(Blocked::Need(vec![Need::Signature(c)]))
                }
                Err(TokenError::UnknownKid(_)) => st.token_stats.count(false),
                Err(e) => {
                    st.token_stats.count(false);
                    return Err(Denial::token(&e).into());
                }
            }
        }
        Ok(None)
    }

    /// The JWKS URLs of `tenant`'s issuers not fetched in the last 30 s,
    /// marked as fetched now so that concurrent requests do not fetch too.
    fn due_jwks(&self, tenant: &TenantId, now_ms: i64) -> Vec<Need> {
        let mut st = self.state.borrow_mut();
        let st = &mut *st;
        let mut due = Vec::new();
        for issuer in &mut st.issuers {
            let IssuerKeys::Url(url) = &issuer.config.keys else {
                continue;
            };
            let recent = issuer
                .fetched_at_ms
                .is_some_and(|t| now_ms.saturating_sub(t) < JWKS_REFRESH_MS);
            if issuer.config.tenant == *tenant && !recent {
                issuer.fetched_at_ms = Some(now_ms);
                st.jwks_fetches += 1;
                due.push(Need::Jwks(url.clone()));
            }
        }
        due
    }

    /// Takes a fetched JWKS document for `url`; a failed fetch or a bad
    /// document keeps the keys already held.
    pub fn supply_jwks(&self, url: &str, document: Option<&str>) {
        let Some(keys) = document.and_then(|d| (self.arithmetic.load_jwks)(d).ok()) else {
            return;
        };
        let mut st = self.state.borrow_mut();
        for issuer in &mut st.issuers {
            if matches!(&issuer.config.keys, IssuerKeys::Url(u) if u == url) {
                issuer.verifier = Some(Rc::new(external_verifier(
                    self.arithmetic.verifier,
                    &issuer.config,
                    keys.clone(),
                )));
                issuer.cache = TokenCache::with_capacity(self.capacity);
            }
        }
    }

    /// Phase two: the caller, from the facts the credential needs.
    pub fn resolve(
        &self,
        presented: &Presented,
        tenant: &TenantId,
        now_ms: i64,
        view: &dyn FactView,
    ) -> Result<Caller, Blocked> {
        match presented {
            Presented::Key { id, secret } => {
                let key = key_fact(view, tenant, id)?
                    .filter(|k| k.key.secret_matches(secret.expose()))
                    .filter(|k| k.key.expires_at_ms.is_none_or(|e| e > now_ms))
                    .ok_or_else(key_refused)?;
                key_caller(&key, key.key.rights)
            }
            Presented::Own(verified) => own_caller(verified, tenant, now_ms, view),
            Presented::External(user, iat) => {
                let [epochs, principal] = facts(
                    view,
                    [
                        Need::Epochs(tenant.clone()),
                        Need::Principal(tenant.clone(), user.clone()),
                    ],
                )?;
                if epochs_of(&epochs).is_some_and(|e| e.revokes(Some(user.as_str()), [], *iat)) {
                    return Err(revoked().into());
                }
                let p = principal_of(&principal).ok_or_else(broken)?;
                if !p.active {
                    return Err(Denial::unauthorized(
                        "token_revoked",
                        "the token's user is unknown here, suspended or deleted",
                    )
                    .into());
                }
                Ok(Caller {
                    principal: Principal::User(user.clone()),
                    admin: p.admin,
                    ceiling: None,
                    id: user.to_string(),
                    memberships: p.memberships(),
                })
            }
        }
    }
}

fn own_caller(
    verified: &VerifiedToken,
    tenant: &TenantId,
    now_ms: i64,
    view: &dyn FactView,
) -> Result<Caller, Blocked> {
    let claims = &verified.claims;
    if let Some(key_id) = claims.sub.strip_prefix(API_KEY_SUBJECT_PREFIX) {
        // A token issued to an API key: the key must still exist (deleting
        // a key revokes its tokens through this read).
        let key = key_fact(view, tenant, key_id)?
            .filter(|k| k.key.expires_at_ms.is_none_or(|e| e > now_ms))
            .ok_or_else(|| {
                Denial::unauthorized(
                    "token_revoked",
                    "the token's API key was deleted or has expired",
                )
            })?;
        let ceiling = claims.rights.map_or(key.key.rights, |r| {
            r.implied().intersection(key.key.rights.implied())
        });
        return key_caller(&key, ceiling);
    }
    let user = claims.user().ok_or_else(|| {
        Denial::unauthorized("token_malformed", "the token's subject is not a user")
    })?;
    let mut needs = vec![Need::Epochs(tenant.clone())];
    if claims.orgs_incomplete {
        // The size budget left memberships out: all of them from the store.
        needs.push(Need::Principal(tenant.clone(), user.clone()));
    }
    let got = facts_vec(view, needs)?;
    let epochs = got.first().and_then(|f| epochs_of(f)).ok_or_else(broken)?;
    if epochs.revokes(Some(claims.sub.as_str()), claims.orgs.keys(), claims.iat) {
        return Err(revoked().into());
    }
    let memberships = match got.get(1) {
        Some(f) => {
            let p = principal_of(f).ok_or_else(broken)?;
            if !p.active {
                return Err(Denial::unauthorized(
                    "token_revoked",
                    "the token's user is suspended or deleted",
                )
                .into());
            }
            p.memberships()
        }
        None => claims
            .orgs
            .iter()
            .map(|(o, c)| (o.clone(), c.rights))
            .collect(),
    };
    Ok(Caller {
        principal: Principal::User(user),
        admin: claims.adm,
        ceiling: claims.rights,
        id: claims.sub.clone(),
        memberships,
    })
}

/// The caller an API key (or a token issued to one) stands for: its owner,
/// cut by `ceiling`.
fn key_caller(key: &KeyFact, ceiling: RightSet) -> Result<Caller, Blocked> {
    let id = format!("{API_KEY_SUBJECT_PREFIX}{}", key.key.id);
    match &key.owner {
        OwnerFact::Organization { id: org, live } => {
            if !live {
                return Err(Denial::unauthorized(
                    "credential_invalid",
                    "the key's organization is deleted or not approved",
                )
                .into());
            }
            Ok(Caller {
                principal: Principal::Organization(org.clone()),
                admin: false,
                ceiling: Some(ceiling),
                id,
                memberships: Vec::new(),
            })
        }
        OwnerFact::User {
            id: user,
            principal,
        } => {
            if !principal.active {
                return Err(Denial::unauthorized(
                    "credential_invalid",
                    "the key's user is suspended or deleted",
                )
                .into());
            }
            Ok(Caller {
                principal: Principal::User(user.clone()),
                admin: principal.admin,
                ceiling: Some(ceiling),
                id,
                memberships: principal.memberships(),
            })
        }
    }
}

fn key_refused() -> Denial {
    Denial::unauthorized(
        "credential_invalid",
        "the API key is unknown, wrong, expired or deleted",
    )
}

fn revoked() -> Denial {
    Denial::unauthorized(
        "token_revoked",
        "the token was revoked: the user's memberships, roles or state changed since it was issued",
    )
}

/// A fact of the wrong kind for its need: a host defect, refused closed.
fn broken() -> Denial {
    Denial::unavailable("a fact of the wrong kind was supplied")
}

fn epochs_of(f: &Fact) -> Option<&crate::model::epochs::Epochs> {
    match f {
        Fact::Epochs(e) => Some(e),
        _ => None,
    }
}

fn principal_of(f: &Fact) -> Option<&PrincipalFact> {
    match f {
        Fact::Principal(p) => Some(p),
        _ => None,
    }
}

fn key_fact(view: &dyn FactView, tenant: &TenantId, id: &str) -> Result<Option<KeyFact>, Blocked> {
    let [fact] = facts(view, [Need::ApiKey(tenant.clone(), id.to_owned())])?;
    match &*fact {
        Fact::ApiKey(k) => Ok(k.clone()),
        _ => Err(broken().into()),
    }
}

/// The facts for `needs`, or all of those missing as one [`Blocked::Need`].
pub fn facts<const N: usize>(
    view: &dyn FactView,
    needs: [Need; N],
) -> Result<[Rc<Fact>; N], Blocked> {
    let got = facts_vec(view, needs.into())?;
    got.try_into().map_err(|_| Blocked::Denied(broken()))
}

fn facts_vec(view: &dyn FactView, needs: Vec<Need>) -> Result<Vec<Rc<Fact>>, Blocked> {
    let mut got = Vec::with_capacity(needs.len());
    let mut missing = Vec::new();
    for need in needs {
        match view.get(&need) {
            Some(f) => got.push(f),
            None => missing.push(need),
        }
    }
    if missing.is_empty() {
        Ok(got)
    } else {
        Err(Blocked::Need(missing))
    }
}

fn external_verifier(
    make: fn(KeySet, VerifyOptions) -> Verifier,
    c: &IssuerConfig,
    keys: KeySet,
) -> Verifier {
    make(
        keys,
        VerifyOptions::new(c.issuer.clone(), c.audience.clone()),
    )
}

/// The equation of `check` by the authenticator's host, or here when it has
/// no host; neither: refused closed.
async fn equation(auth: &Authenticator, check: &SignatureCheck) -> Result<bool, Denial> {
    match (&auth.host, auth.arithmetic.here) {
        (Some(host), _) => host
            .verify(check)
            .await
            .ok_or_else(|| Denial::unavailable("the platform could not verify a signature")),
        (None, Some(here)) => Ok(here(check)),
        (None, None) => Err(Denial::unavailable("no Ed25519 here or on the host")),
    }
}

/// At most this many rounds of fetching per request: each round adds facts,
/// and no decision needs more than three kinds.
const MAX_ROUNDS: usize = 6;

/// Authenticates `credential` against `tenant`, fetching what is needed from
/// `source` (no cache: what the admin API does on every call).
pub async fn authenticate<F: FactSource>(
    auth: &Authenticator,
    credential: Credential<'_>,
    tenant: &TenantId,
    now_ms: i64,
    source: &F,
) -> Result<Caller, Denial> {
    let mut supplied = Supplied::new();
    let mut presentation = None;
    let mut verdict: Option<Verdict> = None;
    for _ in 0..MAX_ROUNDS {
        let needs = match &presentation {
            None => {
                match auth.present_with(credential, tenant, now_ms, auth.equation(verdict.as_ref()))
                {
                    Ok(p) => {
                        presentation = Some(p);
                        continue;
                    }
                    Err(Blocked::Denied(d)) => return Err(d),
                    Err(Blocked::Need(n)) => n,
                }
            }
            Some(p) => match auth.resolve(&p.presented, tenant, now_ms, &supplied) {
                Ok(caller) => return Ok(caller),
                Err(Blocked::Denied(d)) => return Err(d),
                Err(Blocked::Need(n)) => n,
            },
        };
        for need in needs {
            // Computed, not fetched: the token is presented again with it.
            if let Need::Signature(check) = need {
                let valid = equation(auth, &check).await?;
                verdict = Some(Verdict { check, valid });
                continue;
            }
            let fact = source.fetch(&need).await.map_err(Denial::unavailable)?;
            if let (Need::Jwks(url), Fact::Jwks(doc)) = (&need, &fact) {
                auth.supply_jwks(url, doc.as_deref());
            }
            supplied.insert(need, Rc::new(fact));
        }
    }
    Err(Denial::unavailable("authentication did not settle"))
}
