//! `orgwarden applications|gateways|clients …`: the entities organizations
//! and users collaborate on, and their collaborators (The Things Stack:
//! `applications collaborators set --application-id … --user-id …
//! --right-…`). One set of commands, generic over the kind's ID flag.

use clap::Subcommand;
use serde_json::json;

use super::remote::{enc, Call};
use super::rights::RightFlags;
use super::{usage, Failure, Paging, Yes};
use crate::admin::entities::{Collaborator, CreateEntity, UpdateEntity};

/// A kind of entity: its path under the admin API and its ID flag.
pub trait Kind: clap::Args + std::fmt::Debug {
    /// `applications`, `gateways` or `clients`.
    const PATH: &'static str;
    /// The entity's ID from its flag.
    fn id(&self) -> &str;
}

macro_rules! kind {
    ($name:ident, $field:ident, $path:literal, $doc:literal) => {
        /// The ID flag of this kind.
        #[derive(Debug, Clone, clap::Args)]
        pub struct $name {
            #[doc = $doc]
            #[arg(long)]
            pub $field: String,
        }
        impl Kind for $name {
            const PATH: &'static str = $path;
            fn id(&self) -> &str {
                &self.$field
            }
        }
    };
}
kind!(
    Application,
    application_id,
    "applications",
    "The application's ID."
);
kind!(Gateway, gateway_id, "gateways", "The gateway's ID.");
kind!(Client, client_id, "clients", "The OAuth client's ID.");

/// `applications|gateways|clients …`.
#[derive(Debug, Subcommand)]
pub enum Entities<K: Kind> {
    /// Lists the ones the credential may see.
    List(Paging),
    /// One of them.
    Get(K),
    /// Creates one, owned by an organization (or by the calling user).
    Create {
        /// The new ID.
        #[command(flatten)]
        id: K,
        /// Its name.
        #[arg(long)]
        name: String,
        /// Its description.
        #[arg(long, default_value = "", hide_default_value = true)]
        description: String,
        /// The owning organization (default: the calling user).
        #[arg(long)]
        organization_id: Option<String>,
    },
    /// Changes the name or description.
    Update {
        /// Which.
        #[command(flatten)]
        id: K,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Deletes one.
    Delete {
        /// Which.
        #[command(flatten)]
        id: K,
        /// Confirmation.
        #[command(flatten)]
        yes: Yes,
    },
    /// The caller's effective rights on it (user-in-org ∩ org-on-entity).
    Rights(K),
    /// Its collaborators: users and organizations with rights.
    #[command(subcommand)]
    Collaborators(Collaborators<K>),
}

/// `… collaborators …`.
#[derive(Debug, Subcommand)]
pub enum Collaborators<K: Kind> {
    /// Lists the collaborators and their rights.
    List(K),
    /// Gives a user or an organization rights on it (replacing earlier ones).
    Set {
        /// Which.
        #[command(flatten)]
        id: K,
        /// A user collaborator.
        #[arg(
            long,
            conflicts_with = "organization_id",
            required_unless_present = "organization_id"
        )]
        user_id: Option<String>,
        /// An organization collaborator.
        #[arg(long)]
        organization_id: Option<String>,
        /// The rights.
        #[command(flatten)]
        rights: RightFlags,
    },
    /// Takes a collaborator's rights away.
    Delete {
        /// Which.
        #[command(flatten)]
        id: K,
        /// A user collaborator.
        #[arg(
            long,
            conflicts_with = "organization_id",
            required_unless_present = "organization_id"
        )]
        user_id: Option<String>,
        /// An organization collaborator.
        #[arg(long)]
        organization_id: Option<String>,
        /// Confirmation.
        #[command(flatten)]
        yes: Yes,
    },
}

fn path<K: Kind>(k: &K) -> String {
    format!("/admin/{}/{}", K::PATH, enc(k.id()))
}

/// The call an entities command makes.
pub fn call<K: Kind>(cmd: Entities<K>) -> Result<Call, Failure> {
    Ok(match cmd {
        Entities::List(paging) => Call::get(format!("/admin/{}", K::PATH)).query(paging.query()),
        Entities::Get(k) => Call::get(path(&k)),
        Entities::Create {
            id,
            name,
            description,
            organization_id,
        } => Call::post(
            format!("/admin/{}", K::PATH),
            &CreateEntity {
                id: id.id().to_owned(),
                name,
                description,
                organization_id,
            },
        )?,
        Entities::Update {
            id,
            name,
            description,
        } => Call::put(path(&id), &UpdateEntity { name, description })?,
        Entities::Delete { id, yes } => Call::delete(
            path(&id),
            format!("delete {} {}", K::PATH.trim_end_matches('s'), id.id()),
            yes.yes,
        )
        .done(json!({ "deleted": id.id() })),
        Entities::Rights(k) => Call::get(format!("{}/rights", path(&k))),
        Entities::Collaborators(c) => collaborators(c)?,
    })
}

fn collaborators<K: Kind>(cmd: Collaborators<K>) -> Result<Call, Failure> {
    Ok(match cmd {
        Collaborators::List(k) => Call::get(format!("{}/collaborators", path(&k))),
        Collaborators::Set {
            id,
            user_id,
            organization_id,
            rights,
        } => Call::put(
            format!("{}/collaborators", path(&id)),
            &Collaborator {
                user_id,
                organization_id,
                rights: rights
                    .given()
                    .ok_or_else(|| usage("give the rights (--right-… or --rights)"))?,
            },
        )?,
        Collaborators::Delete {
            id,
            user_id,
            organization_id,
            yes,
        } => {
            let (who, whom) = match (user_id, organization_id) {
                (Some(u), _) => ("user", u),
                (None, Some(o)) => ("organization", o),
                (None, None) => return Err(usage("give --user-id or --organization-id")),
            };
            Call::delete(
                format!("{}/collaborators/{who}/{}", path(&id), enc(&whom)),
                format!("remove {who} {whom} from {}", id.id()),
                yes.yes,
            )
            .done(json!({ "removed": whom, "from": id.id() }))
        }
    })
}
