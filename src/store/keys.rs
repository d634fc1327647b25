//! The key layout, in one place. Every key starts with `t/<tenant>/`, every
//! component is a validated identifier (no `/` inside), so keys are
//! unambiguous and each access pattern is one `get` or one prefix listing:
//!
//! | key | value | serves |
//! |---|---|---|
//! | `t/<t>/tenant` | tenant record | the tenant |
//! | `t/<t>/settings` | settings | self-registration, approval, lifetimes |
//! | `t/<t>/id/<id>` | `user` or `organization` | the shared user/org namespace, IDs reserved after soft delete; read by the writer only (not mirrored to KV) |
//! | `t/<t>/u/<user>` | user record; metadata: name, state, admin, deleted | a user by ID; all users (listing) |
//! | `t/<t>/o/<org>` | organization record; metadata: name, state, deleted | an org by ID; all orgs (listing) |
//! | `t/<t>/m/<org>/<user>` | membership (role or rights) | the members of an org (listing) |
//! | `t/<t>/um/<user>/<org>` | role; metadata: role | the orgs of a user (listing) |
//! | `t/<t>/r/<org>/<role>` | custom role | the roles of an org (listing) |
//! | `t/<t>/pw/<user>` | password hash (PHC string) | sign-in; never part of a user record or listing |
//! | `t/<t>/e/<kind>/<id>` | entity record; metadata: name | an application, gateway or client; all of a kind (listing) |
//! | `t/<t>/c/<kind>/<id>/<u or o>/<collaborator>` | rights; metadata: rights as a 64-bit number | an entity's collaborators: one listing, no reads |
//! | `t/<t>/ce/<u or o>/<collaborator>/<kind>/<id>` | empty | the entities of a user or organization (listing) |
//! | `t/<t>/k/<key id>` | API key (rights, owner, SHA-256 of the secret) | a presented key: one get |
//! | `t/<t>/ko/<organization or user>/<owner>/<key id>` | empty | an owner's keys (listing) |
//! | `t/<t>/rv/<u or o>/<id>` | revocation epoch (Unix seconds), also as metadata; expires after the longest token lifetime | tokens issued before it stop passing: the whole tenant's epochs in one listing |
//! | `t/<t>/iv/<invitation id>` | invitation (scope, email, role, state, expiry, SHA-256 of the token's secret); expires 30 days after the invitation | a presented invitation token: one get |
//! | `t/<t>/oi/<org>/<invitation id>` | empty; same lifetime | an organization's invitations (listing) |
//! | `t/<t>/ti/<invitation id>` | empty; same lifetime | the tenant's invitations (listing) |
//! | `t/<t>/n/<notification id>` | notification (kind, recipients, data; never a token); expires after 30 days | the outbox, oldest first (listing) |
//!
//! Written in an order that never grants more than intended when a write
//! sequence stops half-way: see docs/store.md.

use crate::core::ids::{OrgId, RoleId, TenantId, UserId};

/// Prefix of everything of one tenant.
pub fn tenant_prefix(t: &TenantId) -> String {
    format!("t/{t}/")
}

/// The tenant record.
pub fn tenant(t: &TenantId) -> String {
    format!("t/{t}/tenant")
}

/// The tenant's settings.
pub fn settings(t: &TenantId) -> String {
    format!("t/{t}/settings")
}

/// Whether only the tenant's writer reads `key`: the Durable Object keeps
/// it and does not mirror it to KV, whose copy serves the edge's reads.
pub fn writer_only(key: &str) -> bool {
    key.strip_prefix("t/")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(_, rest)| rest.starts_with("id/"))
}

/// An invitation.
pub fn invitation(t: &TenantId, id: &str) -> String {
    format!("t/{t}/iv/{id}")
}

/// Prefix of an organization's invitation index.
pub fn org_invitations(t: &TenantId, o: &OrgId) -> String {
    format!("t/{t}/oi/{o}/")
}

/// Prefix of the tenant's invitation index.
pub fn tenant_invitations(t: &TenantId) -> String {
    format!("t/{t}/ti/")
}

/// Prefix of the outbox.
pub fn notifications(t: &TenantId) -> String {
    format!("t/{t}/n/")
}

/// The namespace entry of a user or organization ID.
pub fn id(t: &TenantId, id: &str) -> String {
    format!("t/{t}/id/{id}")
}

/// A user record.
pub fn user(t: &TenantId, u: &UserId) -> String {
    format!("t/{t}/u/{u}")
}

/// Prefix of all user records.
pub fn users(t: &TenantId) -> String {
    format!("t/{t}/u/")
}

/// An organization record.
pub fn org(t: &TenantId, o: &OrgId) -> String {
    format!("t/{t}/o/{o}")
}

/// Prefix of all organization records.
pub fn orgs(t: &TenantId) -> String {
    format!("t/{t}/o/")
}

/// A membership: the grant itself.
pub fn member(t: &TenantId, o: &OrgId, u: &UserId) -> String {
    format!("t/{t}/m/{o}/{u}")
}

/// Prefix of an organization's memberships.
pub fn members(t: &TenantId, o: &OrgId) -> String {
    format!("t/{t}/m/{o}/")
}

/// The reverse index entry: `u` is a member of `o` (grants nothing by itself).
pub fn user_org(t: &TenantId, u: &UserId, o: &OrgId) -> String {
    format!("t/{t}/um/{u}/{o}")
}

/// Prefix of a user's organizations.
pub fn user_orgs(t: &TenantId, u: &UserId) -> String {
    format!("t/{t}/um/{u}/")
}

/// A custom role of an organization.
pub fn role(t: &TenantId, o: &OrgId, r: &RoleId) -> String {
    format!("t/{t}/r/{o}/{r}")
}

/// Prefix of an organization's custom roles.
pub fn roles(t: &TenantId, o: &OrgId) -> String {
    format!("t/{t}/r/{o}/")
}

/// A user's password hash.
pub fn password(t: &TenantId, u: &UserId) -> String {
    format!("t/{t}/pw/{u}")
}

/// An entity record (`kind` is `applications`, `gateways` or `clients`).
pub fn entity(t: &TenantId, kind: &str, id: &str) -> String {
    format!("t/{t}/e/{kind}/{id}")
}

/// Prefix of all entities of a kind.
pub fn entities(t: &TenantId, kind: &str) -> String {
    format!("t/{t}/e/{kind}/")
}

/// A collaborator of an entity (`who` is `u` or `o`).
pub fn collaborator(t: &TenantId, kind: &str, id: &str, who: &str, collaborator: &str) -> String {
    format!("t/{t}/c/{kind}/{id}/{who}/{collaborator}")
}

/// Prefix of an entity's collaborators.
pub fn collaborators(t: &TenantId, kind: &str, id: &str) -> String {
    format!("t/{t}/c/{kind}/{id}/")
}

/// Reverse index: `collaborator` (`who` is `u` or `o`) collaborates on an entity.
pub fn collaborates(t: &TenantId, who: &str, collaborator: &str, kind: &str, id: &str) -> String {
    format!("t/{t}/ce/{who}/{collaborator}/{kind}/{id}")
}

/// Prefix of the entities of one kind a user or organization collaborates on.
pub fn collaborations(t: &TenantId, who: &str, collaborator: &str, kind: &str) -> String {
    format!("t/{t}/ce/{who}/{collaborator}/{kind}/")
}

/// An API key record.
pub fn api_key(t: &TenantId, id: &str) -> String {
    format!("t/{t}/k/{id}")
}

/// Prefix of an owner's API keys (`kind` is `organization` or `user`).
pub fn owner_api_keys(t: &TenantId, kind: &str, owner: &str) -> String {
    format!("t/{t}/ko/{kind}/{owner}/")
}

/// A revocation epoch of a user (`u`) or an organization (`o`).
pub fn revocation(t: &TenantId, kind: &str, id: &str) -> String {
    format!("t/{t}/rv/{kind}/{id}")
}

/// Prefix of every revocation epoch of a tenant.
pub fn revocations(t: &TenantId) -> String {
    format!("t/{t}/rv/")
}

/// The last path component of a listed key (the ID it is about).
pub fn last_component(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let t = TenantId::new("acme").unwrap();
        let o = OrgId::new("team-a").unwrap();
        let u = UserId::new("alice").unwrap();
        assert_eq!(member(&t, &o, &u), "t/acme/m/team-a/alice");
        assert!(member(&t, &o, &u).starts_with(&members(&t, &o)));
        assert!(user_org(&t, &u, &o).starts_with(&user_orgs(&t, &u)));
        assert!(org(&t, &o).starts_with(&orgs(&t)));
        assert_eq!(last_component(&user_org(&t, &u, &o)), "team-a");
        // A prefix never matches another ID that merely starts the same way.
        let o2 = OrgId::new("team-ab").unwrap();
        assert!(!member(&t, &o2, &u).starts_with(&members(&t, &o)));
    }

    #[test]
    fn only_the_id_namespace_stays_with_the_writer() {
        let t = TenantId::new("id").unwrap();
        let u = UserId::new("id").unwrap();
        assert!(writer_only(&id(&t, "alice")));
        for k in [user(&t, &u), tenant(&t), settings(&t), password(&t, &u)] {
            assert!(!writer_only(&k), "{k}");
        }
    }
}
