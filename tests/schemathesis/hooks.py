"""Schemathesis hooks for orgwarden's run (tests/schemathesis/run.test.mjs).

The run acts as the tenant's admin, `root`. A tenant admin may delete or
suspend itself, or change its own memberships — and each of these revokes
its tokens at once, by design (docs/proxy.md, "Revocation"). Left alone, the
fuzzer finds that path early and spends the rest of the run on 401s. So a
generated change aimed at the acting user is aimed at another (nonexistent)
user instead, in the path (`…/members/root`) and in a new membership's body
(`{"user_id": "root"}`: adding the acting user to an organization changes
its memberships too, and a link from that creation to `…/members/{userId}`
would then meet the stand-in); everything else is fair game.
"""
import schemathesis

ACTING_USER = "root"
STAND_IN = "root-stand-in"
TENANT = "acme"


@schemathesis.hook
def map_case(context, case):
    params = dict(case.path_parameters or {})
    # The tenant is pinned (schemathesis.toml's [parameters]), but an override
    # written after generation keeps the case's label: a case generated with
    # an invalid tenant would still count as invalid data although the request
    # names `acme`, and a 200 would be reported as accepted negative data.
    # Assigning it here makes Schemathesis label the path again.
    if "tenant" in params:
        params["tenant"] = TENANT
    if case.method.upper() in ("PUT", "DELETE", "PATCH") and params.get("userId") == ACTING_USER:
        params["userId"] = STAND_IN
    if params:
        case.path_parameters = params
    body = case.body
    if case.method.upper() == "POST" and isinstance(body, dict) and body.get("user_id") == ACTING_USER:
        case.body = {**body, "user_id": STAND_IN}
    return case
