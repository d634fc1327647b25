//! Rights evaluation along membership chains (CONTRACT section 3), the
//! granting rule and the last-owner rule.
//!
//! A subject's rights on an entity are the union over every path to it:
//! - direct: the subject's own collaborator rights on the entity;
//! - through each organization it is a member of:
//!   (its rights in the org) ∩ (the org's rights on the entity);
//!
//! then the universal rights of tenant admins are added, and the whole is cut
//! by the credential's ceiling (an API key's rights, a token's `rights`
//! claim). The ceiling also bounds the universal rights, as The Things Stack
//! bounds an admin's API key: a narrow key of an admin stays narrow.
//! Organizations cannot be members of organizations, so paths have length ≤ 2.
//!
//! Both sides of the organization join are kept sorted by a 64-bit hash of the
//! organization ID (ties broken by the ID itself), so evaluating a user in a
//! thousand organizations against an entity with a thousand collaborators is a
//! merge of two sorted arrays of integers, with no allocation and no string
//! comparison except on a hash match.

use core::cmp::Ordering;
use core::fmt;

use crate::core::ids::{OrgId, UserId};
use crate::core::rights::{Right, RightSet};
use crate::core::roles::ORGANIZATION_HOLDABLE;

/// FNV-1a, 64 bit: stable across builds and targets, and fast on short IDs.
fn org_hash(id: &OrgId) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.as_str().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct OrgEntry {
    hash: u64,
    id: OrgId,
    /// Expanded.
    rights: RightSet,
}

impl OrgEntry {
    fn new(id: OrgId, rights: RightSet) -> Self {
        OrgEntry {
            hash: org_hash(&id),
            id,
            rights: rights.implied(),
        }
    }

    fn key_cmp(&self, hash: u64, id: &OrgId) -> Ordering {
        self.hash.cmp(&hash).then_with(|| self.id.cmp(id))
    }
}

/// A list of (organization, rights), sorted for joining; rights are expanded
/// on the way in and a repeated organization has its rights merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgRights(Vec<OrgEntry>);

impl OrgRights {
    /// Builds the index.
    pub fn new(entries: impl IntoIterator<Item = (OrgId, RightSet)>) -> Self {
        let mut v: Vec<OrgEntry> = entries
            .into_iter()
            .map(|(id, r)| OrgEntry::new(id, r))
            .collect();
        v.sort_unstable_by(|a, b| a.key_cmp(b.hash, &b.id));
        v.dedup_by(|later, kept| {
            if later.hash == kept.hash && later.id == kept.id {
                kept.rights = kept.rights.union(later.rights);
                true
            } else {
                false
            }
        });
        OrgRights(v)
    }

    /// The (expanded) rights recorded for `org`, empty if none.
    pub fn get(&self, org: &OrgId) -> RightSet {
        let hash = org_hash(org);
        self.0
            .binary_search_by(|e| e.key_cmp(hash, org))
            .ok()
            .and_then(|i| self.0.get(i))
            .map_or(RightSet::EMPTY, |e| e.rights)
    }

    /// Number of organizations.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The organizations with their (expanded) rights.
    pub fn iter(&self) -> impl Iterator<Item = (&OrgId, RightSet)> {
        self.0.iter().map(|e| (&e.id, e.rights))
    }

    /// ⋃ over organizations in both lists of (rights here ∩ rights there).
    fn join(&self, other: &OrgRights) -> RightSet {
        let (small, large) = if self.len() <= other.len() {
            (self, other)
        } else {
            (other, self)
        };
        if small.is_empty() {
            return RightSet::EMPTY;
        }
        // Few against many: a binary search per element beats walking both.
        let log_large = usize::BITS - large.len().leading_zeros();
        if small.len() * (log_large as usize) < small.len() + large.len() {
            return small.0.iter().fold(RightSet::EMPTY, |acc, e| {
                acc.union(e.rights.intersection(large.get(&e.id)))
            });
        }
        let mut acc = RightSet::EMPTY;
        let mut a = small.0.iter().peekable();
        let mut b = large.0.iter().peekable();
        while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
            match x.key_cmp(y.hash, &y.id) {
                Ordering::Less => {
                    a.next();
                }
                Ordering::Greater => {
                    b.next();
                }
                Ordering::Equal => {
                    acc = acc.union(x.rights.intersection(y.rights));
                    a.next();
                    b.next();
                }
            }
        }
        acc
    }
}

/// Who holds a credential: a user, or an organization (an organization's API key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A user, through a token or one of the user's API keys.
    User(UserId),
    /// An organization, through one of its API keys.
    Organization(OrgId),
}

/// The caller's side of a decision: who, where it is a member, what the
/// credential allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    principal: Principal,
    memberships: OrgRights,
    universal: RightSet,
    ceiling: RightSet,
}

impl Subject {
    /// A subject. `memberships` are the user's rights in each organization
    /// (ignored for an organization principal: organizations are not members);
    /// `admin` grants universal rights; `ceiling` is the credential's own
    /// rights, `None` for "everything the subject has".
    pub fn new(
        principal: Principal,
        memberships: impl IntoIterator<Item = (OrgId, RightSet)>,
        admin: bool,
        ceiling: Option<RightSet>,
    ) -> Subject {
        let memberships = match principal {
            Principal::User(_) => OrgRights::new(memberships),
            Principal::Organization(_) => OrgRights::default(),
        };
        Subject {
            principal,
            memberships,
            universal: if admin {
                RightSet::EVERYTHING
            } else {
                RightSet::EMPTY
            },
            ceiling: ceiling.map_or(RightSet::EVERYTHING, RightSet::implied),
        }
    }

    /// The principal.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The memberships with their expanded rights.
    pub fn memberships(&self) -> &OrgRights {
        &self.memberships
    }

    /// Whether the subject is a tenant admin.
    pub fn is_admin(&self) -> bool {
        !self.universal.is_empty()
    }

    /// The credential's ceiling, expanded.
    pub fn ceiling(&self) -> RightSet {
        self.ceiling
    }

    /// Effective rights (expanded) on an application, gateway or client.
    pub fn rights_on(&self, entity: &EntityGrants) -> RightSet {
        let direct = match &self.principal {
            Principal::User(u) => entity.user(u),
            Principal::Organization(o) => entity.organizations.get(o),
        };
        let via_orgs = self.memberships.join(&entity.organizations);
        self.finish(direct.union(via_orgs))
    }

    /// Effective rights (expanded) on an organization: a member's rights in it,
    /// or for an organization's own API key everything the org can hold.
    pub fn rights_on_organization(&self, org: &OrgId) -> RightSet {
        let held = match &self.principal {
            Principal::User(_) => self.memberships.get(org),
            Principal::Organization(o) if o == org => ORGANIZATION_HOLDABLE,
            Principal::Organization(_) => RightSet::EMPTY,
        };
        self.finish(held)
    }

    /// Effective rights on tenant-level objects (users, settings, tenant
    /// invitations): only the universal rights reach there, cut by the ceiling.
    pub fn tenant_rights(&self) -> RightSet {
        self.finish(RightSet::EMPTY)
    }

    fn finish(&self, paths: RightSet) -> RightSet {
        paths.union(self.universal).intersection(self.ceiling)
    }

    /// Ok when `held` covers `required`; otherwise the error naming what is missing.
    pub fn require(held: RightSet, required: RightSet) -> Result<(), RightsError> {
        let missing = held.missing(required);
        if missing.is_empty() {
            Ok(())
        } else {
            Err(RightsError::Insufficient { missing })
        }
    }
}

/// The entity's side of a decision: its collaborators.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntityGrants {
    /// Sorted by user ID; expanded.
    users: Vec<(UserId, RightSet)>,
    organizations: OrgRights,
}

impl EntityGrants {
    /// Builds the grants of one entity from its user and organization collaborators.
    pub fn new(
        users: impl IntoIterator<Item = (UserId, RightSet)>,
        organizations: impl IntoIterator<Item = (OrgId, RightSet)>,
    ) -> EntityGrants {
        let mut users: Vec<(UserId, RightSet)> =
            users.into_iter().map(|(u, r)| (u, r.implied())).collect();
        users.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        users.dedup_by(|later, kept| {
            if later.0 == kept.0 {
                kept.1 = kept.1.union(later.1);
                true
            } else {
                false
            }
        });
        EntityGrants {
            users,
            organizations: OrgRights::new(organizations),
        }
    }

    /// A user collaborator's direct rights (expanded), empty if none.
    pub fn user(&self, user: &UserId) -> RightSet {
        self.users
            .binary_search_by(|(u, _)| u.cmp(user))
            .ok()
            .and_then(|i| self.users.get(i))
            .map_or(RightSet::EMPTY, |(_, r)| *r)
    }

    /// The organization collaborators.
    pub fn organizations(&self) -> &OrgRights {
        &self.organizations
    }
}

/// A refused rights operation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RightsError {
    /// The caller lacks rights the operation needs, or rights it would grant or remove.
    Insufficient {
        /// What is missing (expanded).
        missing: RightSet,
    },
    /// The change would leave the organization without a holder of `RIGHT_ORGANIZATION_ALL`.
    OrganizationNeedsOwner,
}

impl RightsError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            RightsError::Insufficient { .. } => "insufficient_rights",
            RightsError::OrganizationNeedsOwner => "organization_needs_owner",
        }
    }

    /// The missing rights, for the problem document.
    pub fn missing(&self) -> RightSet {
        match self {
            RightsError::Insufficient { missing } => *missing,
            RightsError::OrganizationNeedsOwner => RightSet::EMPTY,
        }
    }
}

impl fmt::Display for RightsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RightsError::Insufficient { missing } => {
                write!(f, "missing rights: {}", missing.names().join(", "))
            }
            RightsError::OrganizationNeedsOwner => f.write_str(
                "the organization must keep at least one member holding RIGHT_ORGANIZATION_ALL",
            ),
        }
    }
}

impl std::error::Error for RightsError {}

/// The granting rule: changing a grant from `before` to `after` (a member's
/// role, an API key's rights, a collaborator's rights) needs the caller to
/// hold every right that is added or removed. Creating is `before = ∅`,
/// deleting is `after = ∅`.
pub fn check_grant(caller: RightSet, before: RightSet, after: RightSet) -> Result<(), RightsError> {
    let (before, after) = (before.implied(), after.implied());
    let changed = before.difference(after).union(after.difference(before));
    Subject::require(caller, changed)
}

/// The last-owner rule: after a change, the organization's members (their
/// rights, short or expanded) must still include a holder of
/// `RIGHT_ORGANIZATION_ALL`.
pub fn check_owner_remains(
    members_after: impl IntoIterator<Item = RightSet>,
) -> Result<(), RightsError> {
    if members_after
        .into_iter()
        .any(|r| r.implied().contains(Right::OrganizationAll))
    {
        Ok(())
    } else {
        Err(RightsError::OrganizationNeedsOwner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::roles::BuiltinRole;
    use Right::*;

    fn org(s: &str) -> OrgId {
        OrgId::new(s).unwrap()
    }
    fn user(s: &str) -> UserId {
        UserId::new(s).unwrap()
    }
    fn set(r: &[Right]) -> RightSet {
        RightSet::of(r)
    }
    fn alice_in(orgs: &[(&str, RightSet)]) -> Subject {
        Subject::new(
            Principal::User(user("alice")),
            orgs.iter().map(|(o, r)| (org(o), *r)),
            false,
            None,
        )
    }

    /// The Things Stack's documented example: a member holding
    /// RIGHT_APPLICATION_ALL in an organization that holds only
    /// RIGHT_APPLICATION_INFO on an application gets only info on it.
    #[test]
    fn org_path_is_the_intersection() {
        let alice = alice_in(&[("acme", set(&[ApplicationAll]))]);
        let app = EntityGrants::new([], [(org("acme"), set(&[ApplicationInfo]))]);
        assert_eq!(alice.rights_on(&app), set(&[ApplicationInfo]));
    }

    #[test]
    fn org_path_the_other_way_round() {
        // The org holds everything on the app, the member only traffic read.
        let alice = alice_in(&[("acme", set(&[ApplicationTrafficRead]))]);
        let app = EntityGrants::new([], [(org("acme"), set(&[ApplicationAll]))]);
        assert_eq!(alice.rights_on(&app), set(&[ApplicationTrafficRead]));
    }

    #[test]
    fn paths_are_united() {
        let alice = alice_in(&[
            ("acme", set(&[ApplicationAll])),
            ("beta", set(&[ApplicationDelete])),
        ]);
        let app = EntityGrants::new(
            [(user("alice"), set(&[ApplicationDevicesRead]))],
            [
                (org("acme"), set(&[ApplicationInfo])),
                (org("beta"), set(&[ApplicationAll])),
            ],
        );
        assert_eq!(
            alice.rights_on(&app),
            set(&[ApplicationInfo, ApplicationDevicesRead, ApplicationDelete])
        );
    }

    #[test]
    fn no_path_no_rights() {
        let alice = alice_in(&[("acme", set(&[ApplicationAll]))]);
        let app = EntityGrants::new(
            [(user("bob"), set(&[ApplicationAll]))],
            [(org("other"), set(&[ApplicationAll]))],
        );
        assert!(alice.rights_on(&app).is_empty());
    }

    #[test]
    fn rights_expand_before_intersecting() {
        // LINK in the org meets TRAFFIC_READ on the entity: read passes through.
        let alice = alice_in(&[("acme", set(&[ApplicationLink]))]);
        let app = EntityGrants::new(
            [],
            [(
                org("acme"),
                set(&[ApplicationTrafficRead, ApplicationDelete]),
            )],
        );
        assert_eq!(alice.rights_on(&app), set(&[ApplicationTrafficRead]));
    }

    #[test]
    fn ceiling_cuts_every_path() {
        let key = Subject::new(
            Principal::User(user("alice")),
            [(org("acme"), set(&[ApplicationAll]))],
            false,
            Some(set(&[ApplicationInfo])),
        );
        let app = EntityGrants::new(
            [(user("alice"), set(&[ApplicationAll]))],
            [(org("acme"), set(&[ApplicationAll]))],
        );
        assert_eq!(key.rights_on(&app), set(&[ApplicationInfo]));
    }

    #[test]
    fn admins_get_universal_rights_bounded_by_the_ceiling() {
        let admin = Subject::new(Principal::User(user("root")), [], true, None);
        let app = EntityGrants::default();
        assert_eq!(admin.rights_on(&app), RightSet::EVERYTHING);
        assert_eq!(admin.tenant_rights(), RightSet::EVERYTHING);
        let narrow = Subject::new(
            Principal::User(user("root")),
            [],
            true,
            Some(set(&[ApplicationInfo])),
        );
        assert_eq!(narrow.rights_on(&app), set(&[ApplicationInfo]));
        let plain = alice_in(&[]);
        assert!(plain.tenant_rights().is_empty());
    }

    #[test]
    fn organization_principal_uses_its_own_grant_only() {
        let key = Subject::new(
            Principal::Organization(org("acme")),
            [(org("beta"), set(&[ApplicationAll]))], // ignored: orgs are not members
            false,
            Some(set(&[ApplicationAll])),
        );
        let app = EntityGrants::new(
            [],
            [
                (org("acme"), set(&[ApplicationInfo])),
                (org("beta"), set(&[ApplicationAll])),
            ],
        );
        assert_eq!(key.rights_on(&app), set(&[ApplicationInfo]));
        assert_eq!(
            key.rights_on_organization(&org("acme")),
            set(&[ApplicationAll]).implied()
        );
        assert!(key.rights_on_organization(&org("beta")).is_empty());
    }

    #[test]
    fn rights_on_organization_are_the_membership() {
        let alice = alice_in(&[("acme", BuiltinRole::Admin.rights())]);
        assert_eq!(
            alice.rights_on_organization(&org("acme")),
            BuiltinRole::Admin.rights().implied()
        );
        assert!(alice.rights_on_organization(&org("beta")).is_empty());
    }

    #[test]
    fn join_strategies_agree() {
        // One membership against many grants (binary search) and many against
        // many (merge) must give the same answer as a naive loop.
        let grants: Vec<(OrgId, RightSet)> = (0..500)
            .map(|i| {
                (
                    org(&format!("org-{i}")),
                    set(&[ApplicationInfo, ApplicationDelete]),
                )
            })
            .collect();
        let entity = EntityGrants::new([], grants);
        let one = alice_in(&[("org-250", set(&[ApplicationDelete]))]);
        assert_eq!(one.rights_on(&entity), set(&[ApplicationDelete]));
        let many: Vec<(OrgId, RightSet)> = (400..900)
            .map(|i| (org(&format!("org-{i}")), set(&[ApplicationInfo])))
            .collect();
        let many = Subject::new(Principal::User(user("alice")), many, false, None);
        assert_eq!(many.rights_on(&entity), set(&[ApplicationInfo]));
    }

    #[test]
    fn repeated_entries_merge() {
        let grants = OrgRights::new([
            (org("acme"), set(&[ApplicationInfo])),
            (org("acme"), set(&[ApplicationDelete])),
        ]);
        assert_eq!(grants.len(), 1);
        assert_eq!(
            grants.get(&org("acme")),
            set(&[ApplicationInfo, ApplicationDelete])
        );
    }

    #[test]
    fn granting_needs_what_is_granted_or_removed() {
        let admin = BuiltinRole::Admin.rights().implied();
        // Admin may make someone a member, or demote a member to nothing.
        assert_eq!(
            check_grant(admin, RightSet::EMPTY, BuiltinRole::Member.rights()),
            Ok(())
        );
        assert_eq!(
            check_grant(admin, BuiltinRole::Member.rights(), RightSet::EMPTY),
            Ok(())
        );
        // ... but not make anyone owner, nor remove an owner.
        let err = check_grant(
            admin,
            BuiltinRole::Member.rights(),
            BuiltinRole::Owner.rights(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "insufficient_rights");
        assert!(err.missing().contains(OrganizationDelete));
        assert!(
            !err.missing().contains(ApplicationInfo),
            "already held: not missing"
        );
        assert!(check_grant(admin, BuiltinRole::Owner.rights(), RightSet::EMPTY).is_err());
        // A member cannot grant what it lacks.
        let member = BuiltinRole::Member.rights().implied();
        assert!(check_grant(member, RightSet::EMPTY, set(&[OrganizationSettingsMembers])).is_err());
        // No change needs nothing.
        assert_eq!(
            check_grant(
                RightSet::EMPTY,
                set(&[ApplicationAll]),
                set(&[ApplicationAll])
            ),
            Ok(())
        );
    }

    #[test]
    fn last_owner_cannot_go() {
        let owner = BuiltinRole::Owner.rights();
        let admin = BuiltinRole::Admin.rights();
        assert_eq!(check_owner_remains([owner, admin]), Ok(()));
        assert_eq!(
            check_owner_remains([admin]),
            Err(RightsError::OrganizationNeedsOwner)
        );
        assert_eq!(
            check_owner_remains([]),
            Err(RightsError::OrganizationNeedsOwner)
        );
        assert_eq!(check_owner_remains([set(&[OrganizationAll])]), Ok(()));
    }
}
