//! `organizations members …` (The Things Stack: `organizations
//! collaborators set --user-id … --right-…`) and `organizations roles …`.

use clap::Subcommand;
use serde_json::json;

use super::organizations::org_path;
use super::remote::{enc, Call};
use super::rights::RightFlags;
use super::{usage, Failure, Paging, Yes};
use crate::admin::members::{MemberGrant, NewMember};
use crate::admin::roles_api::{NewRole, RoleBody};

/// `organizations members …`.
#[derive(Debug, Subcommand)]
pub enum Members {
    /// Lists the members with their roles and rights.
    List {
        /// The organization's ID.
        #[arg(long)]
        organization_id: String,
        /// Paging.
        #[command(flatten)]
        paging: Paging,
    },
    /// Adds a member, or changes a member's role or rights.
    Set {
        /// The organization's ID.
        #[arg(long)]
        organization_id: String,
        /// The user.
        #[arg(long)]
        user_id: String,
        /// A built-in (owner, admin, member) or custom role.
        #[arg(long)]
        role: Option<String>,
        /// Explicit rights instead of a role.
        #[command(flatten)]
        rights: RightFlags,
    },
    /// Removes a member (never the last owner).
    Delete {
        /// The organization's ID.
        #[arg(long)]
        organization_id: String,
        /// The user.
        #[arg(long)]
        user_id: String,
        /// Confirmation.
        #[command(flatten)]
        yes: Yes,
    },
}

/// `organizations roles …`.
#[derive(Debug, Subcommand)]
pub enum Roles {
    /// Lists the built-in and custom roles with their rights.
    List {
        /// The organization's ID.
        #[arg(long)]
        organization_id: String,
    },
    /// Creates a custom role.
    Create {
        /// The organization's ID.
        #[arg(long)]
        organization_id: String,
        /// The role's ID (not owner, admin or member).
        #[arg(long)]
        role_id: String,
        /// Its rights.
        #[command(flatten)]
        rights: RightFlags,
    },
    /// Replaces a custom role's rights (members holding it follow).
    Update {
        /// The organization's ID.
        #[arg(long)]
        organization_id: String,
        /// The role's ID.
        #[arg(long)]
        role_id: String,
        /// Its new rights.
        #[command(flatten)]
        rights: RightFlags,
    },
    /// Deletes a custom role nobody holds.
    Delete {
        /// The organization's ID.
        #[arg(long)]
        organization_id: String,
        /// The role's ID.
        #[arg(long)]
        role_id: String,
        /// Confirmation.
        #[command(flatten)]
        yes: Yes,
    },
}

/// The call a members command makes.
pub fn call(cmd: Members) -> Result<Call, Failure> {
    Ok(match cmd {
        Members::List {
            organization_id,
            paging,
        } => Call::get(format!("{}/members", org_path(&organization_id))).query(paging.query()),
        Members::Set {
            organization_id,
            user_id,
            role,
            rights,
        } => {
            let rights = rights.given();
            if role.is_none() == rights.is_none() {
                return Err(usage(
                    "give either --role or rights (--right-… or --rights)",
                ));
            }
            let members = format!("{}/members", org_path(&organization_id));
            let grant = MemberGrant {
                role: role.clone(),
                rights: rights.clone(),
            };
            let new = NewMember {
                user_id: user_id.clone(),
                role,
                rights,
            };
            // Set: change the membership, or make it when there is none.
            Call::put(format!("{members}/{}", enc(&user_id)), &grant)?
                .or_when_not_found(Call::post(members, &new)?)
        }
        Members::Delete {
            organization_id,
            user_id,
            yes,
        } => Call::delete(
            format!("{}/members/{}", org_path(&organization_id), enc(&user_id)),
            format!("remove {user_id} from {organization_id}"),
            yes.yes,
        )
        .done(json!({ "removed": user_id, "organization": organization_id })),
    })
}

fn rights_of(rights: RightFlags) -> Result<Vec<String>, Failure> {
    rights
        .given()
        .ok_or_else(|| usage("give the role's rights (--right-… or --rights)"))
}

/// The call a roles command makes.
pub fn roles(cmd: Roles) -> Result<Call, Failure> {
    Ok(match cmd {
        Roles::List { organization_id } => {
            Call::get(format!("{}/roles", org_path(&organization_id)))
        }
        Roles::Create {
            organization_id,
            role_id,
            rights,
        } => Call::post(
            format!("{}/roles", org_path(&organization_id)),
            &NewRole {
                id: role_id,
                rights: rights_of(rights)?,
            },
        )?,
        Roles::Update {
            organization_id,
            role_id,
            rights,
        } => Call::put(
            format!("{}/roles/{}", org_path(&organization_id), enc(&role_id)),
            &RoleBody {
                rights: rights_of(rights)?,
            },
        )?,
        Roles::Delete {
            organization_id,
            role_id,
            yes,
        } => Call::delete(
            format!("{}/roles/{}", org_path(&organization_id), enc(&role_id)),
            format!("delete role {role_id} of {organization_id}"),
            yes.yes,
        )
        .done(json!({ "deleted": role_id, "organization": organization_id })),
    })
}
