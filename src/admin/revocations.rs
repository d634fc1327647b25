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
//! An epoch is written after the change is authorized and before it is
//! stored, and is one second ahead of the clock: tokens issued while the
//! change is being stored (same or next second) are revoked too, and a
//! failed store leaves tokens revoked for nothing rather than stale rights
//! alive. The price: a token issued within about two seconds after a
//! revocation is refused as revoked; the client asks again.

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

/// Revokes every token issued up to one second from `now_ms`.
pub async fn revoke<S: Store>(
    store: &S,
    tenant: &TenantId,
    what: Revoke<'_>,
    now_ms: i64,
) -> Result<(), AdminError> {
    let epoch = (now_ms.div_euclid(1000) + 1).to_string();
    let key = match what {
        Revoke::User(u) => keys::revocation(tenant, "u", u.as_str()),
        Revoke::Organization(o) => keys::revocation(tenant, "o", o.as_str()),
    };
    store
        .put_expiring(&key, &epoch, Some(&epoch), KEEP_SECS)
        .await?;
    Ok(())
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
    fn epochs_revoke_tokens_issued_up_to_a_second_later() {
        let store = MemoryStore::new();
        let t = TenantId::new("acme").unwrap();
        let alice = UserId::new("alice").unwrap();
        let team = OrgId::new("team").unwrap();
        let other = OrgId::new("other").unwrap();
        block_on(revoke(&store, &t, Revoke::User(&alice), 100_400)).unwrap();
        block_on(revoke(&store, &t, Revoke::Organization(&team), 200_000)).unwrap();
        let e = block_on(Epochs::load(&store, &t)).unwrap();
        assert_eq!(e.len(), 2);
        assert!(e.revokes(Some("alice"), [], 100));
        assert!(e.revokes(Some("alice"), [], 101), "the next second too");
        assert!(!e.revokes(Some("alice"), [], 102));
        assert!(!e.revokes(Some("bob"), [&other], 50));
        assert!(e.revokes(Some("bob"), [&other, &team], 201));
        assert!(!e.revokes(None, [&team], 202));
        let other_tenant = TenantId::new("other").unwrap();
        assert!(block_on(Epochs::load(&store, &other_tenant))
            .unwrap()
            .is_empty());
    }
}
