//! `orgwarden users …` in The Things Stack's shapes: `create <id>`, `get`,
//! `list`, `search` with filters, `update --state …`, `delete`, `restore`,
//! `purge`, and the user's API keys and the tenant's invitations beneath.

use std::io::Read;

use clap::Subcommand;
use serde_json::json;

use super::api_keys::{ApiKeys, Owner};
use super::invitations::TenantInvitations;
use super::remote::{enc, Call};
use super::{login, Failure, Filters, Paging, Yes};
use crate::admin::users::{CreateUser, UpdateUser};
use crate::model::records::UserState;

/// The user states, as the API spells them.
const STATES: [&str; 5] = ["requested", "approved", "rejected", "flagged", "suspended"];

/// `users …`.
#[derive(Debug, Subcommand)]
pub enum Users {
    /// Lists the tenant's users (tenant admins).
    List(Paging),
    /// Lists users by ID, name and state, or the deleted ones.
    Search {
        /// What to match.
        #[command(flatten)]
        filters: Filters,
        /// Only this state.
        #[arg(long, value_parser = STATES)]
        state: Option<String>,
        /// Paging.
        #[command(flatten)]
        paging: Paging,
    },
    /// One user.
    Get {
        /// The user's ID.
        user_id: String,
    },
    /// Creates a user (tenant admins).
    Create {
        /// The user's ID.
        user_id: String,
        /// Email address.
        #[arg(long, default_value = "", hide_default_value = true)]
        email: String,
        /// Given name.
        #[arg(long, default_value = "", hide_default_value = true)]
        first_name: String,
        /// Family name.
        #[arg(long, default_value = "", hide_default_value = true)]
        last_name: String,
        /// Initial state (default approved).
        #[arg(long, value_parser = STATES)]
        state: Option<String>,
        /// Make the user a tenant admin.
        #[arg(long)]
        admin: bool,
        /// Set a password, asked without echo.
        #[arg(long, conflicts_with = "password_stdin")]
        password: bool,
        /// Set a password read from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Changes names, email, state or the admin flag.
    Update {
        /// The user's ID.
        user_id: String,
        /// Given name.
        #[arg(long)]
        first_name: Option<String>,
        /// Family name.
        #[arg(long)]
        last_name: Option<String>,
        /// Email address.
        #[arg(long)]
        email: Option<String>,
        /// State (tenant admins): suspend with `suspended`.
        #[arg(long, value_parser = STATES)]
        state: Option<String>,
        /// Tenant admin flag (tenant admins).
        #[arg(long, value_name = "true|false")]
        admin: Option<bool>,
    },
    /// Deletes a user (restorable within the tenant's window).
    Delete {
        /// The user's ID.
        user_id: String,
        /// Confirmation.
        #[command(flatten)]
        yes: Yes,
    },
    /// Restores a deleted user.
    Restore {
        /// The user's ID.
        user_id: String,
    },
    /// Erases a deleted user for good.
    Purge {
        /// The user's ID.
        user_id: String,
        /// Confirmation.
        #[command(flatten)]
        yes: Yes,
    },
    /// The user's API keys.
    #[command(subcommand, name = "api-keys", visible_alias = "api-key")]
    ApiKeys(ApiKeys<UserOwner>),
    /// Invitations to register in the tenant.
    #[command(subcommand, visible_alias = "invitation")]
    Invitations(TenantInvitations),
}

/// `--user-id`, the owner of API keys under `users api-keys`.
#[derive(Debug, Clone, clap::Args)]
pub struct UserOwner {
    /// The user's ID.
    #[arg(long)]
    pub user_id: String,
}

impl Owner for UserOwner {
    fn path(&self) -> String {
        user_path(&self.user_id)
    }
}

fn user_path(id: &str) -> String {
    format!("/admin/users/{}", enc(id))
}

fn state(s: Option<String>) -> Result<Option<UserState>, Failure> {
    s.map(|s| serde_json::from_value(json!(s)).map_err(|e| super::usage(e.to_string())))
        .transpose()
}

/// The call a users command makes; a password is read only for `create`.
pub fn call(cmd: Users, stdin: &mut dyn Read) -> Result<Call, Failure> {
    let base = "/admin/users".to_owned();
    Ok(match cmd {
        Users::List(paging) => Call::get(base).query(paging.query()),
        Users::Search {
            filters,
            state,
            paging,
        } => filters.search(base, state, paging),
        Users::Get { user_id } => Call::get(user_path(&user_id)),
        Users::Create {
            user_id,
            email,
            first_name,
            last_name,
            state: s,
            admin,
            password,
            password_stdin,
        } => {
            let password = match (password, password_stdin) {
                (_, true) => Some(login::line(stdin)?),
                (true, false) => Some(login::prompt("Password for the new user: ")?),
                (false, false) => None,
            };
            let body = CreateUser {
                id: user_id,
                first_name,
                last_name,
                email,
                state: state(s)?,
                admin,
                password,
            };
            Call::post(base, &body)?
        }
        Users::Update {
            user_id,
            first_name,
            last_name,
            email,
            state: s,
            admin,
        } => {
            let body = UpdateUser {
                first_name,
                last_name,
                email,
                state: state(s)?,
                admin,
            };
            Call::put(user_path(&user_id), &body)?
        }
        Users::Delete { user_id, yes } => Call::delete(
            user_path(&user_id),
            format!("delete user {user_id}"),
            yes.yes,
        )
        .done(json!({ "deleted": user_id })),
        Users::Restore { user_id } => Call::action(format!("{}/restore", user_path(&user_id))),
        Users::Purge { user_id, yes } => Call::delete(
            format!("{}/purge", user_path(&user_id)),
            format!("purge user {user_id} (this cannot be undone)"),
            yes.yes,
        )
        .done(json!({ "purged": user_id })),
        Users::ApiKeys(k) => super::api_keys::call(k)?,
        Users::Invitations(i) => super::invitations::tenant(i)?,
    })
}
