//! The flows on the in-memory store (docs/flows.md): invitations and their
//! tokens' every fate, self-registration with approval, restore within the
//! window, purge, and the notifications each of them plans. The built
//! worker runs the same flows end to end in tests/worker/flows.test.mjs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use orgwarden::admin::command::{plan, query, Command, Done, Query};
use orgwarden::admin::{AdminError, Caller, Ctx, Paging};
use orgwarden::core::ids::{TenantId, UserId};
use orgwarden::model::invitation::{NewToken, Scope};
use orgwarden::notify::message::Notice;
use orgwarden::notify::record::Kind;
use orgwarden::store::memory::{block_on, MemoryStore};
use orgwarden::store::plan::commit;
use serde_json::{json, Value};

const NOW: i64 = 1_800_000_000_000;
const HOUR: i64 = 3_600_000;
const HASH: &str =
    "$pbkdf2-sha256$i=10000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

struct World {
    store: MemoryStore,
    tenant: TenantId,
    /// Notices of every committed write, in order.
    sent: std::cell::RefCell<Vec<Notice>>,
    seed: std::cell::Cell<u8>,
}

fn who(id: &str) -> Caller {
    match id {
        "anon" => Caller::anonymous(),
        _ => Caller::for_user(UserId::new(id).unwrap(), id == "root"),
    }
}

impl World {
    fn new() -> World {
        let w = World {
            store: MemoryStore::new(),
            tenant: TenantId::new("acme").unwrap(),
            sent: Default::default(),
            seed: std::cell::Cell::new(1),
        };
        w.ok(
            "anon",
            json!({"op": "create_tenant", "password_hash": HASH,
                "body": {"id": "acme", "name": "Acme", "admin": {"id": "root", "email": "root@acme.example", "password": ""}}}),
        );
        for u in ["alice", "bob", "carol", "dave"] {
            w.ok(
                "root",
                json!({"op": "create_user", "password_hash": HASH, "body": {"id": u, "email": format!("{u}@acme.example")}}),
            );
        }
        w.ok(
            "alice",
            json!({"op": "create_org", "body": {"id": "team", "name": "Team"}}),
        );
        w.ok(
            "alice",
            json!({"op": "add_member", "org": "team", "body": {"user_id": "bob", "role": "admin"}}),
        );
        w
    }

    fn at(&self, who_: &str, now_ms: i64, c: Value) -> Result<Done, AdminError> {
        let caller = who(who_);
        let ctx = Ctx {
            store: &self.store,
            tenant: &self.tenant,
            now_ms,
            caller: &caller,
        };
        let command: Command = common::command(c);
        let (done, p) = block_on(plan(&ctx, command))?;
        block_on(commit(&self.store, &p)).unwrap();
        self.sent.borrow_mut().extend(p.notices().iter().cloned());
        Ok(done)
    }

    fn run(&self, who_: &str, c: Value) -> Result<Done, AdminError> {
        self.at(who_, NOW, c)
    }

    fn ok(&self, who_: &str, c: Value) -> Value {
        let shown = c.to_string();
        self.run(who_, c)
            .unwrap_or_else(|e| panic!("{shown}: {e}"))
            .body
            .unwrap_or(Value::Null)
    }

    fn code(&self, who_: &str, c: Value) -> String {
        self.run(who_, c).map_or_else(
            |e| format!("{} {}", e.status, e.code),
            |d| d.status.to_string(),
        )
    }

    fn read(&self, who_: &str, q: Query) -> Result<Done, AdminError> {
        let caller = who(who_);
        let ctx = Ctx {
            store: &self.store,
            tenant: &self.tenant,
            now_ms: NOW,
            caller: &caller,
        };
        block_on(query(&ctx, q))
    }

    /// A fresh token, drawn as the HTTP layer would.
    fn token(&self) -> NewToken {
        let n = self.seed.get();
        self.seed.set(n + 1);
        NewToken::draw(&[n; 10], &[n.wrapping_mul(7); 32])
    }

    fn invite(&self, by: &str, email: &str, role: &str) -> NewToken {
        let t = self.token();
        self.ok(
            by,
            json!({"op": "invite_to_org", "org": "team", "body": {"email": email, "role": role}, "token": t}),
        );
        t
    }

    fn last(&self) -> Notice {
        self.sent.borrow().last().cloned().unwrap()
    }
}

fn accept_new(token: &NewToken, id: &str) -> Value {
    json!({"op": "accept_invitation", "token": token.token, "register": {"id": id}, "password_hash": HASH})
}

fn accept_signed_in(token: &NewToken) -> Value {
    json!({"op": "accept_invitation", "token": token.token, "register": null, "password_hash": null})
}

#[test]
fn an_invitation_registers_a_new_person_into_the_role_once() {
    let w = World::new();
    let t = w.invite("alice", "erin@acme.example", "member");
    // The token goes out in the notice only; the outbox keeps the rest.
    let n = w.last();
    assert_eq!(n.notification.kind, Kind::Invitation);
    assert_eq!(n.notification.to, ["erin@acme.example"]);
    assert_eq!(
        n.token.as_ref().map(|s| s.expose().to_owned()),
        Some(t.token.expose().to_owned())
    );
    assert_eq!(n.notification.data["organization_name"], "Team");
    let outbox = w
        .read("root", Query::ListNotifications(Paging::default()))
        .unwrap();
    assert!(!outbox.body.unwrap().to_string().contains(t.token.expose()));

    let accepted = w.ok("anon", accept_new(&t, "erin"));
    assert_eq!(accepted["user"]["email"], "erin@acme.example");
    assert_eq!(accepted["membership"]["role"], "member");
    assert_eq!(accepted["invitation"]["state"], "accepted");
    // Used: once only, by anyone.
    assert_eq!(
        w.code("anon", accept_new(&t, "erin2")),
        "409 invitation_used"
    );
    assert_eq!(w.code("erin", accept_signed_in(&t)), "409 invitation_used");
    // The member is there once; the ID is taken.
    let members = w
        .read(
            "alice",
            Query::ListMembers("team".parse().unwrap(), Paging::default()),
        )
        .unwrap();
    assert_eq!(members.total, Some(3));
}

#[test]
fn every_fate_of_a_token_has_its_own_code() {
    let w = World::new();
    let unknown = w.token();
    assert_eq!(
        w.code("anon", accept_new(&unknown, "x1")),
        "404 invitation_not_found"
    );
    let mut forged = w.invite("alice", "f@acme.example", "member");
    forged.token = orgwarden::auth::Secret::new(format!("OWI.{}.{}", forged.id, "A".repeat(52)));
    assert_eq!(
        w.code("anon", accept_new(&forged, "x2")),
        "404 invitation_not_found"
    );
    forged.token = orgwarden::auth::Secret::new("not a token");
    assert_eq!(
        w.code("anon", accept_new(&forged, "x2")),
        "404 invitation_not_found"
    );

    let revoked = w.invite("alice", "r@acme.example", "member");
    let team = json!({"kind": "organization", "id": "team"});
    w.ok(
        "bob",
        json!({"op": "revoke_invitation", "scope": team, "id": revoked.id}),
    );
    assert_eq!(
        w.code("anon", accept_new(&revoked, "x3")),
        "410 invitation_revoked"
    );
    assert_eq!(
        w.code(
            "bob",
            json!({"op": "revoke_invitation", "scope": team, "id": revoked.id})
        ),
        "404 invitation_not_found"
    );

    let expiring = w.invite("alice", "e@acme.example", "member");
    let later = w.at("anon", NOW + 7 * 24 * HOUR, accept_new(&expiring, "x4"));
    assert_eq!(later.unwrap_err().code, "invitation_expired");
    // Expired invitations stay listed (to be resent), revoked ones do not.
    let listed = w
        .read(
            "alice",
            Query::ListInvitations(
                Scope::Organization("team".parse().unwrap()),
                Paging::default(),
            ),
        )
        .unwrap();
    let body = listed.body.unwrap().to_string();
    assert!(
        body.contains("e@acme.example") && !body.contains("r@acme.example"),
        "{body}"
    );
}

#[test]
fn a_resend_kills_the_old_token_and_renews_the_expiry() {
    let w = World::new();
    let old = w.invite("alice", "erin@acme.example", "member");
    let new = NewToken::for_id(&old.id, &[99; 32]);
    let later = NOW + 6 * 24 * HOUR;
    let resent = w
        .at(
            "bob",
            later,
            json!({"op": "resend_invitation", "org": "team", "token": new}),
        )
        .unwrap()
        .body
        .unwrap();
    assert_eq!(w.last().notification.kind, Kind::InvitationResent);
    assert!(resent["expires_at"].as_str().unwrap() > "2027-01-22");
    assert_eq!(
        w.at("anon", later, accept_new(&old, "erin"))
            .unwrap_err()
            .code,
        "invitation_not_found"
    );
    // Valid past the first expiry.
    let accepted = w.at("anon", NOW + 8 * 24 * HOUR, accept_new(&new, "erin"));
    assert_eq!(accepted.unwrap().status, 200);
}

#[test]
fn inviting_needs_member_management_and_the_role_in_hand() {
    let w = World::new();
    let t = w.token();
    let invite = |by: &str, email: &str, role: &str, t: &NewToken| {
        w.code(
            by,
            json!({"op": "invite_to_org", "org": "team", "body": {"email": email, "role": role}, "token": t}),
        )
    };
    assert_eq!(
        invite("carol", "x@acme.example", "member", &t),
        "403 insufficient_rights"
    );
    // An admin cannot invite owners.
    assert_eq!(
        invite("bob", "x@acme.example", "owner", &t),
        "403 insufficient_rights"
    );
    assert_eq!(
        invite("bob", "x@acme.example", "nope", &t),
        "400 unknown_role"
    );
    assert_eq!(
        invite("bob", "not-an-address", "member", &t),
        "400 invalid_request"
    );
    assert_eq!(invite("bob", "x@acme.example", "member", &t), "201");
    let again = w.token();
    assert_eq!(
        invite("bob", "X@acme.example", "member", &again),
        "409 invitation_exists"
    );
}

#[test]
fn a_signed_in_invitee_joins_with_its_own_address_only() {
    let w = World::new();
    let t = w.invite("alice", "carol@acme.example", "member");
    assert_eq!(
        w.code("dave", accept_signed_in(&t)),
        "403 invitation_email_mismatch"
    );
    let joined = w.ok("carol", accept_signed_in(&t));
    assert_eq!(joined["user"]["id"], "carol");
    let t2 = w.invite("alice", "bob@acme.example", "member");
    assert_eq!(w.code("bob", accept_signed_in(&t2)), "409 already_member");
    let tenant = w.token();
    w.ok(
        "root",
        json!({"op": "invite_to_tenant", "body": {"email": "dave@acme.example"}, "token": tenant}),
    );
    assert_eq!(
        w.code("dave", accept_signed_in(&tenant)),
        "409 already_registered"
    );
    // A new person registers with a tenant invitation, into no organization.
    let newbie = w.token();
    w.ok(
        "root",
        json!({"op": "invite_to_tenant", "body": {"email": "new@acme.example", "first_name": "New"}, "token": newbie}),
    );
    assert_eq!(w.last().notification.kind, Kind::TenantInvitation);
    let r = w.ok("anon", accept_new(&newbie, "newbie"));
    assert_eq!(
        (r["user"]["first_name"].as_str(), r.get("membership")),
        (Some("New"), None)
    );
    assert_eq!(
        w.code(
            "anon",
            accept_new(&w.invite("alice", "z@acme.example", "member"), "alice")
        ),
        "409 id_taken"
    );
    assert_eq!(w.code("bob", json!({"op": "invite_to_tenant", "body": {"email": "q@acme.example"}, "token": w.token()})), "403 insufficient_rights");
}

#[test]
fn self_registration_waits_for_approval_and_each_outcome_is_told() {
    let w = World::new();
    let register = |id: &str| json!({"op": "register_org", "body": {"id": id, "name": "Mine"}});
    assert_eq!(
        w.code("dave", register("dave-co")),
        "403 registration_disabled"
    );
    w.ok(
        "root",
        json!({"op": "update_settings", "body": {"org_registration_enabled": true}}),
    );
    let org = w.ok("dave", register("dave-co"));
    assert_eq!(org["state"], "pending");
    let asked = w.last();
    assert_eq!(asked.notification.kind, Kind::RegistrationRequested);
    assert_eq!(asked.notification.to, ["root@acme.example"]);
    // Pending: no invitations, no rights for its owner.
    assert_eq!(
        w.code("dave", json!({"op": "invite_to_org", "org": "dave-co", "body": {"email": "a@b.example", "role": "member"}, "token": w.token()})),
        "403 insufficient_rights"
    );
    assert_eq!(
        w.code("dave", json!({"op": "approve_org", "org": "dave-co"})),
        "403 insufficient_rights"
    );
    let approved = w.ok("root", json!({"op": "approve_org", "org": "dave-co"}));
    assert_eq!(approved["state"], "approved");
    assert_eq!(w.last().notification.kind, Kind::OrganizationApproved);
    assert_eq!(w.last().notification.to, ["dave@acme.example"]);
    assert_eq!(
        w.code("root", json!({"op": "approve_org", "org": "dave-co"})),
        "409 organization_not_pending"
    );

    w.ok(
        "root",
        json!({"op": "update_settings", "body": {"org_registration_auto_approve": false}}),
    );
    w.ok("carol", register("carol-co"));
    let rejected = w.ok(
        "root",
        json!({"op": "reject_org", "org": "carol-co", "body": {"reason": "duplicate"}}),
    );
    assert_eq!(rejected["state"], "rejected");
    assert_eq!(w.last().notification.data["reason"], "duplicate");
    // Auto-approve: usable at once, nobody asked.
    w.ok(
        "root",
        json!({"op": "update_settings", "body": {"org_registration_auto_approve": true}}),
    );
    let sent = w.sent.borrow().len();
    assert_eq!(w.ok("bob", register("bob-co"))["state"], "approved");
    assert_eq!(w.sent.borrow().len(), sent);
}

#[test]
fn restore_within_the_window_and_purge_frees_the_id() {
    let w = World::new();
    w.ok("alice", json!({"op": "delete_org", "org": "team"}));
    assert_eq!(
        w.code("alice", json!({"op": "restore_org", "org": "team"})),
        "403 insufficient_rights"
    );
    let back = w.at(
        "root",
        NOW + 23 * HOUR,
        json!({"op": "restore_org", "org": "team"}),
    );
    assert!(back.unwrap().body.unwrap()["deleted_at"].is_null());
    assert_eq!(
        w.code("root", json!({"op": "restore_org", "org": "team"})),
        "409 not_deleted"
    );
    w.at("alice", NOW, json!({"op": "delete_org", "org": "team"}))
        .unwrap();
    let late = w.at(
        "root",
        NOW + 25 * HOUR,
        json!({"op": "restore_org", "org": "team"}),
    );
    assert_eq!(late.unwrap_err().code, "restore_window_passed");
    assert_eq!(
        w.code(
            "bob",
            json!({"op": "create_org", "body": {"id": "team", "name": "Again"}})
        ),
        "409 id_reserved"
    );
    w.ok("root", json!({"op": "purge_org", "org": "team"}));
    assert_eq!(
        w.code(
            "bob",
            json!({"op": "create_org", "body": {"id": "team", "name": "Again"}})
        ),
        "201"
    );
    let members = w
        .read(
            "bob",
            Query::ListMembers("team".parse().unwrap(), Paging::default()),
        )
        .unwrap();
    assert_eq!(
        members.total,
        Some(1),
        "bob's old admin membership went with the purge"
    );

    // Users: the last owner of a live organization is not purged.
    assert_eq!(
        w.code("root", json!({"op": "purge_user", "user": "bob"})),
        "409 organization_needs_owner"
    );
    w.ok("carol", json!({"op": "delete_user", "user": "carol"}));
    assert_eq!(
        w.ok("root", json!({"op": "restore_user", "user": "carol"}))["deleted_at"],
        Value::Null
    );
    w.ok("root", json!({"op": "purge_user", "user": "carol"}));
    assert_eq!(
        w.code(
            "root",
            json!({"op": "create_user", "password_hash": HASH, "body": {"id": "carol"}})
        ),
        "201"
    );
}

#[test]
fn a_removed_member_is_told_but_one_who_leaves_is_not() {
    let w = World::new();
    w.ok(
        "alice",
        json!({"op": "add_member", "org": "team", "body": {"user_id": "carol", "role": "member"}}),
    );
    let before = w.sent.borrow().len();
    w.ok(
        "carol",
        json!({"op": "remove_member", "org": "team", "user": "carol"}),
    );
    assert_eq!(w.sent.borrow().len(), before);
    w.ok(
        "alice",
        json!({"op": "add_member", "org": "team", "body": {"user_id": "carol", "role": "member"}}),
    );
    w.ok(
        "bob",
        json!({"op": "remove_member", "org": "team", "user": "carol"}),
    );
    let n = w.last().notification;
    assert_eq!(
        (n.kind, n.to.clone()),
        (Kind::MemberRemoved, vec!["carol@acme.example".to_owned()])
    );
    assert_eq!(n.data["removed_by"], "bob");
    // The outbox lists it first, to tenant admins only.
    let outbox = w
        .read("root", Query::ListNotifications(Paging::default()))
        .unwrap();
    assert_eq!(
        outbox.body.unwrap()["notifications"][0]["kind"],
        "member_removed"
    );
    assert_eq!(
        w.read("alice", Query::ListNotifications(Paging::default()))
            .unwrap_err()
            .code,
        "insufficient_rights"
    );
    // A dead letter marks the channel.
    w.ok(
        "anon",
        json!({"op": "mark_undelivered", "notification": n.id, "channel": "email"}),
    );
    let outbox = w
        .read("root", Query::ListNotifications(Paging::default()))
        .unwrap();
    assert_eq!(
        outbox.body.unwrap()["notifications"][0]["undelivered"],
        json!(["email"])
    );
}
