//! Organizations: create, get, list, soft delete.

use serde::{Deserialize, Serialize};

use super::check_name;
use super::revocations::{revoking, Revoke};
use super::{check_description, read, rights_on_loaded, AdminError, Ctx, Page, Paging};
use crate::core::decide::{Principal, Subject};
use crate::core::ids::TenantId;
use crate::core::ids::{OrgId, RoleId, UserId};
use crate::core::rights::{Right, RightKind, RightSet};
use crate::core::roles::BuiltinRole;
use crate::model::records::{Grant, ListingMeta, Membership, OrgState, Organization, User};
use crate::store::plan::Plan;
use crate::store::{keys, Store};

/// `POST /api/v1/admin/organizations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CreateOrg {
    /// The new organization's ID.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub id: String,
    /// Display name, 1 to 50 characters.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name")
    )]
    pub name: String,
    /// Description, at most 2000 characters.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::description")
    )]
    pub description: String,
    /// The first owner: the caller when a user creates it; optional for a tenant admin.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub owner: Option<String>,
}

/// Filters of a listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgFilter {
    /// Substring of the ID.
    pub id_contains: Option<String>,
    /// Substring of the name (case-insensitive).
    pub name_contains: Option<String>,
    /// Exact state.
    pub state: Option<OrgState>,
    /// List soft-deleted ones instead (tenant admins only).
    pub deleted: bool,
}

impl OrgFilter {
    fn matches(&self, id: &str, meta: &ListingMeta) -> bool {
        meta.deleted == self.deleted
            && self.id_contains.as_deref().is_none_or(|s| id.contains(s))
            && self
                .name_contains
                .as_deref()
                .is_none_or(|s| meta.name.to_lowercase().contains(&s.to_lowercase()))
            && self.state.is_none_or(|s| state_name(s) == meta.state)
    }
}

fn state_name(s: OrgState) -> &'static str {
    match s {
        OrgState::Approved => "approved",
        OrgState::Pending => "pending",
        OrgState::Rejected => "rejected",
    }
}

fn listing_meta(o: &Organization) -> ListingMeta {
    ListingMeta {
        name: o.name.clone(),
        state: state_name(o.state).into(),
        deleted: o.deleted_at.is_some(),
    }
}

fn metadata(o: &Organization) -> String {
    serde_json::to_string(&listing_meta(o)).unwrap_or_default()
}

/// Plans an organization record with its listing metadata.
pub(super) fn save(plan: &mut Plan, tenant: &TenantId, org: &Organization) {
    plan.put_json(keys::org(tenant, &org.id), org, Some(metadata(org)));
}

/// Whether an ID of the shared user/organization namespace is in use: taken
/// by a live record (409 `id_taken`) or reserved by a soft-deleted one (409
/// `id_reserved`). A namespace entry without a record (a create that stopped
/// half-way) does not hold the ID.
pub async fn check_id_free<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    id: &str,
) -> Result<(), AdminError> {
    let Some(kind) = ctx.store.get(&keys::id(ctx.tenant, id)).await? else {
        return Ok(());
    };
    let deleted = match kind.as_str() {
        "organization" => {
            let o: Option<Organization> =
                read(ctx.store, &keys::org(ctx.tenant, &OrgId::new(id)?)).await?;
            o.map(|o| o.deleted_at.is_some())
        }
        "user" => {
            let u: Option<User> =
                read(ctx.store, &keys::user(ctx.tenant, &UserId::new(id)?)).await?;
            u.map(|u| u.deleted_at.is_some())
        }
        _ => None,
    };
    match deleted {
        None => Ok(()),
        Some(false) => Err(AdminError::new(
            409,
            "id_taken",
            format!("the ID {id} is taken by a user or an organization"),
        )),
        Some(true) => Err(AdminError::new(
            409,
            "id_reserved",
            format!(
                "the ID {id} belonged to a deleted record and stays reserved until it is purged"
            ),
        )),
    }
}

/// Creates an organization. A user creating one becomes its `owner` (and
/// needs `RIGHT_USER_ORGANIZATIONS_CREATE` in its credential); a tenant admin
/// may name an owner or none. Organization API keys cannot create organizations.
///
/// Plans, in order: the namespace entry, the record, the owner's reverse
/// index entry, the owner's membership. A stop after any of them grants
/// nothing the finished operation would not.
pub async fn create<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    req: CreateOrg,
) -> Result<Organization, AdminError> {
    let id = OrgId::new(req.id.as_str())?;
    check_name(&req.name)?;
    check_description(&req.description)?;
    let requested_owner = req.owner.as_deref().map(UserId::new).transpose()?;

    let owner = match (&ctx.caller.principal, ctx.caller.admin) {
        (Principal::Organization(_), _) => {
            return Err(AdminError::new(
                403,
                "insufficient_rights",
                "organizations cannot create organizations",
            ));
        }
        (Principal::User(_), true) => requested_owner,
        (Principal::User(me), false) => {
            let own = Subject::new(ctx.caller.principal.clone(), [], false, ctx.caller.ceiling)
                .ceiling()
                .intersection(RightSet::of_kind(RightKind::User));
            Subject::require(own, RightSet::of(&[Right::UserOrganizationsCreate]))?;
            if requested_owner.as_ref().is_some_and(|o| o != me) {
                return Err(AdminError::new(
                    403,
                    "insufficient_rights",
                    "only tenant admins may name another owner",
                ));
            }
            Some(me.clone())
        }
    };
    let org = NewOrg {
        id,
        name: req.name,
        description: req.description,
        state: OrgState::Approved,
        owner,
    };
    insert(ctx, plan, org).await
}

/// An organization to plan: ID, name, description, state and first owner.
#[derive(Debug)]
pub(super) struct NewOrg {
    pub id: OrgId,
    pub name: String,
    pub description: String,
    pub state: OrgState,
    pub owner: Option<UserId>,
}

/// Plans a new organization after its creator was authorized: the owner
/// must be a user, the ID free.
pub(super) async fn insert<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    new: NewOrg,
) -> Result<Organization, AdminError> {
    let NewOrg {
        id,
        name,
        description,
        state,
        owner,
    } = new;
    if let Some(o) = &owner {
        let user: Option<User> = read(ctx.store, &keys::user(ctx.tenant, o)).await?;
        if user.is_none_or(|u| u.deleted_at.is_some()) {
            return Err(AdminError::invalid(format!(
                "owner {o} is not a user of this tenant"
            )));
        }
    }
    check_id_free(ctx, id.as_str()).await?;

    let now = ctx.timestamp();
    let org = Organization {
        id: id.clone(),
        name,
        description,
        state,
        created_at: now.clone(),
        updated_at: now.clone(),
        deleted_at: None,
    };
    plan.create(keys::id(ctx.tenant, id.as_str()), "organization", None);
    plan.create_json(keys::org(ctx.tenant, &id), &org, Some(metadata(&org)));
    if let Some(owner) = owner {
        let m = Membership {
            organization: id.clone(),
            user: owner.clone(),
            grant: Grant::Role(RoleId::new(BuiltinRole::Owner.id())?),
            created_at: now.clone(),
            updated_at: now,
        };
        plan.create(
            keys::user_org(ctx.tenant, &owner, &id),
            BuiltinRole::Owner.id(),
            None,
        );
        plan.create_json(keys::member(ctx.tenant, &id, &owner), &m, None);
    }
    Ok(org)
}

/// Reads a live organization (404 when absent or soft-deleted, unless `deleted` is asked for).
pub async fn load<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    id: &OrgId,
) -> Result<Organization, AdminError> {
    let org: Option<Organization> = read(ctx.store, &keys::org(ctx.tenant, id)).await?;
    org.filter(|o| o.deleted_at.is_none())
        .ok_or_else(|| AdminError::not_found("organization"))
}

/// `GET …/organizations/{id}`: needs `RIGHT_ORGANIZATION_INFO` on it.
pub async fn get<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    id: &OrgId,
) -> Result<Organization, AdminError> {
    let org = load(ctx, id).await?;
    Subject::require(
        rights_on_loaded(ctx, &org).await?,
        RightSet::of(&[Right::OrganizationInfo]),
    )?;
    Ok(org)
}

/// `GET /api/v1/admin/organizations`: every organization for a tenant admin;
/// for anyone else, the organizations they are a member of.
pub async fn list<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    filter: &OrgFilter,
    paging: Paging,
) -> Result<Page<Organization>, AdminError> {
    if filter.deleted && !ctx.caller.admin {
        return Err(AdminError::new(
            403,
            "insufficient_rights",
            "only tenant admins list deleted organizations",
        ));
    }
    let ids: Vec<OrgId> = if ctx.caller.admin {
        // Filter on listing metadata: one list call per 1,000 organizations, no reads.
        let prefix = keys::orgs(ctx.tenant);
        ctx.store
            .list_all(&prefix)
            .await?
            .into_iter()
            .filter_map(|l| {
                let id = l.key.strip_prefix(&prefix)?.to_owned();
                let meta: ListingMeta =
                    serde_json::from_slice(l.metadata.as_deref()?.as_bytes()).ok()?;
                filter
                    .matches(&id, &meta)
                    .then(|| OrgId::new(id).ok())
                    .flatten()
            })
            .collect()
    } else if let Some(me) = ctx.caller.user() {
        // A member's organizations are few: read them once, filter and page
        // the records themselves.
        let mut mine = Vec::new();
        for l in ctx.store.list_all(&keys::user_orgs(ctx.tenant, me)).await? {
            let Ok(id) = OrgId::new(keys::last_component(&l.key)) else {
                continue;
            };
            if let Some(o) = read::<S, Organization>(ctx.store, &keys::org(ctx.tenant, &id)).await?
            {
                if filter.matches(id.as_str(), &listing_meta(&o)) {
                    mine.push(o);
                }
            }
        }
        return Ok(paging.apply(mine));
    } else {
        Vec::new()
    };
    let page = paging.apply(ids);
    let mut items = Vec::with_capacity(page.items.len());
    for id in &page.items {
        if let Some(o) = read::<S, Organization>(ctx.store, &keys::org(ctx.tenant, id)).await? {
            items.push(o);
        }
    }
    Ok(Page {
        items,
        total: page.total,
    })
}

/// `PUT …/organizations/{id}`: name and description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct UpdateOrg {
    /// New display name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name")
    )]
    pub name: Option<String>,
    /// New description.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::description")
    )]
    pub description: Option<String>,
}

/// Changes an organization's name or description (needs
/// `RIGHT_ORGANIZATION_SETTINGS_BASIC`). Its state changes through approval,
/// its ID never.
pub async fn update<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    id: &OrgId,
    req: UpdateOrg,
) -> Result<Organization, AdminError> {
    if let Some(name) = &req.name {
        check_name(name)?;
    }
    if let Some(d) = &req.description {
        check_description(d)?;
    }
    let mut org = load(ctx, id).await?;
    Subject::require(
        rights_on_loaded(ctx, &org).await?,
        RightSet::of(&[Right::OrganizationSettingsBasic]),
    )?;
    if let Some(name) = req.name {
        org.name = name;
    }
    if let Some(d) = req.description {
        org.description = d;
    }
    org.updated_at = ctx.timestamp();
    save(plan, ctx.tenant, &org);
    Ok(org)
}

/// `DELETE …/organizations/{id}`: a soft delete (needs
/// `RIGHT_ORGANIZATION_DELETE`). The record keeps `deleted_at`, the ID stays
/// reserved, memberships stay for a restore but grant nothing.
pub async fn delete<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    id: &OrgId,
) -> Result<Organization, AdminError> {
    let mut org = load(ctx, id).await?;
    Subject::require(
        rights_on_loaded(ctx, &org).await?,
        RightSet::of(&[Right::OrganizationDelete]),
    )?;
    let now = ctx.timestamp();
    org.deleted_at = Some(now.clone());
    org.updated_at = now;
    let mut change = Plan::new();
    save(&mut change, ctx.tenant, &org);
    revoking(
        plan,
        ctx.tenant,
        Revoke::Organization(id),
        ctx.now_ms,
        change,
    );
    Ok(org)
}
