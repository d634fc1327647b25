//! Laws of the rights algebra, checked with proptest against a model that
//! shadows `RightSet` with `BTreeSet<Right>` and spells expansion out rule by rule.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;

use orgwarden::core::decide::{EntityGrants, Principal, Subject};
use orgwarden::core::ids::{OrgId, UserId};
use orgwarden::core::rights::{Right, RightKind, RightSet};
use proptest::prelude::*;

fn right() -> impl Strategy<Value = Right> {
    proptest::sample::select(Right::ALL.to_vec())
}

fn set() -> impl Strategy<Value = RightSet> {
    proptest::collection::vec(right(), 0..8).prop_map(|v| v.into_iter().collect())
}

type Model = BTreeSet<Right>;

fn model(s: RightSet) -> Model {
    s.iter().collect()
}

/// Expansion written from the contract's sentences, not from the bit masks.
fn model_implied(s: &Model) -> Model {
    let mut out = s.clone();
    for r in s {
        match r {
            Right::All => out.extend(Right::ALL.iter().copied()),
            Right::ApplicationLink => out.extend([
                Right::ApplicationInfo,
                Right::ApplicationTrafficRead,
                Right::ApplicationTrafficDownWrite,
            ]),
            Right::GatewayLink => {
                out.insert(Right::GatewayInfo);
            }
            r if r.is_pseudo() => {
                let kind = r.kind().unwrap();
                out.extend(
                    Right::ALL
                        .iter()
                        .copied()
                        .filter(|x| x.kind() == Some(kind)),
                );
                if kind == RightKind::Application {
                    out.extend([
                        Right::ApplicationInfo,
                        Right::ApplicationTrafficRead,
                        Right::ApplicationTrafficDownWrite,
                    ]);
                }
            }
            _ => {}
        }
    }
    out
}

fn org(i: u8) -> OrgId {
    OrgId::new(format!("org-{i}")).unwrap()
}

proptest! {
    #[test]
    fn set_operations_match_the_model(a in set(), b in set()) {
        let (ma, mb) = (model(a), model(b));
        prop_assert_eq!(model(a.union(b)), ma.union(&mb).copied().collect::<Model>());
        prop_assert_eq!(model(a.intersection(b)), ma.intersection(&mb).copied().collect::<Model>());
        prop_assert_eq!(model(a.difference(b)), ma.difference(&mb).copied().collect::<Model>());
        prop_assert_eq!(model(a.implied()), model_implied(&ma));
        prop_assert_eq!(a.len(), ma.len());
    }

    #[test]
    fn intersection_is_commutative_and_associative(a in set(), b in set(), c in set()) {
        prop_assert_eq!(a.intersection(b), b.intersection(a));
        prop_assert_eq!(a.intersection(b).intersection(c), a.intersection(b.intersection(c)));
        prop_assert_eq!(a.union(b), b.union(a));
        prop_assert_eq!(a.union(b).union(c), a.union(b.union(c)));
    }

    #[test]
    fn expansion_is_idempotent_extensive_and_monotone(a in set(), b in set()) {
        prop_assert_eq!(a.implied().implied(), a.implied());
        prop_assert!(a.implied().includes_all(a));
        prop_assert_eq!(a.implied().intersection(a), a);
        prop_assert!(a.union(b).implied().includes_all(a.implied()));
        prop_assert_eq!(a.union(b).implied(), a.implied().union(b.implied()));
    }

    #[test]
    fn missing_is_exactly_what_includes_all_lacks(held in set(), required in set()) {
        let missing = held.missing(required);
        prop_assert_eq!(missing.is_empty(), held.includes_all(required));
        prop_assert!(held.union(missing).includes_all(required));
        prop_assert!(missing.intersection(held.implied()).is_empty());
    }

    #[test]
    fn compact_preserves_expansion(a in set()) {
        prop_assert_eq!(a.compact().implied(), a.implied());
        prop_assert!(a.compact().len() <= a.len());
    }

    #[test]
    fn serde_round_trips(a in set()) {
        let json = serde_json::to_string(&a).unwrap();
        prop_assert_eq!(serde_json::from_str::<RightSet>(&json).unwrap(), a);
    }

    /// Adding a membership or a collaborator never removes rights.
    #[test]
    fn union_over_paths_is_monotone(
        memberships in proptest::collection::vec((0u8..6, set()), 0..6),
        grants in proptest::collection::vec((0u8..6, set()), 0..6),
        direct in set(),
        extra_org in 0u8..6, extra_in in set(), extra_on in set(),
    ) {
        let user = UserId::new("alice").unwrap();
        let subject = |m: &[(u8, RightSet)]| Subject::new(Principal::User(user.clone()), m.iter().map(|(i, r)| (org(*i), *r)), false, None);
        let entity = |g: &[(u8, RightSet)]| EntityGrants::new([(user.clone(), direct)], g.iter().map(|(i, r)| (org(*i), *r)));
        let base = subject(&memberships).rights_on(&entity(&grants));
        let mut more_m = memberships.clone();
        more_m.push((extra_org, extra_in));
        let mut more_g = grants.clone();
        more_g.push((extra_org, extra_on));
        prop_assert!(subject(&more_m).rights_on(&entity(&grants)).includes_all(base));
        prop_assert!(subject(&memberships).rights_on(&entity(&more_g)).includes_all(base));
        prop_assert!(base.includes_all(direct));
    }

    /// The evaluation equals the contract's formula computed naively.
    #[test]
    fn evaluation_matches_the_formula(
        memberships in proptest::collection::vec((0u8..8, set()), 0..8),
        grants in proptest::collection::vec((0u8..8, set()), 0..8),
        direct in set(), ceiling in proptest::option::of(set()), admin in any::<bool>(),
    ) {
        let user = UserId::new("alice").unwrap();
        let s = Subject::new(Principal::User(user.clone()), memberships.iter().map(|(i, r)| (org(*i), *r)), admin, ceiling);
        let e = EntityGrants::new([(user, direct)], grants.iter().map(|(i, r)| (org(*i), *r)));
        let mut paths = direct.implied();
        for (mo, mr) in &memberships {
            for (go, gr) in &grants {
                if mo == go {
                    paths = paths.union(mr.implied().intersection(gr.implied()));
                }
            }
        }
        if admin {
            paths = RightSet::EVERYTHING;
        }
        let want = ceiling.map_or(paths, |c| paths.intersection(c.implied()));
        prop_assert_eq!(s.rights_on(&e), want);
    }
}
