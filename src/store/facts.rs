//! Facts read from a [`Store`]: the [`FactSource`] of every host that holds
//! the store itself (the worker on Workers KV, the tenant's Durable Object on
//! its SQLite storage, native tests on memory). The directory endpoint serves
//! the same facts to remote deciders.
//!
//! | need | reads |
//! |---|---|
//! | epochs | one listing of the tenant's revocation prefix (values in metadata) |
//! | grants | one listing of the entity's collaborators (rights in metadata) |
//! | API key | the key record; its organization's record, or its user's principal |
//! | principal | the user record, its reverse index listing, per organization the record and the membership (and a custom role) |

use std::collections::BTreeMap;

use super::{keys, Store, StoreError};
use crate::core::ids::{OrgId, TenantId, UserId};
use crate::core::rights::RightSet;
use crate::core::roles::{role_rights, CustomRole};
use crate::model::api_key::{ApiKey, Owner};
use crate::model::entity::EntityKind;
use crate::model::epochs::Epochs;
use crate::model::facts::{
    Fact, FactError, FactSource, GrantsFact, KeyFact, Need, OwnerFact, PrincipalFact,
};
use crate::model::records::{Grant, Membership, Organization, User};

/// Facts from a store.
#[derive(Debug)]
pub struct StoreFacts<'s, S: ?Sized> {
    store: &'s S,
}

impl<'s, S: Store + ?Sized> StoreFacts<'s, S> {
    /// Facts from `store`.
    pub fn new(store: &'s S) -> Self {
        StoreFacts { store }
    }
}

impl<S: Store + ?Sized> FactSource for StoreFacts<'_, S> {
    async fn fetch(&self, need: &Need) -> Result<Fact, FactError> {
        let fact = match need {
            Need::Epochs(t) => Fact::Epochs(epochs(self.store, t).await?),
            Need::Grants(t, kind, id) => {
                Fact::Grants(grants(self.store, t, *kind, id).await?.grants())
            }
            Need::ApiKey(t, id) => Fact::ApiKey(api_key(self.store, t, id).await?),
            Need::Principal(t, u) => Fact::Principal(principal(self.store, t, u).await?),
            Need::Jwks(_) => {
                return Err(FactError("a store holds no external issuer's keys".into()))
            }
            // Computed by the authenticator or its host, never read from a
            // store (naming the Rust equation here would link it into every
            // build that reads facts from a store, the worker's included).
            Need::Signature(_) => return Err(FactError("a store computes no signatures".into())),
        };
        Ok(fact)
    }
}

impl From<StoreError> for FactError {
    fn from(e: StoreError) -> Self {
        FactError(e.0)
    }
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_slice(text.as_bytes())
        .map_err(|_| StoreError("a stored record could not be read".into()))
}

async fn record<S: Store + ?Sized, T: serde::de::DeserializeOwned>(
    store: &S,
    key: &str,
) -> Result<Option<T>, StoreError> {
    store.get(key).await?.map(|t| parse(&t)).transpose()
}

/// Every epoch of `tenant` (one listing per 1,000 epochs).
pub async fn epochs<S: Store + ?Sized>(store: &S, tenant: &TenantId) -> Result<Epochs, StoreError> {
    let prefix = keys::revocations(tenant);
    let listing = store.list_all(&prefix).await?;
    Ok(Epochs::from_listing(&prefix, &listing))
}

/// An entity's collaborators from one listing (rights in the metadata).
pub async fn grants<S: Store + ?Sized>(
    store: &S,
    tenant: &TenantId,
    kind: EntityKind,
    id: &str,
) -> Result<GrantsFact, StoreError> {
    let prefix = keys::collaborators(tenant, kind.path(), id);
    let mut out = GrantsFact::default();
    for l in store.list_all(&prefix).await? {
        let Some(rest) = l.key.strip_prefix(&prefix) else {
            continue;
        };
        let bits = l
            .metadata
            .as_deref()
            .and_then(|m| m.parse::<u64>().ok())
            .unwrap_or(0);
        let rights = RightSet::from_bits_truncate(bits);
        match rest.split_once('/') {
            Some(("u", u)) => {
                if let Ok(u) = UserId::new(u) {
                    out.users.insert(u, rights);
                }
            }
            Some(("o", o)) => {
                if let Ok(o) = OrgId::new(o) {
                    out.organizations.insert(o, rights);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The rights a membership stands for (short form): its explicit rights, or
/// its role's, read through the organization's custom roles when needed. A
/// membership whose custom role was deleted grants nothing.
pub async fn membership_rights<S: Store + ?Sized>(
    store: &S,
    tenant: &TenantId,
    m: &Membership,
) -> Result<RightSet, StoreError> {
    match &m.grant {
        Grant::Rights(r) => Ok(*r),
        Grant::Role(role) => {
            if let Some(r) = role_rights(role.as_str(), &[]) {
                return Ok(r);
            }
            let custom: Option<CustomRole> =
                record(store, &keys::role(tenant, &m.organization, role)).await?;
            Ok(custom.map_or(RightSet::EMPTY, |c| c.rights))
        }
    }
}

/// Every approved membership of `user` in a live organization, with the
/// membership itself (oldest first, the order a token's budget keeps them).
pub async fn memberships<S: Store + ?Sized>(
    store: &S,
    tenant: &TenantId,
    user: &UserId,
) -> Result<Vec<(Membership, RightSet)>, StoreError> {
    let mut out = Vec::new();
    for l in store.list_all(&keys::user_orgs(tenant, user)).await? {
        let Ok(org) = OrgId::new(keys::last_component(&l.key)) else {
            continue;
        };
        let o: Option<Organization> = record(store, &keys::org(tenant, &org)).await?;
        if !o.is_some_and(|o| o.is_live()) {
            continue;
        }
        let Some(m) = record::<S, Membership>(store, &keys::member(tenant, &org, user)).await?
        else {
            continue;
        };
        let rights = membership_rights(store, tenant, &m).await?;
        out.push((m, rights));
    }
    crate::core::order::sort_by(&mut out, |(a, _), (b, _)| {
        (&a.created_at, &a.organization).cmp(&(&b.created_at, &b.organization))
    });
    Ok(out)
}

/// A user's state, admin flag and approved memberships.
pub async fn principal<S: Store + ?Sized>(
    store: &S,
    tenant: &TenantId,
    user: &UserId,
) -> Result<PrincipalFact, StoreError> {
    let record: Option<User> = record(store, &keys::user(tenant, user)).await?;
    let Some(u) = record.filter(User::is_active) else {
        return Ok(PrincipalFact::default());
    };
    // `extend`, not `collect`: no sort compiled for these pairs (crate::core::order).
    let mut organizations = BTreeMap::new();
    organizations.extend(
        memberships(store, tenant, user)
            .await?
            .into_iter()
            .map(|(m, r)| (m.organization, r)),
    );
    Ok(PrincipalFact {
        active: true,
        admin: u.admin,
        organizations,
    })
}

/// An API key by ID, with its owner's state; `None` when there is none
/// (or the ID cannot be one).
pub async fn api_key<S: Store + ?Sized>(
    store: &S,
    tenant: &TenantId,
    id: &str,
) -> Result<Option<KeyFact>, StoreError> {
    if !crate::model::api_key::is_key_id(id) {
        return Ok(None);
    }
    let Some(key) = record::<S, ApiKey>(store, &keys::api_key(tenant, id)).await? else {
        return Ok(None);
    };
    let owner = match &key.owner {
        Owner::Organization(o) => {
            let org: Option<Organization> = record(store, &keys::org(tenant, o)).await?;
            OwnerFact::Organization {
                id: o.clone(),
                live: org.is_some_and(|o| o.is_live()),
            }
        }
        Owner::User(u) => OwnerFact::User {
            id: u.clone(),
            principal: principal(store, tenant, u).await?,
        },
    };
    Ok(KeyFact::new(key, owner))
}

/// The fact for `need` as the directory endpoint serves it (the JSON that
/// [`Fact::from_json`] reads back); `None` for an external issuer's JWKS,
/// which no store holds.
pub async fn fact_json<S: Store + ?Sized>(
    store: &S,
    need: &Need,
) -> Result<Option<serde_json::Value>, StoreError> {
    let value = match need {
        Need::Epochs(t) => serde_json::to_value(epochs(store, t).await?),
        Need::Grants(t, kind, id) => serde_json::to_value(grants(store, t, *kind, id).await?),
        Need::ApiKey(t, id) => serde_json::to_value(api_key(store, t, id).await?),
        Need::Principal(t, u) => serde_json::to_value(principal(store, t, u).await?),
        Need::Jwks(_) | Need::Signature(_) => return Ok(None),
    };
    value
        .map(Some)
        .map_err(|_| StoreError("a fact could not be written".into()))
}
