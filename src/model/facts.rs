//! The facts a decision reads, as data: what a decider may need to know
//! ([`Need`]) and what it gets ([`Fact`]).
//!
//! Deciding is sans-I/O (STYLE habit 12): the authenticator and the proxy's
//! gate look facts up in a [`FactView`] and, when one is missing, stop with
//! the [`Need`]s instead of reading a store themselves. Each host fetches
//! them its own way — the worker from Workers KV, the tenant's Durable
//! Object from its SQLite storage, the gateway component and the Envoy
//! filter from the worker's directory endpoint — and asks again. One copy of
//! the logic, any number of hosts, with or without an async runtime.
//!
//! Facts travel as JSON between the worker and remote deciders; the shapes
//! are documented in docs/directory.md and checked by the tests there.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::api_key::{ApiKey, Owner};
use super::entity::EntityKind;
use super::epochs::Epochs;
use crate::core::decide::EntityGrants;
use crate::core::ids::{OrgId, TenantId, UserId};
use crate::core::rights::RightSet;
use crate::core::token::SignatureCheck;

/// A fact a decision may need.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Need {
    /// Every revocation epoch of a tenant.
    Epochs(TenantId),
    /// An entity's collaborators.
    Grants(TenantId, EntityKind, String),
    /// An API key by ID, with its owner's state.
    ApiKey(TenantId, String),
    /// A user's state, admin flag and approved memberships.
    Principal(TenantId, UserId),
    /// An external issuer's JWKS document, by URL (not a store fact).
    Jwks(String),
    /// The Ed25519 equation of a token whose other checks passed, for a
    /// host that computes it natively (not a store fact; asked only by a
    /// gate whose authenticator is a host's,
    /// [`crate::auth::Authenticator::for_host`], or built with
    /// [`crate::proxy::Gate::with_host_signatures`]).
    Signature(SignatureCheck),
}

impl Need {
    /// The tenant it is about, if any.
    pub fn tenant(&self) -> Option<&TenantId> {
        match self {
            Need::Epochs(t) | Need::Grants(t, ..) | Need::ApiKey(t, _) | Need::Principal(t, _) => {
                Some(t)
            }
            Need::Jwks(_) | Need::Signature(_) => None,
        }
    }

    /// A short name of its kind, for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Need::Epochs(_) => "epochs",
            Need::Grants(..) => "grants",
            Need::ApiKey(..) => "api_keys",
            Need::Principal(..) => "principals",
            Need::Jwks(_) => "jwks",
            Need::Signature(_) => "signature",
        }
    }
}

/// A user as decisions see it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrincipalFact {
    /// Exists, approved and not deleted: may act at all.
    pub active: bool,
    /// Tenant admin.
    #[serde(default)]
    pub admin: bool,
    /// Approved memberships in live organizations: rights in short form.
    #[serde(default)]
    pub organizations: BTreeMap<OrgId, RightSet>,
}

impl PrincipalFact {
    /// The memberships as (organization, rights) pairs.
    pub fn memberships(&self) -> Vec<(OrgId, RightSet)> {
        self.organizations
            .iter()
            .map(|(o, r)| (o.clone(), *r))
            .collect()
    }
}

/// The owner of an API key as decisions see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OwnerFact {
    /// An organization key: whether the organization is approved and not deleted.
    Organization {
        /// The organization.
        id: OrgId,
        /// Approved and not deleted.
        live: bool,
    },
    /// A user key: the user.
    User {
        /// The user.
        id: UserId,
        /// Its state and memberships.
        principal: PrincipalFact,
    },
}

/// An API key as decisions see it: the record (the secret only as its
/// SHA-256, which is useless to anyone holding it: the secret has 256
/// random bits) and its owner's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFact {
    /// The stored key.
    pub key: ApiKey,
    /// Its owner's state.
    pub owner: OwnerFact,
}

impl KeyFact {
    /// Builds the fact, checking that the owner matches the record.
    pub fn new(key: ApiKey, owner: OwnerFact) -> Option<KeyFact> {
        let same = match (&key.owner, &owner) {
            (Owner::Organization(a), OwnerFact::Organization { id, .. }) => a == id,
            (Owner::User(a), OwnerFact::User { id, .. }) => a == id,
            _ => false,
        };
        same.then_some(KeyFact { key, owner })
    }
}

/// An entity's collaborators on the wire: rights in short form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantsFact {
    /// User collaborators.
    #[serde(default)]
    pub users: BTreeMap<UserId, RightSet>,
    /// Organization collaborators.
    #[serde(default)]
    pub organizations: BTreeMap<OrgId, RightSet>,
}

impl GrantsFact {
    /// The decision's view of them.
    pub fn grants(&self) -> EntityGrants {
        EntityGrants::new(
            self.users.iter().map(|(u, r)| (u.clone(), *r)),
            self.organizations.iter().map(|(o, r)| (o.clone(), *r)),
        )
    }
}

/// A fact, as fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// [`Need::Epochs`].
    Epochs(Epochs),
    /// [`Need::Grants`], ready for decisions.
    Grants(EntityGrants),
    /// [`Need::ApiKey`]; `None` when no such key exists.
    ApiKey(Option<KeyFact>),
    /// [`Need::Principal`]; inactive when the user does not exist.
    Principal(PrincipalFact),
    /// [`Need::Jwks`]: the document, `None` when the fetch failed.
    Jwks(Option<String>),
    /// [`Need::Signature`]: whether the signature verified.
    Signature(bool),
}

/// Why a fact could not be had: the decision fails closed (503).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactError(pub String);

impl core::fmt::Display for FactError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "fact unavailable: {}", self.0)
    }
}

impl std::error::Error for FactError {}

impl Fact {
    /// Decodes a fact from its JSON form (the directory's answer) for `need`.
    pub fn from_json(need: &Need, json: &str) -> Result<Fact, FactError> {
        let bad = |e: serde_json::Error| FactError(format!("malformed {} fact: {e}", need.kind()));
        Ok(match need {
            Need::Epochs(_) => Fact::Epochs(serde_json::from_slice(json.as_bytes()).map_err(bad)?),
            Need::Grants(..) => Fact::Grants(
                serde_json::from_slice::<GrantsFact>(json.as_bytes())
                    .map_err(bad)?
                    .grants(),
            ),
            Need::ApiKey(..) => Fact::ApiKey(serde_json::from_slice(json.as_bytes()).map_err(bad)?),
            Need::Principal(..) => {
                Fact::Principal(serde_json::from_slice(json.as_bytes()).map_err(bad)?)
            }
            Need::Jwks(_) => Fact::Jwks(Some(json.to_owned())),
            Need::Signature(_) => {
                return Err(FactError("a signature is computed, not fetched".into()))
            }
        })
    }
}

/// Where a decision looks facts up. `None`: not at hand, stop and ask.
pub trait FactView {
    /// The fact for `need`, if at hand.
    fn get(&self, need: &Need) -> Option<Rc<Fact>>;
}

/// Facts fetched for one request: the view of a decider without caches,
/// and the first place a cached decider looks.
#[derive(Debug, Default)]
pub struct Supplied {
    facts: BTreeMap<Need, Rc<Fact>>,
}

impl Supplied {
    /// None yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a fetched fact.
    pub fn insert(&mut self, need: Need, fact: Rc<Fact>) {
        self.facts.insert(need, fact);
    }

    /// How many facts were fetched.
    pub fn len(&self) -> usize {
        self.facts.len()
    }

    /// Whether none was.
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }
}

impl FactView for Supplied {
    fn get(&self, need: &Need) -> Option<Rc<Fact>> {
        self.facts.get(need).cloned()
    }
}

/// Fetches facts: the I/O half of a decision, one per host.
#[allow(
    async_fn_in_trait,
    reason = "single-threaded adapters; no Send bound wanted"
)]
pub trait FactSource {
    /// The fact for `need`.
    async fn fetch(&self, need: &Need) -> Result<Fact, FactError>;
}
