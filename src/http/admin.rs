//! The admin API's endpoints: each operation of the table taken apart into
//! a [`Command`] (a write) or a [`Query`] (a read), and a [`Done`] rendered
//! as the answer. Which store a write goes to is the adapter's business
//! ([`super::serve::Writer`]).

use super::extract::{self, Query as Params};
use super::message::{Request, Response};
use super::table::{Op, Params as PathParams};
use crate::admin::accept::Registration;
use crate::admin::api_keys::{CreateKey, NewKey, Owner, UpdateKey};
use crate::admin::command::{Command, Done, Query};
use crate::admin::entities::{Collaborator, CreateEntity, EntityKind, UpdateEntity, Who};
use crate::admin::invitations::{NewInvitation, NewTenantInvitation};
use crate::admin::members::{MemberGrant, NewMember};
use crate::admin::orgs::{CreateOrg, OrgFilter, UpdateOrg};
use crate::admin::registration::{Registration as OrgRegistration, Rejection};
use crate::admin::roles_api::{NewRole, RoleBody};
use crate::admin::settings::SettingsPatch;
use crate::admin::tenants::CreateTenant;
use crate::admin::users::{CreateUser, UpdateUser, UserFilter};
use crate::admin::AdminError;
use crate::auth::Secret;
use crate::core::ids::{OrgId, RoleId, TenantId, UserId};
use crate::core::password;
use crate::model::invitation::{NewToken, Scope};

/// Fields `field_mask` may name, per resource.
pub const ORG_FIELDS: &[&str] = &[
    "id",
    "name",
    "description",
    "state",
    "created_at",
    "updated_at",
    "deleted_at",
];
/// `name` stands for `first_name` and `last_name` (a user's display name).
pub const USER_FIELDS: &[&str] = &[
    "id",
    "name",
    "first_name",
    "last_name",
    "email",
    "state",
    "admin",
    "created_at",
    "updated_at",
    "deleted_at",
];
/// Fields of entities.
pub const ENTITY_FIELDS: &[&str] = &[
    "id",
    "kind",
    "name",
    "description",
    "created_at",
    "updated_at",
];

/// What the platform draws for a write: random bytes and password hashes
/// (its PBKDF2, [`password::Kdf`]).
pub trait Draw: password::Kdf {
    /// Fills `buf` with cryptographically secure random bytes; `false` when
    /// the platform could not.
    fn random(&self, buf: &mut [u8]) -> bool;
    /// PBKDF2 iterations of new password hashes.
    fn password_iterations(&self) -> u32;
}

/// An admin call, taken apart.
#[derive(Debug)]
pub enum AdminCall {
    /// A read, with the field mask to apply to its answer.
    Read(Query, Option<Vec<String>>),
    /// A write; for a new API key, the key to show once.
    Write(Command, Option<Secret>),
}

fn org(p: &PathParams) -> Result<OrgId, AdminError> {
    OrgId::new(p.get("orgId")).map_err(|_| AdminError::not_found("organization"))
}

fn user(p: &PathParams, name: &str) -> Result<UserId, AdminError> {
    UserId::new(p.get(name)).map_err(|_| AdminError::not_found("user"))
}

fn kind(p: &PathParams) -> Result<EntityKind, AdminError> {
    EntityKind::from_path(p.get("kind")).ok_or_else(|| AdminError::not_found("endpoint"))
}

fn owner(op: Op, p: &PathParams) -> Result<Owner, AdminError> {
    Ok(match op {
        Op::ListUserKeys
        | Op::CreateUserKey
        | Op::GetUserKey
        | Op::UpdateUserKey
        | Op::DeleteUserKey => Owner::User(user(p, "userId")?),
        _ => Owner::Organization(org(p)?),
    })
}

fn none(req: &Request) -> Result<(), AdminError> {
    Params::parse(&req.query, &[]).map(|_| ())
}

const LIST: &[&str] = &["limit", "page"];
const ORG_LIST: &[&str] = &[
    "limit",
    "page",
    "id_contains",
    "name_contains",
    "state",
    "deleted",
    "field_mask",
];
const MASK: &[&str] = &["field_mask"];
const ENTITY_LIST: &[&str] = &["limit", "page", "field_mask"];

/// The tenant of an admin path.
pub fn tenant(p: &PathParams) -> Result<TenantId, AdminError> {
    TenantId::new(p.get("tenant")).map_err(|_| AdminError::not_found("tenant"))
}

/// Takes an admin operation apart: path parameters, query, body.
pub async fn parse(
    op: Op,
    p: &PathParams,
    req: &Request,
    draw: &dyn Draw,
) -> Result<AdminCall, AdminError> {
    if let Some(read) = parse_listing(op, p, req)? {
        return Ok(read);
    }
    none(req)?;
    if let Some(read) = parse_read(op, p)? {
        return Ok(read);
    }
    match op {
        Op::CreateOrgKey | Op::CreateUserKey => new_key(op, p, req, draw),
        Op::CreateUser => new_user(req, draw).await,
        Op::CreateOrgInvitation | Op::CreateTenantInvitation | Op::ResendOrgInvitation => {
            invitation(op, p, req, draw).map(|c| AdminCall::Write(c, None))
        }
        _ => Ok(AdminCall::Write(organization_command(op, p, req)?, None)),
    }
}

/// Takes an admin write apart: the command, the tenant it is for, and the
/// new API key to show once. The edge runs it with the platform's draws to
/// refuse bad input before anything travels; the tenant's writer runs it
/// again on the request the edge forwarded, the draws replayed
/// ([`super::wire`]), and gets the same command.
pub async fn write_command(
    op: Op,
    p: &PathParams,
    req: &Request,
    draw: &dyn Draw,
) -> Result<(TenantId, Command, Option<Secret>), AdminError> {
    match op {
        Op::CreateTenant => {
            let mut body = extract::json::<CreateTenant>(req)?;
            let tenant = crate::admin::tenants::check_new(&body)?;
            let password_hash = hash(body.admin.password.expose(), draw).await?;
            body.admin.password = Secret::new("");
            let command = Command::CreateTenant {
                body,
                password_hash,
            };
            Ok((tenant, command, None))
        }
        Op::AcceptInvitation => {
            let tenant = tenant(p)?;
            Ok((tenant, accept(p, req, draw).await?, None))
        }
        _ => {
            let tenant = tenant(p)?;
            match parse(op, p, req, draw).await? {
                AdminCall::Write(command, shown) => Ok((tenant, command, shown)),
                AdminCall::Read(..) => Err(AdminError::invalid("not a write")),
            }
        }
    }
}

/// `POST /t/{tenant}/api/v1/invitations/{token}/accept`: signed in, the
/// body is empty (or `{}`); otherwise it registers the new user, whose
/// password is checked and hashed here.
async fn accept(p: &PathParams, req: &Request, draw: &dyn Draw) -> Result<Command, AdminError> {
    let token = Secret::new(p.get("token"));
    if req.authorization.is_some() || req.api_key.is_some() {
        extract::optional_json::<extract::Empty>(req)?;
        return Ok(Command::AcceptInvitation {
            token,
            register: None,
            password_hash: None,
        });
    }
    let mut body = extract::json::<Registration>(req)?;
    let password = body.password.take().ok_or_else(|| {
        AdminError::invalid("`password` is required to register (or sign in and accept)")
    })?;
    password::check_policy(password.expose())
        .map_err(|_| AdminError::invalid("`password` has 8 to 1024 characters"))?;
    let hash = hash(password.expose(), draw).await?;
    Ok(Command::AcceptInvitation {
        token,
        register: Some(body),
        password_hash: Some(hash),
    })
}

fn invitation_id(p: &PathParams) -> Result<String, AdminError> {
    let id = p.get("invitationId");
    if crate::model::api_key::is_key_id(id) {
        Ok(id.to_owned())
    } else {
        Err(AdminError::new(
            404,
            "invitation_not_found",
            "no such invitation",
        ))
    }
}

/// A new or resent invitation: its token drawn here.
fn invitation(
    op: Op,
    p: &PathParams,
    req: &Request,
    draw: &dyn Draw,
) -> Result<Command, AdminError> {
    let (mut id, mut secret) = ([0u8; 10], [0u8; 32]);
    if !(draw.random(&mut id) && draw.random(&mut secret)) {
        return Err(no_randomness());
    }
    Ok(match op {
        Op::CreateOrgInvitation => Command::InviteToOrg {
            org: org(p)?,
            body: extract::json::<NewInvitation>(req)?,
            token: NewToken::draw(&id, &secret),
        },
        Op::CreateTenantInvitation => Command::InviteToTenant {
            body: extract::json::<NewTenantInvitation>(req)?,
            token: NewToken::draw(&id, &secret),
        },
        _ => {
            extract::optional_json::<extract::Empty>(req)?;
            Command::ResendInvitation {
                org: org(p)?,
                token: NewToken::for_id(&invitation_id(p)?, &secret),
            }
        }
    })
}

/// The flows' writes: registration, approval, restore, purge, revoking invitations.
fn flow_command(op: Op, p: &PathParams, req: &Request) -> Result<Command, AdminError> {
    let action = || extract::optional_json::<extract::Empty>(req).map(|_| ());
    Ok(match op {
        Op::RegisterOrg => Command::RegisterOrg {
            body: extract::json::<OrgRegistration>(req)?,
        },
        Op::ApproveOrg => {
            action()?;
            Command::ApproveOrg { org: org(p)? }
        }
        Op::RejectOrg => Command::RejectOrg {
            org: org(p)?,
            body: extract::optional_json::<Rejection>(req)?,
        },
        Op::RestoreOrg => {
            action()?;
            Command::RestoreOrg { org: org(p)? }
        }
        Op::PurgeOrg => Command::PurgeOrg { org: org(p)? },
        Op::RestoreUser => {
            action()?;
            Command::RestoreUser {
                user: user(p, "userId")?,
            }
        }
        Op::PurgeUser => Command::PurgeUser {
            user: user(p, "userId")?,
        },
        Op::RevokeOrgInvitation => Command::RevokeInvitation {
            scope: Scope::Organization(org(p)?),
            id: invitation_id(p)?,
        },
        Op::RevokeTenantInvitation => Command::RevokeInvitation {
            scope: Scope::Tenant,
            id: invitation_id(p)?,
        },
        _ => return Err(AdminError::not_found("endpoint")),
    })
}

/// Writes on organizations, members and roles; the others further down.
fn organization_command(op: Op, p: &PathParams, req: &Request) -> Result<Command, AdminError> {
    let member = || user(p, "userId").map_err(|_| AdminError::not_found("member"));
    let role = || RoleId::new(p.get("roleId")).map_err(|_| AdminError::not_found("role"));
    Ok(match op {
        Op::CreateOrg => Command::CreateOrg {
            body: extract::json::<CreateOrg>(req)?,
        },
        Op::UpdateOrg => Command::UpdateOrg {
            org: org(p)?,
            body: extract::json::<UpdateOrg>(req)?,
        },
        Op::DeleteOrg => Command::DeleteOrg { org: org(p)? },
        Op::AddMember => Command::AddMember {
            org: org(p)?,
            body: extract::json::<NewMember>(req)?,
        },
        Op::UpdateMember => Command::UpdateMember {
            org: org(p)?,
            user: member()?,
            body: extract::json::<MemberGrant>(req)?,
        },
        Op::RemoveMember => Command::RemoveMember {
            org: org(p)?,
            user: member()?,
        },
        Op::CreateRole => Command::CreateRole {
            org: org(p)?,
            body: extract::json::<NewRole>(req)?,
        },
        Op::UpdateRole => Command::UpdateRole {
            org: org(p)?,
            role: role()?,
            body: extract::json::<RoleBody>(req)?,
        },
        Op::DeleteRole => Command::DeleteRole {
            org: org(p)?,
            role: role()?,
        },
        _ => return other_command(op, p, req),
    })
}

/// Writes on keys, users, settings and entities.
fn other_command(op: Op, p: &PathParams, req: &Request) -> Result<Command, AdminError> {
    let id = || p.get("id").to_owned();
    Ok(match op {
        Op::UpdateOrgKey | Op::UpdateUserKey => Command::UpdateKey {
            owner: owner(op, p)?,
            id: p.get("keyId").to_owned(),
            body: extract::json::<UpdateKey>(req)?,
        },
        Op::DeleteOrgKey | Op::DeleteUserKey => Command::DeleteKey {
            owner: owner(op, p)?,
            id: p.get("keyId").to_owned(),
        },
        Op::UpdateUser => Command::UpdateUser {
            user: user(p, "userId")?,
            body: extract::json::<UpdateUser>(req)?,
        },
        Op::DeleteUser => Command::DeleteUser {
            user: user(p, "userId")?,
        },
        Op::UpdateSettings => Command::UpdateSettings {
            body: extract::json::<SettingsPatch>(req)?,
        },
        Op::CreateEntity => Command::CreateEntity {
            kind: kind(p)?,
            body: extract::json::<CreateEntity>(req)?,
        },
        Op::UpdateEntity => Command::UpdateEntity {
            kind: kind(p)?,
            id: id(),
            body: extract::json::<UpdateEntity>(req)?,
        },
        Op::DeleteEntity => Command::DeleteEntity {
            kind: kind(p)?,
            id: id(),
        },
        Op::SetCollaborator => Command::SetCollaborator {
            kind: kind(p)?,
            id: id(),
            body: extract::json::<Collaborator>(req)?,
        },
        Op::RemoveCollaborator => Command::RemoveCollaborator {
            kind: kind(p)?,
            id: id(),
            who: Who::from_path(p.get("who"), p.get("collaboratorId"))
                .map_err(|_| AdminError::not_found("collaborator"))?,
        },
        _ => return flow_command(op, p, req),
    })
}

/// The reads that take query parameters (listings, field masks); `None`
/// for any other operation.
fn parse_listing(op: Op, p: &PathParams, req: &Request) -> Result<Option<AdminCall>, AdminError> {
    let read = |q: Query, mask: Option<Vec<String>>| Ok(Some(AdminCall::Read(q, mask)));
    match op {
        Op::ListOrgs => {
            let q = Params::parse(&req.query, ORG_LIST)?;
            let filter = OrgFilter {
                id_contains: q.filter("id_contains")?,
                name_contains: q.filter("name_contains")?,
                state: q.choice("state", "approved, pending or rejected")?,
                deleted: q.flag("deleted")?,
            };
            read(
                Query::ListOrgs(filter, q.paging()?),
                q.field_mask(ORG_FIELDS)?,
            )
        }
        Op::ListUsers => {
            let q = Params::parse(&req.query, ORG_LIST)?;
            let filter = UserFilter {
                id_contains: q.filter("id_contains")?,
                name_contains: q.filter("name_contains")?,
                state: q.choice(
                    "state",
                    "requested, approved, rejected, flagged or suspended",
                )?,
                deleted: q.flag("deleted")?,
            };
            read(Query::ListUsers(filter, q.paging()?), user_mask(&q)?)
        }
        Op::GetOrg => read(
            Query::GetOrg(org(p)?),
            Params::parse(&req.query, MASK)?.field_mask(ORG_FIELDS)?,
        ),
        Op::GetUser => read(
            Query::GetUser(user(p, "userId")?),
            user_mask(&Params::parse(&req.query, MASK)?)?,
        ),
        Op::ListEntities => {
            let q = Params::parse(&req.query, ENTITY_LIST)?;
            read(
                Query::ListEntities(kind(p)?, q.paging()?),
                q.field_mask(ENTITY_FIELDS)?,
            )
        }
        Op::GetEntity => {
            let mask = Params::parse(&req.query, MASK)?.field_mask(ENTITY_FIELDS)?;
            read(Query::GetEntity(kind(p)?, p.get("id").to_owned()), mask)
        }
        Op::ListMembers => read(
            Query::ListMembers(org(p)?, Params::parse(&req.query, LIST)?.paging()?),
            None,
        ),
        Op::ListOrgKeys | Op::ListUserKeys => read(
            Query::ListKeys(owner(op, p)?, Params::parse(&req.query, LIST)?.paging()?),
            None,
        ),
        Op::ListOrgInvitations | Op::ListTenantInvitations => {
            let scope = if op == Op::ListOrgInvitations {
                Scope::Organization(org(p)?)
            } else {
                Scope::Tenant
            };
            read(
                Query::ListInvitations(scope, Params::parse(&req.query, LIST)?.paging()?),
                None,
            )
        }
        Op::ListNotifications => read(
            Query::ListNotifications(Params::parse(&req.query, LIST)?.paging()?),
            None,
        ),
        _ => Ok(None),
    }
}

/// The reads without query parameters (checked empty before); `None` for a write.
fn parse_read(op: Op, p: &PathParams) -> Result<Option<AdminCall>, AdminError> {
    let id = || p.get("id").to_owned();
    let q = match op {
        Op::OrgRights => Query::OrgRights(org(p)?),
        Op::ListRoles => Query::ListRoles(org(p)?),
        Op::GetOrgKey | Op::GetUserKey => Query::GetKey(owner(op, p)?, p.get("keyId").to_owned()),
        Op::GetSettings => Query::GetSettings,
        Op::EntityRights => Query::EntityRights(kind(p)?, id()),
        Op::ListCollaborators => Query::Collaborators(kind(p)?, id()),
        Op::Account => Query::Account,
        Op::AccountOrganizations => Query::AccountOrganizations,
        _ => return Ok(None),
    };
    Ok(Some(AdminCall::Read(q, None)))
}

/// `name` in a user's field mask stands for its first and last name.
fn user_mask(q: &Params) -> Result<Option<Vec<String>>, AdminError> {
    Ok(q.field_mask(USER_FIELDS)?.map(|mut m| {
        if m.iter().any(|f| f == "name") {
            m.extend(["first_name".to_owned(), "last_name".to_owned()]);
        }
        m
    }))
}

fn no_randomness() -> AdminError {
    AdminError::new(
        500,
        "no_randomness",
        "the platform gave no random bytes; nothing was changed",
    )
}

/// A new API key: material drawn here, the secret kept here to show once.
fn new_key(
    op: Op,
    p: &PathParams,
    req: &Request,
    draw: &dyn Draw,
) -> Result<AdminCall, AdminError> {
    let body = extract::json::<CreateKey>(req)?;
    let (mut id, mut secret) = ([0u8; 10], [0u8; 32]);
    if !(draw.random(&mut id) && draw.random(&mut secret)) {
        return Err(no_randomness());
    }
    let (key, text) = NewKey::draw(&id, &secret);
    Ok(AdminCall::Write(
        Command::CreateKey {
            owner: owner(op, p)?,
            body,
            key,
        },
        Some(text),
    ))
}

/// A new user: the password checked and hashed here, only its hash travels.
async fn new_user(req: &Request, draw: &dyn Draw) -> Result<AdminCall, AdminError> {
    let mut body = extract::json::<CreateUser>(req)?;
    crate::admin::users::check_new(&body)?;
    let password_hash = match body.password.take() {
        None => None,
        Some(p) => Some(hash(p.expose(), draw).await?),
    };
    Ok(AdminCall::Write(
        Command::CreateUser {
            body,
            password_hash,
        },
        None,
    ))
}

/// A PHC hash of `password` with a fresh salt.
pub async fn hash(password: &str, draw: &dyn Draw) -> Result<Secret, AdminError> {
    let mut salt = [0u8; 16];
    if !draw.random(&mut salt) {
        return Err(no_randomness());
    }
    password::hash_with(draw, password, &salt, draw.password_iterations())
        .await
        .map(Secret::new)
        .map_err(|_| AdminError::new(503, "unavailable", "password hashing failed; try again"))
}

/// Renders an operation's answer: the field mask on reads, the one-time key
/// display on a new API key, `X-Total-Count` on listings.
pub fn render(done: Done, mask: Option<&[String]>, shown: Option<&Secret>) -> Response {
    let Some(mut body) = done.body else {
        return Response::no_content();
    };
    if let Some(mask) = mask {
        body = match body {
            serde_json::Value::Object(mut map) if done.total.is_some() => {
                for list in map.values_mut() {
                    if let serde_json::Value::Array(items) = list {
                        for item in items.iter_mut() {
                            *item = extract::masked(item.take(), Some(mask));
                        }
                    }
                }
                serde_json::Value::Object(map)
            }
            other => extract::masked(other, Some(mask)),
        };
    }
    let mut r = Response::json(done.status, &body);
    if let (Some(text), serde_json::Value::Object(map)) = (shown, &body) {
        let mut map = map.clone();
        map.insert(
            "key".into(),
            serde_json::Value::String(text.expose().to_owned()),
        );
        r = Response::json(done.status, &map).with("cache-control", "no-store");
    }
    if let Some(total) = done.total {
        r = r.with("x-total-count", total.to_string());
    }
    r
}
