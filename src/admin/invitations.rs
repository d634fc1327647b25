//! Invitations (CONTRACT section 6; docs/flows.md): an organization's
//! member managers invite an email address with a role, tenant admins
//! invite an address to register. The token goes out in the notification
//! only; the invitee accepts with it ([`super::accept`]).

use serde::{Deserialize, Serialize};

use super::members::{parse_grant, require_manage, MemberGrant};
use super::notifications::{data, notify, Tell};
use super::orgs::load;
use super::{check_email, check_name_part, read, settings, AdminError, Ctx, Page, Paging};
use crate::core::decide::{check_grant, Subject};
use crate::core::ids::{OrgId, RoleId};
use crate::core::rights::{Right, RightSet};
use crate::model::invitation::{Invitation, InvitationState, InvitationView, NewToken, Scope};
use crate::model::records::{Grant, OrgState};
use crate::notify::record::Kind;
use crate::store::plan::Plan;
use crate::store::{keys, Store};

/// `POST …/organizations/{orgId}/invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NewInvitation {
    /// The invitee's address.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::email_address")
    )]
    pub email: String,
    /// A built-in or custom role of the organization, which the inviter
    /// must be able to grant.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub role: String,
    /// Given name, proposed for the registration.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name_part")
    )]
    pub first_name: String,
    /// Family name, proposed for the registration.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name_part")
    )]
    pub last_name: String,
}

/// `POST /api/v1/admin/invitations`: an address invited to register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NewTenantInvitation {
    /// The invitee's address.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::email_address")
    )]
    pub email: String,
    /// Given name, proposed for the registration.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name_part")
    )]
    pub first_name: String,
    /// Family name, proposed for the registration.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name_part")
    )]
    pub last_name: String,
}

fn index_key<S: ?Sized>(ctx: &Ctx<'_, S>, scope: &Scope, id: &str) -> String {
    match scope {
        Scope::Organization(o) => format!("{}{id}", keys::org_invitations(ctx.tenant, o)),
        Scope::Tenant => format!("{}{id}", keys::tenant_invitations(ctx.tenant)),
    }
}

fn index_prefix<S: ?Sized>(ctx: &Ctx<'_, S>, scope: &Scope) -> String {
    match scope {
        Scope::Organization(o) => keys::org_invitations(ctx.tenant, o),
        Scope::Tenant => keys::tenant_invitations(ctx.tenant),
    }
}

/// Who is acting, as invitations and notifications name them.
pub(super) fn actor<S: ?Sized>(ctx: &Ctx<'_, S>) -> String {
    match ctx.caller.user() {
        Some(u) => u.to_string(),
        None => ctx.caller.id.clone(),
    }
}

/// What managing `scope`'s invitations needs: for an organization, an
/// approved one and `RIGHT_ORGANIZATION_SETTINGS_MEMBERS` on it (the
/// organization's name and the caller's rights are answered); for the
/// tenant, `RIGHT_SEND_INVITES` at tenant level (tenant admins).
async fn authorize<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    scope: &Scope,
) -> Result<(String, RightSet), AdminError> {
    match scope {
        Scope::Organization(o) => {
            let org = load(ctx, o).await?;
            let held = require_manage(ctx, o).await?;
            if org.state != OrgState::Approved {
                return Err(not_approved(o));
            }
            Ok((org.name, held))
        }
        Scope::Tenant => {
            let held = ctx.caller.tenant_rights();
            Subject::require(held, RightSet::of(&[Right::SendInvites]))?;
            Ok((String::new(), held))
        }
    }
}

pub(super) fn not_approved(o: &OrgId) -> AdminError {
    AdminError::new(
        409,
        "organization_not_approved",
        format!("{o} is not approved: it cannot invite or be joined yet"),
    )
}

/// The invitations of `scope`, oldest first, in every state.
async fn all<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    scope: &Scope,
) -> Result<Vec<Invitation>, AdminError> {
    let prefix = index_prefix(ctx, scope);
    let mut out = Vec::new();
    for l in ctx.store.list_all(&prefix).await? {
        let id = keys::last_component(&l.key);
        if let Some(inv) =
            read::<S, Invitation>(ctx.store, &keys::invitation(ctx.tenant, id)).await?
        {
            out.push(inv);
        }
    }
    Ok(out)
}

/// Whether `scope` has a pending invitation to `email` (case aside): the
/// index's metadata names the address, so only its invitations are read.
async fn pending_to<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    scope: &Scope,
    email: &str,
) -> Result<bool, AdminError> {
    let wanted = email.to_lowercase();
    for l in ctx.store.list_all(&index_prefix(ctx, scope)).await? {
        if l.metadata.as_deref().is_some_and(|m| m != wanted) {
            continue;
        }
        let id = keys::last_component(&l.key);
        let inv: Option<Invitation> = read(ctx.store, &keys::invitation(ctx.tenant, id)).await?;
        if inv.is_some_and(|i| {
            i.state_at(ctx.now_ms) == InvitationState::Pending
                && i.email.eq_ignore_ascii_case(email)
        }) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Reads invitation `id` of `scope`; 404 when it is another scope's.
async fn find<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    scope: &Scope,
    id: &str,
) -> Result<Invitation, AdminError> {
    let inv: Option<Invitation> = read(ctx.store, &keys::invitation(ctx.tenant, id)).await?;
    inv.filter(|i| &i.scope == scope)
        .ok_or_else(|| AdminError::new(404, "invitation_not_found", "no such invitation"))
}

/// Plans `inv` (new or changed) with its index entry, both kept until 30
/// days after its expiry.
fn save<S: ?Sized>(ctx: &Ctx<'_, S>, plan: &mut Plan, inv: &Invitation, new: bool) {
    let keep = inv.keep_secs(ctx.now_ms);
    let text = serde_json::to_string(inv).unwrap_or_default();
    let index = index_key(ctx, &inv.scope, &inv.id);
    // The index entry's metadata is the address without case: the check for
    // a pending invitation to it reads the listing, not every record.
    let meta = Some(inv.email.to_lowercase());
    if new {
        plan.create_expiring(index, "", meta, keep);
        plan.create_expiring(keys::invitation(ctx.tenant, &inv.id), text, None, keep);
    } else {
        plan.put_expiring(keys::invitation(ctx.tenant, &inv.id), text, None, keep);
        plan.put_expiring(index, "", meta, keep);
    }
}

/// The notification of a new or resent invitation.
fn tell<S: ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    inv: &Invitation,
    org_name: &str,
    kind: Kind,
    token: &NewToken,
) {
    let org = match &inv.scope {
        Scope::Organization(o) => o.to_string(),
        Scope::Tenant => String::new(),
    };
    let role = inv
        .role
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let expires = crate::model::invitation::rfc3339(inv.expires_at_ms);
    let by = actor(ctx);
    notify(
        ctx,
        plan,
        Tell {
            kind,
            to: vec![inv.email.clone()],
            data: data(&[
                ("invitation_id", &inv.id),
                ("organization_id", &org),
                ("organization_name", org_name),
                ("role", &role),
                ("invited_by", &by),
                ("expires_at", &expires),
                ("first_name", &inv.first_name),
                ("last_name", &inv.last_name),
            ]),
            token: Some(token.token.clone()),
            unique: &[&inv.id, &token.secret_sha256],
        },
    );
}

/// A role of `org` the caller (holding `held`) may grant.
async fn grantable_role<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    org: &OrgId,
    role: String,
    held: RightSet,
) -> Result<RoleId, AdminError> {
    let grant = MemberGrant {
        role: Some(role),
        rights: None,
    };
    let (g, rights) = parse_grant(ctx, org, &grant).await?;
    check_grant(held, RightSet::EMPTY, rights)?;
    match g {
        Grant::Role(r) => Ok(r),
        Grant::Rights(_) => Err(AdminError::invalid("`role` names a role")),
    }
}

/// Who is invited: the address, proposed names, and for an organization
/// the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    /// The address.
    pub email: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// The role (organization invitations).
    pub role: Option<String>,
}

/// Creates an invitation into `scope`. For an organization: the role must
/// exist and be one the caller can grant; one pending invitation per
/// address (resend it instead).
pub async fn create<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    scope: Scope,
    invitee: Invitee,
    token: &NewToken,
) -> Result<InvitationView, AdminError> {
    let Invitee {
        email,
        first_name,
        last_name,
        role,
    } = invitee;
    check_email("email", &email, true)?;
    check_name_part("first_name", &first_name)?;
    check_name_part("last_name", &last_name)?;
    let (org_name, held) = authorize(ctx, &scope).await?;
    let role = match (&scope, role) {
        (Scope::Organization(o), Some(r)) => Some(grantable_role(ctx, o, r, held).await?),
        _ => None,
    };
    if pending_to(ctx, &scope, &email).await? {
        return Err(AdminError::new(
            409,
            "invitation_exists",
            format!("{email} has a pending invitation; resend it instead"),
        ));
    }
    if ctx
        .store
        .get(&keys::invitation(ctx.tenant, &token.id))
        .await?
        .is_some()
    {
        return Err(AdminError::new(
            503,
            "try_again",
            "the drawn invitation ID is taken; try again",
        ));
    }
    let ttl_ms = i64::from(
        settings::load(ctx.store, ctx.tenant)
            .await?
            .invitation_ttl_hours,
    ) * 3_600_000;
    let now = ctx.timestamp();
    let inv = Invitation {
        id: token.id.clone(),
        scope,
        email,
        role,
        first_name,
        last_name,
        invited_by: actor(ctx),
        state: InvitationState::Pending,
        created_at: now.clone(),
        updated_at: now,
        expires_at_ms: ctx.now_ms + ttl_ms,
        accepted_by: None,
        secret_sha256: token.secret_sha256.clone(),
    };
    save(ctx, plan, &inv, true);
    let kind = match inv.scope {
        Scope::Organization(_) => Kind::Invitation,
        Scope::Tenant => Kind::TenantInvitation,
    };
    tell(ctx, plan, &inv, &org_name, kind, token);
    Ok(inv.view(ctx.now_ms))
}

/// The invitations of `scope` that can still be accepted or resent
/// (pending and expired), oldest first, paged.
pub async fn list<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    scope: &Scope,
    paging: Paging,
) -> Result<Page<InvitationView>, AdminError> {
    authorize_read(ctx, scope).await?;
    let open: Vec<InvitationView> = all(ctx, scope)
        .await?
        .into_iter()
        .map(|i| i.view(ctx.now_ms))
        .filter(|v| matches!(v.state, InvitationState::Pending | InvitationState::Expired))
        .collect();
    Ok(paging.apply(open))
}

/// Reading a scope's invitations needs what managing them does, in any
/// organization state (a pending organization has none to show).
async fn authorize_read<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    scope: &Scope,
) -> Result<(), AdminError> {
    match scope {
        Scope::Organization(o) => {
            load(ctx, o).await?;
            require_manage(ctx, o).await.map(|_| ())
        }
        Scope::Tenant => Ok(Subject::require(
            ctx.caller.tenant_rights(),
            RightSet::of(&[Right::SendInvites]),
        )?),
    }
}

/// Revokes a pending or expired invitation: its token stops working at once
/// (`invitation_revoked`). An accepted one is 409 `invitation_used`.
pub async fn revoke<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    scope: &Scope,
    id: &str,
) -> Result<(), AdminError> {
    authorize_read(ctx, scope).await?;
    let mut inv = find(ctx, scope, id).await?;
    match inv.state {
        InvitationState::Accepted => return Err(used()),
        InvitationState::Revoked => {
            return Err(AdminError::new(
                404,
                "invitation_not_found",
                "no such invitation",
            ))
        }
        InvitationState::Pending | InvitationState::Expired => {}
    }
    inv.state = InvitationState::Revoked;
    inv.updated_at = ctx.timestamp();
    save(ctx, plan, &inv, false);
    Ok(())
}

pub(super) fn used() -> AdminError {
    AdminError::new(
        409,
        "invitation_used",
        "the invitation was accepted already",
    )
}

/// Sends an organization's invitation again with a new token and a new
/// expiry; the old token stops working. The caller must be able to invite
/// to its role.
pub async fn resend<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    org: &OrgId,
    token: &NewToken,
) -> Result<InvitationView, AdminError> {
    let scope = Scope::Organization(org.clone());
    let (org_name, held) = authorize(ctx, &scope).await?;
    let mut inv = find(ctx, &scope, &token.id).await?;
    match inv.state {
        InvitationState::Accepted => return Err(used()),
        InvitationState::Revoked => {
            return Err(AdminError::new(
                409,
                "invitation_revoked",
                "the invitation was revoked; create a new one",
            ))
        }
        InvitationState::Pending | InvitationState::Expired => {}
    }
    if let Some(role) = &inv.role {
        grantable_role(ctx, org, role.to_string(), held).await?;
    }
    let ttl_ms = i64::from(
        settings::load(ctx.store, ctx.tenant)
            .await?
            .invitation_ttl_hours,
    ) * 3_600_000;
    inv.secret_sha256 = token.secret_sha256.clone();
    inv.expires_at_ms = ctx.now_ms + ttl_ms;
    inv.state = InvitationState::Pending;
    inv.updated_at = ctx.timestamp();
    save(ctx, plan, &inv, false);
    tell(ctx, plan, &inv, &org_name, Kind::InvitationResent, token);
    Ok(inv.view(ctx.now_ms))
}
