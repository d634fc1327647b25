//! The CLI as a client of a running deployment: profiles (a deployment, a
//! tenant and a credential, kept in the platform's config directory with
//! owner-only permissions) and calls to the admin API over HTTPS.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::remote::{enc, Call, Scope};
use super::{fail, Failure};
use crate::auth::Secret;

/// One deployment and tenant, and how to act there.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    /// The deployment's base URL.
    pub url: String,
    /// The tenant.
    pub tenant: String,
    /// An access token from `login` (password grant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
    /// When the token expires, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Or an API key, used as the bearer credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
}

/// The profiles file: `$ORGWARDEN_CONFIG_DIR` or the platform's config
/// directory, `orgwarden/profiles.json`.
fn path() -> Result<PathBuf, Failure> {
    let dir = match std::env::var_os("ORGWARDEN_CONFIG_DIR") {
        Some(d) => PathBuf::from(d),
        None => dirs::config_dir()
            .ok_or_else(|| {
                fail(
                    "no_config_dir",
                    "no per-user config directory on this system",
                )
            })?
            .join("orgwarden"),
    };
    Ok(dir.join("profiles.json"))
}

/// Every profile by name.
pub fn load() -> Result<BTreeMap<String, Profile>, Failure> {
    let p = path()?;
    match std::fs::read_to_string(&p) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| fail("config_invalid", format!("{}: {e}", p.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(fail("io_error", format!("{}: {e}", p.display()))),
    }
}

/// Writes every profile, readable by the owner only.
pub fn save(profiles: &BTreeMap<String, Profile>) -> Result<(), Failure> {
    let p = path()?;
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).map_err(|e| fail("io_error", e.to_string()))?;
    }
    let text =
        serde_json::to_string_pretty(profiles).map_err(|e| fail("internal", e.to_string()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&p)
        .map_err(|e| fail("io_error", format!("{}: {e}", p.display())))?;
    // An older file keeps its mode on open: narrow it too.
    #[cfg(unix)]
    std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .map_err(|e| fail("io_error", e.to_string()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .map_err(|e| fail("io_error", e.to_string()))
}

/// The named profile, with a credential that is still good.
pub fn profile(name: &str, now: i64) -> Result<Profile, Failure> {
    let p = load()?.remove(name).ok_or_else(|| {
        fail(
            "not_logged_in",
            format!("no profile {name:?}: run `orgwarden login` first"),
        )
    })?;
    if p.api_key.is_none() && p.expires_at.is_some_and(|e| e <= now) {
        return Err(fail(
            "token_expired",
            "the session has expired: run `orgwarden login` again",
        ));
    }
    Ok(p)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .new_agent()
}

/// An answer of the API: 2xx with its JSON (or null), or the refusal.
fn answer(mut res: ureq::http::Response<ureq::Body>) -> Result<Value, Failure> {
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().unwrap_or_default();
    let json: Value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    if (200..300).contains(&status) {
        return Ok(json);
    }
    // A problem document (or OAuth's error document): its code and detail.
    let code = json
        .get("code")
        .or_else(|| json.get("error"))
        .and_then(Value::as_str)
        .unwrap_or("http_error");
    let detail = json
        .get("detail")
        .or_else(|| json.get("error_description"))
        .and_then(Value::as_str)
        .map_or_else(|| format!("the server answered {status}"), str::to_owned);
    // A refused credential (expired, revoked, its user suspended): the way on.
    let detail = if status == 401 {
        format!("{detail} (run `orgwarden login` again)")
    } else {
        detail
    };
    Err(fail(code, detail))
}

fn unreachable(url: &str, e: &ureq::Error) -> Failure {
    fail("unreachable", format!("{url}: {e}"))
}

/// The password grant: an access token and its lifetime.
pub fn sign_in(
    url: &str,
    tenant: &str,
    username: &str,
    password: &Secret,
) -> Result<(Secret, i64), Failure> {
    let endpoint = format!("{url}/t/{tenant}/api/v1/auth/token");
    let res = agent()
        .post(&endpoint)
        .send_form([
            ("grant_type", "password"),
            ("username", username),
            ("password", password.expose()),
        ])
        .map_err(|e| unreachable(&endpoint, &e))?;
    let json = answer(res)?;
    let token = json
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| fail("invalid_answer", "no access_token in the answer"))?;
    let ttl = json.get("expires_in").and_then(Value::as_i64).unwrap_or(0);
    Ok((Secret::new(token), ttl))
}

/// Sends a call with the profile's credential (none for an anonymous call,
/// such as accepting an invitation by registering).
pub fn send(p: &Profile, call: &Call) -> Result<Value, Failure> {
    let base = match call.scope {
        Scope::Tenant => format!("{}/t/{}/api/v1", p.url, enc(&p.tenant)),
        Scope::Root => format!("{}/api/v1", p.url),
    };
    let mut url = format!("{base}{}", call.path);
    for (i, (k, v)) in call.query.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(&format!("{k}={}", enc(v)));
    }
    let credential = p.api_key.as_ref().or(p.token.as_ref());
    let mut req = ureq::http::Request::builder()
        .method(call.method)
        .uri(&url)
        .header("accept", "application/json");
    if let Some(c) = credential {
        req = req.header("authorization", format!("Bearer {}", c.expose()));
    }
    let invalid = |e: ureq::http::Error| fail("invalid_url", format!("{url}: {e}"));
    let sent = match &call.body {
        Some(b) => {
            let bytes = serde_json::to_vec(b).map_err(|e| fail("internal", e.to_string()))?;
            let req = req.header("content-type", "application/json");
            agent().run(req.body(bytes).map_err(invalid)?)
        }
        // No body at all (not an empty one) for GET, DELETE and actions.
        None => agent().run(req.body(()).map_err(invalid)?),
    };
    let res = sent.map_err(|e| unreachable(&url, &e))?;
    answer(res)
}
