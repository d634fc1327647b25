//! Accepting an invitation (`POST /t/{tenant}/api/v1/invitations/{token}/accept`):
//! signed in, the invitee joins the organization with the invited role; not
//! signed in, it registers (ID, names, password) and joins in the same
//! call. A token is answered by what became of it: unknown or replaced
//! (404 `invitation_not_found`), revoked (410 `invitation_revoked`),
//! expired (410 `invitation_expired`), accepted (409 `invitation_used`).
//! The tenant's single writer runs it, so accepting twice at once makes one
//! membership.

use serde::{Deserialize, Serialize};

use super::invitations::{not_approved, used};
use super::members::{view as member_view, MemberView};
use super::orgs::{check_id_free, load};
use super::users::save_new;
use super::{check_name_part, read, AdminError, Ctx};
use crate::auth::Secret;
use crate::core::ids::{OrgId, RoleId, UserId};
use crate::core::roles::{BuiltinRole, CustomRole};
use crate::model::invitation::{split_token, Invitation, InvitationState, InvitationView, Scope};
use crate::model::records::{Grant, Membership, OrgState, User, UserState};
use crate::store::plan::Plan;
use crate::store::{keys, Store};

/// What a new person sends with the token: the account to register. A
/// signed-in invitee sends nothing (or `{}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Registration {
    /// The new user's ID.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub id: String,
    /// Given name (default: the invitation's).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name_part")
    )]
    pub first_name: Option<String>,
    /// Family name (default: the invitation's).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name_part")
    )]
    pub last_name: Option<String>,
    /// Password, 8 to 1024 characters; only its hash travels further.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::password")
    )]
    pub password: Option<Secret>,
}

/// What accepting answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Accepted {
    /// The invitation, now accepted.
    pub invitation: InvitationView,
    /// The invitee's account (new when it registered).
    pub user: User,
    /// The membership (organization invitations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub membership: Option<MemberView>,
}

fn not_found() -> AdminError {
    AdminError::new(
        404,
        "invitation_not_found",
        "no invitation has this token (unknown, or replaced by a resend)",
    )
}

/// The invitation `token` stands for, if it can still be accepted.
async fn usable<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    token: &Secret,
) -> Result<Invitation, AdminError> {
    let (id, secret) = split_token(token.expose()).ok_or_else(not_found)?;
    let inv: Invitation = read(ctx.store, &keys::invitation(ctx.tenant, id))
        .await?
        .ok_or_else(not_found)?;
    if !inv.secret_matches(secret) {
        return Err(not_found());
    }
    match inv.state_at(ctx.now_ms) {
        InvitationState::Pending => Ok(inv),
        InvitationState::Accepted => Err(used()),
        InvitationState::Revoked => Err(AdminError::new(
            410,
            "invitation_revoked",
            "the invitation was revoked",
        )),
        InvitationState::Expired => Err(AdminError::new(
            410,
            "invitation_expired",
            "the invitation expired; ask for it to be sent again",
        )),
    }
}

/// The account that accepts: the signed-in caller (whose address must be
/// the invited one), or a new user registered from `register`.
async fn acceptor<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    inv: &Invitation,
    register: Option<Registration>,
    password_hash: Option<&Secret>,
) -> Result<User, AdminError> {
    let Some(reg) = register else {
        let Some(me) = ctx.caller.user() else {
            return Err(AdminError::new(
                403,
                "not_a_user",
                "an organization's API key cannot accept invitations",
            ));
        };
        if inv.scope == Scope::Tenant {
            return Err(AdminError::new(
                409,
                "already_registered",
                "this invitation registers a new user; you have an account",
            ));
        }
        let user: User = read(ctx.store, &keys::user(ctx.tenant, me))
            .await?
            .ok_or_else(|| AdminError::not_found("user"))?;
        if !user.email.trim().eq_ignore_ascii_case(inv.email.trim()) {
            return Err(AdminError::new(
                403,
                "invitation_email_mismatch",
                "the invitation is for another email address",
            ));
        }
        return Ok(user);
    };
    let id = UserId::new(reg.id.as_str())?;
    let first = reg.first_name.unwrap_or_else(|| inv.first_name.clone());
    let last = reg.last_name.unwrap_or_else(|| inv.last_name.clone());
    check_name_part("first_name", &first)?;
    check_name_part("last_name", &last)?;
    check_id_free(ctx, id.as_str()).await?;
    let now = ctx.timestamp();
    let user = User {
        id: id.clone(),
        first_name: first,
        last_name: last,
        email: inv.email.clone(),
        state: UserState::Approved,
        admin: false,
        created_at: now.clone(),
        updated_at: now,
        deleted_at: None,
    };
    plan.create(keys::id(ctx.tenant, id.as_str()), "user", None);
    save_new(plan, ctx.tenant, &user);
    if let Some(hash) = password_hash {
        plan.create(keys::password(ctx.tenant, &id), hash.expose(), None);
    }
    Ok(user)
}

/// Checks that `org` can be joined with `role` and plans the membership.
async fn join<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    org: &OrgId,
    role: &RoleId,
    user: &UserId,
) -> Result<MemberView, AdminError> {
    let o = load(ctx, org).await?;
    if o.state != OrgState::Approved {
        return Err(not_approved(org));
    }
    if ctx
        .store
        .get(&keys::member(ctx.tenant, org, user))
        .await?
        .is_some()
    {
        return Err(AdminError::new(
            409,
            "already_member",
            format!("{user} is already a member of {org}"),
        ));
    }
    if BuiltinRole::from_id(role.as_str()).is_none()
        && read::<S, CustomRole>(ctx.store, &keys::role(ctx.tenant, org, role))
            .await?
            .is_none()
    {
        return Err(AdminError::new(
            409,
            "role_not_found",
            format!("the invited role {role} no longer exists in {org}"),
        ));
    }
    let now = ctx.timestamp();
    let m = Membership {
        organization: org.clone(),
        user: user.clone(),
        grant: Grant::Role(role.clone()),
        created_at: now.clone(),
        updated_at: now,
    };
    plan.create(keys::user_org(ctx.tenant, user, org), role.as_str(), None);
    plan.create_json(keys::member(ctx.tenant, org, user), &m, None);
    member_view(ctx, &m).await
}

/// Accepts the invitation `token` stands for. The invitation is marked
/// accepted first; the account and the membership follow.
pub async fn accept<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    token: &Secret,
    register: Option<Registration>,
    password_hash: Option<&Secret>,
) -> Result<Accepted, AdminError> {
    let mut inv = usable(ctx, token).await?;
    let mut grants = Plan::new();
    let user = acceptor(ctx, &mut grants, &inv, register, password_hash).await?;
    let membership = match (&inv.scope, &inv.role) {
        (Scope::Organization(org), Some(role)) => {
            Some(join(ctx, &mut grants, org, role, &user.id).await?)
        }
        _ => None,
    };
    inv.state = InvitationState::Accepted;
    inv.accepted_by = Some(user.id.clone());
    inv.updated_at = ctx.timestamp();
    let keep = inv.keep_secs(ctx.now_ms);
    plan.put_expiring(
        keys::invitation(ctx.tenant, &inv.id),
        serde_json::to_string(&inv).unwrap_or_default(),
        None,
        keep,
    );
    plan.extend(grants);
    Ok(Accepted {
        invitation: inv.view(ctx.now_ms),
        user,
        membership,
    })
}
