//! The one table of orgwarden's own HTTP surface: every path template with
//! the methods it takes and the operation each method runs. Routing, `405
//! Allow`, and the OpenAPI document all read this table, so they cannot
//! drift apart.
//!
//! Templates are `/`-separated: literals and `{name}` parameters (one
//! segment). `{kind}` matches only `applications`, `gateways` and `clients`.
//! A path under `/api/v1/` or `/t/{tenant}/api/v1/` that no template matches
//! is a 404 of the API, never the proxy's.

/// An operation of the HTTP surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs, reason = "each variant is the operation of its name")]
pub enum Op {
    Health,
    Jwks,
    TenantJwks,
    Discovery,
    Token,
    CreateTenant,
    Metrics,
    Account,
    AccountOrganizations,
    ListOrgs,
    CreateOrg,
    GetOrg,
    UpdateOrg,
    DeleteOrg,
    OrgRights,
    ListMembers,
    AddMember,
    UpdateMember,
    RemoveMember,
    ListRoles,
    CreateRole,
    UpdateRole,
    DeleteRole,
    ListOrgKeys,
    CreateOrgKey,
    GetOrgKey,
    UpdateOrgKey,
    DeleteOrgKey,
    ListUserKeys,
    CreateUserKey,
    GetUserKey,
    UpdateUserKey,
    DeleteUserKey,
    ListUsers,
    CreateUser,
    GetUser,
    UpdateUser,
    DeleteUser,
    GetSettings,
    UpdateSettings,
    ListEntities,
    CreateEntity,
    GetEntity,
    UpdateEntity,
    DeleteEntity,
    EntityRights,
    ListCollaborators,
    SetCollaborator,
    RemoveCollaborator,
    RegisterOrg,
    ApproveOrg,
    RejectOrg,
    RestoreOrg,
    PurgeOrg,
    RestoreUser,
    PurgeUser,
    ListOrgInvitations,
    CreateOrgInvitation,
    RevokeOrgInvitation,
    ResendOrgInvitation,
    ListTenantInvitations,
    CreateTenantInvitation,
    RevokeTenantInvitation,
    AcceptInvitation,
    ListNotifications,
    DirectoryEpochs,
    DirectoryGrants,
    DirectoryApiKey,
    DirectoryPrincipal,
}

/// One path template and its operations by method.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// The template (`/t/{tenant}/api/v1/admin/organizations/{orgId}`).
    pub path: &'static str,
    /// Method names and their operations.
    pub ops: &'static [(&'static str, Op)],
}

macro_rules! endpoints {
    ($( $path:expr => [ $( $method:literal : $op:ident ),* $(,)? ] ),* $(,)?) => {
        /// Every endpoint of orgwarden's own surface.
        pub const ENDPOINTS: &[Endpoint] = &[
            $( Endpoint { path: $path, ops: &[ $( ($method, Op::$op) ),* ] } ),*
        ];
    };
}

endpoints! {
    "/healthz" => ["GET": Health],
    "/.well-known/jwks.json" => ["GET": Jwks],
    "/api/v1/tenants" => ["POST": CreateTenant],
    "/api/v1/metrics" => ["GET": Metrics],
    "/t/{tenant}/.well-known/jwks.json" => ["GET": TenantJwks],
    "/t/{tenant}/.well-known/openid-configuration" => ["GET": Discovery],
    "/t/{tenant}/api/v1/auth/token" => ["POST": Token],
    "/t/{tenant}/api/v1/account" => ["GET": Account],
    "/t/{tenant}/api/v1/account/organizations" => ["GET": AccountOrganizations, "POST": RegisterOrg],
    "/t/{tenant}/api/v1/invitations/{token}/accept" => ["POST": AcceptInvitation],
    "/t/{tenant}/api/v1/directory/epochs" => ["GET": DirectoryEpochs],
    "/t/{tenant}/api/v1/directory/grants/{kind}/{id}" => ["GET": DirectoryGrants],
    "/t/{tenant}/api/v1/directory/api-keys/{keyId}" => ["GET": DirectoryApiKey],
    "/t/{tenant}/api/v1/directory/principals/{userId}" => ["GET": DirectoryPrincipal],
    "/t/{tenant}/api/v1/admin/organizations" => ["GET": ListOrgs, "POST": CreateOrg],
    "/t/{tenant}/api/v1/admin/organizations/{orgId}" => ["GET": GetOrg, "PUT": UpdateOrg, "DELETE": DeleteOrg],
    "/t/{tenant}/api/v1/admin/organizations/{orgId}/rights" => ["GET": OrgRights],
    "/t/{tenant}/api/v1/admin/organizations/{orgId}/approve" => ["POST": ApproveOrg],
    "/t/{tenant}/api/v1/admin/organizations/{orgId}/reject" => ["POST": RejectOrg],
    "/t/{tenant}/api/v1/admin/organizations/{orgId}/restore" => ["POST": RestoreOrg],
    "/t/{tenant}/api/v1/admin/organizations/{orgId}/purge" => ["DELETE": PurgeOrg],
    "/t/{tenant}/api/v1/admin/organizations/{orgId}/invitations" => ["GET": ListOrgInvitations, "POST": CreateOrgInvitation],
    "/t/{tenant}/api/v1/admin/organizations/{orgId}/invitations/{invitationId}" => ["DELETE": RevokeOrgInvitation],
    "/t/{tenant}/api/v1/admin/organizations/{orgId}/invitations/{invitationId}/resend" => ["POST": ResendOrgInvitation],
    "/t/{tenant}/api/v1/admin/organizations/{orgId}/members" => ["GET": ListMembers, "POST": AddMember],
    "/t/{tenant}/api/v1/admin/organizations/{orgId}/members/{userId}" => ["PUT": UpdateMember, "DELETE": RemoveMember],
    "/t/{tenant}/api/v1/admin/organizations/{orgId}/roles" => ["GET": ListRoles, "POST": CreateRole],
    "/t/{tenant}/api/v1/admin/organizations/{orgId}/roles/{roleId}" => ["PUT": UpdateRole, "DELETE": DeleteRole],
    "/t/{tenant}/api/v1/admin/organizations/{orgId}/api-keys" => ["GET": ListOrgKeys, "POST": CreateOrgKey],
    "/t/{tenant}/api/v1/admin/organizations/{orgId}/api-keys/{keyId}" => ["GET": GetOrgKey, "PUT": UpdateOrgKey, "DELETE": DeleteOrgKey],
    "/t/{tenant}/api/v1/admin/users" => ["GET": ListUsers, "POST": CreateUser],
    "/t/{tenant}/api/v1/admin/users/{userId}" => ["GET": GetUser, "PUT": UpdateUser, "DELETE": DeleteUser],
    "/t/{tenant}/api/v1/admin/users/{userId}/restore" => ["POST": RestoreUser],
    "/t/{tenant}/api/v1/admin/users/{userId}/purge" => ["DELETE": PurgeUser],
    "/t/{tenant}/api/v1/admin/invitations" => ["GET": ListTenantInvitations, "POST": CreateTenantInvitation],
    "/t/{tenant}/api/v1/admin/invitations/{invitationId}" => ["DELETE": RevokeTenantInvitation],
    "/t/{tenant}/api/v1/admin/notifications" => ["GET": ListNotifications],
    "/t/{tenant}/api/v1/admin/users/{userId}/api-keys" => ["GET": ListUserKeys, "POST": CreateUserKey],
    "/t/{tenant}/api/v1/admin/users/{userId}/api-keys/{keyId}" => ["GET": GetUserKey, "PUT": UpdateUserKey, "DELETE": DeleteUserKey],
    "/t/{tenant}/api/v1/admin/settings" => ["GET": GetSettings, "PUT": UpdateSettings],
    "/t/{tenant}/api/v1/admin/{kind}" => ["GET": ListEntities, "POST": CreateEntity],
    "/t/{tenant}/api/v1/admin/{kind}/{id}" => ["GET": GetEntity, "PUT": UpdateEntity, "DELETE": DeleteEntity],
    "/t/{tenant}/api/v1/admin/{kind}/{id}/rights" => ["GET": EntityRights],
    "/t/{tenant}/api/v1/admin/{kind}/{id}/collaborators" => ["GET": ListCollaborators, "PUT": SetCollaborator],
    "/t/{tenant}/api/v1/admin/{kind}/{id}/collaborators/{who}/{collaboratorId}" => ["DELETE": RemoveCollaborator],
}

/// Path parameters by template name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(&'static str, String)>);

impl Params {
    /// The value of `{name}`; empty when the template has none.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Where a request lands in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// An operation, with the path's parameters.
    Found(Op, Params),
    /// The path is the API's but not for this method; the `Allow` value.
    NotAllowed(String),
    /// Under the API's prefixes, but no template: 404.
    NotFound,
    /// Not the API's: the proxy decides.
    Elsewhere,
}

fn bind(template: &'static str, path: &str) -> Option<Params> {
    let mut t = template.split('/');
    let mut p = path.split('/');
    let mut params = Vec::new();
    loop {
        match (t.next(), p.next()) {
            (None, None) => return Some(Params(params)),
            (Some(ts), Some(ps)) => {
                if let Some(name) = ts.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
                    let ok = !ps.is_empty()
                        && (name != "kind"
                            || matches!(ps, "applications" | "gateways" | "clients"));
                    if !ok {
                        return None;
                    }
                    params.push((name, ps.to_owned()));
                } else if ts != ps {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// Whether `path` is under the API's own prefixes.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/v1/")
        || path
            .strip_prefix("/t/")
            .and_then(|r| r.split_once('/'))
            .is_some_and(|(_, r)| r.starts_with("api/v1/") || r.starts_with(".well-known/"))
}

/// Whether `path` is orgwarden's own (health, JWKS, the API): a quick test
/// for the worker's hot path, before any table lookup.
pub fn is_own(path: &str) -> bool {
    path == "/healthz" || path == "/.well-known/jwks.json" || is_api_path(path)
}

/// The `Allow` value of an endpoint: its methods, HEAD with GET.
pub fn allow(endpoint: &Endpoint) -> String {
    let mut methods: Vec<&str> = Vec::new();
    for (m, _) in endpoint.ops {
        methods.push(m);
        if *m == "GET" {
            methods.push("HEAD");
        }
    }
    methods.join(", ")
}

/// Finds the operation for `method` on `path` (a trailing `/` is tolerated).
pub fn resolve(method: &str, path: &str) -> Resolved {
    let trimmed = if path.len() > 1 {
        path.strip_suffix('/').unwrap_or(path)
    } else {
        path
    };
    // Literal templates first: `/admin/settings` before `/admin/{kind}`.
    let found = ENDPOINTS
        .iter()
        .filter_map(|e| bind(e.path, trimmed).map(|p| (e, p)))
        .min_by_key(|(e, _)| e.path.matches('{').count());
    let Some((endpoint, params)) = found else {
        return if is_api_path(path) {
            Resolved::NotFound
        } else {
            Resolved::Elsewhere
        };
    };
    let lookup = if method == "HEAD" { "GET" } else { method };
    match endpoint.ops.iter().find(|(m, _)| *m == lookup) {
        Some((_, op)) => Resolved::Found(*op, params),
        None => Resolved::NotAllowed(allow(endpoint)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_resolve_with_their_parameters() {
        match resolve("GET", "/t/acme/api/v1/admin/organizations/team/members") {
            Resolved::Found(Op::ListMembers, p) => {
                assert_eq!((p.get("tenant"), p.get("orgId")), ("acme", "team"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            resolve("PUT", "/t/acme/api/v1/admin/settings"),
            Resolved::Found(Op::UpdateSettings, _)
        ));
        assert!(matches!(
            resolve("GET", "/t/acme/api/v1/admin/gateways/gw1/"),
            Resolved::Found(Op::GetEntity, _)
        ));
        assert!(matches!(
            resolve("HEAD", "/healthz"),
            Resolved::Found(Op::Health, _)
        ));
        assert_eq!(
            resolve("PROPFIND", "/healthz"),
            Resolved::NotAllowed("GET, HEAD".into())
        );
        assert_eq!(
            resolve("QUERY", "/t/acme/api/v1/admin/users"),
            Resolved::NotAllowed("GET, HEAD, POST".into())
        );
        assert_eq!(
            resolve("GET", "/t/acme/api/v1/admin/widgets"),
            Resolved::NotFound
        );
        assert_eq!(resolve("GET", "/api/v1/nothing"), Resolved::NotFound);
        assert_eq!(resolve("GET", "/apps/billing"), Resolved::Elsewhere);
        assert_eq!(resolve("GET", "/t/acme/apps/billing"), Resolved::Elsewhere);
    }

    #[test]
    fn every_template_has_distinct_methods() {
        for e in ENDPOINTS {
            let mut seen: Vec<&str> = e.ops.iter().map(|(m, _)| *m).collect();
            seen.sort_unstable();
            let n = seen.len();
            seen.dedup();
            assert_eq!(seen.len(), n, "{}", e.path);
        }
    }
}
