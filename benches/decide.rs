//! Rights decision cost (issue 2, step 8e): a user in 1,000 organizations
//! against an entity with 1,000 collaborators (and a few other shapes).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use orgwarden::core::decide::{EntityGrants, Principal, Subject};
use orgwarden::core::ids::{OrgId, UserId};
use orgwarden::core::rights::{Right, RightSet};
use orgwarden::core::roles::BuiltinRole;

fn org(i: usize) -> OrgId {
    OrgId::new(format!("customer-org-{i:05}")).unwrap()
}

fn bench(c: &mut Criterion) {
    let alice = UserId::new("alice").unwrap();
    // Memberships: orgs 0..1000. Collaborators: orgs 990..1990 (10 shared)
    // plus users; the answer comes from the ten shared organizations.
    let member_of = |n: usize| {
        Subject::new(
            Principal::User(alice.clone()),
            (0..n).map(|i| (org(i), BuiltinRole::Member.rights())),
            false,
            None,
        )
    };
    let entity = EntityGrants::new(
        (0..200).map(|i| {
            (
                UserId::new(format!("user-{i}")).unwrap(),
                RightSet::of(&[Right::ApplicationAll]),
            )
        }),
        (990..1990).map(|i| {
            (
                org(i),
                RightSet::of(&[Right::ApplicationInfo, Right::ApplicationTrafficRead]),
            )
        }),
    );
    let big = member_of(1000);
    assert_eq!(
        big.rights_on(&entity),
        RightSet::of(&[Right::ApplicationInfo, Right::ApplicationTrafficRead])
    );
    c.bench_function("e_decide_1000_orgs_x_1000_collaborators", |b| {
        b.iter(|| black_box(&big).rights_on(black_box(&entity)))
    });

    let small = member_of(3);
    c.bench_function("e_decide_3_orgs_x_1000_collaborators", |b| {
        b.iter(|| black_box(&small).rights_on(black_box(&entity)))
    });

    let required = RightSet::of(&[Right::ApplicationTrafficRead]);
    c.bench_function("e_decide_and_require_1000_x_1000", |b| {
        b.iter(|| Subject::require(black_box(&big).rights_on(black_box(&entity)), required).is_ok())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
