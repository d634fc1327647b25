#!/usr/bin/env python3
"""Writes docs/openapi.json, the OpenAPI 3.1 description of orgwarden's HTTP API.

The document is generated so that the shared parts (problem documents, error
responses, paging parameters) are written once; the worker tests validate
every response they receive against the generated file, and
tests/worker/openapi-coverage.mjs fails when a documented operation was never
exercised. Run: python3 scripts/openapi.py (CI checks the file is up to date).
"""
import json
import pathlib
import sys

ID = {"type": "string", "pattern": "^[a-z0-9](?:-?[a-z0-9]){1,35}$"}
TS = {"type": "string", "format": "date-time"}
RIGHTS = {"type": "array", "items": {"type": "string", "pattern": "^RIGHT_[A-Z_]+$"}}
def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def obj(props, required=(), extra=False):
    return {"type": "object", "properties": props, "required": list(required), "additionalProperties": extra}

schemas = {
    "Problem": obj({"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                    "detail": {"type": "string"}, "code": {"type": "string"}, "missing": RIGHTS},
                   ["type", "title", "status", "detail", "code"]),
    "OAuthError": obj({"error": {"enum": ["invalid_request", "invalid_grant", "invalid_client", "unsupported_grant_type", "server_error"]},
                       "error_description": {"type": "string"}}, ["error", "error_description"]),
    "TokenResponse": obj({"access_token": {"type": "string"}, "token_type": {"const": "Bearer"}, "expires_in": {"type": "integer"}},
                         ["access_token", "token_type", "expires_in"]),
    "Organization": obj({"id": ID, "name": {"type": "string", "maxLength": 50}, "description": {"type": "string", "maxLength": 2000},
                         "state": {"enum": ["approved", "pending", "rejected"]}, "created_at": TS, "updated_at": TS, "deleted_at": TS},
                        ["id", "name", "description", "state", "created_at", "updated_at"]),
    "User": obj({"id": ID, "first_name": {"type": "string"}, "last_name": {"type": "string"}, "email": {"type": "string"},
                 "state": {"enum": ["requested", "approved", "rejected", "flagged", "suspended"]}, "admin": {"type": "boolean"},
                 "created_at": TS, "updated_at": TS, "deleted_at": TS},
                ["id", "first_name", "last_name", "email", "state", "admin", "created_at", "updated_at"]),
    "Member": obj({"user_id": ID, "role": ID, "rights": RIGHTS, "created_at": TS, "updated_at": TS},
                  ["user_id", "rights", "created_at", "updated_at"]),
    "Role": obj({"id": ID, "rights": RIGHTS, "builtin": {"type": "boolean"}}, ["id", "rights", "builtin"]),
    "ApiKey": obj({"id": {"type": "string", "pattern": "^[A-Z2-7]{16}$"}, "name": {"type": "string"}, "rights": RIGHTS,
                   "created_at": TS, "updated_at": TS, "expires_at": TS}, ["id", "name", "rights", "created_at", "updated_at"]),
    "Entity": obj({"id": ID, "kind": {"enum": ["applications", "gateways", "clients"]}, "name": {"type": "string"},
                   "description": {"type": "string"}, "created_at": TS, "updated_at": TS},
                  ["id", "kind", "name", "description", "created_at", "updated_at"]),
    "Collaborator": obj({"user_id": ID, "organization_id": ID, "rights": RIGHTS}, ["rights"]),
    "Settings": obj({"org_self_registration": {"type": "boolean"}, "auto_approve": {"type": "boolean"},
                     "token_ttl_seconds": {"type": "integer", "minimum": 60, "maximum": 86400},
                     "invitation_ttl_hours": {"type": "integer", "minimum": 1, "maximum": 720}},
                    ["org_self_registration", "auto_approve", "token_ttl_seconds", "invitation_ttl_hours"]),
    "Rights": obj({"rights": RIGHTS}, ["rights"]),
    "Jwks": obj({"keys": {"type": "array", "items": obj({"kty": {"const": "OKP"}, "crv": {"const": "Ed25519"}, "x": {"type": "string"},
                                                         "kid": {"type": "string"}, "alg": {"const": "EdDSA"}, "use": {"const": "sig"}},
                                                        ["kty", "crv", "x", "kid"])}}, ["keys"]),
    "Discovery": obj({"issuer": {"type": "string"}, "jwks_uri": {"type": "string"}, "token_endpoint": {"type": "string"}},
                     ["issuer", "jwks_uri", "token_endpoint"], extra=True),
    "Health": obj({"status": {"const": "ok"}}, ["status"]),
    "Metrics": {"type": "object", "required": ["isolate"], "properties": {
        "isolate": {"type": "string", "description": "Random name of the isolate that answered; counters are per isolate"},
        "proxy": {"type": "object", "description": "Counters: requests, allowed, public, denied by code, origin_unreachable, caches' hits and misses, jwks_fetches, kv_reads"},
        "error": {"type": "string", "description": "Code of the configuration error, when the proxy configuration is refused"}}},
}
# field_mask answers a subset: list and get schemas for masked resources drop `required` except id.
def masked(name):
    s = dict(schemas[name]); s["required"] = ["id"]; return s
schemas["OrganizationMasked"] = masked("Organization")
schemas["UserMasked"] = masked("User")
schemas["EntityMasked"] = masked("Entity")
schemas["CreatedTenant"] = obj({"tenant": obj({"id": ID, "name": {"type": "string"}, "created_at": TS, "updated_at": TS},
                                               ["id", "name", "created_at", "updated_at"]), "admin": ref("User")}, ["tenant", "admin"])
schemas["CreatedApiKey"] = {"allOf": [ref("ApiKey")], "properties": {"key": {"type": "string", "pattern": "^OWK\\.[A-Z2-7]{16}\\.[A-Z2-7]{52}$"}},
                            "required": ["key"]}
schemas["CreatedApiKey"]["allOf"] = [{**schemas["ApiKey"], "additionalProperties": True}]
schemas["CreatedApiKey"]["unevaluatedProperties"] = False
schemas["MyMembership"] = obj({"organization": ref("Organization"), "role": ID, "rights": RIGHTS}, ["organization", "rights"])
def listing(field, item): return obj({field: {"type": "array", "items": ref(item)}}, [field])

PROBLEM = {"application/problem+json": {"schema": ref("Problem")}}
def resp(desc, schema=None, ctype="application/json"):
    r = {"description": desc}
    if schema: r["content"] = {ctype: {"schema": schema}}
    return r
ERRORS = {
    "400": resp("Malformed input; nothing changed", ref("Problem"), "application/problem+json"),
    "401": resp("No, malformed or invalid credential", ref("Problem"), "application/problem+json"),
    "403": resp("Missing rights (named in `missing`)", ref("Problem"), "application/problem+json"),
    "404": resp("No such resource", ref("Problem"), "application/problem+json"),
    "405": resp("Method not allowed (see `Allow`)", ref("Problem"), "application/problem+json"),
    "409": resp("Conflict: ID taken or reserved, last owner, exists", ref("Problem"), "application/problem+json"),
    "413": resp("Body over 64 KiB", ref("Problem"), "application/problem+json"),
    "415": resp("Body not application/json", ref("Problem"), "application/problem+json"),
    "500": resp("Server error (misconfiguration)", ref("Problem"), "application/problem+json"),
    "503": resp("Store unavailable", ref("Problem"), "application/problem+json"),
}
PAGING = [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
          {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}]
MASK = {"name": "field_mask", "in": "query", "schema": {"type": "string"}, "description": "Comma-separated fields to return; `id` always"}
TOTAL = {"X-Total-Count": {"schema": {"type": "integer"}, "description": "Items in all pages"}}
def op(summary, ok, status="200", body=None, params=(), headers=None, errors=ERRORS, security=True):
    o = {"summary": summary, "parameters": list(params), "responses": {status: ok, **errors}}
    if headers: o["responses"][status]["headers"] = headers
    if body: o["requestBody"] = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
    if not security: o["security"] = []
    return o
def p(name, desc=""): return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": desc}
T = p("tenant", "Tenant ID")
A = "/t/{tenant}/api/v1/admin"
NO_CONTENT = {"description": "Done"}

paths = {
    "/healthz": {"get": op("Liveness", resp("Alive", ref("Health")), security=False, errors={})},
    "/.well-known/jwks.json": {"get": op("The deployment's public signing keys", resp("JWKS", ref("Jwks")), security=False, errors={"500": ERRORS["500"]})},
    "/t/{tenant}/.well-known/jwks.json": {"get": op("The public signing keys (per tenant path)", resp("JWKS", ref("Jwks")), params=[T], security=False, errors={"404": ERRORS["404"], "500": ERRORS["500"]})},
    "/t/{tenant}/.well-known/openid-configuration": {"get": op("Issuer metadata (RFC 8414 fields)", resp("Metadata", ref("Discovery")), params=[T], security=False, errors={"404": ERRORS["404"], "405": ERRORS["405"]})},
    "/api/v1/metrics": {"get": op("This isolate's proxy counters (operator key as bearer)", resp("Counters", ref("Metrics")), errors={"401": ERRORS["401"]})},
    "/api/v1/tenants": {"post": op("Create a tenant and its first admin (operator key as bearer)", resp("Created", ref("CreatedTenant")), "201", body=True)},
    "/t/{tenant}/api/v1/auth/token": {"post": {
        "summary": "OAuth 2.0 token endpoint: password and client_credentials grants",
        "security": [], "parameters": [T],
        "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": obj({
            "grant_type": {"enum": ["password", "client_credentials"]}, "username": {"type": "string"}, "password": {"type": "string"},
            "client_id": {"type": "string"}, "client_secret": {"type": "string"}, "scope": {"type": "string"}}, ["grant_type"])}}},
        "responses": {"200": resp("Token", ref("TokenResponse")), "400": resp("OAuth error", ref("OAuthError")),
                      "401": resp("invalid_client", ref("OAuthError")), "404": ERRORS["404"], "405": ERRORS["405"]}}},
    "/t/{tenant}/api/v1/account": {"get": op("The caller's user record", resp("User", ref("User")), params=[T])},
    "/t/{tenant}/api/v1/account/organizations": {"get": op("The caller's memberships", resp("Memberships", listing("organizations", "MyMembership")), params=[T])},
    f"{A}/organizations": {
        "get": op("List organizations (all for tenant admins, else the caller's)", resp("Page", listing("organizations", "OrganizationMasked")), params=[T, *PAGING, MASK,
                  {"name": "id_contains", "in": "query", "schema": {"type": "string"}}, {"name": "name_contains", "in": "query", "schema": {"type": "string"}},
                  {"name": "state", "in": "query", "schema": {"enum": ["approved", "pending", "rejected"]}}, {"name": "deleted", "in": "query", "schema": {"type": "boolean"}}], headers=TOTAL),
        "post": op("Create an organization (the creator becomes owner)", resp("Created", ref("Organization")), "201", body=True, params=[T])},
    f"{A}/organizations/{{orgId}}": {
        "get": op("Get an organization", resp("Organization", ref("OrganizationMasked")), params=[T, p("orgId"), MASK]),
        "put": op("Change name or description", resp("Organization", ref("Organization")), body=True, params=[T, p("orgId")]),
        "delete": op("Soft delete (the ID stays reserved)", NO_CONTENT, "204", params=[T, p("orgId")])},
    f"{A}/organizations/{{orgId}}/rights": {"get": op("The caller's rights on the organization", resp("Rights", ref("Rights")), params=[T, p("orgId")])},
    f"{A}/organizations/{{orgId}}/members": {
        "get": op("List members", resp("Page", listing("members", "Member")), params=[T, p("orgId"), *PAGING], headers=TOTAL),
        "post": op("Add a member (role or rights)", resp("Member", ref("Member")), "201", body=True, params=[T, p("orgId")])},
    f"{A}/organizations/{{orgId}}/members/{{userId}}": {
        "put": op("Change a member's role or rights", resp("Member", ref("Member")), body=True, params=[T, p("orgId"), p("userId")]),
        "delete": op("Remove a member", NO_CONTENT, "204", params=[T, p("orgId"), p("userId")])},
    f"{A}/organizations/{{orgId}}/roles": {
        "get": op("Built-in and custom roles", resp("Roles", listing("roles", "Role")), params=[T, p("orgId")]),
        "post": op("Create a custom role", resp("Role", ref("Role")), "201", body=True, params=[T, p("orgId")])},
    f"{A}/organizations/{{orgId}}/roles/{{roleId}}": {
        "put": op("Change a custom role (every member at once)", resp("Role", ref("Role")), body=True, params=[T, p("orgId"), p("roleId")]),
        "delete": op("Delete a custom role", NO_CONTENT, "204", params=[T, p("orgId"), p("roleId")])},
    f"{A}/settings": {
        "get": op("Tenant settings", resp("Settings", ref("Settings")), params=[T]),
        "put": op("Change tenant settings (tenant admins)", resp("Settings", ref("Settings")), body=True, params=[T])},
    f"{A}/users": {
        "get": op("List users (tenant admins)", resp("Page", listing("users", "UserMasked")), params=[T, *PAGING, MASK, {"name": "id_contains", "in": "query", "schema": {"type": "string"}},
                  {"name": "name_contains", "in": "query", "schema": {"type": "string"}},
                  {"name": "state", "in": "query", "schema": {"enum": ["requested", "approved", "rejected", "flagged", "suspended"]}},
                  {"name": "deleted", "in": "query", "schema": {"type": "boolean"}}], headers=TOTAL),
        "post": op("Create a user (tenant admins)", resp("User", ref("User")), "201", body=True, params=[T])},
    f"{A}/users/{{userId}}": {
        "get": op("Get a user", resp("User", ref("UserMasked")), params=[T, p("userId"), MASK]),
        "put": op("Change a user", resp("User", ref("User")), body=True, params=[T, p("userId")]),
        "delete": op("Soft delete a user (the ID stays reserved)", NO_CONTENT, "204", params=[T, p("userId")])},
}
for owner, owner_param in (("organizations/{orgId}", p("orgId")), ("users/{userId}", p("userId"))):
    paths[f"{A}/{owner}/api-keys"] = {
        "get": op("List API keys (never the secret)", resp("Page", listing("api_keys", "ApiKey")), params=[T, owner_param, *PAGING], headers=TOTAL),
        "post": op("Create an API key (shown once)", resp("Created", ref("CreatedApiKey")), "201", body=True, params=[T, owner_param])}
    paths[f"{A}/{owner}/api-keys/{{keyId}}"] = {
        "get": op("Get an API key", resp("Key", ref("ApiKey")), params=[T, owner_param, p("keyId")]),
        "put": op("Rename or change rights", resp("Key", ref("ApiKey")), body=True, params=[T, owner_param, p("keyId")]),
        "delete": op("Delete (its tokens stop at once)", NO_CONTENT, "204", params=[T, owner_param, p("keyId")])}
paths[f"{A}/{{kind}}"] = {
    "get": op("List applications, gateways or clients", resp("Page", {"type": "object", "additionalProperties": {"type": "array", "items": ref("EntityMasked")}}),
              params=[T, p("kind", "applications, gateways or clients"), *PAGING, MASK], headers=TOTAL),
    "post": op("Create (the owner becomes a collaborator with _ALL)", resp("Entity", ref("Entity")), "201", body=True, params=[T, p("kind")])}
paths[f"{A}/{{kind}}/{{id}}"] = {
    "get": op("Get", resp("Entity", ref("EntityMasked")), params=[T, p("kind"), p("id"), MASK]),
    "put": op("Change name or description", resp("Entity", ref("Entity")), body=True, params=[T, p("kind"), p("id")]),
    "delete": op("Delete with its grants", NO_CONTENT, "204", params=[T, p("kind"), p("id")])}
paths[f"{A}/{{kind}}/{{id}}/rights"] = {"get": op("The caller's rights on it", resp("Rights", ref("Rights")), params=[T, p("kind"), p("id")])}
paths[f"{A}/{{kind}}/{{id}}/collaborators"] = {
    "get": op("Collaborators", resp("Collaborators", listing("collaborators", "Collaborator")), params=[T, p("kind"), p("id")]),
    "put": op("Set a collaborator's rights", resp("Collaborator", ref("Collaborator")), body=True, params=[T, p("kind"), p("id")])}
paths[f"{A}/{{kind}}/{{id}}/collaborators/{{who}}/{{collaboratorId}}"] = {
    "delete": op("Remove a collaborator", NO_CONTENT, "204", params=[T, p("kind"), p("id"), p("who", "user or organization"), p("collaboratorId")])}

doc = {
    "openapi": "3.1.0",
    "info": {"title": "orgwarden", "version": "0.1.0",
             "description": "Edge authorization for multi-organization APIs: tokens, the organization admin API. Generated by scripts/openapi.py; every response of the worker tests is validated against it."},
    "servers": [{"url": "http://127.0.0.1:8787"}],
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "An access token of this deployment, or an API key OWK.<id>.<secret>"}},
                   "schemas": schemas},
    "paths": paths,
}
text = json.dumps(doc, indent=2, sort_keys=False) + "\n"
out = pathlib.Path(__file__).resolve().parent.parent / "docs" / "openapi.json"
if "--check" in sys.argv:
    if not out.exists() or out.read_text() != text:
        sys.exit("docs/openapi.json is out of date: run python3 scripts/openapi.py")
else:
    out.write_text(text)
