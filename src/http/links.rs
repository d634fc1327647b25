//! OpenAPI links (feature `openapi`): what a created resource's answer lets
//! a client call next — the transitions a stateful test (Schemathesis's
//! stateful phase) follows to create, read, change and delete resources.

#![expect(
    clippy::indexing_slicing,
    reason = "writes into JSON objects it built itself: serde_json's index of an object cannot fail"
)]

use serde_json::{json, Map, Value};

/// `(from operation, parameter the created resource fills, [to operations])`,
/// by operation ID; every link also carries the tenant of the request.
const LINKS: &[(&str, &str, &str, &[&str])] = &[
    (
        "createOrg",
        "orgId",
        "/id",
        &[
            "getOrg",
            "updateOrg",
            "deleteOrg",
            "listMembers",
            "createRole",
            "listRoles",
            "orgRights",
            "createOrgKey",
            "listOrgKeys",
            "createOrgInvitation",
            "listOrgInvitations",
        ],
    ),
    (
        "registerOrg",
        "orgId",
        "/id",
        &["getOrg", "approveOrg", "rejectOrg", "orgRights"],
    ),
    (
        "createUser",
        "userId",
        "/id",
        &[
            "getUser",
            "updateUser",
            "deleteUser",
            "createUserKey",
            "listUserKeys",
            "restoreUser",
            "purgeUser",
        ],
    ),
    (
        "createApplication",
        "id",
        "/id",
        &[
            "getEntityApplication",
            "updateEntityApplication",
            "deleteEntityApplication",
            "entityRightsApplication",
            "listCollaboratorsApplication",
        ],
    ),
    (
        "createGateway",
        "id",
        "/id",
        &[
            "getEntityGateway",
            "updateEntityGateway",
            "deleteEntityGateway",
            "entityRightsGateway",
            "listCollaboratorsGateway",
        ],
    ),
    (
        "createClient",
        "id",
        "/id",
        &[
            "getEntityClient",
            "updateEntityClient",
            "deleteEntityClient",
            "entityRightsClient",
            "listCollaboratorsClient",
        ],
    ),
];

/// Links from a created role, member or key to its item, the parent ID
/// carried over from the request path.
const CHILD_LINKS: &[(&str, &str, &str, &[&str])] = &[
    ("createRole", "roleId", "/id", &["updateRole", "deleteRole"]),
    (
        "addMember",
        "userId",
        "/user_id",
        &["updateMember", "removeMember"],
    ),
    (
        "createOrgKey",
        "keyId",
        "/id",
        &["getOrgKey", "updateOrgKey", "deleteOrgKey"],
    ),
    (
        "createUserKey",
        "keyId",
        "/id",
        &["getUserKey", "updateUserKey", "deleteUserKey"],
    ),
    (
        "createOrgInvitation",
        "invitationId",
        "/id",
        &["revokeOrgInvitation", "resendOrgInvitation"],
    ),
    (
        "createTenantInvitation",
        "invitationId",
        "/id",
        &["revokeTenantInvitation"],
    ),
];

fn operation_ids(paths: &Map<String, Value>) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (path, item) in paths {
        if let Value::Object(ops) = item {
            for (method, op) in ops {
                if let Some(id) = op["operationId"].as_str() {
                    out.push((id.to_owned(), path.clone(), method.clone()));
                }
            }
        }
    }
    out
}

/// Adds the links to the 201 answers of the creating operations.
pub fn add(paths: &mut Map<String, Value>) {
    let ids = operation_ids(paths);
    let find = |id: &str| ids.iter().find(|(i, _, _)| i == id).cloned();
    let entity = |id: &str| {
        id.replace("createApplication", "createEntityApplication")
            .replace("createGateway", "createEntityGateway")
            .replace("createClient", "createEntityClient")
    };
    for (from, param, pointer, to) in LINKS.iter().chain(CHILD_LINKS) {
        let Some((_, path, method)) = find(&entity(from)) else {
            continue;
        };
        let mut links = Map::new();
        for target in *to {
            let Some((_, target_path, _)) = find(target) else {
                continue;
            };
            let mut params = json!({"tenant": "$request.path.tenant", *param: format!("$response.body#{pointer}")});
            for carried in ["orgId", "userId"] {
                if *param != carried
                    && target_path.contains(&format!("{{{carried}}}"))
                    && path.contains(&format!("{{{carried}}}"))
                {
                    params[carried] = json!(format!("$request.path.{carried}"));
                }
            }
            if target_path.contains("{id}") && *param != "id" {
                continue;
            }
            links.insert(
                target.to_string(),
                json!({"operationId": target, "parameters": params}),
            );
        }
        if let Some(response) = paths
            .get_mut(&path)
            .and_then(|i| i.get_mut(&method))
            .and_then(|o| o.pointer_mut("/responses/201"))
        {
            response["links"] = Value::Object(links);
        }
    }
}
