//! Every prefix of every operation's write plan grants nothing that neither
//! the state before nor the state after grants, and a prefix that takes
//! rights from a user has already revoked the user's tokens. This is what
//! makes a writer that stops half-way safe: a failed KV write, a crashed
//! isolate, a mirror that lags behind the tenant's Durable Object.
//!
//! The world is built through the commands themselves; each command below is
//! planned against it, and the plan's prefixes are applied to copies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::BTreeMap;

use orgwarden::admin::command::{execute, plan, Command};
use orgwarden::admin::{Caller, Ctx};
use orgwarden::core::decide::{Principal, Subject};
use orgwarden::core::ids::{OrgId, TenantId, UserId};
use orgwarden::core::rights::RightSet;
use orgwarden::model::entity::EntityKind;
use orgwarden::model::facts::OwnerFact;
use orgwarden::model::invitation::NewToken;
use orgwarden::notify::record;
use orgwarden::store::facts::{api_key, epochs, grants, principal};
use orgwarden::store::memory::{block_on, MemoryStore};
use orgwarden::store::plan::{commit, runs, Plan};
use serde_json::json;

const NOW: i64 = 1_800_000_000_000;
const USERS: &[&str] = &[
    "root", "alice", "bob", "carol", "dave", "erin", "gina", "zoe", "newbie",
];
const ORGS: &[&str] = &["team", "other", "waiting", "old", "dave-reg"];
const APPS: &[&str] = &["app", "app2"];

fn t() -> TenantId {
    TenantId::new("acme").unwrap()
}

fn caller(id: &str) -> Caller {
    if id == "anon" {
        return Caller::anonymous();
    }
    Caller::for_user(UserId::new(id).unwrap(), id == "root")
}

/// The invitation tokens of the world: to team as member (alice), to team
/// for erin as admin (alice), to the tenant (root).
fn token(n: u8) -> NewToken {
    NewToken::draw(&[n; 10], &[n.wrapping_add(100); 32])
}

fn cmd(v: serde_json::Value) -> Command {
    common::command(v)
}

fn run(store: &MemoryStore, who: &str, c: serde_json::Value) {
    let caller = caller(who);
    let tenant = t();
    let ctx = Ctx {
        store,
        tenant: &tenant,
        now_ms: NOW - 10_000,
        caller: &caller,
    };
    block_on(execute(&ctx, cmd(c.clone()))).unwrap_or_else(|e| panic!("{c}: {e}"));
}

/// The world every command is planned against.
fn world() -> MemoryStore {
    let s = MemoryStore::new();
    let hash =
        "$pbkdf2-sha256$i=10000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let tenant = Caller::anonymous();
    let ctx = Ctx {
        store: &s,
        tenant: &t(),
        now_ms: NOW - 20_000,
        caller: &tenant,
    };
    block_on(execute(&ctx, cmd(json!({"op": "create_tenant", "password_hash": hash,
        "body": {"id": "acme", "name": "Acme", "admin": {"id": "root", "email": "root@acme.example", "password": ""}}})))).unwrap();
    // zoe and newbie register through invitations.
    for u in USERS
        .iter()
        .skip(1)
        .filter(|u| !matches!(**u, "zoe" | "newbie"))
    {
        run(
            &s,
            "root",
            json!({"op": "create_user", "password_hash": hash, "body": {"id": u, "email": format!("{u}@acme.example")}}),
        );
    }
    run(
        &s,
        "alice",
        json!({"op": "create_org", "body": {"id": "team", "name": "Team"}}),
    );
    run(
        &s,
        "erin",
        json!({"op": "create_org", "body": {"id": "other", "name": "Other"}}),
    );
    run(
        &s,
        "erin",
        json!({"op": "add_member", "org": "other", "body": {"user_id": "alice", "role": "owner"}}),
    );
    run(
        &s,
        "alice",
        json!({"op": "add_member", "org": "team", "body": {"user_id": "bob", "role": "admin"}}),
    );
    run(
        &s,
        "alice",
        json!({"op": "create_role", "org": "team", "body": {"id": "viewer", "rights": ["RIGHT_ORGANIZATION_INFO", "RIGHT_APPLICATION_INFO", "RIGHT_APPLICATION_DEVICES_READ"]}}),
    );
    run(
        &s,
        "alice",
        json!({"op": "add_member", "org": "team", "body": {"user_id": "carol", "role": "viewer"}}),
    );
    run(
        &s,
        "alice",
        json!({"op": "create_entity", "kind": "applications", "body": {"id": "app", "name": "App", "organization_id": "team"}}),
    );
    run(
        &s,
        "alice",
        json!({"op": "set_collaborator", "kind": "applications", "id": "app", "body": {"user_id": "dave", "rights": ["RIGHT_APPLICATION_INFO"]}}),
    );
    run(
        &s,
        "alice",
        json!({"op": "create_key", "owner": {"kind": "organization", "id": "team"}, "body": {"name": "ci", "rights": ["RIGHT_APPLICATION_INFO", "RIGHT_APPLICATION_DEVICES_READ"]}, "key": {"id": "KEYTEAMAAAAAAAAA", "secret_sha256": "x"}}),
    );
    run(
        &s,
        "carol",
        json!({"op": "create_key", "owner": {"kind": "user", "id": "carol"}, "body": {"name": "mine", "rights": ["RIGHT_APPLICATION_INFO"]}, "key": {"id": "KEYCAROLAAAAAAAA", "secret_sha256": "x"}}),
    );
    flows(&s);
    s
}

/// The flows' part of the world: registration on, a pending organization,
/// a deleted organization and user, open invitations.
fn flows(s: &MemoryStore) {
    run(
        s,
        "root",
        json!({"op": "update_settings", "body": {"org_registration_enabled": true}}),
    );
    run(
        s,
        "dave",
        json!({"op": "register_org", "body": {"id": "waiting", "name": "Waiting"}}),
    );
    run(
        s,
        "erin",
        json!({"op": "create_org", "body": {"id": "old", "name": "Old"}}),
    );
    run(s, "erin", json!({"op": "delete_org", "org": "old"}));
    run(s, "root", json!({"op": "delete_user", "user": "gina"}));
    run(
        s,
        "alice",
        json!({"op": "invite_to_org", "org": "team", "body": {"email": "zoe@acme.example", "role": "member"}, "token": token(1)}),
    );
    run(
        s,
        "alice",
        json!({"op": "invite_to_org", "org": "team", "body": {"email": "erin@acme.example", "role": "admin"}, "token": token(2)}),
    );
    run(
        s,
        "root",
        json!({"op": "invite_to_tenant", "body": {"email": "new@acme.example"}, "token": token(3)}),
    );
}

/// Every command, with who runs it: each variant of [`Command`] at least once.
fn commands() -> Vec<(&'static str, serde_json::Value)> {
    let hash =
        "$pbkdf2-sha256$i=10000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    vec![
        (
            "",
            json!({"op": "create_tenant", "password_hash": hash, "body": {"id": "newco", "name": "New", "admin": {"id": "boss", "email": "b@n.example", "password": ""}}}),
        ),
        (
            "dave",
            json!({"op": "create_org", "body": {"id": "dave-team", "name": "D"}}),
        ),
        (
            "alice",
            json!({"op": "update_org", "org": "team", "body": {"name": "Team Alpha"}}),
        ),
        ("alice", json!({"op": "delete_org", "org": "team"})),
        (
            "alice",
            json!({"op": "add_member", "org": "team", "body": {"user_id": "dave", "role": "member"}}),
        ),
        (
            "alice",
            json!({"op": "add_member", "org": "team", "body": {"user_id": "erin", "rights": ["RIGHT_ORGANIZATION_INFO", "RIGHT_APPLICATION_ALL"]}}),
        ),
        (
            "alice",
            json!({"op": "update_member", "org": "team", "user": "bob", "body": {"role": "member"}}),
        ),
        (
            "alice",
            json!({"op": "update_member", "org": "team", "user": "carol", "body": {"role": "admin"}}),
        ),
        (
            "alice",
            json!({"op": "remove_member", "org": "team", "user": "carol"}),
        ),
        (
            "carol",
            json!({"op": "remove_member", "org": "team", "user": "carol"}),
        ),
        (
            "alice",
            json!({"op": "create_role", "org": "team", "body": {"id": "auditor", "rights": ["RIGHT_ORGANIZATION_INFO"]}}),
        ),
        (
            "alice",
            json!({"op": "update_role", "org": "team", "role": "viewer", "body": {"rights": ["RIGHT_ORGANIZATION_INFO"]}}),
        ),
        (
            "alice",
            json!({"op": "delete_role", "org": "team", "role": "viewer"}),
        ),
        (
            "alice",
            json!({"op": "create_key", "owner": {"kind": "organization", "id": "team"}, "body": {"name": "new", "rights": ["RIGHT_APPLICATION_INFO"]}, "key": {"id": "KEYNEWAAAAAAAAAA", "secret_sha256": "y"}}),
        ),
        (
            "alice",
            json!({"op": "update_key", "owner": {"kind": "organization", "id": "team"}, "id": "KEYTEAMAAAAAAAAA", "body": {"rights": ["RIGHT_APPLICATION_INFO"]}}),
        ),
        (
            "alice",
            json!({"op": "delete_key", "owner": {"kind": "organization", "id": "team"}, "id": "KEYTEAMAAAAAAAAA"}),
        ),
        (
            "root",
            json!({"op": "create_user", "password_hash": hash, "body": {"id": "frank"}}),
        ),
        (
            "root",
            json!({"op": "update_user", "user": "carol", "body": {"state": "suspended"}}),
        ),
        (
            "root",
            json!({"op": "update_user", "user": "bob", "body": {"admin": true}}),
        ),
        ("root", json!({"op": "delete_user", "user": "carol"})),
        (
            "root",
            json!({"op": "update_settings", "body": {"token_ttl_seconds": 600}}),
        ),
        (
            "alice",
            json!({"op": "create_entity", "kind": "applications", "body": {"id": "app2", "name": "App 2", "organization_id": "team"}}),
        ),
        (
            "alice",
            json!({"op": "update_entity", "kind": "applications", "id": "app", "body": {"name": "App!"}}),
        ),
        (
            "alice",
            json!({"op": "delete_entity", "kind": "applications", "id": "app"}),
        ),
        (
            "alice",
            json!({"op": "set_collaborator", "kind": "applications", "id": "app", "body": {"organization_id": "other", "rights": ["RIGHT_APPLICATION_INFO"]}}),
        ),
        (
            "alice",
            json!({"op": "set_collaborator", "kind": "applications", "id": "app", "body": {"user_id": "dave", "rights": ["RIGHT_APPLICATION_INFO", "RIGHT_APPLICATION_DEVICES_READ"]}}),
        ),
        (
            "alice",
            json!({"op": "remove_collaborator", "kind": "applications", "id": "app", "who": {"kind": "user", "id": "dave"}}),
        ),
    ]
    .into_iter()
    .chain(flow_commands(hash))
    .collect()
}

/// The flows' commands.
fn flow_commands(hash: &'static str) -> Vec<(&'static str, serde_json::Value)> {
    let team = json!({"kind": "organization", "id": "team"});
    let first = record::id(
        NOW - 10_000,
        &["invitation", &token(1).id, &token(1).secret_sha256],
    );
    vec![
        (
            "dave",
            json!({"op": "register_org", "body": {"id": "dave-reg", "name": "Mine"}}),
        ),
        ("root", json!({"op": "approve_org", "org": "waiting"})),
        (
            "root",
            json!({"op": "reject_org", "org": "waiting", "body": {"reason": "not now"}}),
        ),
        ("root", json!({"op": "restore_org", "org": "old"})),
        ("root", json!({"op": "purge_org", "org": "team"})),
        ("root", json!({"op": "purge_org", "org": "other"})),
        ("root", json!({"op": "restore_user", "user": "gina"})),
        ("root", json!({"op": "purge_user", "user": "carol"})),
        ("root", json!({"op": "purge_user", "user": "bob"})),
        (
            "alice",
            json!({"op": "invite_to_org", "org": "team", "body": {"email": "yan@acme.example", "role": "viewer"}, "token": token(4)}),
        ),
        (
            "root",
            json!({"op": "invite_to_tenant", "body": {"email": "more@acme.example", "first_name": "M"}, "token": token(5)}),
        ),
        (
            "alice",
            json!({"op": "revoke_invitation", "scope": team, "id": token(1).id}),
        ),
        (
            "alice",
            json!({"op": "resend_invitation", "org": "team", "token": NewToken::for_id(&token(1).id, &[42; 32])}),
        ),
        (
            "anon",
            json!({"op": "accept_invitation", "token": token(1).token, "register": {"id": "zoe"}, "password_hash": hash}),
        ),
        (
            "erin",
            json!({"op": "accept_invitation", "token": token(2).token, "register": null, "password_hash": null}),
        ),
        (
            "anon",
            json!({"op": "accept_invitation", "token": token(3).token, "register": {"id": "newbie", "first_name": "N"}, "password_hash": hash}),
        ),
        (
            "alice",
            json!({"op": "remove_member", "org": "team", "user": "bob"}),
        ),
        (
            "anon",
            json!({"op": "mark_undelivered", "notification": first, "channel": "webhook"}),
        ),
    ]
}

type Snapshot = BTreeMap<String, RightSet>;

/// Everything that grants rights in a store, expanded: users' admin flags
/// and memberships (of active users in live organizations), entities'
/// grants, API keys (of live owners), and each user's effective rights on
/// each entity.
fn snapshot(s: &MemoryStore) -> Snapshot {
    let tenant = t();
    let mut out = Snapshot::new();
    let mut members = BTreeMap::new();
    for u in USERS {
        let uid = UserId::new(*u).unwrap();
        let p = block_on(principal(s, &tenant, &uid)).unwrap();
        if p.active && p.admin {
            out.insert(format!("admin {u}"), RightSet::EVERYTHING);
        }
        for (o, r) in &p.organizations {
            out.insert(format!("member {u} {o}"), r.implied());
        }
        members.insert(*u, p);
    }
    for app in APPS {
        let g = block_on(grants(s, &tenant, EntityKind::Applications, app)).unwrap();
        for (u, r) in &g.users {
            out.insert(format!("grant {app} u {u}"), r.implied());
        }
        for (o, r) in &g.organizations {
            out.insert(format!("grant {app} o {o}"), r.implied());
        }
        let eg = g.grants();
        for (u, p) in &members {
            if !p.active {
                continue;
            }
            let subject = Subject::new(
                Principal::User(UserId::new(*u).unwrap()),
                p.memberships(),
                false,
                None,
            );
            let r = subject.rights_on(&eg);
            if !r.is_empty() {
                out.insert(format!("rights {u} {app}"), r);
            }
        }
    }
    for id in ["KEYTEAMAAAAAAAAA", "KEYCAROLAAAAAAAA", "KEYNEWAAAAAAAAAA"] {
        if let Some(k) = block_on(api_key(s, &tenant, id)).unwrap() {
            let live = match &k.owner {
                OwnerFact::Organization { live, .. } => *live,
                OwnerFact::User { principal, .. } => principal.active,
            };
            if live {
                out.insert(format!("key {id}"), k.key.rights.implied());
            }
        }
    }
    out
}

/// What `prefix` grants beyond both `before` and `after`, by entry.
fn extra(prefix: &Snapshot, before: &Snapshot, after: &Snapshot) -> Vec<String> {
    prefix
        .iter()
        .filter_map(|(k, r)| {
            let allowed = before
                .get(k)
                .copied()
                .unwrap_or(RightSet::EMPTY)
                .union(after.get(k).copied().unwrap_or(RightSet::EMPTY));
            let beyond = r.difference(allowed);
            (!beyond.is_empty()).then(|| format!("{k}: {:?}", beyond.names()))
        })
        .collect()
}

/// Users whose rights `now` lost against `before` (a membership or the
/// admin flag narrowed or gone) — their tokens must be revoked already.
fn narrowed<'a>(now: &Snapshot, before: &'a Snapshot) -> Vec<&'a str> {
    before
        .iter()
        .filter(|(k, _)| k.starts_with("member ") || k.starts_with("admin "))
        .filter(|(k, r)| {
            !now.get(*k)
                .copied()
                .unwrap_or(RightSet::EMPTY)
                .includes_all(**r)
        })
        .filter_map(|(k, _)| k.split(' ').nth(1))
        .collect()
}

/// The proper, non-empty subsets of a run of `n` writes to check: all of
/// them up to 10 writes; beyond, every single write, every run less one,
/// and 256 drawn by a fixed generator (a purge's run can hold dozens).
fn subsets(n: usize) -> Vec<u64> {
    let full = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
    if n <= 10 {
        return (1..full).collect();
    }
    let mut out: Vec<u64> = (0..n)
        .flat_map(|i| [1u64 << i, full & !(1u64 << i)])
        .collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..256 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let m = x & full;
        if m != 0 && m != full {
            out.push(m);
        }
    }
    out
}

#[test]
fn every_prefix_of_every_plan_grants_nothing_extra_and_revokes_first() {
    let base = world();
    let before = snapshot(&base);
    let tenant = t();
    let mut variants = std::collections::BTreeSet::new();
    for (who, c) in commands() {
        let command = cmd(c.clone());
        variants.insert(c["op"].as_str().unwrap().to_owned());
        let caller = if who.is_empty() {
            Caller::anonymous()
        } else {
            caller(who)
        };
        let tenant_of = if who.is_empty() {
            TenantId::new("newco").unwrap()
        } else {
            tenant.clone()
        };
        let ctx = Ctx {
            store: &base,
            tenant: &tenant_of,
            now_ms: NOW,
            caller: &caller,
        };
        let (_, p) = block_on(plan(&ctx, command)).unwrap_or_else(|e| panic!("{c}: {e}"));
        assert!(!p.is_empty(), "{c}: plans writes");
        let full = base.fork();
        block_on(commit(&full, &p)).unwrap();
        let after = snapshot(&full);
        // What a writer that stopped anywhere leaves behind, and what the
        // KV mirror shows while it applies a run at once: every subset of
        // each run on top of the runs before it.
        let mut states: Vec<(String, Plan)> = (0..=p.len())
            .map(|k| (format!("prefix {k}"), p.prefix(k)))
            .collect();
        let mut start = 0;
        for n in runs(p.writes(), 64) {
            for mask in subsets(n) {
                let subset = p.writes()[start..start + n]
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, w)| w.clone());
                let partial = p.writes()[..start].iter().cloned().chain(subset);
                states.push((
                    format!("run at {start}, subset {mask:b}"),
                    partial.collect(),
                ));
            }
            start += n;
        }
        for (label, partial) in states {
            let s = base.fork();
            block_on(commit(&s, &partial)).unwrap();
            let now = snapshot(&s);
            let beyond = extra(&now, &before, &after);
            assert!(
                beyond.is_empty(),
                "{c}\n{label} of {}: grants {beyond:?}",
                p.len()
            );
            let ep = block_on(epochs(&s, &tenant)).unwrap();
            for user in narrowed(&now, &before) {
                let orgs: Vec<OrgId> = ORGS.iter().map(|o| OrgId::new(*o).unwrap()).collect();
                assert!(
                    ep.revokes(Some(user), &orgs, NOW.div_euclid(1000))
                        || ep.revokes(Some(user), [], NOW.div_euclid(1000)),
                    "{c}\n{label} of {}: {user} lost rights before its tokens were revoked",
                    p.len()
                );
            }
        }
    }
    // Every command variant is covered.
    let all = [
        "create_tenant",
        "create_org",
        "update_org",
        "delete_org",
        "add_member",
        "update_member",
        "remove_member",
        "create_role",
        "update_role",
        "delete_role",
        "create_key",
        "update_key",
        "delete_key",
        "create_user",
        "update_user",
        "delete_user",
        "update_settings",
        "create_entity",
        "update_entity",
        "delete_entity",
        "set_collaborator",
        "remove_collaborator",
        "register_org",
        "approve_org",
        "reject_org",
        "restore_org",
        "purge_org",
        "restore_user",
        "purge_user",
        "invite_to_org",
        "invite_to_tenant",
        "revoke_invitation",
        "resend_invitation",
        "accept_invitation",
        "mark_undelivered",
    ];
    for v in all {
        assert!(variants.contains(v), "{v} not exercised");
    }
}

#[test]
fn a_plan_writes_nothing_until_committed() {
    let base = world();
    let before = base.keys();
    let calls = base.calls();
    let tenant = t();
    let alice = caller("alice");
    let ctx = Ctx {
        store: &base,
        tenant: &tenant,
        now_ms: NOW,
        caller: &alice,
    };
    for (_, c) in commands().into_iter().filter(|(w, _)| *w == "alice") {
        let (_, p) = block_on(plan(&ctx, cmd(c))).unwrap();
        assert!(!p.is_empty());
    }
    assert_eq!(base.keys(), before);
    assert_eq!(
        (base.calls().puts, base.calls().deletes),
        (calls.puts, calls.deletes)
    );
}
