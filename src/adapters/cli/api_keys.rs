//! `organizations api-keys …` and `users api-keys …`: one set of commands,
//! generic over the owner flag (`--organization-id` or `--user-id`), as in
//! The Things Stack's CLI. `create` prints the key once; the server never
//! shows it again.

use clap::Subcommand;
use serde_json::json;

use super::remote::{enc, Call};
use super::rights::RightFlags;
use super::{usage, Failure, Paging, Yes};
use crate::admin::api_keys::{CreateKey, UpdateKey};

/// The owner of API keys: how its flag reads and its path.
pub trait Owner: clap::Args + std::fmt::Debug {
    /// The owner's path under the tenant's API.
    fn path(&self) -> String;
}

/// `… api-keys …`.
#[derive(Debug, Subcommand)]
pub enum ApiKeys<O: Owner> {
    /// Lists the keys (never their secrets).
    List {
        /// Owner.
        #[command(flatten)]
        owner: O,
        /// Paging.
        #[command(flatten)]
        paging: Paging,
    },
    /// Creates a key with rights the caller holds; prints it once.
    Create {
        /// Owner.
        #[command(flatten)]
        owner: O,
        /// The key's name.
        #[arg(long)]
        name: String,
        /// Expiry, RFC 3339 (default: none).
        #[arg(long, value_name = "TIME")]
        expires_at: Option<String>,
        /// Its rights.
        #[command(flatten)]
        rights: RightFlags,
    },
    /// One key.
    Get {
        /// Owner.
        #[command(flatten)]
        owner: O,
        /// The key's ID.
        #[arg(long)]
        api_key_id: String,
    },
    /// Renames a key or replaces its rights.
    Update {
        /// Owner.
        #[command(flatten)]
        owner: O,
        /// The key's ID.
        #[arg(long)]
        api_key_id: String,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New rights.
        #[command(flatten)]
        rights: RightFlags,
    },
    /// Deletes a key: it stops working at once.
    Delete {
        /// Owner.
        #[command(flatten)]
        owner: O,
        /// The key's ID.
        #[arg(long)]
        api_key_id: String,
        /// Confirmation.
        #[command(flatten)]
        yes: Yes,
    },
}

fn key_path<O: Owner>(owner: &O, id: &str) -> String {
    format!("{}/api-keys/{}", owner.path(), enc(id))
}

/// The call an API keys command makes.
pub fn call<O: Owner>(cmd: ApiKeys<O>) -> Result<Call, Failure> {
    Ok(match cmd {
        ApiKeys::List { owner, paging } => {
            Call::get(format!("{}/api-keys", owner.path())).query(paging.query())
        }
        ApiKeys::Create {
            owner,
            name,
            expires_at,
            rights,
        } => Call::post(
            format!("{}/api-keys", owner.path()),
            &CreateKey {
                name,
                rights: rights
                    .given()
                    .ok_or_else(|| usage("give the key's rights (--right-… or --rights)"))?,
                expires_at,
            },
        )?
        .notice("The key is shown this once: store it now."),
        ApiKeys::Get { owner, api_key_id } => Call::get(key_path(&owner, &api_key_id)),
        ApiKeys::Update {
            owner,
            api_key_id,
            name,
            rights,
        } => Call::put(
            key_path(&owner, &api_key_id),
            &UpdateKey {
                name,
                rights: rights.given(),
            },
        )?,
        ApiKeys::Delete {
            owner,
            api_key_id,
            yes,
        } => Call::delete(
            key_path(&owner, &api_key_id),
            format!("delete API key {api_key_id}"),
            yes.yes,
        )
        .done(json!({ "deleted": api_key_id })),
    })
}
