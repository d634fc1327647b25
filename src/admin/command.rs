//! Operations as data (STYLE habit 13): every admin write is a
//! [`Command`] and every read a [`Query`], values that can be logged without
//! secrets and replayed in tests. Between the worker and the tenant's single
//! writer a write travels as the request it was taken apart from
//! ([`crate::http::wire`]), so both sides make the same command with one parser.
//!
//! [`plan`] reads the store and authorizes, and returns the outcome and the
//! ordered writes ([`Plan`]) that make it so; nothing is written while
//! planning. [`execute`] plans and commits to the same store, in order —
//! what a KV-only deployment does; the tenant's Durable Object plans against
//! its own storage, commits in one transaction and mirrors to KV.
//!
//! Randomness and password hashing happen before a command exists (the HTTP
//! layer draws key material and hashes passwords), so planning is a pure
//! function of the command, the caller, the time and the store.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::api_keys::{self, CreateKey, NewKey, Owner, UpdateKey};
use super::entities::{self, Collaborator, CreateEntity, EntityKind, UpdateEntity, Who};
use super::invitations::{self, Invitee, NewInvitation, NewTenantInvitation};
use super::members::{self, MemberGrant, NewMember};
use super::orgs::{self, CreateOrg, OrgFilter, UpdateOrg};
use super::registration::{self, Rejection};
use super::roles_api::{self, NewRole, RoleBody};
use super::settings::{self, SettingsPatch};
use super::tenants::{self, CreateTenant};
use super::users::{self, CreateUser, UpdateUser, UserFilter};
use super::{accept, account, lifecycle, notifications, AdminError, Ctx, Page, Paging};
use crate::auth::Secret;
use crate::core::ids::{OrgId, RoleId, UserId};
use crate::model::invitation::{NewToken, Scope};
use crate::notify::record::Channel;
use crate::store::plan::{commit, Plan};
use crate::store::Store;

/// An admin write. Its JSON form (externally tagged: `{"create_org":
/// {"body": …}}`) is for tests and tools; the worker and the tenant's object
/// exchange the request instead, and neither links this enum's serde code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs, reason = "each variant is the operation of its name")]
pub enum Command {
    /// `POST /api/v1/tenants` (the operator's; no caller).
    CreateTenant {
        body: CreateTenant,
        password_hash: Secret,
    },
    CreateOrg {
        body: CreateOrg,
    },
    UpdateOrg {
        org: OrgId,
        body: UpdateOrg,
    },
    DeleteOrg {
        org: OrgId,
    },
    AddMember {
        org: OrgId,
        body: NewMember,
    },
    UpdateMember {
        org: OrgId,
        user: UserId,
        body: MemberGrant,
    },
    RemoveMember {
        org: OrgId,
        user: UserId,
    },
    CreateRole {
        org: OrgId,
        body: NewRole,
    },
    UpdateRole {
        org: OrgId,
        role: RoleId,
        body: RoleBody,
    },
    DeleteRole {
        org: OrgId,
        role: RoleId,
    },
    CreateKey {
        owner: Owner,
        body: CreateKey,
        key: NewKey,
    },
    UpdateKey {
        owner: Owner,
        id: String,
        body: UpdateKey,
    },
    DeleteKey {
        owner: Owner,
        id: String,
    },
    /// `body.password` is always `None` here: only `password_hash` travels.
    CreateUser {
        body: CreateUser,
        password_hash: Option<Secret>,
    },
    UpdateUser {
        user: UserId,
        body: UpdateUser,
    },
    DeleteUser {
        user: UserId,
    },
    UpdateSettings {
        body: SettingsPatch,
    },
    CreateEntity {
        kind: EntityKind,
        body: CreateEntity,
    },
    UpdateEntity {
        kind: EntityKind,
        id: String,
        body: UpdateEntity,
    },
    DeleteEntity {
        kind: EntityKind,
        id: String,
    },
    SetCollaborator {
        kind: EntityKind,
        id: String,
        body: Collaborator,
    },
    RemoveCollaborator {
        kind: EntityKind,
        id: String,
        who: Who,
    },
    /// `POST /api/v1/account/organizations`: self-registration.
    RegisterOrg {
        body: registration::Registration,
    },
    ApproveOrg {
        org: OrgId,
    },
    RejectOrg {
        org: OrgId,
        body: Rejection,
    },
    RestoreOrg {
        org: OrgId,
    },
    PurgeOrg {
        org: OrgId,
    },
    RestoreUser {
        user: UserId,
    },
    PurgeUser {
        user: UserId,
    },
    InviteToOrg {
        org: OrgId,
        body: NewInvitation,
        token: NewToken,
    },
    InviteToTenant {
        body: NewTenantInvitation,
        token: NewToken,
    },
    RevokeInvitation {
        scope: Scope,
        id: String,
    },
    /// `token.id` is the invitation's ID.
    ResendInvitation {
        org: OrgId,
        token: NewToken,
    },
    /// `register` for a new person (no credential; `register.password` is
    /// always `None` here: only `password_hash` travels), `None` for a
    /// signed-in invitee.
    AcceptInvitation {
        token: Secret,
        register: Option<accept::Registration>,
        password_hash: Option<Secret>,
    },
    /// The queue's dead letter for one channel of a notification (the
    /// platform's own command).
    MarkUndelivered {
        notification: String,
        channel: Channel,
    },
}

/// An admin read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs, reason = "each variant is the operation of its name")]
pub enum Query {
    ListOrgs(OrgFilter, Paging),
    GetOrg(OrgId),
    OrgRights(OrgId),
    ListMembers(OrgId, Paging),
    ListRoles(OrgId),
    ListKeys(Owner, Paging),
    GetKey(Owner, String),
    ListUsers(UserFilter, Paging),
    GetUser(UserId),
    GetSettings,
    ListEntities(EntityKind, Paging),
    GetEntity(EntityKind, String),
    EntityRights(EntityKind, String),
    Collaborators(EntityKind, String),
    Account,
    AccountOrganizations,
    ListInvitations(Scope, Paging),
    ListNotifications(Paging),
}

/// What an operation answers: a status, a JSON body, and for listings the
/// total behind the page (`X-Total-Count`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {
    /// HTTP status.
    pub status: u16,
    /// JSON body; `None` for 204.
    #[serde(default)]
    pub body: Option<Value>,
    /// Items in all pages.
    #[serde(default)]
    pub total: Option<usize>,
}

impl Done {
    fn with<T: Serialize>(status: u16, value: &T) -> Done {
        Done {
            status,
            body: Some(serde_json::to_value(value).unwrap_or_default()),
            total: None,
        }
    }

    fn ok<T: Serialize>(value: &T) -> Done {
        Done::with(200, value)
    }

    fn created<T: Serialize>(value: &T) -> Done {
        Done::with(201, value)
    }

    fn no_content() -> Done {
        Done {
            status: 204,
            body: None,
            total: None,
        }
    }

    fn field<T: Serialize>(name: &str, value: &T) -> Done {
        Done::ok(&serde_json::json!({ name: value }))
    }

    fn page<T: Serialize>(name: &str, page: &Page<T>) -> Done {
        Done {
            total: Some(page.total),
            ..Done::field(name, &page.items)
        }
    }
}

/// Plans `command`: reads and authorizes, writes nothing.
pub async fn plan<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    command: Command,
) -> Result<(Done, Plan), AdminError> {
    let mut p = Plan::new();
    let done = if command.is_organizations() {
        plan_organizations(ctx, &mut p, command).await?
    } else if command.is_flow() {
        plan_flows(ctx, &mut p, command).await?
    } else {
        plan_others(ctx, &mut p, command).await?
    };
    Ok((done, p))
}

impl Command {
    /// Whether it is about tenants, organizations, members or roles.
    fn is_organizations(&self) -> bool {
        matches!(
            self,
            Command::CreateTenant { .. }
                | Command::CreateOrg { .. }
                | Command::UpdateOrg { .. }
                | Command::DeleteOrg { .. }
                | Command::AddMember { .. }
                | Command::UpdateMember { .. }
                | Command::RemoveMember { .. }
                | Command::CreateRole { .. }
                | Command::UpdateRole { .. }
                | Command::DeleteRole { .. }
        )
    }
}

impl Command {
    /// Whether it is one of the flows: registration, approval, restore and
    /// purge, invitations, notifications.
    fn is_flow(&self) -> bool {
        matches!(
            self,
            Command::RegisterOrg { .. }
                | Command::ApproveOrg { .. }
                | Command::RejectOrg { .. }
                | Command::RestoreOrg { .. }
                | Command::PurgeOrg { .. }
                | Command::RestoreUser { .. }
                | Command::PurgeUser { .. }
                | Command::InviteToOrg { .. }
                | Command::InviteToTenant { .. }
                | Command::RevokeInvitation { .. }
                | Command::ResendInvitation { .. }
                | Command::AcceptInvitation { .. }
                | Command::MarkUndelivered { .. }
        )
    }
}

/// Registration, approval, restore and purge, invitations, notifications.
async fn plan_flows<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    p: &mut Plan,
    command: Command,
) -> Result<Done, AdminError> {
    Ok(match command {
        Command::RegisterOrg { body } => {
            Done::created(&registration::register(ctx, p, body).await?)
        }
        Command::ApproveOrg { org } => Done::ok(&registration::decide(ctx, p, &org, None).await?),
        Command::RejectOrg { org, body } => {
            Done::ok(&registration::decide(ctx, p, &org, Some(body)).await?)
        }
        Command::RestoreOrg { org } => Done::ok(&lifecycle::restore_org(ctx, p, &org).await?),
        Command::PurgeOrg { org } => {
            lifecycle::purge_org(ctx, p, &org).await?;
            Done::no_content()
        }
        Command::RestoreUser { user } => Done::ok(&lifecycle::restore_user(ctx, p, &user).await?),
        Command::PurgeUser { user } => {
            lifecycle::purge_user(ctx, p, &user).await?;
            Done::no_content()
        }
        Command::InviteToOrg { org, body, token } => {
            let invitee = Invitee {
                email: body.email,
                first_name: body.first_name,
                last_name: body.last_name,
                role: Some(body.role),
            };
            Done::created(
                &invitations::create(ctx, p, Scope::Organization(org), invitee, &token).await?,
            )
        }
        Command::InviteToTenant { body, token } => {
            let invitee = Invitee {
                email: body.email,
                first_name: body.first_name,
                last_name: body.last_name,
                role: None,
            };
            Done::created(&invitations::create(ctx, p, Scope::Tenant, invitee, &token).await?)
        }
        Command::RevokeInvitation { scope, id } => {
            invitations::revoke(ctx, p, &scope, &id).await?;
            Done::no_content()
        }
        Command::ResendInvitation { org, token } => {
            Done::ok(&invitations::resend(ctx, p, &org, &token).await?)
        }
        Command::AcceptInvitation {
            token,
            register,
            password_hash,
        } => Done::ok(&accept::accept(ctx, p, &token, register, password_hash.as_ref()).await?),
        Command::MarkUndelivered {
            notification,
            channel,
        } => {
            notifications::mark_undelivered(ctx, p, &notification, channel).await?;
            Done::no_content()
        }
        other => return Err(misrouted(&other)),
    })
}

fn misrouted(c: &Command) -> AdminError {
    AdminError::new(
        500,
        "internal",
        format!("no planner for {:?}", core::mem::discriminant(c)),
    )
}

/// Tenants, organizations, members and roles.
async fn plan_organizations<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    p: &mut Plan,
    command: Command,
) -> Result<Done, AdminError> {
    Ok(match command {
        Command::CreateTenant {
            body,
            password_hash,
        } => Done::created(
            &tenants::create(ctx.store, p, &ctx.timestamp(), body, &password_hash).await?,
        ),
        Command::CreateOrg { body } => Done::created(&orgs::create(ctx, p, body).await?),
        Command::UpdateOrg { org, body } => Done::ok(&orgs::update(ctx, p, &org, body).await?),
        Command::DeleteOrg { org } => {
            orgs::delete(ctx, p, &org).await?;
            Done::no_content()
        }
        Command::AddMember { org, body } => Done::created(&members::add(ctx, p, &org, body).await?),
        Command::UpdateMember { org, user, body } => {
            Done::ok(&members::update(ctx, p, &org, &user, body).await?)
        }
        Command::RemoveMember { org, user } => {
            members::remove(ctx, p, &org, &user).await?;
            Done::no_content()
        }
        Command::CreateRole { org, body } => {
            Done::created(&roles_api::create(ctx, p, &org, body).await?)
        }
        Command::UpdateRole { org, role, body } => {
            Done::ok(&roles_api::update(ctx, p, &org, &role, body).await?)
        }
        Command::DeleteRole { org, role } => {
            roles_api::delete(ctx, p, &org, &role).await?;
            Done::no_content()
        }
        other => return Err(misrouted(&other)),
    })
}

/// Keys, users, settings and entities.
async fn plan_others<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    p: &mut Plan,
    command: Command,
) -> Result<Done, AdminError> {
    Ok(match command {
        Command::CreateKey { owner, body, key } => {
            Done::created(&api_keys::create(ctx, p, owner, body, &key).await?)
        }
        Command::UpdateKey { owner, id, body } => {
            Done::ok(&api_keys::update(ctx, p, owner, &id, body).await?)
        }
        Command::DeleteKey { owner, id } => {
            api_keys::delete(ctx, p, owner, &id).await?;
            Done::no_content()
        }
        Command::CreateUser {
            body,
            password_hash,
        } => Done::created(&users::create(ctx, p, body, password_hash.as_ref()).await?),
        Command::UpdateUser { user, body } => Done::ok(&users::update(ctx, p, &user, body).await?),
        Command::DeleteUser { user } => {
            users::delete(ctx, p, &user).await?;
            Done::no_content()
        }
        Command::UpdateSettings { body } => Done::ok(&settings::update(ctx, p, body).await?),
        Command::CreateEntity { kind, body } => {
            Done::created(&entities::create(ctx, p, kind, body).await?)
        }
        Command::UpdateEntity { kind, id, body } => {
            Done::ok(&entities::update(ctx, p, kind, &id, body).await?)
        }
        Command::DeleteEntity { kind, id } => {
            entities::delete(ctx, p, kind, &id).await?;
            Done::no_content()
        }
        Command::SetCollaborator { kind, id, body } => {
            Done::ok(&entities::set_collaborator(ctx, p, kind, &id, body).await?)
        }
        Command::RemoveCollaborator { kind, id, who } => {
            entities::remove(ctx, p, kind, &id, &who).await?;
            Done::no_content()
        }
        other => return Err(misrouted(&other)),
    })
}

/// Plans `command` and commits the plan to the context's store, in order.
pub async fn execute<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    command: Command,
) -> Result<Done, AdminError> {
    let (done, p) = plan(ctx, command).await?;
    commit(ctx.store, &p).await?;
    Ok(done)
}

/// Answers a read.
pub async fn query<S: Store + ?Sized>(ctx: &Ctx<'_, S>, q: Query) -> Result<Done, AdminError> {
    Ok(match q {
        Query::ListOrgs(filter, paging) => {
            Done::page("organizations", &orgs::list(ctx, &filter, paging).await?)
        }
        Query::GetOrg(org) => Done::ok(&orgs::get(ctx, &org).await?),
        Query::OrgRights(org) => Done::field("rights", &roles_api::my_rights(ctx, &org).await?),
        Query::ListMembers(org, paging) => {
            Done::page("members", &members::list(ctx, &org, paging).await?)
        }
        Query::ListRoles(org) => Done::field("roles", &roles_api::list(ctx, &org).await?),
        Query::ListKeys(owner, paging) => {
            Done::page("api_keys", &api_keys::list(ctx, owner, paging).await?)
        }
        Query::GetKey(owner, id) => Done::ok(&api_keys::get(ctx, owner, &id).await?),
        Query::ListUsers(filter, paging) => {
            Done::page("users", &users::list(ctx, &filter, paging).await?)
        }
        Query::GetUser(user) => Done::ok(&users::get(ctx, &user).await?),
        Query::GetSettings => Done::ok(&settings::get(ctx).await?),
        Query::ListEntities(kind, paging) => {
            Done::page(kind.path(), &entities::list(ctx, kind, paging).await?)
        }
        Query::GetEntity(kind, id) => Done::ok(&entities::get(ctx, kind, &id).await?),
        Query::EntityRights(kind, id) => {
            Done::field("rights", &entities::my_rights(ctx, kind, &id).await?)
        }
        Query::Collaborators(kind, id) => Done::field(
            "collaborators",
            &entities::collaborators(ctx, kind, &id).await?,
        ),
        Query::Account => Done::ok(&account::get(ctx).await?),
        Query::AccountOrganizations => {
            Done::field("organizations", &account::organizations(ctx).await?)
        }
        Query::ListInvitations(scope, paging) => Done::page(
            "invitations",
            &invitations::list(ctx, &scope, paging).await?,
        ),
        Query::ListNotifications(paging) => {
            Done::page("notifications", &notifications::list(ctx, paging).await?)
        }
    })
}
