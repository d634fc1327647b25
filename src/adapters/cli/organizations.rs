//! `orgwarden organizations …` in The Things Stack's shapes: `create <id>
//! --name …`, `search --name-contains …`, `delete`, `restore`, `purge`, and
//! the organization's members (collaborators), roles, API keys and
//! invitations beneath it. Each command is one [`Call`] built from the
//! server's request types.

use clap::Subcommand;
use serde_json::json;

use super::api_keys::{ApiKeys, Owner};
use super::invitations::OrgInvitations;
use super::members::{Members, Roles};
use super::remote::{enc, Call};
use super::{Failure, Filters, Paging, Yes};
use crate::admin::orgs::{CreateOrg, UpdateOrg};
use crate::admin::registration::Rejection;

/// `organizations …`.
#[derive(Debug, Subcommand)]
pub enum Organizations {
    /// Lists the organizations the credential may see.
    List(Paging),
    /// Lists organizations by ID, name and state (tenant admins also
    /// deleted ones).
    Search {
        /// What to match.
        #[command(flatten)]
        filters: Filters,
        /// Only this state.
        #[arg(long, value_parser = ["approved", "pending", "rejected"])]
        state: Option<String>,
        /// Paging.
        #[command(flatten)]
        paging: Paging,
    },
    /// One organization.
    Get {
        /// The organization's ID.
        organization_id: String,
    },
    /// Creates an organization; the caller becomes its owner.
    Create {
        /// The organization's ID.
        organization_id: String,
        /// Its name.
        #[arg(long)]
        name: String,
        /// Its description.
        #[arg(long, default_value = "", hide_default_value = true)]
        description: String,
        /// The first owner (tenant admins; default: the caller).
        #[arg(long, value_name = "USER_ID")]
        owner: Option<String>,
    },
    /// Changes the name or description.
    Update {
        /// The organization's ID.
        organization_id: String,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Deletes an organization (restorable within the tenant's window).
    Delete {
        /// The organization's ID.
        organization_id: String,
        /// Confirmation.
        #[command(flatten)]
        yes: Yes,
    },
    /// Restores a deleted organization (tenant admins, within the window).
    Restore {
        /// The organization's ID.
        organization_id: String,
    },
    /// Erases a deleted organization for good (tenant admins).
    Purge {
        /// The organization's ID.
        organization_id: String,
        /// Confirmation.
        #[command(flatten)]
        yes: Yes,
    },
    /// Approves a pending organization (tenant admins).
    Approve {
        /// The organization's ID.
        organization_id: String,
    },
    /// Rejects a pending organization, with a reason for its owner (tenant admins).
    Reject {
        /// The organization's ID.
        organization_id: String,
        /// Why.
        #[arg(long, default_value = "", hide_default_value = true)]
        reason: String,
    },
    /// The caller's effective rights on the organization.
    Rights {
        /// The organization's ID.
        organization_id: String,
    },
    /// The organization's members (The Things Stack: collaborators).
    #[command(subcommand, visible_alias = "collaborators")]
    Members(Members),
    /// The organization's custom roles (and the built-in ones).
    #[command(subcommand)]
    Roles(Roles),
    /// The organization's API keys.
    #[command(subcommand, name = "api-keys", visible_alias = "api-key")]
    ApiKeys(ApiKeys<OrgOwner>),
    /// Invitations to join the organization.
    #[command(subcommand, visible_alias = "invitation")]
    Invitations(OrgInvitations),
}

/// `--organization-id`, the owner of API keys under `organizations api-keys`.
#[derive(Debug, Clone, clap::Args)]
pub struct OrgOwner {
    /// The organization's ID.
    #[arg(long)]
    pub organization_id: String,
}

impl Owner for OrgOwner {
    fn path(&self) -> String {
        org_path(&self.organization_id)
    }
}

/// `/admin/organizations/{id}`.
pub fn org_path(id: &str) -> String {
    format!("/admin/organizations/{}", enc(id))
}

/// The call a command makes.
pub fn call(cmd: Organizations) -> Result<Call, Failure> {
    let base = "/admin/organizations".to_owned();
    Ok(match cmd {
        Organizations::List(paging) => Call::get(base).query(paging.query()),
        Organizations::Search {
            filters,
            state,
            paging,
        } => filters.search(base, state, paging),
        Organizations::Get { organization_id } => Call::get(org_path(&organization_id)),
        Organizations::Create {
            organization_id,
            name,
            description,
            owner,
        } => Call::post(
            base,
            &CreateOrg {
                id: organization_id,
                name,
                description,
                owner,
            },
        )?,
        Organizations::Update {
            organization_id,
            name,
            description,
        } => Call::put(org_path(&organization_id), &UpdateOrg { name, description })?,
        Organizations::Delete {
            organization_id,
            yes,
        } => Call::delete(
            org_path(&organization_id),
            format!("delete organization {organization_id}"),
            yes.yes,
        )
        .done(json!({ "deleted": organization_id })),
        Organizations::Restore { organization_id } => {
            Call::action(format!("{}/restore", org_path(&organization_id)))
        }
        Organizations::Purge {
            organization_id,
            yes,
        } => Call::delete(
            format!("{}/purge", org_path(&organization_id)),
            format!("purge organization {organization_id} (this cannot be undone)"),
            yes.yes,
        )
        .done(json!({ "purged": organization_id })),
        Organizations::Approve { organization_id } => {
            Call::action(format!("{}/approve", org_path(&organization_id)))
        }
        Organizations::Reject {
            organization_id,
            reason,
        } => Call::post(
            format!("{}/reject", org_path(&organization_id)),
            &Rejection { reason },
        )?,
        Organizations::Rights { organization_id } => {
            Call::get(format!("{}/rights", org_path(&organization_id)))
        }
        Organizations::Members(m) => super::members::call(m)?,
        Organizations::Roles(r) => super::members::roles(r)?,
        Organizations::ApiKeys(k) => super::api_keys::call(k)?,
        Organizations::Invitations(i) => super::invitations::org(i)?,
    })
}
