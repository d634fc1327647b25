//! The directory: the facts a remote decider (the gateway component, the
//! Envoy filter) needs about one tenant, read from the store the edge reads,
//! as the JSON documents [`Fact::from_json`](crate::model::facts::Fact::from_json)
//! decodes. `GET /t/{tenant}/api/v1/directory/…`:
//!
//! | path | fact |
//! |---|---|
//! | `epochs` | every revocation epoch of the tenant |
//! | `grants/{kind}/{id}` | an entity's collaborators (none: `{}`) |
//! | `api-keys/{keyId}` | the key (its secret only as SHA-256) and its owner's state; `null` when there is none (a malformed ID is a 400) |
//! | `principals/{userId}` | a user's state, admin flag and approved memberships (unknown: inactive) |
//!
//! Every answer is a fact, never a 404 for a missing record: "no such key"
//! is itself what a decider needs to know. The credential is the
//! deployment's `DIRECTORY_KEY`, whose only power is this read: it signs no
//! one in, writes nothing and passes no proxy rule (docs/directory.md says
//! why a deployment secret and not an API key). Answers may be cached for
//! the edge's own fact TTL and no longer, by the decider alone.

use super::admin;
use super::message::{Request, Response};
use super::serve::Deployment;
use super::table::{Op, Params};
use crate::admin::AdminError;
use crate::auth;
use crate::core::ids::{validate_id, UserId};
use crate::core::password::secrets_equal;
use crate::core::problem::Problem;
use crate::model::entity::EntityKind;
use crate::model::facts::Need;
use crate::proxy::config::DEFAULT_CACHE_TTL_SECS;
use crate::store::facts::fact_json;
use crate::store::Store;

/// Answers a directory read.
pub async fn answer<S: Store + ?Sized>(
    store: &S,
    d: &Deployment<'_>,
    op: Op,
    params: &Params,
    req: &Request,
) -> Response {
    if let Err(r) = check_key(d, req) {
        return r;
    }
    match read(store, op, params).await {
        Ok(json) => Response::json(200, &json).with(
            "cache-control",
            format!("private, max-age={DEFAULT_CACHE_TTL_SECS}"),
        ),
        Err(e) => Response::error(&e),
    }
}

async fn read<S: Store + ?Sized>(
    store: &S,
    op: Op,
    params: &Params,
) -> Result<serde_json::Value, AdminError> {
    let tenant = admin::tenant(params)?;
    let need = match op {
        Op::DirectoryEpochs => Need::Epochs(tenant),
        Op::DirectoryGrants => {
            let kind = EntityKind::from_path(params.get("kind"))
                .ok_or_else(|| AdminError::not_found("endpoint"))?;
            let id = params.get("id");
            validate_id(id).map_err(|_| AdminError::invalid("the entity ID is not a valid ID"))?;
            Need::Grants(tenant, kind, id.to_owned())
        }
        Op::DirectoryApiKey => {
            // Deciders ask only for IDs a key can have (`split_key` checks).
            let id = params.get("keyId");
            if !crate::model::api_key::is_key_id(id) {
                return Err(AdminError::invalid("the key ID is not a valid key ID"));
            }
            Need::ApiKey(tenant, id.to_owned())
        }
        Op::DirectoryPrincipal => {
            let user = UserId::new(params.get("userId"))
                .map_err(|_| AdminError::invalid("the user ID is not a valid ID"))?;
            Need::Principal(tenant, user)
        }
        _ => return Err(AdminError::not_found("endpoint")),
    };
    fact_json(store, &need)
        .await?
        .ok_or_else(|| AdminError::not_found("fact"))
}

/// Whether the request carries one of the directory keys (`DIRECTORY_KEY`,
/// several separated by whitespace while one is being rotated) as its
/// bearer credential.
fn check_key(d: &Deployment<'_>, req: &Request) -> Result<(), Response> {
    let keys: Vec<&str> = d
        .directory_key
        .map(|k| k.split_whitespace().filter(|k| k.len() >= 16).collect())
        .unwrap_or_default();
    if keys.is_empty() {
        return Err(Response::problem(&Problem::new(
            503,
            "directory_key_unset",
            "DIRECTORY_KEY is not configured: the directory is off",
        )));
    }
    let Some(presented) = super::serve::bearer(req) else {
        return Err(Response::denial(&auth::Denial::unauthorized(
            "credential_missing",
            "the directory key is required as a Bearer credential",
        )));
    };
    // Every key is compared, so the time taken says nothing about which matched.
    let matched = keys
        .iter()
        .fold(false, |any, k| secrets_equal(k, presented) | any);
    if matched {
        Ok(())
    } else {
        Err(Response::denial(&auth::Denial::unauthorized(
            "credential_invalid",
            "wrong directory key",
        )))
    }
}
