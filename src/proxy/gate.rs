//! The decision for one proxied request: canonical path → route → tenant →
//! entity → credential → caller → the entity's grants → rights.
//!
//! The gate is sans-I/O (STYLE habit 12): [`Gate::start`] takes the request,
//! [`Gate::advance`] decides or answers with the [`Need`]s it lacks, and the
//! host fetches them its own way and hands them in with [`Gate::supply`].
//! The worker and the gateway component drive it with an async loop
//! ([`Gate::authorize`]); the proxy-wasm filter, which has no executor,
//! drives the same steps from its HTTP call-out callbacks. One copy of the
//! decision for every target.
//!
//! Facts come through the gate's isolate-memory cache. What it adds to the
//! staleness of a decision (bounded by the configured `cache.ttl_seconds`,
//! default 10 s, at most 30 s, plus the time one request takes to refresh an
//! expired entry while the others keep it, at most
//! [`super::ttl::REFRESH_GRACE_MS`]):
//!
//! | fact | holds | stale by at most |
//! |---|---|---|
//! | verified tokens (the [`Authenticator`]'s) | claims after the signature check | nothing: time checks re-run on every hit, revocation is checked apart |
//! | revocation epochs | every epoch of the tenant | the TTL |
//! | entity grants | the entity's collaborators | the TTL |
//! | API keys | the key record and its owner's state and memberships | the TTL |
//! | principals | a user's state, admin flag and memberships | the TTL |
//!
//! On top of that come the store's own propagation delays (docs/store.md).
//! An admin call served by the same isolate drops every cached fact of its
//! tenant ([`Gate::forget_tenant`]), so in that isolate a change is seen at
//! once.
//!
//! `RefCell` borrows never live across an `await`: an isolate serves several
//! requests concurrently, and each borrow is a short, synchronous step.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use super::config::ProxyConfig;
use super::headers::Identity;
use super::metrics::Metrics;
use super::path::{canonicalize, PathError};
use super::routes::Target;
use super::ttl::TtlCache;
use crate::auth::authenticate::{Authenticator, Blocked, Presentation};
use crate::auth::credential::extract;
use crate::auth::secret::SecretRef;
use crate::auth::Denial;
use crate::core::decide::Subject;
use crate::core::ids::{validate_id, TenantId};
use crate::core::rights::RightSet;
use crate::core::token::{Equation, KeySet, Verdict};
use crate::model::entity::EntityKind;
use crate::model::facts::{Fact, FactError, FactSource, FactView, Need, Supplied};

/// What the proxy needs of a request. Its `Debug` never shows the credential.
#[derive(Clone, Copy)]
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

impl core::fmt::Debug for ProxyRequest<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ProxyRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("authorization", &self.authorization.map(SecretRef))
            .field("api_key", &self.api_key.map(SecretRef))
            .finish()
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
    /// Facts this decision fetched (each one store listing or a few reads).
    pub fact_fetches: u64,
}

/// A decision and its trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Forward or refuse.
    pub outcome: Outcome,
    /// How.
    pub trace: Trace,
}

/// The credential of a request in flight, owned so that a host without an
/// executor can keep it across callbacks. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
struct OwnedCredential {
    authorization: Option<String>,
    api_key: Option<String>,
}

impl core::fmt::Debug for OwnedCredential {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("OwnedCredential([redacted])")
    }
}

/// A request the gate has started on and not yet decided.
#[derive(Debug)]
pub struct Pending {
    path: String,
    tenant: TenantId,
    kind: EntityKind,
    entity: String,
    required: RightSet,
    credential: OwnedCredential,
    presentation: Option<Presentation>,
    verdict: Option<Verdict>,
    asked: Vec<Need>,
    supplied: Supplied,
    counted: RefCell<BTreeSet<Need>>,
    failed: Option<FactError>,
    trace: Trace,
}

impl Pending {
    /// What the last step of [`Gate::decide_now`] or [`Gate::go_on`] asked
    /// for; [`Gate::settle`] fetches it first.
    pub fn asked(&self) -> &[Need] {
        &self.asked
    }

    /// Takes [`Pending::asked`] out, for a host that fetches it itself and
    /// hands each fact to [`Gate::supply`].
    pub fn take_asked(&mut self) -> Vec<Need> {
        std::mem::take(&mut self.asked)
    }
}

/// The first step's result.
#[derive(Debug)]
pub enum Started {
    /// Decided already: a refused path, no rule, a public rule.
    Done(Decision),
    /// Needs a caller and facts.
    Pending(Box<Pending>),
}

/// A further step's result.
#[derive(Debug)]
pub enum Step {
    /// Decided.
    Done(Decision),
    /// Fetch these (all of them), [`Gate::supply`] each, then advance again.
    Need(Vec<Need>),
}

#[derive(Debug)]
struct State {
    facts: TtlCache<Need, Rc<Fact>>,
    metrics: Metrics,
}

/// The authorizing proxy of one isolate: configuration, the authenticator,
/// the fact cache and counters. Build it once per isolate and share it.
#[derive(Debug)]
pub struct Gate {
    config: ProxyConfig,
    auth: Rc<Authenticator>,
    host_signatures: bool,
    state: RefCell<State>,
}

/// At most this many rounds of fetching per request (each round adds facts;
/// a decision needs at most three kinds).
const MAX_ROUNDS: usize = 6;

impl Gate {
    /// A gate for `config` trusting what `auth` trusts.
    pub fn new(config: ProxyConfig, auth: Rc<Authenticator>) -> Gate {
        let (capacity, ttl) = (config.cache_capacity, config.cache_ttl_ms);
        Gate {
            config,
            auth,
            host_signatures: false,
            // Four kinds of fact share one cache.
            state: RefCell::new(State {
                facts: TtlCache::new(capacity.saturating_mul(4), ttl),
                metrics: Metrics::default(),
            }),
        }
    }

    /// This gate with the Ed25519 equation of new tokens left to the host:
    /// [`Gate::advance`] asks for [`Need::Signature`], which the host answers
    /// with [`Fact::Signature`] (see [`crate::core::token::signature`]).
    pub fn with_host_signatures(mut self) -> Gate {
        self.host_signatures = true;
        self
    }

    /// A gate with its own authenticator, trusting `own_keys` for tokens of
    /// `<base_url>/t/<tenant>` and the configuration's external issuers.
    pub fn with_keys(config: ProxyConfig, base_url: &str, own_keys: KeySet) -> Gate {
        let auth = Authenticator::new(base_url, own_keys, &config.issuers, config.cache_capacity);
        Gate::new(config, Rc::new(auth))
    }

    /// The configuration.
    pub fn config(&self) -> &ProxyConfig {
        &self.config
    }

    /// The authenticator.
    pub fn authenticator(&self) -> &Rc<Authenticator> {
        &self.auth
    }

    /// A copy of the counters.
    pub fn metrics(&self) -> Metrics {
        let mut m = self.state.borrow().metrics.clone();
        let stats = self.auth.stats();
        m.token_cache = stats.tokens;
        m.jwks_fetches = stats.jwks_fetches;
        m
    }

    /// Counts a forwarded request whose origin could not be reached.
    pub fn count_origin_unreachable(&self) {
        self.state.borrow_mut().metrics.origin_unreachable += 1;
    }

    /// Drops every cached fact of `tenant`: called after an admin write in
    /// this isolate, so it sees its own changes at once.
    pub fn forget_tenant(&self, tenant: &str) {
        self.state
            .borrow_mut()
            .facts
            .retain(|need| need.tenant().is_none_or(|t| t.as_str() != tenant));
    }

    /// Decides on `req` at `now_ms`, fetching missing facts from `source`.
    pub async fn authorize<F: FactSource>(
        &self,
        source: &F,
        req: &ProxyRequest<'_>,
        now_ms: i64,
    ) -> Decision {
        match self.start(req, now_ms) {
            Started::Done(d) => d,
            Started::Pending(mut p) => self.settle(source, &mut p, now_ms).await,
        }
    }

    /// Takes a started request to its decision, fetching missing facts from
    /// `source` (what [`Gate::authorize`] does after [`Gate::start`]; a host
    /// that first tried to decide without waiting goes on from there).
    pub async fn settle<F: FactSource>(
        &self,
        source: &F,
        pending: &mut Pending,
        now_ms: i64,
    ) -> Decision {
        // What `decide_now` was asked for comes first: asking again would not
        // repeat it (a JWKS fetch is marked as started when it is asked).
        let mut asked = std::mem::take(&mut pending.asked);
        for _ in 0..MAX_ROUNDS {
            let needs = if asked.is_empty() {
                match self.advance(pending, now_ms) {
                    Step::Done(d) => return d,
                    Step::Need(needs) => needs,
                }
            } else {
                std::mem::take(&mut asked)
            };
            for need in needs {
                let fact = source.fetch(&need).await;
                self.supply(pending, need, fact, now_ms);
            }
        }
        let trace = pending.trace.clone();
        self.finish(
            Outcome::Deny(Denial::unavailable("the decision did not settle")),
            trace,
        )
    }

    /// Decides on `req` with what the isolate holds, without waiting: the
    /// decision, or the started request when facts (or a signature) are
    /// missing — see [`Pending::asked`], then [`Gate::go_on`] or
    /// [`Gate::settle`].
    pub fn decide_now(
        &self,
        req: &ProxyRequest<'_>,
        now_ms: i64,
    ) -> Result<Decision, Box<Pending>> {
        match self.start(req, now_ms) {
            Started::Done(d) => Ok(d),
            Started::Pending(p) => self.go_on(p, now_ms),
        }
    }

    /// One more step on a started request without waiting: the decision,
    /// or the request with what it now asks for in [`Pending::asked`].
    pub fn go_on(&self, mut p: Box<Pending>, now_ms: i64) -> Result<Decision, Box<Pending>> {
        match self.advance(&mut p, now_ms) {
            Step::Done(d) => Ok(d),
            // What was looked up is counted once per request (`counted`),
            // so settling it later counts nothing twice.
            Step::Need(needs) => {
                p.asked = needs;
                Err(p)
            }
        }
    }

    /// The first step: path, route, tenant and entity; public and refused
    /// requests are decided here.
    pub fn start(&self, req: &ProxyRequest<'_>, now_ms: i64) -> Started {
        let _ = now_ms;
        let mut trace = Trace::default();
        match self.route(req, &mut trace) {
            Ok(Routed::Public(path)) => Started::Done(self.finish(
                Outcome::Forward(Forward {
                    path,
                    identity: None,
                }),
                trace,
            )),
            Ok(Routed::Entity(p)) => Started::Pending(Box::new(Pending { trace, ..*p })),
            Err(d) => Started::Done(self.finish(Outcome::Deny(d), trace)),
        }
    }

    fn route(&self, req: &ProxyRequest<'_>, trace: &mut Trace) -> Result<Routed, Denial> {
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
            return Ok(Routed::Public(path.path));
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
        Ok(Routed::Entity(Box::new(Pending {
            path: path.path,
            tenant,
            kind: *kind,
            entity,
            required: *rights,
            credential: OwnedCredential {
                authorization: req.authorization.map(str::to_owned),
                api_key: req.api_key.map(str::to_owned),
            },
            presentation: None,
            verdict: None,
            asked: Vec::new(),
            supplied: Supplied::new(),
            counted: RefCell::new(BTreeSet::new()),
            failed: None,
            trace: Trace::default(),
        })))
    }

    /// The next step: decided, or the facts still missing.
    pub fn advance(&self, p: &mut Pending, now_ms: i64) -> Step {
        match self.try_decide(p, now_ms) {
            Ok(outcome) => Step::Done(self.finish(outcome, p.trace.clone())),
            Err(Blocked::Denied(d)) => Step::Done(self.finish(Outcome::Deny(d), p.trace.clone())),
            Err(Blocked::Need(mut needs)) => {
                crate::core::order::sort(&mut needs);
                needs.dedup();
                Step::Need(needs)
            }
        }
    }

    fn try_decide(&self, p: &mut Pending, now_ms: i64) -> Result<Outcome, Blocked> {
        if let Some(e) = &p.failed {
            return Err(Denial::unavailable(e).into());
        }
        if p.presentation.is_none() {
            let credential = extract(
                p.credential.authorization.as_deref(),
                p.credential.api_key.as_deref(),
            )
            .map_err(Denial::credential)?;
            let equation = if self.host_signatures {
                Equation::Host(p.verdict.as_ref())
            } else {
                self.auth.equation(p.verdict.as_ref())
            };
            let presentation = self
                .auth
                .present_with(credential, &p.tenant, now_ms, equation)?;
            p.trace.token_cached = presentation.token_cached;
            p.presentation = Some(presentation);
        }
        let Some(presentation) = &p.presentation else {
            return Err(Denial::unavailable("no credential").into());
        };
        let view = CachedView {
            gate: self,
            pending: p,
            now_ms,
        };
        // The entity's grants are needed whoever the caller is: ask for them
        // in the same round as the caller's facts.
        let grants_need = Need::Grants(p.tenant.clone(), p.kind, p.entity.clone());
        let grants = view.get(&grants_need);
        let caller = match (
            self.auth
                .resolve(&presentation.presented, &p.tenant, now_ms, &view),
            &grants,
        ) {
            (Ok(c), Some(_)) => c,
            (Ok(_), None) => return Err(Blocked::Need(vec![grants_need])),
            (Err(Blocked::Need(mut n)), None) => {
                n.push(grants_need);
                return Err(Blocked::Need(n));
            }
            (Err(e), _) => return Err(e),
        };
        let Some(Fact::Grants(grants)) = grants.as_deref() else {
            return Err(Denial::unavailable("a fact of the wrong kind was supplied").into());
        };
        let held = caller.subject().rights_on(grants);
        Subject::require(held, p.required).map_err(|e| {
            Denial::insufficient(
                e.missing(),
                format!(
                    "missing rights on {} {}: {}",
                    p.kind.path(),
                    p.entity,
                    e.missing().names().join(", ")
                ),
            )
        })?;
        Ok(Outcome::Forward(Forward {
            path: p.path.clone(),
            identity: Some(Identity {
                subject: caller.id.clone(),
                tenant: p.tenant.to_string(),
                rights: held,
                organizations: caller.organizations(),
            }),
        }))
    }

    /// Hands in a fetched fact (or the failure to fetch it). A JWKS document
    /// goes to the authenticator; everything else into this request's facts
    /// and the cache.
    pub fn supply(&self, p: &mut Pending, need: Need, fact: Result<Fact, FactError>, now_ms: i64) {
        if let Need::Signature(check) = need {
            // Computed, not fetched: no fact counters, no cache. When the
            // host could not compute it, the equation runs here if this
            // build has it; if not, the request fails closed (503).
            let mut st = self.state.borrow_mut();
            let valid = match (fact, self.auth.equation_here()) {
                (Ok(Fact::Signature(valid)), _) => {
                    st.metrics.signatures.host += 1;
                    valid
                }
                (_, Some(here)) => {
                    st.metrics.signatures.here += 1;
                    here(&check)
                }
                (Err(e), None) => {
                    p.failed = Some(e);
                    return;
                }
                (Ok(_), None) => {
                    p.failed = Some(FactError("a fact of the wrong kind was supplied".into()));
                    return;
                }
            };
            p.verdict = Some(Verdict { check, valid });
            p.presentation = None;
            return;
        }
        p.trace.fact_fetches += 1;
        self.state.borrow_mut().metrics.fact_fetches += 1;
        let fact = match fact {
            Ok(f) => f,
            Err(e) => {
                p.failed = Some(e);
                return;
            }
        };
        if let (Need::Jwks(url), Fact::Jwks(doc)) = (&need, &fact) {
            self.auth.supply_jwks(url, doc.as_deref());
            // Present the token again, now with the issuer's keys.
            p.presentation = None;
            return;
        }
        let fact = Rc::new(fact);
        self.state
            .borrow_mut()
            .facts
            .insert(need.clone(), Rc::clone(&fact), now_ms);
        p.supplied.insert(need, fact);
    }

    fn finish(&self, outcome: Outcome, trace: Trace) -> Decision {
        let mut st = self.state.borrow_mut();
        let m = &mut st.metrics;
        m.requests += 1;
        match &outcome {
            Outcome::Forward(Forward {
                identity: Some(_), ..
            }) => m.allowed += 1,
            Outcome::Forward(Forward { identity: None, .. }) => m.public += 1,
            Outcome::Deny(d) => m.deny(d.code),
        }
        Decision { outcome, trace }
    }
}

enum Routed {
    Public(String),
    Entity(Box<Pending>),
}

/// A request's view of the facts: what was fetched for it, then the cache
/// (see [`TtlCache::claim`]: when an entry has just expired, this request
/// refreshes it and the others keep it meanwhile).
struct CachedView<'g> {
    gate: &'g Gate,
    pending: &'g Pending,
    now_ms: i64,
}

impl FactView for CachedView<'_> {
    fn get(&self, need: &Need) -> Option<Rc<Fact>> {
        if let Some(f) = self.pending.supplied.get(need) {
            return Some(f);
        }
        let mut st = self.gate.state.borrow_mut();
        let st = &mut *st;
        let hit = st.facts.claim(need, self.now_ms);
        // Each need is counted once per request, however many steps look.
        if self.pending.counted.borrow_mut().insert(need.clone()) {
            st.metrics.count_fact(need, hit.is_some());
        }
        hit
    }
}

fn path_denial(e: PathError) -> Denial {
    Denial::new(400, e.code(), e.message())
}
