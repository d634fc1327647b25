//! Admin operations on the in-memory store: the rights rules through the
//! operations, the ID namespace, and what a write sequence that stops half-way
//! leaves behind.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use orgwarden::admin::members::{self, MemberGrant, NewMember};
use orgwarden::admin::orgs::{self, CreateOrg, OrgFilter};
use orgwarden::admin::{rights_on_org, AdminError, Caller, Ctx, Paging};
use orgwarden::core::ids::{OrgId, TenantId, UserId};
use orgwarden::core::rights::{Right, RightSet};
use orgwarden::model::records::{User, UserState};
use orgwarden::store::memory::{block_on, MemoryStore};
use orgwarden::store::plan::{commit, Plan};
use orgwarden::store::{keys, Store};

const NOW: i64 = 1_800_000_000_123;

fn tenant() -> TenantId {
    TenantId::new("acme").unwrap()
}
fn uid(s: &str) -> UserId {
    UserId::new(s).unwrap()
}
fn oid(s: &str) -> OrgId {
    OrgId::new(s).unwrap()
}
fn user(s: &str) -> Caller {
    Caller::for_user(uid(s), false)
}
fn admin() -> Caller {
    Caller::for_user(uid("root"), true)
}

/// Plans a write operation and commits its plan to the context's store, in
/// order: what a KV-only deployment does.
macro_rules! exec {
    // A match keeps the temporaries of `$ctx` alive to its end.
    ($op:path, $ctx:expr $(, $arg:expr)* $(,)?) => {
        match $ctx {
            ctx => {
                let mut plan = Plan::new();
                match block_on($op(ctx, &mut plan $(, $arg)*)) {
                    Ok(v) => block_on(commit(ctx.store, &plan))
                        .map(|()| v)
                        .map_err(AdminError::from),
                    Err(e) => Err(e),
                }
            }
        }
    };
}

struct World {
    store: MemoryStore,
    tenant: TenantId,
}

impl World {
    fn new() -> World {
        let w = World {
            store: MemoryStore::new(),
            tenant: tenant(),
        };
        for u in ["root", "alice", "bob", "carol", "dave"] {
            w.seed_user(u);
        }
        w
    }

    fn seed_user(&self, id: &str) {
        let u = User {
            id: uid(id),
            first_name: id.into(),
            last_name: String::new(),
            email: format!("{id}@example.com"),
            state: UserState::Approved,
            admin: id == "root",
            created_at: "2026-01-01T00:00:00.000Z".into(),
            updated_at: "2026-01-01T00:00:00.000Z".into(),
            deleted_at: None,
        };
        block_on(async {
            self.store
                .put(&keys::id(&self.tenant, id), "user", None)
                .await
                .unwrap();
            self.store
                .put(
                    &keys::user(&self.tenant, &uid(id)),
                    &serde_json::to_string(&u).unwrap(),
                    None,
                )
                .await
                .unwrap();
        });
    }

    fn ctx<'a>(&'a self, caller: &'a Caller) -> Ctx<'a, MemoryStore> {
        Ctx {
            store: &self.store,
            tenant: &self.tenant,
            now_ms: NOW,
            caller,
        }
    }

    fn create_org(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<orgwarden::model::records::Organization, AdminError> {
        exec!(
            orgs::create,
            &self.ctx(caller),
            CreateOrg {
                id: id.into(),
                name: format!("Org {id}"),
                description: String::new(),
                owner: None,
            },
        )
    }

    fn add(
        &self,
        caller: &Caller,
        org: &str,
        member: &str,
        role: &str,
    ) -> Result<members::MemberView, AdminError> {
        exec!(
            members::add,
            &self.ctx(caller),
            &oid(org),
            NewMember {
                user_id: member.into(),
                role: Some(role.into()),
                rights: None,
            },
        )
    }

    fn set_role(
        &self,
        caller: &Caller,
        org: &str,
        member: &str,
        role: &str,
    ) -> Result<members::MemberView, AdminError> {
        exec!(
            members::update,
            &self.ctx(caller),
            &oid(org),
            &uid(member),
            MemberGrant {
                role: Some(role.into()),
                rights: None,
            },
        )
    }

    fn remove(&self, caller: &Caller, org: &str, member: &str) -> Result<(), AdminError> {
        exec!(members::remove, &self.ctx(caller), &oid(org), &uid(member))
    }

    fn rights(&self, who: &str, org: &str) -> RightSet {
        block_on(rights_on_org(&self.ctx(&user(who)), &oid(org))).unwrap()
    }
}

fn code<T>(r: Result<T, AdminError>) -> String {
    r.map_or_else(|e| e.code.into_owned(), |_| "ok".into())
}

#[test]
fn a_user_who_creates_an_org_becomes_its_owner() {
    let w = World::new();
    let org = w.create_org(&user("alice"), "team-a").unwrap();
    assert_eq!(org.created_at, "2027-01-15T08:00:00.123Z");
    assert!(w
        .rights("alice", "team-a")
        .contains(Right::OrganizationDelete));
    assert!(w.rights("bob", "team-a").is_empty());
    let got = block_on(orgs::get(&w.ctx(&user("alice")), &oid("team-a"))).unwrap();
    assert_eq!(got, org);
    assert_eq!(
        code(block_on(orgs::get(&w.ctx(&user("bob")), &oid("team-a")))),
        "insufficient_rights"
    );
    assert_eq!(
        code(block_on(orgs::get(&w.ctx(&user("bob")), &oid("nope")))),
        "not_found"
    );
}

#[test]
fn creating_checks_its_input_and_the_namespace() {
    let w = World::new();
    let c = user("alice");
    assert_eq!(code(w.create_org(&c, "Bad_Id")), "invalid_id");
    assert_eq!(
        code(w.create_org(&c, "bob")),
        "id_taken",
        "users and orgs share one namespace"
    );
    let long = exec!(
        orgs::create,
        &w.ctx(&c),
        CreateOrg {
            id: "x1".into(),
            name: "n".repeat(51),
            description: String::new(),
            owner: None,
        },
    );
    assert_eq!(code(long), "invalid_request");
    let nameless = exec!(
        orgs::create,
        &w.ctx(&c),
        CreateOrg {
            id: "x1".into(),
            name: " ".into(),
            description: String::new(),
            owner: None,
        },
    );
    assert_eq!(code(nameless), "invalid_request");
    let other_owner = exec!(
        orgs::create,
        &w.ctx(&c),
        CreateOrg {
            id: "x1".into(),
            name: "X".into(),
            description: String::new(),
            owner: Some("bob".into()),
        },
    );
    assert_eq!(code(other_owner), "insufficient_rights");
    assert!(
        w.store.keys().iter().all(|k| !k.contains("x1")),
        "refusals change nothing"
    );
    w.create_org(&c, "team-a").unwrap();
    assert_eq!(code(w.create_org(&user("bob"), "team-a")), "id_taken");
}

#[test]
fn a_deleted_orgs_id_stays_reserved() {
    let w = World::new();
    w.create_org(&user("alice"), "team-a").unwrap();
    assert_eq!(
        code(exec!(orgs::delete, &w.ctx(&user("bob")), &oid("team-a"))),
        "insufficient_rights"
    );
    let deleted = exec!(orgs::delete, &w.ctx(&user("alice")), &oid("team-a")).unwrap();
    assert!(deleted.deleted_at.is_some());
    assert_eq!(code(w.create_org(&user("bob"), "team-a")), "id_reserved");
    assert_eq!(
        code(block_on(orgs::get(&w.ctx(&user("alice")), &oid("team-a")))),
        "not_found"
    );
    assert_eq!(
        code(w.add(&user("alice"), "team-a", "bob", "member")),
        "not_found"
    );
}

#[test]
fn tenant_admins_create_with_or_without_an_owner() {
    let w = World::new();
    let a = admin();
    exec!(
        orgs::create,
        &w.ctx(&a),
        CreateOrg {
            id: "ownerless".into(),
            name: "O".into(),
            description: String::new(),
            owner: None,
        },
    )
    .unwrap();
    assert!(
        w.rights("root", "ownerless").is_empty(),
        "no membership for the admin"
    );
    exec!(
        orgs::create,
        &w.ctx(&a),
        CreateOrg {
            id: "carols".into(),
            name: "C".into(),
            description: String::new(),
            owner: Some("carol".into()),
        },
    )
    .unwrap();
    assert!(w.rights("carol", "carols").contains(Right::OrganizationAll));
    let ghost = exec!(
        orgs::create,
        &w.ctx(&a),
        CreateOrg {
            id: "g1".into(),
            name: "G".into(),
            description: String::new(),
            owner: Some("ghost".into()),
        },
    );
    assert_eq!(code(ghost), "invalid_request");
    // An org's API key cannot create orgs; a user key without the right cannot either.
    let key = Caller {
        id: "apikey:KEYCAROLSAAAAAAA".into(),
        memberships: Vec::new(),
        principal: orgwarden::core::decide::Principal::Organization(oid("carols")),
        admin: false,
        ceiling: Some(RightSet::EVERYTHING),
    };
    assert_eq!(code(w.create_org(&key, "k1")), "insufficient_rights");
    let narrow = Caller {
        ceiling: Some(RightSet::of(&[Right::UserInfo])),
        ..user("alice")
    };
    let e = w.create_org(&narrow, "k2").unwrap_err();
    assert_eq!(e.code, "insufficient_rights");
    assert_eq!(
        e.missing,
        Some(RightSet::of(&[Right::UserOrganizationsCreate]))
    );
}

#[test]
fn a_member_cannot_add_members() {
    let w = World::new();
    w.create_org(&user("alice"), "team-a").unwrap();
    w.add(&user("alice"), "team-a", "bob", "member").unwrap();
    let e = w
        .add(&user("bob"), "team-a", "carol", "member")
        .unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (403, "insufficient_rights"));
    assert_eq!(
        e.missing,
        Some(RightSet::of(&[Right::OrganizationSettingsMembers]))
    );
    assert!(w.rights("carol", "team-a").is_empty());
}

#[test]
fn an_admin_of_org_a_cannot_touch_org_b() {
    let w = World::new();
    w.create_org(&user("alice"), "team-a").unwrap();
    w.create_org(&user("dave"), "team-b").unwrap();
    w.add(&user("alice"), "team-a", "bob", "admin").unwrap();
    assert_eq!(code(w.add(&user("bob"), "team-a", "carol", "member")), "ok");
    assert_eq!(
        code(w.add(&user("bob"), "team-b", "carol", "member")),
        "insufficient_rights"
    );
    assert_eq!(
        code(w.remove(&user("bob"), "team-b", "dave")),
        "insufficient_rights"
    );
    assert_eq!(
        code(exec!(orgs::delete, &w.ctx(&user("bob")), &oid("team-b"))),
        "insufficient_rights"
    );
}

#[test]
fn granting_needs_what_is_granted() {
    let w = World::new();
    w.create_org(&user("alice"), "team-a").unwrap();
    w.add(&user("alice"), "team-a", "bob", "admin").unwrap();
    // An admin makes members but not owners, and cannot remove an owner.
    let e = w.add(&user("bob"), "team-a", "carol", "owner").unwrap_err();
    assert_eq!(e.code, "insufficient_rights");
    assert!(e.missing.unwrap().contains(Right::OrganizationDelete));
    w.add(&user("bob"), "team-a", "carol", "member").unwrap();
    assert_eq!(
        code(w.set_role(&user("bob"), "team-a", "carol", "owner")),
        "insufficient_rights"
    );
    assert_eq!(
        code(w.remove(&user("bob"), "team-a", "alice")),
        "insufficient_rights"
    );
    assert_eq!(code(w.remove(&user("bob"), "team-a", "carol")), "ok");
    // Explicit rights: only what an organization can hold, only known names.
    let g = |rights: &[&str]| {
        exec!(
            members::add,
            &w.ctx(&user("alice")),
            &oid("team-a"),
            NewMember {
                user_id: "dave".into(),
                role: None,
                rights: Some(rights.iter().map(|s| s.to_string()).collect()),
            },
        )
    };
    assert_eq!(code(g(&["RIGHT_USER_DELETE"])), "right_not_holdable");
    assert_eq!(code(g(&["RIGHT_NOPE"])), "unknown_right");
    assert_eq!(
        code(w.add(&user("alice"), "team-a", "dave", "billing")),
        "unknown_role"
    );
    let both = exec!(
        members::add,
        &w.ctx(&user("alice")),
        &oid("team-a"),
        NewMember {
            user_id: "dave".into(),
            role: Some("member".into()),
            rights: Some(vec![]),
        },
    );
    assert_eq!(code(both), "invalid_request");
    assert_eq!(code(g(&["RIGHT_APPLICATION_INFO"])), "ok");
    assert_eq!(
        w.rights("dave", "team-a"),
        RightSet::of(&[Right::ApplicationInfo])
    );
    assert_eq!(
        code(w.add(&user("alice"), "team-a", "dave", "member")),
        "already_member"
    );
    assert_eq!(
        code(w.add(&user("alice"), "team-a", "ghost", "member")),
        "invalid_request"
    );
}

#[test]
fn the_last_owner_stays() {
    let w = World::new();
    w.create_org(&user("alice"), "team-a").unwrap();
    let e = w.remove(&user("alice"), "team-a", "alice").unwrap_err();
    assert_eq!(
        (e.status, e.code.as_ref()),
        (409, "organization_needs_owner")
    );
    assert_eq!(
        code(w.set_role(&user("alice"), "team-a", "alice", "admin")),
        "organization_needs_owner"
    );
    w.add(&user("alice"), "team-a", "bob", "owner").unwrap();
    assert_eq!(
        code(w.set_role(&user("alice"), "team-a", "alice", "admin")),
        "ok"
    );
    assert_eq!(code(w.remove(&user("bob"), "team-a", "alice")), "ok");
    assert_eq!(
        code(w.remove(&user("bob"), "team-a", "bob")),
        "organization_needs_owner"
    );
}

#[test]
fn listings_page_filter_and_count() {
    let w = World::new();
    for i in 0..30 {
        w.create_org(
            &user(if i % 3 == 0 { "alice" } else { "bob" }),
            &format!("org-{i:02}"),
        )
        .unwrap();
    }
    let all = block_on(orgs::list(
        &w.ctx(&admin()),
        &OrgFilter::default(),
        Paging::new(Some(10), Some(2)).unwrap(),
    ))
    .unwrap();
    assert_eq!(all.total, 30);
    assert_eq!(
        all.items.iter().map(|o| o.id.as_str()).collect::<Vec<_>>()[0],
        "org-10"
    );
    let filtered = OrgFilter {
        id_contains: Some("org-1".into()),
        ..OrgFilter::default()
    };
    assert_eq!(
        block_on(orgs::list(&w.ctx(&admin()), &filtered, Paging::default()))
            .unwrap()
            .total,
        10
    );
    let named = OrgFilter {
        name_contains: Some("ORG ORG-2".into()),
        ..OrgFilter::default()
    };
    assert_eq!(
        block_on(orgs::list(&w.ctx(&admin()), &named, Paging::default()))
            .unwrap()
            .total,
        10
    );
    let mine = block_on(orgs::list(
        &w.ctx(&user("alice")),
        &OrgFilter::default(),
        Paging::default(),
    ))
    .unwrap();
    assert_eq!(mine.total, 10);
    assert_eq!(
        code(block_on(orgs::list(
            &w.ctx(&user("alice")),
            &OrgFilter {
                deleted: true,
                ..OrgFilter::default()
            },
            Paging::default()
        ))),
        "insufficient_rights"
    );
    assert_eq!(code(Paging::new(Some(0), None)), "invalid_request");
    assert_eq!(code(Paging::new(Some(1001), None)), "invalid_request");
    assert_eq!(code(Paging::new(None, Some(0))), "invalid_request");
    let members = block_on(members::list(
        &w.ctx(&user("alice")),
        &oid("org-00"),
        Paging::default(),
    ))
    .unwrap();
    assert_eq!(members.total, 1);
    assert_eq!(members.items[0].role.as_ref().unwrap().as_str(), "owner");
}

// Stopped write sequences: every prefix of every plan is checked in tests/plans.rs.

#[test]
fn reads_and_writes_per_call() {
    let w = World::new();
    let before = w.store.calls();
    w.create_org(&user("alice"), "team-a").unwrap();
    let after = w.store.calls();
    assert_eq!(
        after.puts - before.puts,
        4,
        "namespace, record, reverse index, membership"
    );
    assert!(after.gets - before.gets <= 2, "owner user, namespace");
    let before = w.store.calls();
    block_on(orgs::get(&w.ctx(&user("alice")), &oid("team-a"))).unwrap();
    let after = w.store.calls();
    assert_eq!(
        (after.gets - before.gets, after.lists - before.lists),
        (2, 0),
        "record and the caller's membership"
    );
}

#[test]
fn updating_an_org_needs_settings_basic() {
    use orgwarden::admin::orgs::UpdateOrg;
    let w = World::new();
    w.create_org(&user("alice"), "team-a").unwrap();
    w.add(&user("alice"), "team-a", "bob", "member").unwrap();
    let rename = |who: &str, name: &str| {
        exec!(
            orgs::update,
            &w.ctx(&user(who)),
            &oid("team-a"),
            UpdateOrg {
                name: Some(name.into()),
                description: None,
            },
        )
    };
    let e = rename("bob", "Hijacked").unwrap_err();
    assert_eq!(
        e.missing,
        Some(RightSet::of(&[Right::OrganizationSettingsBasic]))
    );
    let org = rename("alice", "Team Alpha").unwrap();
    assert_eq!(org.name, "Team Alpha");
    assert_eq!(code(rename("alice", "")), "invalid_request");
    assert_eq!(code(rename("alice", &"x".repeat(51))), "invalid_request");
    // The listing metadata follows the record.
    let named = OrgFilter {
        name_contains: Some("alpha".into()),
        ..OrgFilter::default()
    };
    assert_eq!(
        block_on(orgs::list(&w.ctx(&admin()), &named, Paging::default()))
            .unwrap()
            .total,
        1
    );
}

#[test]
fn a_failing_store_is_a_503_that_names_no_key() {
    let w = World::new();
    w.store.fail_writes_after(Some(0));
    let e = w.create_org(&user("alice"), "team-a").unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (503, "store_unavailable"));
    let p = e.to_problem();
    assert_eq!(p.status, 503);
    assert!(!p.detail.contains("t/acme"), "{}", p.detail);
    assert!(!p.detail.contains("injected"), "{}", p.detail);
}
