//! Entities (applications, gateways, OAuth clients) and their collaborators
//! (CONTRACT section 3). Creating one names its owner — the caller, or an
//! organization in which the caller holds `RIGHT_ORGANIZATION_<KIND>S_CREATE`
//! — and the owner becomes a collaborator with the kind's `_ALL` right, so an
//! application created for an organization is shared with every member, each
//! through their own rights in it.
//!
//! An entity's collaborators are one listing: each key carries its rights as
//! a 64-bit number in the listing metadata, so a decision reads no records.

use serde::{Deserialize, Serialize};

use super::check_name;
use super::{
    check_description, membership_rights, read, rights_on_org, AdminError, Ctx, Page, Paging,
};
use crate::core::decide::{check_grant, EntityGrants, Principal, Subject};
use crate::core::ids::{validate_id, OrgId, TenantId, UserId};
use crate::core::rights::{Right, RightKind, RightSet};
pub use crate::model::entity::{Entity, EntityKind};
use crate::model::records::{Membership, User};
use crate::store::plan::Plan;
use crate::store::{keys, Store};

/// `POST …/{kind}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CreateEntity {
    /// ID.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub id: String,
    /// Display name, 1 to 50 characters.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::name")
    )]
    pub name: String,
    /// Description.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::description")
    )]
    pub description: String,
    /// The owning organization; the caller when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub organization_id: Option<String>,
}

/// `PUT …/{kind}/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct UpdateEntity {
    /// New name.
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

/// A collaborator: a user or an organization with rights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "openapi",
    schemars(extend("oneOf" = [{"required": ["user_id"]}, {"required": ["organization_id"]}]))
)]
pub struct Collaborator {
    /// A user collaborator.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub user_id: Option<String>,
    /// An organization collaborator.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub organization_id: Option<String>,
    /// Rights (short form).
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::rights")
    )]
    pub rights: Vec<String>,
}

/// Who a collaborator is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Who {
    /// A user.
    User(UserId),
    /// An organization.
    Organization(OrgId),
}

impl Who {
    fn tag(&self) -> &'static str {
        match self {
            Who::User(_) => "u",
            Who::Organization(_) => "o",
        }
    }

    fn id(&self) -> &str {
        match self {
            Who::User(u) => u.as_str(),
            Who::Organization(o) => o.as_str(),
        }
    }

    /// From the path segments `user/{id}` or `organization/{id}`.
    pub fn from_path(kind: &str, id: &str) -> Result<Who, AdminError> {
        match kind {
            "user" => Ok(Who::User(UserId::new(id)?)),
            "organization" => Ok(Who::Organization(OrgId::new(id)?)),
            _ => Err(AdminError::not_found("collaborator")),
        }
    }
}

fn check_entity_id(id: &str) -> Result<(), AdminError> {
    validate_id(id)?;
    Ok(())
}

async fn load<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    kind: EntityKind,
    id: &str,
) -> Result<Entity, AdminError> {
    check_entity_id(id).map_err(|_| AdminError::not_found(kind.path()))?;
    read(ctx.store, &keys::entity(ctx.tenant, kind.path(), id))
        .await?
        .ok_or_else(|| AdminError::not_found("entity"))
}

/// The entity's collaborators from one listing (rights in the metadata).
pub async fn grants<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    kind: EntityKind,
    id: &str,
) -> Result<(Vec<(UserId, RightSet)>, Vec<(OrgId, RightSet)>), AdminError> {
    grants_in(ctx.store, ctx.tenant, kind, id).await
}

/// [`grants`] without a caller: what the authorizing proxy reads.
pub async fn grants_in<S: Store + ?Sized>(
    store: &S,
    tenant: &TenantId,
    kind: EntityKind,
    id: &str,
) -> Result<(Vec<(UserId, RightSet)>, Vec<(OrgId, RightSet)>), AdminError> {
    let prefix = keys::collaborators(tenant, kind.path(), id);
    let (mut users, mut orgs) = (Vec::new(), Vec::new());
    for l in store.list_all(&prefix).await? {
        let Some(rest) = l.key.strip_prefix(&prefix) else {
            continue;
        };
        let bits = l
            .metadata
            .as_deref()
            .and_then(|m| m.parse::<u64>().ok())
            .unwrap_or(0);
        let rights = RightSet::from_bits_truncate(bits);
        match rest.split_once('/') {
            Some(("u", u)) => users.extend(UserId::new(u).ok().map(|u| (u, rights))),
            Some(("o", o)) => orgs.extend(OrgId::new(o).ok().map(|o| (o, rights))),
            _ => {}
        }
    }
    Ok((users, orgs))
}

/// The caller's effective rights on an entity: direct and through every
/// organization it is a member of that collaborates on the entity, with the
/// ceiling and universal rights applied.
pub async fn rights_on<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    kind: EntityKind,
    id: &str,
) -> Result<RightSet, AdminError> {
    let (users, orgs) = grants(ctx, kind, id).await?;
    rights_given(ctx, &users, &orgs).await
}

type Grants = (Vec<(UserId, RightSet)>, Vec<(OrgId, RightSet)>);

/// The caller's rights on an entity whose grants were already read, and the
/// grants, so that operations that need both list them once.
async fn rights_and_grants<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    kind: EntityKind,
    id: &str,
) -> Result<(RightSet, Grants), AdminError> {
    let (users, orgs) = grants(ctx, kind, id).await?;
    let rights = rights_given(ctx, &users, &orgs).await?;
    Ok((rights, (users, orgs)))
}

async fn rights_given<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    users: &[(UserId, RightSet)],
    orgs: &[(OrgId, RightSet)],
) -> Result<RightSet, AdminError> {
    let mut memberships = Vec::new();
    if let Principal::User(me) = &ctx.caller.principal {
        // Read memberships only for the organizations on both sides.
        let mine: Vec<OrgId> = ctx
            .store
            .list_all(&keys::user_orgs(ctx.tenant, me))
            .await?
            .iter()
            .filter_map(|l| OrgId::new(keys::last_component(&l.key)).ok())
            .collect();
        for (org, _) in orgs.iter().filter(|(o, _)| mine.contains(o)) {
            if let Some(m) =
                read::<S, Membership>(ctx.store, &keys::member(ctx.tenant, org, me)).await?
            {
                memberships.push((org.clone(), membership_rights(ctx, &m).await?));
            }
        }
    }
    let subject = Subject::new(
        ctx.caller.principal.clone(),
        memberships,
        ctx.caller.admin,
        ctx.caller.ceiling,
    );
    Ok(subject.rights_on(&EntityGrants::new(
        users.iter().cloned(),
        orgs.iter().cloned(),
    )))
}

/// `GET …/{kind}/{id}/rights`: the caller's rights on an existing entity.
pub async fn my_rights<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    kind: EntityKind,
    id: &str,
) -> Result<RightSet, AdminError> {
    load(ctx, kind, id).await?;
    rights_on(ctx, kind, id).await
}

fn put_collaborator(
    plan: &mut Plan,
    tenant: &TenantId,
    kind: EntityKind,
    id: &str,
    who: &Who,
    rights: RightSet,
) {
    plan.put(
        keys::collaborates(tenant, who.tag(), who.id(), kind.path(), id),
        "",
        None,
    );
    let value = serde_json::to_string(&rights).unwrap_or_default();
    plan.put(
        keys::collaborator(tenant, kind.path(), id, who.tag(), who.id()),
        value,
        Some(rights.bits().to_string()),
    );
}

fn remove_collaborator(plan: &mut Plan, tenant: &TenantId, kind: EntityKind, id: &str, who: &Who) {
    plan.delete(keys::collaborator(
        tenant,
        kind.path(),
        id,
        who.tag(),
        who.id(),
    ));
    plan.delete(keys::collaborates(
        tenant,
        who.tag(),
        who.id(),
        kind.path(),
        id,
    ));
}

/// `POST …/{kind}`: the owner (the caller, or `organization_id`) becomes a
/// collaborator with the kind's `_ALL` right. Plans the record, then the
/// owner's index entry and grant.
pub async fn create<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    kind: EntityKind,
    req: CreateEntity,
) -> Result<Entity, AdminError> {
    check_entity_id(&req.id)?;
    check_name(&req.name)?;
    check_description(&req.description)?;
    let owner = match (&req.organization_id, &ctx.caller.principal) {
        (Some(o), _) => {
            let org = OrgId::new(o.as_str())?;
            super::orgs::load(ctx, &org).await?;
            Subject::require(
                rights_on_org(ctx, &org).await?,
                RightSet::of(&[kind.org_create()]),
            )?;
            Who::Organization(org)
        }
        (None, Principal::User(me)) => {
            let own = Subject::new(ctx.caller.principal.clone(), [], false, ctx.caller.ceiling)
                .ceiling()
                .intersection(RightSet::of_kind(RightKind::User));
            if !ctx.caller.admin {
                Subject::require(own, RightSet::of(&[kind.user_create()]))?;
            }
            Who::User(me.clone())
        }
        (None, Principal::Organization(o)) => {
            Subject::require(
                ctx.caller.ceiling.unwrap_or(RightSet::EVERYTHING).implied(),
                RightSet::of(&[kind.org_create()]),
            )?;
            Who::Organization(o.clone())
        }
    };
    if ctx
        .store
        .get(&keys::entity(ctx.tenant, kind.path(), &req.id))
        .await?
        .is_some()
    {
        return Err(AdminError::new(
            409,
            "id_taken",
            format!("{} {} exists", kind.path(), req.id),
        ));
    }
    let now = ctx.timestamp();
    let entity = Entity {
        id: req.id,
        kind,
        name: req.name,
        description: req.description,
        created_at: now.clone(),
        updated_at: now,
    };
    plan.put_json(
        keys::entity(ctx.tenant, kind.path(), &entity.id),
        &entity,
        Some(entity.name.clone()),
    );
    put_collaborator(
        plan,
        ctx.tenant,
        kind,
        &entity.id,
        &owner,
        RightSet::of(&[Right::all_of(kind.right_kind())]),
    );
    Ok(entity)
}

/// `GET …/{kind}/{id}`: needs the kind's `_INFO` right.
pub async fn get<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    kind: EntityKind,
    id: &str,
) -> Result<Entity, AdminError> {
    let entity = load(ctx, kind, id).await?;
    Subject::require(
        rights_on(ctx, kind, id).await?,
        RightSet::of(&[kind.info()]),
    )?;
    Ok(entity)
}

/// `PUT …/{kind}/{id}`: needs the kind's `_SETTINGS_BASIC` right.
pub async fn update<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    kind: EntityKind,
    id: &str,
    req: UpdateEntity,
) -> Result<Entity, AdminError> {
    let mut entity = load(ctx, kind, id).await?;
    Subject::require(
        rights_on(ctx, kind, id).await?,
        RightSet::of(&[kind.settings_basic()]),
    )?;
    if let Some(name) = req.name {
        check_name(&name)?;
        entity.name = name;
    }
    if let Some(d) = req.description {
        check_description(&d)?;
        entity.description = d;
    }
    entity.updated_at = ctx.timestamp();
    plan.put_json(
        keys::entity(ctx.tenant, kind.path(), id),
        &entity,
        Some(entity.name.clone()),
    );
    Ok(entity)
}

/// `DELETE …/{kind}/{id}`: needs the kind's `_DELETE` right. Removes every
/// grant first, then the record: a stop half-way leaves an entity with fewer
/// collaborators, never an orphan grant on a future entity of the same ID.
pub async fn delete<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    kind: EntityKind,
    id: &str,
) -> Result<(), AdminError> {
    load(ctx, kind, id).await?;
    let (held, (users, orgs)) = rights_and_grants(ctx, kind, id).await?;
    Subject::require(held, RightSet::of(&[kind.delete()]))?;
    for who in users
        .into_iter()
        .map(|(u, _)| Who::User(u))
        .chain(orgs.into_iter().map(|(o, _)| Who::Organization(o)))
    {
        remove_collaborator(plan, ctx.tenant, kind, id, &who);
    }
    plan.delete(keys::entity(ctx.tenant, kind.path(), id));
    Ok(())
}

/// `GET …/{kind}`: every entity of the kind for a tenant admin; otherwise the
/// ones the caller collaborates on, directly or through its organizations.
pub async fn list<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    kind: EntityKind,
    paging: Paging,
) -> Result<Page<Entity>, AdminError> {
    let mut ids: Vec<String> = Vec::new();
    if ctx.caller.admin {
        let prefix = keys::entities(ctx.tenant, kind.path());
        ids = ctx
            .store
            .list_all(&prefix)
            .await?
            .into_iter()
            .filter_map(|l| l.key.strip_prefix(&prefix).map(str::to_owned))
            .collect();
    } else {
        let mut sources: Vec<(&str, String)> = Vec::new();
        match &ctx.caller.principal {
            Principal::User(me) => {
                sources.push(("u", me.to_string()));
                for l in ctx.store.list_all(&keys::user_orgs(ctx.tenant, me)).await? {
                    sources.push(("o", keys::last_component(&l.key).to_owned()));
                }
            }
            Principal::Organization(o) => sources.push(("o", o.to_string())),
        }
        for (who, id) in sources {
            for l in ctx
                .store
                .list_all(&keys::collaborations(ctx.tenant, who, &id, kind.path()))
                .await?
            {
                ids.push(keys::last_component(&l.key).to_owned());
            }
        }
        crate::core::order::sort(&mut ids);
        ids.dedup();
    }
    let page = paging.apply(ids);
    let mut items = Vec::with_capacity(page.items.len());
    for id in &page.items {
        if let Some(e) =
            read::<S, Entity>(ctx.store, &keys::entity(ctx.tenant, kind.path(), id)).await?
        {
            items.push(e);
        }
    }
    Ok(Page {
        items,
        total: page.total,
    })
}

/// `GET …/{kind}/{id}/collaborators`: needs the kind's `_INFO` right.
pub async fn collaborators<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    kind: EntityKind,
    id: &str,
) -> Result<Vec<Collaborator>, AdminError> {
    load(ctx, kind, id).await?;
    Subject::require(
        rights_on(ctx, kind, id).await?,
        RightSet::of(&[kind.info()]),
    )?;
    let (users, orgs) = grants(ctx, kind, id).await?;
    let names = |r: RightSet| r.names().into_iter().map(str::to_owned).collect::<Vec<_>>();
    Ok(users
        .into_iter()
        .map(|(u, r)| Collaborator {
            user_id: Some(u.to_string()),
            organization_id: None,
            rights: names(r),
        })
        .chain(orgs.into_iter().map(|(o, r)| Collaborator {
            user_id: None,
            organization_id: Some(o.to_string()),
            rights: names(r),
        }))
        .collect())
}

/// `PUT …/{kind}/{id}/collaborators`: sets a collaborator's rights. Needs the
/// kind's `_SETTINGS_COLLABORATORS` right and every right added or removed;
/// rights must be of the entity's kind; adding an organization needs
/// `RIGHT_ORGANIZATION_ADD_AS_COLLABORATOR` in it (as in The Things Stack).
pub async fn set_collaborator<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    kind: EntityKind,
    id: &str,
    body: Collaborator,
) -> Result<Collaborator, AdminError> {
    let who = match (&body.user_id, &body.organization_id) {
        (Some(u), None) => Who::User(UserId::new(u.as_str())?),
        (None, Some(o)) => Who::Organization(OrgId::new(o.as_str())?),
        _ => {
            return Err(AdminError::invalid(
                "give either `user_id` or `organization_id`",
            ))
        }
    };
    let rights = RightSet::from_names(body.rights.iter().map(String::as_str))?;
    if rights.is_empty() {
        return Err(AdminError::invalid(
            "`rights` is empty; remove a collaborator with DELETE",
        ));
    }
    let outside = rights
        .implied()
        .difference(RightSet::of_kind(kind.right_kind()));
    if !outside.is_empty() {
        return Err(AdminError::new(
            400,
            "right_not_applicable",
            format!(
                "{} collaborators cannot hold {}",
                kind.path(),
                outside.names().join(", ")
            ),
        ));
    }
    load(ctx, kind, id).await?;
    let (held, (users, orgs)) = rights_and_grants(ctx, kind, id).await?;
    Subject::require(held, RightSet::of(&[kind.settings_collaborators()]))?;
    let before = match &who {
        Who::User(u) => users
            .iter()
            .find(|(x, _)| x == u)
            .map_or(RightSet::EMPTY, |(_, r)| *r),
        Who::Organization(o) => orgs
            .iter()
            .find(|(x, _)| x == o)
            .map_or(RightSet::EMPTY, |(_, r)| *r),
    };
    check_grant(held, before, rights)?;
    match &who {
        Who::User(u) => {
            let user: Option<User> = read(ctx.store, &keys::user(ctx.tenant, u)).await?;
            if user.is_none_or(|u| u.deleted_at.is_some()) {
                return Err(AdminError::invalid(format!(
                    "{u} is not a user of this tenant"
                )));
            }
        }
        Who::Organization(o) => {
            super::orgs::load(ctx, o).await.map_err(|_| {
                AdminError::invalid(format!("{o} is not an organization of this tenant"))
            })?;
            if before.is_empty() {
                Subject::require(
                    rights_on_org(ctx, o).await?,
                    RightSet::of(&[Right::OrganizationAddAsCollaborator]),
                )?;
            }
        }
    }
    put_collaborator(plan, ctx.tenant, kind, id, &who, rights);
    Ok(Collaborator {
        user_id: body.user_id,
        organization_id: body.organization_id,
        rights: rights.names().into_iter().map(str::to_owned).collect(),
    })
}

/// `DELETE …/{kind}/{id}/collaborators/{user|organization}/{id}`: needs the
/// kind's `_SETTINGS_COLLABORATORS` right and every right removed. The grant
/// goes first, the index entry last.
pub async fn remove<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    kind: EntityKind,
    id: &str,
    who: &Who,
) -> Result<(), AdminError> {
    load(ctx, kind, id).await?;
    let (held, (users, orgs)) = rights_and_grants(ctx, kind, id).await?;
    Subject::require(held, RightSet::of(&[kind.settings_collaborators()]))?;
    let before = match who {
        Who::User(u) => users.iter().find(|(x, _)| x == u).map(|(_, r)| *r),
        Who::Organization(o) => orgs.iter().find(|(x, _)| x == o).map(|(_, r)| *r),
    }
    .ok_or_else(|| AdminError::not_found("collaborator"))?;
    check_grant(held, before, RightSet::EMPTY)?;
    remove_collaborator(plan, ctx.tenant, kind, id, who);
    Ok(())
}
