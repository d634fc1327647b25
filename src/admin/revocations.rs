//! Revocation epochs (CONTRACT section 4, revocation): when a change takes
//! rights away from tokens already issued, the subject's or organization's
//! epoch is set to a time, and every token issued at or before it stops
//! passing (`token_revoked`), long before its `exp`.
//!
//! | change | epoch |
//! |---|---|
//! | member removed, member's role or rights changed | the user |
//! | user suspended, rejected, deleted, admin flag changed | the user |
//! | custom role changed or deleted | the organization |
//! | organization deleted | the organization |
//!
//! An organization epoch revokes every token that carries the organization in
//! its `orgs` claim. API keys need no epoch: every credential of a key
//! resolves the key's record, so deleting a key or changing its rights
//! reaches its tokens through that read.
//!
//! Epochs live in one prefix per tenant, the value also in the listing
//! metadata, so the edge reads all of a tenant's epochs with one listing and
//! no gets. They expire after the longest token lifetime plus leeway: by then
//! every token they could revoke has expired anyway, so the listing stays as
//! small as the number of revocations in the last day.
//!
//! A revoking change writes the epoch twice: once after it is authorized and
//! before it is stored, and once after it is stored. The epoch is the Unix
//! second of the write, and a token is revoked when its `iat` is at or before
//! an epoch: tokens issued before the change, or while it was being stored,
//! are refused. A failed store leaves tokens revoked for nothing, never stale
//! rights alive; a failed second write leaves only tokens issued during the
//! store's milliseconds alive, and the operation still reports success
//! because the change itself was stored.
//!
//! Seconds are the resolution of `iat`, so a token issued in the same second
//! as a revocation cannot be told apart from one issued just before it: the
//! token endpoint does not issue such a token ([`born_revoked`]); the worker
//! waits for the next second and issues it then.

use std::collections::HashMap;

use super::AdminError;
use crate::ids::{OrgId, TenantId, UserId};
use crate::store::{keys, Store};
use crate::token::verify::DEFAULT_LEEWAY_SECS;

/// Longest access token lifetime a tenant can configure, seconds.
pub const MAX_TOKEN_TTL_SECS: u64 = 86_400;
/// How long an epoch is kept.
pub const KEEP_SECS: u64 = MAX_TOKEN_TTL_SECS + 2 * DEFAULT_LEEWAY_SECS as u64;

/// What an epoch applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoke<'a> {
    /// Every token of a user.
    User(&'a UserId),
    /// Every token carrying the organization in `orgs`.
    Organization(&'a OrgId),
}

/// Revokes every token issued up to the current second.
pub async fn revoke<S: Store>(
    store: &S,
    tenant: &TenantId,
    what: Revoke<'_>,
    now_ms: i64,
) -> Result<(), AdminError> {
    let epoch = now_ms.div_euclid(1000).to_string();
    let key = match what {
        Revoke::User(u) => keys::revocation(tenant, "u", u.as_str()),
        Revoke::Organization(o) => keys::revocation(tenant, "o", o.as_str()),
    };
    store
        .put_expiring(&key, &epoch, Some(&epoch), KEEP_SECS)
        .await?;
    Ok(())
}

/// Stores a change between two epoch writes (see the module documentation).
pub async fn revoking<S: Store, T>(
    store: &S,
    tenant: &TenantId,
    what: Revoke<'_>,
    now_ms: i64,
    change: impl core::future::Future<Output = Result<T, AdminError>>,
) -> Result<T, AdminError> {
    revoke(store, tenant, what.clone(), now_ms).await?;
    let out = change.await?;
    // The core reads no clock: the second write carries the operation's
    // start second too. A store that straddles a second boundary leaves
    // tokens issued in its last milliseconds alive (see docs/store.md).
    let _ = revoke(store, tenant, what, now_ms).await;
    Ok(out)
}

/// Whether a token of `user` carrying `orgs`, issued now, would be refused
/// as revoked: a revocation happened in this very second.
pub async fn born_revoked<S: Store>(
    store: &S,
    tenant: &TenantId,
    user: &UserId,
    orgs: impl IntoIterator<Item = &OrgId>,
    now_ms: i64,
) -> Result<bool, AdminError> {
    let epochs = Epochs::load(store, tenant).await?;
    Ok(epochs.revokes(Some(user.as_str()), orgs, now_ms.div_euclid(1000)))
}

/// A tenant's epochs, as read by one listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Epochs {
    users: HashMap<String, i64>,
    orgs: HashMap<String, i64>,
}

impl Epochs {
    /// Reads every epoch of `tenant` (one listing per 1,000 epochs).
    pub async fn load<S: Store>(store: &S, tenant: &TenantId) -> Result<Epochs, AdminError> {
        let prefix = keys::revocations(tenant);
        let mut out = Epochs::default();
        for l in store.list_all(&prefix).await? {
            let Some(rest) = l.key.strip_prefix(&prefix) else {
                continue;
            };
            let Some(epoch) = l.metadata.as_deref().and_then(|m| m.parse::<i64>().ok()) else {
                continue;
            };
            match rest.split_once('/') {
                Some(("u", id)) => {
                    out.users.insert(id.to_owned(), epoch);
                }
                Some(("o", id)) => {
                    out.orgs.insert(id.to_owned(), epoch);
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// Whether a token of `user` (if any) carrying `orgs`, issued at `iat`,
    /// is revoked.
    pub fn revokes<'o>(
        &self,
        user: Option<&str>,
        orgs: impl IntoIterator<Item = &'o OrgId>,
        iat: i64,
    ) -> bool {
        let hit = |epoch: Option<&i64>| epoch.is_some_and(|e| iat <= *e);
        if user.is_some_and(|u| hit(self.users.get(u))) {
            return true;
        }
        orgs.into_iter().any(|o| hit(self.orgs.get(o.as_str())))
    }

    /// Number of epochs.
    pub fn len(&self) -> usize {
        self.users.len() + self.orgs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::{block_on, MemoryStore};

    #[test]
    fn epochs_revoke_tokens_issued_up_to_their_second() {
        let store = MemoryStore::new();
        let t = TenantId::new("acme").unwrap();
        let alice = UserId::new("alice").unwrap();
        let team = OrgId::new("team").unwrap();
        let other = OrgId::new("other").unwrap();
        block_on(revoke(&store, &t, Revoke::User(&alice), 100_400)).unwrap();
        block_on(revoke(&store, &t, Revoke::Organization(&team), 200_000)).unwrap();
        let e = block_on(Epochs::load(&store, &t)).unwrap();
        assert_eq!(e.len(), 2);
        assert!(e.revokes(Some("alice"), [], 99));
        assert!(e.revokes(Some("alice"), [], 100), "the same second");
        assert!(!e.revokes(Some("alice"), [], 101));
        assert!(!e.revokes(Some("bob"), [&other], 50));
        assert!(e.revokes(Some("bob"), [&other, &team], 200));
        assert!(!e.revokes(None, [&team], 201));
        assert!(block_on(born_revoked(&store, &t, &alice, [], 100_999)).unwrap());
        assert!(!block_on(born_revoked(&store, &t, &alice, [], 101_000)).unwrap());
        let other_tenant = TenantId::new("other").unwrap();
        assert!(block_on(Epochs::load(&store, &other_tenant))
            .unwrap()
            .is_empty());
    }
}
