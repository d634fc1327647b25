//! Admin operations (CONTRACT section 5) on a [`Store`], each authorized by
//! rights read fresh from the store, never by "is logged in".
//!
//! Operations are plain async functions of a [`Ctx`]: the store, the tenant,
//! the time and the [`Caller`]. Adapters parse requests into their arguments
//! and map [`AdminError`] to problem documents.

pub mod accept;
pub mod account;
pub mod api_keys;
pub mod auth;
pub mod command;
pub mod entities;
pub mod invitations;
pub mod lifecycle;
pub mod members;
pub mod notifications;
pub mod orgs;
pub mod registration;
pub mod revocations;
pub mod roles_api;
pub mod settings;
pub mod tenants;
pub mod users;

use core::fmt;

use chrono::{DateTime, SecondsFormat};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use crate::core::decide::{Principal, RightsError};
use crate::core::ids::{IdError, OrgId, RoleId, TenantId};
use crate::core::problem::Problem;
use crate::core::rights::{Right, RightSet, UnknownRight};
use crate::core::roles::{role_rights, CustomRole, ORGANIZATION_HOLDABLE};
use crate::model::records::{Grant, Membership, OrgState, Organization};
use crate::store::{keys, Store, StoreError};

use crate::model::text;
pub use crate::model::text::{DESCRIPTION_MAX, NAME_MAX};

pub use crate::auth::Caller;
use crate::auth::{Challenge, Denial};

/// Everything an operation needs.
#[derive(Debug)]
pub struct Ctx<'a, S: ?Sized> {
    /// The store.
    pub store: &'a S,
    /// The tenant of the request.
    pub tenant: &'a TenantId,
    /// Now, Unix milliseconds.
    pub now_ms: i64,
    /// The caller.
    pub caller: &'a Caller,
}

impl<S: ?Sized> Ctx<'_, S> {
    /// Now in RFC 3339 with milliseconds (`2026-11-22T09:37:01.938Z`).
    pub fn timestamp(&self) -> String {
        DateTime::from_timestamp_millis(self.now_ms)
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
            .unwrap_or_default()
    }
}

/// A refused or failed admin operation: status, stable code, message.
/// Serializable: it crosses from the tenant's writer back to the edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminError {
    /// HTTP status.
    pub status: u16,
    /// Stable code.
    pub code: Cow<'static, str>,
    /// For people; never a secret.
    pub message: String,
    /// For `insufficient_rights`.
    #[serde(default)]
    pub missing: Option<RightSet>,
    /// For a refused credential: the challenge (`WWW-Authenticate`).
    #[serde(default)]
    pub challenge: Option<Challenge>,
}

impl AdminError {
    /// An error.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        AdminError {
            status,
            code: Cow::Borrowed(code),
            message: message.into(),
            missing: None,
            challenge: None,
        }
    }

    /// 400 with a precise reason.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "invalid_request", message)
    }

    /// 404.
    pub fn not_found(what: &str) -> Self {
        Self::new(404, "not_found", format!("{what} not found"))
    }

    /// The `WWW-Authenticate` value of a refused credential.
    pub fn www_authenticate(&self) -> Option<String> {
        self.challenge.map(|c| c.header(&self.message))
    }

    /// The problem document.
    pub fn to_problem(&self) -> Problem {
        let p = Problem::new(self.status, self.code.clone(), self.message.clone());
        match self.missing {
            Some(m) => p.with_missing(m),
            None => p,
        }
    }
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for AdminError {}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        // The backend's message may name keys: it goes to the log, not to
        // the caller.
        log::warn!("{e}");
        AdminError::new(503, "store_unavailable", "the store did not answer; nothing was changed or the change is partial and safe to retry")
    }
}

impl From<Denial> for AdminError {
    fn from(d: Denial) -> Self {
        AdminError {
            status: d.status,
            code: Cow::Borrowed(d.code),
            message: d.message,
            missing: d.missing,
            challenge: d.challenge,
        }
    }
}

impl From<RightsError> for AdminError {
    fn from(e: RightsError) -> Self {
        match e {
            RightsError::OrganizationNeedsOwner => AdminError::new(409, e.code(), e.to_string()),
            _ => AdminError {
                status: 403,
                code: Cow::Borrowed(e.code()),
                message: e.to_string(),
                missing: Some(e.missing()),
                challenge: None,
            },
        }
    }
}

impl From<IdError> for AdminError {
    fn from(e: IdError) -> Self {
        AdminError::new(400, e.code(), e.to_string())
    }
}

impl From<crate::core::roles::RoleError> for AdminError {
    fn from(e: crate::core::roles::RoleError) -> Self {
        let status = if matches!(e, crate::core::roles::RoleError::Reserved) {
            409
        } else {
            400
        };
        AdminError::new(status, e.code(), e.to_string())
    }
}

impl From<UnknownRight> for AdminError {
    fn from(e: UnknownRight) -> Self {
        AdminError::new(400, e.code(), e.to_string())
    }
}

/// Reads and parses a record; `None` when absent.
pub async fn read<S: Store + ?Sized, T: DeserializeOwned>(
    store: &S,
    key: &str,
) -> Result<Option<T>, AdminError> {
    match store.get(key).await? {
        None => Ok(None),
        Some(text) => serde_json::from_slice(text.as_bytes())
            .map(Some)
            .map_err(|_| {
                AdminError::new(500, "store_corrupt", "a stored record could not be read")
            }),
    }
}

/// The rights a membership stands for (short form): its explicit rights, or
/// its role's, read through the organization's custom roles when needed.
pub async fn membership_rights<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    m: &Membership,
) -> Result<RightSet, AdminError> {
    match &m.grant {
        Grant::Rights(r) => Ok(*r),
        Grant::Role(role) => {
            if let Some(r) = role_rights(role.as_str(), &[]) {
                return Ok(r);
            }
            let custom: Option<CustomRole> =
                read(ctx.store, &keys::role(ctx.tenant, &m.organization, role)).await?;
            // A membership whose custom role was deleted grants nothing.
            Ok(custom.map_or(RightSet::EMPTY, |c| c.rights))
        }
    }
}

/// The caller's effective rights on an organization, from the store.
pub async fn rights_on_org<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    org: &OrgId,
) -> Result<RightSet, AdminError> {
    let record: Option<Organization> = read(ctx.store, &keys::org(ctx.tenant, org)).await?;
    let approved = record.is_some_and(|o| o.state == OrgState::Approved);
    rights_on_record(ctx, org, approved).await
}

/// [`rights_on_org`] for an organization already read (one read less).
pub async fn rights_on_loaded<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    org: &Organization,
) -> Result<RightSet, AdminError> {
    rights_on_record(ctx, &org.id, org.state == OrgState::Approved).await
}

async fn rights_on_record<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    org: &OrgId,
    approved: bool,
) -> Result<RightSet, AdminError> {
    let held = match &ctx.caller.principal {
        Principal::User(u) => {
            match read::<S, Membership>(ctx.store, &keys::member(ctx.tenant, org, u)).await? {
                // A registered organization that is not approved (pending or
                // rejected) lets its members see it, nothing more: no
                // members added, no keys, no invitations before approval.
                // Expanded first: an owner holds RIGHT_ORGANIZATION_INFO
                // through RIGHT_ORGANIZATION_ALL.
                Some(m) if !approved => membership_rights(ctx, &m)
                    .await?
                    .implied()
                    .intersection(RightSet::of(&[Right::OrganizationInfo])),
                Some(m) => membership_rights(ctx, &m).await?,
                None => RightSet::EMPTY,
            }
        }
        Principal::Organization(o) if o == org => ORGANIZATION_HOLDABLE,
        Principal::Organization(_) => RightSet::EMPTY,
    };
    Ok(ctx
        .caller
        .subject_with([(org.clone(), held)])
        .rights_on_organization(org))
}

/// Checks a display name (see [`crate::model::text`]).
pub fn check_name(name: &str) -> Result<(), AdminError> {
    text::check_name("name", name).map_err(AdminError::invalid)
}

/// Checks a first or last name.
pub fn check_name_part(field: &str, value: &str) -> Result<(), AdminError> {
    text::check_name_part(field, value).map_err(AdminError::invalid)
}

/// Checks a description.
pub fn check_description(value: &str) -> Result<(), AdminError> {
    text::check_description(value).map_err(AdminError::invalid)
}

/// Checks an email address; an empty one only when not `required`.
pub fn check_email(field: &str, value: &str, required: bool) -> Result<(), AdminError> {
    text::check_email(field, value, required).map_err(AdminError::invalid)
}

/// Parses a JSON request body strictly (unknown fields refused) with a precise reason.
pub fn parse_body<T: DeserializeOwned>(body: &str) -> Result<T, AdminError> {
    if body.len() > 64 * 1024 {
        return Err(AdminError::new(
            413,
            "body_too_large",
            "request bodies are at most 64 KiB",
        ));
    }
    serde_json::from_slice(body.as_bytes())
        .map_err(|e| AdminError::invalid(format!("request body: {e}")))
}

/// A page of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many there are in all (the `X-Total-Count` header).
    pub total: usize,
}

/// The highest page number asked for (a page beyond the items is empty).
pub const PAGE_MAX: usize = 1_000_000;

/// `limit` (default 100, at most 1000) and `page` (from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// Items per page.
    pub limit: usize,
    /// Page number, from 1.
    pub page: usize,
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            limit: 100,
            page: 1,
        }
    }
}

impl Paging {
    /// Checked paging parameters.
    pub fn new(limit: Option<usize>, page: Option<usize>) -> Result<Paging, AdminError> {
        let limit = limit.unwrap_or(100);
        let page = page.unwrap_or(1);
        if !(1..=1000).contains(&limit) {
            return Err(AdminError::invalid("`limit` is 1 to 1000"));
        }
        if !(1..=PAGE_MAX).contains(&page) {
            return Err(AdminError::invalid("`page` is 1 to 1000000"));
        }
        Ok(Paging { limit, page })
    }

    /// The slice of `items` this page covers.
    pub fn apply<T>(&self, items: Vec<T>) -> Page<T> {
        let total = items.len();
        let start = self.limit.saturating_mul(self.page - 1);
        Page {
            items: items.into_iter().skip(start).take(self.limit).collect(),
            total,
        }
    }
}

/// Role IDs a request may name: built-in or a valid custom role ID.
pub fn parse_role(s: &str) -> Result<RoleId, AdminError> {
    RoleId::new(s).map_err(AdminError::from)
}
