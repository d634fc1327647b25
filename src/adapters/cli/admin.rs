//! The CLI's commands against a running deployment: `login`, `logout`,
//! and the admin API's organizations (The Things Stack's CLI shapes:
//! `organizations create <id> --name …`). Secrets never come from an
//! argument (shell history, the process list): passwords from the
//! terminal without echo or from standard input, API keys from standard
//! input or an environment variable.

use std::io::{IsTerminal, Read};

use serde_json::{json, Value};

use super::args::{Login, Members, Organizations};
use super::client::{self, Profile};
use super::{fail, to_value, usage, Env, Failure};
use crate::admin::members::{MemberGrant, NewMember};
use crate::auth::Secret;

fn line(stdin: &mut dyn Read) -> Result<Secret, Failure> {
    let mut s = String::new();
    stdin
        .read_to_string(&mut s)
        .map_err(|e| fail("io_error", format!("cannot read standard input: {e}")))?;
    let s = s
        .lines()
        .next()
        .unwrap_or("")
        .trim_end_matches('\r')
        .to_owned();
    if s.is_empty() {
        return Err(usage("nothing on standard input"));
    }
    Ok(Secret::new(s))
}

/// `login`: signs in (or records an API key) and keeps it in the profile.
pub fn login(
    l: Login,
    profile: &str,
    stdin: &mut dyn Read,
    env: &dyn Env,
) -> Result<Value, Failure> {
    let url = l.url.trim_end_matches('/').to_owned();
    let mut p = Profile {
        url,
        tenant: l.tenant,
        token: None,
        expires_at: None,
        api_key: None,
    };
    if l.api_key_stdin || l.api_key_env.is_some() {
        let key = match &l.api_key_env {
            Some(var) => {
                Secret::new(std::env::var(var).map_err(|_| usage(format!("${var} is not set")))?)
            }
            None => line(stdin)?,
        };
        // Checked before it is kept: any credential of the tenant reads its settings.
        p.api_key = Some(key);
        client::call(&p, "GET", "/admin/settings", None)?;
    } else {
        let username = l
            .username
            .ok_or_else(|| usage("--username, --api-key-stdin or --api-key-env is required"))?;
        let password = if l.password_stdin {
            line(stdin)?
        } else {
            Secret::new(
                rpassword::prompt_password("Password: ")
                    .map_err(|e| fail("io_error", e.to_string()))?,
            )
        };
        let (token, ttl) = client::sign_in(&p.url, &p.tenant, &username, &password)?;
        p.token = Some(token);
        p.expires_at = Some(env.now().saturating_add(ttl));
    }
    let mut all = client::load()?;
    let shown =
        json!({ "profile": profile, "url": p.url, "tenant": p.tenant, "expires_at": p.expires_at });
    all.insert(profile.to_owned(), p);
    client::save(&all)?;
    Ok(shown)
}

/// `logout`: forgets the profile's credential.
pub fn logout(profile: &str) -> Result<Value, Failure> {
    let mut all = client::load()?;
    let removed = all.remove(profile).is_some();
    client::save(&all)?;
    Ok(json!({ "profile": profile, "logged_out": removed }))
}

/// Asks before a destructive operation, unless `--yes`; refuses when there
/// is nobody to ask.
fn confirm(what: &str, yes: bool) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(usage(format!("{what}: pass --yes to confirm")));
    }
    eprint!("{what}? [y/N] ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| fail("io_error", e.to_string()))?;
    if answer.trim().eq_ignore_ascii_case("y") {
        Ok(())
    } else {
        Err(fail("cancelled", "nothing was changed"))
    }
}

/// `organizations …`.
pub fn organizations(cmd: Organizations, profile: &str, env: &dyn Env) -> Result<Value, Failure> {
    let p = client::profile(profile, env.now())?;
    let base = "/admin/organizations";
    match cmd {
        Organizations::List { limit, page } => client::call(
            &p,
            "GET",
            &format!("{base}?limit={limit}&page={page}"),
            None,
        ),
        Organizations::Get { organization_id } => {
            client::call(&p, "GET", &format!("{base}/{organization_id}"), None)
        }
        Organizations::Create {
            organization_id,
            name,
            description,
        } => {
            let body = match description {
                Some(d) => json!({ "id": organization_id, "name": name, "description": d }),
                None => json!({ "id": organization_id, "name": name }),
            };
            client::call(&p, "POST", base, Some(&body))
        }
        Organizations::Members(m) => members(&p, m),
        Organizations::Delete {
            organization_id,
            yes,
        } => {
            confirm(&format!("delete organization {organization_id}"), yes)?;
            client::call(&p, "DELETE", &format!("{base}/{organization_id}"), None)?;
            Ok(json!({ "deleted": organization_id }))
        }
    }
}

/// `organizations members …`: bodies are the server's own request types.
fn members(p: &Profile, cmd: Members) -> Result<Value, Failure> {
    match cmd {
        Members::List { organization_id } => client::call(
            p,
            "GET",
            &format!("/admin/organizations/{organization_id}/members?limit=1000"),
            None,
        ),
        Members::Set {
            organization_id,
            user_id,
            role,
            rights,
        } => {
            let path = format!("/admin/organizations/{organization_id}/members");
            let grant = MemberGrant {
                role: role.clone(),
                rights: rights.clone(),
            };
            // Set: change the membership, or make it when there is none.
            match client::call(
                p,
                "PUT",
                &format!("{path}/{user_id}"),
                Some(&to_value(&grant)?),
            ) {
                Err(Failure::Failed { code, .. }) if code == "not_found" => {
                    let new = NewMember {
                        user_id,
                        role,
                        rights,
                    };
                    client::call(p, "POST", &path, Some(&to_value(&new)?))
                }
                other => other,
            }
        }
        Members::Delete {
            organization_id,
            user_id,
            yes,
        } => {
            confirm(&format!("remove {user_id} from {organization_id}"), yes)?;
            let path = format!("/admin/organizations/{organization_id}/members/{user_id}");
            client::call(p, "DELETE", &path, None)?;
            Ok(json!({ "removed": user_id, "organization": organization_id }))
        }
    }
}
