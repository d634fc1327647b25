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

use super::AdminError;
use crate::core::ids::{OrgId, TenantId, UserId};
use crate::core::token::verify::DEFAULT_LEEWAY_SECS;
pub use crate::model::epochs::Epochs;
use crate::store::plan::Plan;
use crate::store::{keys, Store};

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

/// Plans an epoch revoking every token issued up to the current second.
pub fn revoke(plan: &mut Plan, tenant: &TenantId, what: &Revoke<'_>, now_ms: i64) {
    let epoch = now_ms.div_euclid(1000).to_string();
    let key = match what {
        Revoke::User(u) => keys::revocation(tenant, "u", u.as_str()),
        Revoke::Organization(o) => keys::revocation(tenant, "o", o.as_str()),
    };
    plan.put_epoch(key, epoch, KEEP_SECS);
}

/// Plans `change` between two epoch writes (see the module documentation).
/// The core reads no clock: the second write carries the operation's start
/// second too, so a commit that straddles a second boundary leaves tokens
/// issued in its last milliseconds alive (see docs/store.md).
pub fn revoking(plan: &mut Plan, tenant: &TenantId, what: Revoke<'_>, now_ms: i64, change: Plan) {
    revoke(plan, tenant, &what, now_ms);
    plan.extend(change);
    revoke(plan, tenant, &what, now_ms);
}

/// Whether a token of `user` carrying `orgs`, issued now, would be refused
/// as revoked: a revocation happened in this very second.
pub async fn born_revoked<S: Store + ?Sized>(
    store: &S,
    tenant: &TenantId,
    user: &UserId,
    orgs: impl IntoIterator<Item = &OrgId>,
    now_ms: i64,
) -> Result<bool, AdminError> {
    let epochs = load(store, tenant).await?;
    Ok(epochs.revokes(Some(user.as_str()), orgs, now_ms.div_euclid(1000)))
}

/// Reads every epoch of `tenant` (one listing per 1,000 epochs).
pub async fn load<S: Store + ?Sized>(store: &S, tenant: &TenantId) -> Result<Epochs, AdminError> {
    let prefix = keys::revocations(tenant);
    let listing = store.list_all(&prefix).await?;
    Ok(Epochs::from_listing(&prefix, &listing))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::{block_on, MemoryStore};
    use crate::store::plan::commit;

    #[test]
    fn epochs_revoke_tokens_issued_up_to_their_second() {
        let store = MemoryStore::new();
        let t = TenantId::new("acme").unwrap();
        let alice = UserId::new("alice").unwrap();
        let team = OrgId::new("team").unwrap();
        let other = OrgId::new("other").unwrap();
        let mut plan = Plan::new();
        revoke(&mut plan, &t, &Revoke::User(&alice), 100_400);
        revoke(&mut plan, &t, &Revoke::Organization(&team), 200_000);
        block_on(commit(&store, &plan)).unwrap();
        let e = block_on(load(&store, &t)).unwrap();
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
        assert!(block_on(load(&store, &other_tenant)).unwrap().is_empty());
    }
}
