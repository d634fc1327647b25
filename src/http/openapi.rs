//! docs/openapi.json, generated (feature `openapi`) from the endpoint table
//! and the very types the API parses and answers with: every path and
//! method comes from [`super::table::ENDPOINTS`], every request body's
//! fields, `required` and `additionalProperties` from serde's view of its
//! type, every constraint from [`super::schema`]. `tests/openapi_doc.rs`
//! fails when the file is not what this module makes.
//!
//! `{kind}` templates are written out per kind (applications, gateways,
//! clients), so that a collaborator's rights are listed for its kind.

#![expect(
    clippy::indexing_slicing,
    reason = "writes into JSON objects it built itself: serde_json's index of an object cannot fail"
)]

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use super::admin::{ENTITY_FIELDS, ORG_FIELDS, USER_FIELDS};
use super::table::{Endpoint, Op, ENDPOINTS};
use crate::admin::api_keys::{CreateKey, UpdateKey};
use crate::admin::entities::Collaborator;
use crate::admin::members::{MemberGrant, NewMember};
use crate::admin::roles_api::{NewRole, RoleBody};
use crate::admin::settings::SettingsPatch;
#[cfg(test)]
use crate::core::rights::RightKind;
use crate::model::entity::EntityKind;

/// What an operation answers on success.
enum Ok {
    /// No body (204).
    Empty,
    /// A component schema.
    Ref(&'static str),
    /// `{field: [items]}` with `X-Total-Count`.
    Page(&'static str, &'static str),
    /// `{field: [items]}` without paging.
    List(&'static str, &'static str),
}

/// How an operation is authorized.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Auth {
    None,
    Caller,
    Operator,
    /// The deployment's `DIRECTORY_KEY`.
    Directory,
}

struct OpDoc {
    summary: &'static str,
    status: u16,
    ok: Ok,
    body: Option<fn(&mut SchemaGenerator) -> Schema>,
    query: &'static [&'static str],
    auth: Auth,
}

fn body<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

const READ: &[u16] = &[400, 401, 403, 404, 500, 503];
const WRITE: &[u16] = &[400, 401, 403, 404, 409, 413, 415, 500, 503];
const DELETE: &[u16] = &[400, 401, 403, 404, 409, 500, 503];
const ACTION: &[u16] = &[400, 401, 403, 404, 409, 413, 415, 500, 503];
const ACCEPT: &[u16] = &[400, 401, 403, 404, 409, 410, 413, 415, 500, 503];
const LISTING: &[&str] = &["limit", "page"];
const FILTERED: &[&str] = &[
    "limit",
    "page",
    "id_contains",
    "name_contains",
    "state",
    "deleted",
    "field_mask",
];

fn doc(op: Op) -> OpDoc {
    use Op::*;
    let d = |summary, status, ok, body, query, auth| OpDoc {
        summary,
        status,
        ok,
        body,
        query,
        auth,
    };
    let c = Auth::Caller;
    match op {
        Health => d("Liveness", 200, Ok::Ref("Health"), None, &[], Auth::None),
        Jwks => d(
            "The deployment's public signing keys",
            200,
            Ok::Ref("Jwks"),
            None,
            &[],
            Auth::None,
        ),
        TenantJwks => d(
            "The public signing keys (per tenant path)",
            200,
            Ok::Ref("Jwks"),
            None,
            &[],
            Auth::None,
        ),
        Discovery => d(
            "Issuer metadata (RFC 8414 fields)",
            200,
            Ok::Ref("Discovery"),
            None,
            &[],
            Auth::None,
        ),
        Token => d(
            "OAuth 2.0 token endpoint: password and client_credentials grants",
            200,
            Ok::Ref("TokenResponse"),
            None,
            &[],
            Auth::None,
        ),
        CreateTenant => d(
            "Create a tenant and its first admin (operator key as bearer)",
            201,
            Ok::Ref("CreatedTenant"),
            Some(body::<crate::admin::tenants::CreateTenant>),
            &[],
            Auth::Operator,
        ),
        Metrics => d(
            "This isolate's proxy counters (operator key as bearer)",
            200,
            Ok::Ref("Metrics"),
            None,
            &[],
            Auth::Operator,
        ),
        Account => d(
            "The caller's user record",
            200,
            Ok::Ref("User"),
            None,
            &[],
            c,
        ),
        AccountOrganizations => d(
            "The caller's memberships",
            200,
            Ok::List("organizations", "MyMembership"),
            None,
            &[],
            c,
        ),
        ListOrgs => d(
            "List organizations (all for tenant admins, else the caller's)",
            200,
            Ok::Page("organizations", "OrganizationMasked"),
            None,
            FILTERED,
            c,
        ),
        CreateOrg => d(
            "Create an organization (the creator becomes owner)",
            201,
            Ok::Ref("Organization"),
            Some(body::<crate::admin::orgs::CreateOrg>),
            &[],
            c,
        ),
        GetOrg => d(
            "Get an organization",
            200,
            Ok::Ref("OrganizationMasked"),
            None,
            &["field_mask"],
            c,
        ),
        UpdateOrg => d(
            "Change name or description",
            200,
            Ok::Ref("Organization"),
            Some(body::<crate::admin::orgs::UpdateOrg>),
            &[],
            c,
        ),
        DeleteOrg => d(
            "Soft delete (the ID stays reserved)",
            204,
            Ok::Empty,
            None,
            &[],
            c,
        ),
        OrgRights => d(
            "The caller's rights on the organization",
            200,
            Ok::Ref("Rights"),
            None,
            &[],
            c,
        ),
        ListMembers => d(
            "List members",
            200,
            Ok::Page("members", "Member"),
            None,
            LISTING,
            c,
        ),
        AddMember => d(
            "Add a member (role or rights)",
            201,
            Ok::Ref("Member"),
            Some(body::<NewMember>),
            &[],
            c,
        ),
        UpdateMember => d(
            "Change a member's role or rights",
            200,
            Ok::Ref("Member"),
            Some(body::<MemberGrant>),
            &[],
            c,
        ),
        RemoveMember => d(
            "Remove a member (a member may always leave, except the last owner)",
            204,
            Ok::Empty,
            None,
            &[],
            c,
        ),
        ListRoles => d(
            "Built-in and custom roles",
            200,
            Ok::List("roles", "Role"),
            None,
            &[],
            c,
        ),
        CreateRole => d(
            "Create a custom role",
            201,
            Ok::Ref("Role"),
            Some(body::<NewRole>),
            &[],
            c,
        ),
        UpdateRole => d(
            "Change a custom role (every member at once)",
            200,
            Ok::Ref("Role"),
            Some(body::<RoleBody>),
            &[],
            c,
        ),
        DeleteRole => d("Delete a custom role", 204, Ok::Empty, None, &[], c),
        ListOrgKeys | ListUserKeys => d(
            "List API keys (never the secret)",
            200,
            Ok::Page("api_keys", "ApiKey"),
            None,
            LISTING,
            c,
        ),
        CreateOrgKey | CreateUserKey => d(
            "Create an API key (shown once)",
            201,
            Ok::Ref("CreatedApiKey"),
            Some(body::<CreateKey>),
            &[],
            c,
        ),
        GetOrgKey | GetUserKey => d("Get an API key", 200, Ok::Ref("ApiKey"), None, &[], c),
        UpdateOrgKey | UpdateUserKey => d(
            "Rename or change rights",
            200,
            Ok::Ref("ApiKey"),
            Some(body::<UpdateKey>),
            &[],
            c,
        ),
        DeleteOrgKey | DeleteUserKey => d(
            "Delete (its tokens stop at once)",
            204,
            Ok::Empty,
            None,
            &[],
            c,
        ),
        ListUsers => d(
            "List users (tenant admins)",
            200,
            Ok::Page("users", "UserMasked"),
            None,
            FILTERED,
            c,
        ),
        CreateUser => d(
            "Create a user (tenant admins)",
            201,
            Ok::Ref("User"),
            Some(body::<crate::admin::users::CreateUser>),
            &[],
            c,
        ),
        GetUser => d(
            "Get a user",
            200,
            Ok::Ref("UserMasked"),
            None,
            &["field_mask"],
            c,
        ),
        UpdateUser => d(
            "Change a user",
            200,
            Ok::Ref("User"),
            Some(body::<crate::admin::users::UpdateUser>),
            &[],
            c,
        ),
        DeleteUser => d(
            "Soft delete a user (the ID stays reserved)",
            204,
            Ok::Empty,
            None,
            &[],
            c,
        ),
        GetSettings => d("Tenant settings", 200, Ok::Ref("Settings"), None, &[], c),
        UpdateSettings => d(
            "Change tenant settings (tenant admins)",
            200,
            Ok::Ref("Settings"),
            Some(body::<SettingsPatch>),
            &[],
            c,
        ),
        ListEntities => d(
            "List",
            200,
            Ok::Page("", "EntityMasked"),
            None,
            &["limit", "page", "field_mask"],
            c,
        ),
        CreateEntity => d(
            "Create (the owner becomes a collaborator with _ALL)",
            201,
            Ok::Ref("Entity"),
            Some(body::<crate::admin::entities::CreateEntity>),
            &[],
            c,
        ),
        GetEntity => d(
            "Get",
            200,
            Ok::Ref("EntityMasked"),
            None,
            &["field_mask"],
            c,
        ),
        UpdateEntity => d(
            "Change name or description",
            200,
            Ok::Ref("Entity"),
            Some(body::<crate::admin::entities::UpdateEntity>),
            &[],
            c,
        ),
        DeleteEntity => d("Delete with its grants", 204, Ok::Empty, None, &[], c),
        EntityRights => d(
            "The caller's rights on it",
            200,
            Ok::Ref("Rights"),
            None,
            &[],
            c,
        ),
        ListCollaborators => d(
            "Collaborators",
            200,
            Ok::List("collaborators", "Collaborator"),
            None,
            &[],
            c,
        ),
        SetCollaborator => d(
            "Set a collaborator's rights",
            200,
            Ok::Ref("Collaborator"),
            Some(body::<Collaborator>),
            &[],
            c,
        ),
        RemoveCollaborator => d("Remove a collaborator", 204, Ok::Empty, None, &[], c),
        DirectoryEpochs | DirectoryGrants | DirectoryApiKey | DirectoryPrincipal => {
            directory_doc(op)
        }
        _ => flow_doc(op),
    }
}

/// The flows: registration, approval, restore and purge, invitations, the outbox.
fn flow_doc(op: Op) -> OpDoc {
    use Op::*;
    let d = |summary, status, ok, body| OpDoc {
        summary,
        status,
        ok,
        body,
        query: &[],
        auth: Auth::Caller,
    };
    let listing = |summary, field, item| OpDoc {
        query: LISTING,
        ..d(summary, 200, Ok::Page(field, item), None)
    };
    let invitation = Ok::Ref("Invitation");
    match op {
        RegisterOrg => d(
            "Register an organization (when the tenant's settings allow it; pending until approved unless auto-approved)",
            201,
            Ok::Ref("Organization"),
            Some(body::<crate::admin::registration::Registration>),
        ),
        ApproveOrg => d("Approve a pending organization (tenant admins)", 200, Ok::Ref("Organization"), None),
        RejectOrg => d(
            "Reject a pending organization, with a reason for its owner (tenant admins)",
            200,
            Ok::Ref("Organization"),
            Some(body::<crate::admin::registration::Rejection>),
        ),
        RestoreOrg => d("Restore a deleted organization within the restore window (tenant admins)", 200, Ok::Ref("Organization"), None),
        PurgeOrg => d("Erase an organization with its memberships, keys, grants and invitations; frees the ID (tenant admins)", 204, Ok::Empty, None),
        RestoreUser => d("Restore a deleted user within the restore window (tenant admins)", 200, Ok::Ref("User"), None),
        PurgeUser => d("Erase a user with its memberships, keys and grants; frees the ID (tenant admins)", 204, Ok::Empty, None),
        ListOrgInvitations => listing("Pending and expired invitations", "invitations", "Invitation"),
        CreateOrgInvitation => d(
            "Invite an email address with a role (the token goes out in the notification only)",
            201,
            invitation,
            Some(body::<crate::admin::invitations::NewInvitation>),
        ),
        RevokeOrgInvitation | RevokeTenantInvitation => d("Revoke an invitation (its token stops working)", 204, Ok::Empty, None),
        ResendOrgInvitation => d("Send an invitation again: new token, new expiry; the old token stops working", 200, invitation, None),
        ListTenantInvitations => listing("Pending and expired invitations to register (tenant admins)", "invitations", "Invitation"),
        CreateTenantInvitation => d(
            "Invite an email address to register in the tenant (tenant admins)",
            201,
            invitation,
            Some(body::<crate::admin::invitations::NewTenantInvitation>),
        ),
        AcceptInvitation => d(
            "Accept an invitation: signed in, join with the invited role; otherwise register (id, password) and join in one call",
            200,
            Ok::Ref("Accepted"),
            Some(body::<crate::admin::accept::Registration>),
        ),
        ListNotifications => listing("The outbox, newest first (tenant admins)", "notifications", "Notification"),
        _ => d("", 200, Ok::Empty, None),
    }
}

/// The directory: facts for remote deciders (docs/directory.md).
fn directory_doc(op: Op) -> OpDoc {
    use Op::*;
    let (summary, schema) = match op {
        DirectoryEpochs => ("Every revocation epoch of the tenant (directory key as bearer)", "DirectoryEpochs"),
        DirectoryGrants => ("An entity's collaborators, rights in short form (directory key as bearer)", "DirectoryGrants"),
        DirectoryApiKey => (
            "An API key (its secret only as SHA-256) with its owner's state; null when there is none (directory key as bearer)",
            "DirectoryApiKey",
        ),
        _ => (
            "A user's state, admin flag and approved memberships; unknown users are inactive (directory key as bearer)",
            "DirectoryPrincipal",
        ),
    };
    OpDoc {
        summary,
        status: 200,
        ok: Ok::Ref(schema),
        body: None,
        query: &[],
        auth: Auth::Directory,
    }
}

/// Operations whose body may be left out (an action, or a signed-in accept).
fn body_optional(op: Op) -> bool {
    matches!(op, Op::RejectOrg | Op::AcceptInvitation)
}

/// Operations without a documented body that can still conflict (409) or
/// take an optional empty body (413, 415).
fn action(op: Op) -> bool {
    matches!(
        op,
        Op::ApproveOrg | Op::RestoreOrg | Op::RestoreUser | Op::ResendOrgInvitation
    )
}

fn problem() -> Value {
    json!({"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}})
}

fn error_phrase(status: u16) -> &'static str {
    match status {
        400 => "Malformed input; nothing changed",
        401 => "No, malformed or invalid credential (WWW-Authenticate says why)",
        403 => "Missing rights (named in `missing`)",
        404 => "No such resource",
        409 => "Conflict: ID taken or reserved, last owner, exists, wrong state",
        410 => "Gone: the invitation was revoked or expired",
        413 => "Body over 64 KiB",
        415 => "Body not application/json",
        500 => "Server error (misconfiguration)",
        _ => "Store unavailable; safe to retry",
    }
}

fn path_param(name: &str) -> Value {
    let schema = match name {
        "keyId" => json!({"type": "string", "pattern": super::schema::KEY_ID_PATTERN}),
        "who" => json!({"enum": ["user", "organization"]}),
        "invitationId" => json!({"type": "string", "pattern": super::schema::KEY_ID_PATTERN}),
        "token" => json!({"type": "string", "pattern": "^OWI\\.[A-Z2-7]{16}\\.[A-Z2-7]{52}$",
            "description": "The invitation token from the notification"}),
        _ => {
            json!({"type": "string", "minLength": 2, "maxLength": 36, "pattern": super::schema::ID_PATTERN})
        }
    };
    json!({"name": name, "in": "path", "required": true, "schema": schema})
}

fn query_param(name: &str, op: Op) -> Value {
    let fields = match op {
        Op::ListUsers | Op::GetUser => USER_FIELDS,
        Op::ListEntities | Op::GetEntity => ENTITY_FIELDS,
        _ => ORG_FIELDS,
    };
    let states: &[&str] = if op == Op::ListUsers {
        &["requested", "approved", "rejected", "flagged", "suspended"]
    } else {
        &["approved", "pending", "rejected"]
    };
    let schema = match name {
        "limit" => json!({"type": "integer", "minimum": 1, "maximum": 1000}),
        "page" => json!({"type": "integer", "minimum": 1, "maximum": crate::admin::PAGE_MAX}),
        "deleted" => json!({"type": "boolean"}),
        "state" => json!({"enum": states}),
        "field_mask" => json!({"type": "array", "items": {"enum": fields}}),
        _ => json!({"type": "string", "maxLength": super::extract::FILTER_MAX}),
    };
    let mut p = json!({"name": name, "in": "query", "schema": schema});
    if name == "field_mask" {
        p["style"] = json!("form");
        p["explode"] = json!(false);
        p["description"] = json!("Fields to return, comma-separated; `id` always");
    }
    p
}

/// The operation object of `op` at `path`.
fn operation(op: Op, path: &str, kind: Option<EntityKind>, g: &mut SchemaGenerator) -> Value {
    let d = doc(op);
    let mut params: Vec<Value> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|n| n.strip_suffix('}')))
        .map(path_param)
        .collect();
    params.extend(d.query.iter().map(|q| query_param(q, op)));
    let mut responses = Map::new();
    let ok = match &d.ok {
        Ok::Empty => json!({"description": "Done"}),
        Ok::Ref(name) => {
            json!({"description": "OK", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}})
        }
        Ok::Page(field, item) | Ok::List(field, item) => {
            let field = if field.is_empty() {
                kind.map_or("items", EntityKind::path)
            } else {
                field
            };
            let mut r = json!({"description": "OK", "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": false, "required": [field],
                "properties": {field: {"type": "array", "items": {"$ref": format!("#/components/schemas/{item}")}}}}}}});
            if matches!(d.ok, Ok::Page(..)) {
                r["headers"] = json!({"X-Total-Count": {"schema": {"type": "integer", "minimum": 0}, "description": "Items in all pages"}});
            }
            r
        }
    };
    responses.insert(d.status.to_string(), ok);
    if op == Op::Token {
        return token_operation(params);
    }
    let errors: &[u16] = match (d.auth, d.body.is_some(), d.status) {
        _ if op == Op::AcceptInvitation => ACCEPT,
        _ if action(op) => ACTION,
        (Auth::None, _, _) => &[404, 500, 503],
        (Auth::Directory, _, _) => &[400, 401, 404, 500, 503],
        (_, true, _) => WRITE,
        (_, false, 204) => DELETE,
        _ => READ,
    };
    for status in errors {
        if *status == 404 && matches!(op, Op::Health | Op::Jwks | Op::Metrics | Op::CreateTenant) {
            continue;
        }
        responses.insert(
            status.to_string(),
            json!({"description": error_phrase(*status), "content": problem()}),
        );
    }
    let mut o = json!({
        "operationId": operation_id(op, kind),
        "summary": d.summary,
        "parameters": params,
        "responses": responses,
    });
    if d.auth == Auth::None {
        o["security"] = json!([]);
    }
    if d.auth == Auth::Directory {
        o["security"] = json!([{"directory": []}]);
    }
    if op == Op::AcceptInvitation {
        // Signed in, or not at all (a new person registering).
        o["security"] = json!([{}, {"bearer": []}]);
    }
    if let Some(f) = d.body {
        let mut schema = f(g).to_value();
        narrow_rights(op, kind, &mut schema);
        o["requestBody"] = json!({"required": !body_optional(op), "content": {"application/json": {"schema": schema}}});
    }
    o
}

/// Rights a body may name, where the kind of owner or entity narrows them.
fn narrow_rights(op: Op, kind: Option<EntityKind>, schema: &mut Value) {
    let narrowed = match (op, kind) {
        (Op::SetCollaborator, Some(k)) => Some(super::schema::rights_of_kind(k.right_kind())),
        (Op::CreateOrgKey | Op::UpdateOrgKey, _) => Some(super::schema::holdable_rights(
            &mut SchemaGenerator::default(),
        )),
        _ => None,
    };
    if let (Some(n), Some(rights)) = (narrowed, schema.pointer_mut("/properties/rights")) {
        *rights = n.to_value();
    }
}

fn token_operation(params: Vec<Value>) -> Value {
    let oauth = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}}}});
    let common = json!({"scope": {"type": "string"}, "client_id": {"type": "string"}, "organization": {"type": "string", "minLength": 2, "maxLength": 36, "pattern": super::schema::ID_PATTERN}});
    let grant = |g: &str, required: Value, extra: Value| {
        let mut props = common.as_object().cloned().unwrap_or_default();
        props.insert("grant_type".into(), json!({"const": g}));
        if let Value::Object(e) = extra {
            props.extend(e);
        }
        json!({"type": "object", "required": required, "properties": props})
    };
    json!({
        "operationId": "token",
        "summary": "OAuth 2.0 token endpoint: password and client_credentials grants (unknown parameters are ignored, RFC 6749 section 3.2)",
        "security": [],
        "parameters": params,
        "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {"oneOf": [
            grant("password", json!(["grant_type", "username", "password"]), json!({"username": {"type": "string"}, "password": {"type": "string"}})),
            grant("client_credentials", json!(["grant_type"]), json!({"client_secret": {"type": "string"}})),
        ]}}}},
        "responses": {
            "200": {"description": "Token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenResponse"}}}},
            "400": oauth("OAuth error"),
            "401": oauth("invalid_client (WWW-Authenticate: Basic)"),
            "404": {"description": "No such tenant", "content": problem()},
            "413": {"description": "Body over 64 KiB", "content": problem()},
            "429": {"description": "too_many_attempts: too many failed sign-ins for this user or from this address (Retry-After)", "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}, "description": "Seconds until a new attempt is counted"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}}}},
            "500": {"description": "server_error: the token could not be signed (the platform's signing failed), or the deployment is misconfigured", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}},
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
            "503": {"description": "A revocation this very second (retry after 1 s), or the store did not answer", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}},
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
        },
    })
}

fn operation_id(op: Op, kind: Option<EntityKind>) -> String {
    let mut name = format!("{op:?}");
    if let Some(k) = kind {
        name.push_str(match k {
            EntityKind::Applications => "Application",
            EntityKind::Gateways => "Gateway",
            EntityKind::Clients => "Client",
        });
    }
    let mut chars = name.chars();
    chars.next().map_or(String::new(), |c| {
        c.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

/// The paths of one endpoint: itself, or one per entity kind.
fn expand(e: &Endpoint) -> Vec<(String, Option<EntityKind>)> {
    if e.path.contains("{kind}") {
        [
            EntityKind::Applications,
            EntityKind::Gateways,
            EntityKind::Clients,
        ]
        .into_iter()
        .map(|k| (e.path.replace("{kind}", k.path()), Some(k)))
        .collect()
    } else {
        vec![(e.path.to_owned(), None)]
    }
}

fn components(response: &mut SchemaGenerator) -> Map<String, Value> {
    use crate::admin::accept::Accepted;
    use crate::admin::account::MyMembership;
    use crate::admin::api_keys::CreatedKey;
    use crate::admin::auth::{OAuthError, TokenResponse};
    use crate::admin::members::MemberView;
    use crate::admin::roles_api::RoleView;
    use crate::admin::settings::Settings;
    use crate::admin::tenants::CreatedTenant;
    use crate::core::problem::Problem;
    use crate::model::api_key::ApiKeyView;
    use crate::model::entity::Entity;
    use crate::model::invitation::InvitationView;
    use crate::model::records::{Organization, User};
    use crate::notify::record::Notification;
    let mut out = Map::new();
    let mut put = |name: &str, s: Schema| {
        out.insert(name.to_owned(), s.to_value());
    };
    put("Organization", response.subschema_for::<Organization>());
    put("User", response.subschema_for::<User>());
    put("Member", response.subschema_for::<MemberView>());
    put("Role", response.subschema_for::<RoleView>());
    put("ApiKey", response.subschema_for::<ApiKeyView>());
    put("CreatedApiKey", response.subschema_for::<CreatedKey>());
    put("Entity", response.subschema_for::<Entity>());
    put("Collaborator", response.subschema_for::<Collaborator>());
    put("Settings", response.subschema_for::<Settings>());
    put("MyMembership", response.subschema_for::<MyMembership>());
    put("CreatedTenant", response.subschema_for::<CreatedTenant>());
    put("TokenResponse", response.subschema_for::<TokenResponse>());
    put("OAuthError", response.subschema_for::<OAuthError>());
    put("Problem", response.subschema_for::<Problem>());
    put("Invitation", response.subschema_for::<InvitationView>());
    put("Accepted", response.subschema_for::<Accepted>());
    put("Notification", response.subschema_for::<Notification>());
    out
}

/// A copy of a record schema in which only `id` is required: what a field mask answers.
fn masked(components: &Map<String, Value>, name: &str) -> Value {
    let mut s = components.get(name).cloned().unwrap_or(Value::Null);
    s["required"] = json!(["id"]);
    s
}

fn fixed_components() -> Map<String, Value> {
    let jwk = json!({"type": "object", "required": ["kty", "crv", "x", "kid"], "properties": {
        "kty": {"const": "OKP"}, "crv": {"const": "Ed25519"}, "x": {"type": "string"}, "kid": {"type": "string"},
        "alg": {"const": "EdDSA"}, "use": {"const": "sig"}}, "additionalProperties": false});
    let rights =
        json!({"type": "array", "items": {"type": "string", "pattern": "^RIGHT_[A-Z_]+$"}});
    let Value::Object(m) = json!({
        "Jwks": {"type": "object", "required": ["keys"], "additionalProperties": false, "properties": {"keys": {"type": "array", "items": jwk}}},
        "Discovery": {"type": "object", "required": ["issuer", "jwks_uri", "token_endpoint"], "properties": {
            "issuer": {"type": "string"}, "jwks_uri": {"type": "string"}, "token_endpoint": {"type": "string"}}},
        "Health": {"type": "object", "required": ["status"], "additionalProperties": false, "properties": {"status": {"const": "ok"}}},
        "Rights": {"type": "object", "required": ["rights"], "additionalProperties": false, "properties": {"rights": {"type": "array", "items": {"type": "string", "pattern": "^RIGHT_[A-Z_]+$"}}}},
        "DirectoryEpochs": {"type": "object", "additionalProperties": false, "properties": {
            "users": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "User ID → Unix second up to which its tokens are revoked"},
            "organizations": {"type": "object", "additionalProperties": {"type": "integer"}}}},
        "DirectoryGrants": {"type": "object", "additionalProperties": false, "properties": {
            "users": {"type": "object", "additionalProperties": rights}, "organizations": {"type": "object", "additionalProperties": rights}}},
        "DirectoryPrincipal": {"type": "object", "required": ["active"], "additionalProperties": false, "properties": {
            "active": {"type": "boolean", "description": "Exists, approved and not deleted"}, "admin": {"type": "boolean"},
            "organizations": {"type": "object", "additionalProperties": rights, "description": "Approved memberships in live organizations"}}},
        "DirectoryApiKey": {"type": ["object", "null"], "required": ["key", "owner"], "additionalProperties": false, "properties": {
            "key": {"type": "object", "required": ["id", "owner", "rights", "secret_sha256"], "description": "The stored key record"},
            "owner": {"type": "object", "required": ["kind", "id"], "properties": {"kind": {"enum": ["organization", "user"]}}}}},
        "Metrics": {"type": "object", "required": ["isolate"], "properties": {
            "isolate": {"type": "string", "description": "Random name of the isolate that answered; counters are per isolate"},
            "proxy": {"type": "object", "description": "Counters: requests, allowed, public, denied by code, origin_unreachable, caches' hits and misses, jwks_fetches, fact_fetches"},
            "error": {"type": "string", "description": "Code of the configuration error, when the proxy configuration is refused"}}},
    }) else {
        return Map::new();
    };
    m
}

/// The whole document.
pub fn document() -> Value {
    let mut request = SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .for_deserialize()
        .into_generator();
    let mut response = SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
        })
        .for_serialize()
        .into_generator();
    let mut schemas = components(&mut response);
    schemas.extend(fixed_components());
    for name in ["Organization", "User", "Entity"] {
        let m = masked(&schemas, name);
        schemas.insert(format!("{name}Masked"), m);
    }
    let mut paths = Map::new();
    for e in ENDPOINTS {
        for (path, kind) in expand(e) {
            let mut item = Map::new();
            for (method, op) in e.ops {
                item.insert(
                    method.to_ascii_lowercase(),
                    operation(*op, &path, kind, &mut request),
                );
            }
            paths.insert(path, Value::Object(item));
        }
    }
    super::links::add(&mut paths);
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "orgwarden", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Edge authorization for multi-organization APIs: tokens and the organization admin API. Generated from the worker's own endpoint table and types (src/http/openapi.rs); every answer of the worker tests is validated against it."},
        "servers": [{"url": "http://127.0.0.1:8787"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "An access token of this deployment, an API key OWK.<id>.<secret>, or (for the operator's endpoints) the operator key"},
                "directory": {"type": "http", "scheme": "bearer", "description": "The deployment's DIRECTORY_KEY: reads the directory and nothing else"}},
            "schemas": schemas,
        },
        "paths": paths,
    });
    strip_null_defaults(&mut doc);
    doc
}

/// schemars writes `"default": null` for optional fields; absent is the
/// default here and `null` is refused, so the document says nothing.
fn strip_null_defaults(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.get("default") == Some(&Value::Null) {
                m.remove("default");
            }
            m.values_mut().for_each(strip_null_defaults);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_null_defaults),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_and_kind_is_described() {
        let d = document();
        let paths = d["paths"].as_object().map_or(0, Map::len);
        let kinds = ENDPOINTS
            .iter()
            .filter(|e| e.path.contains("{kind}"))
            .count();
        assert_eq!(paths, ENDPOINTS.len() + 2 * kinds);
        let collab = &d["paths"]["/t/{tenant}/api/v1/admin/gateways/{id}/collaborators"]["put"]
            ["requestBody"]["content"]["application/json"]["schema"];
        let rights = collab["properties"]["rights"]["items"]["enum"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(
            rights,
            crate::core::rights::RightSet::of_kind(RightKind::Gateway).len()
        );
        assert_eq!(collab["additionalProperties"], json!(false));
    }
}
