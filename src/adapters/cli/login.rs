//! `login` and `logout`, and how every command reads a secret. Secrets
//! never come from an argument (shell history, the process list):
//! passwords from the terminal without echo or from standard input, API
//! keys from standard input or an environment variable.

use std::io::Read;

use serde_json::{json, Value};

use super::args::Login;
use super::client::{self, Profile};
use super::remote::{self, Call};
use super::{fail, usage, Env, Failure};
use crate::auth::Secret;

/// Asks for a secret on the terminal, without echo.
pub fn prompt(label: &str) -> Result<Secret, Failure> {
    rpassword::prompt_password(label)
        .map(Secret::new)
        .map_err(|e| fail("io_error", format!("cannot read from the terminal: {e}")))
}

/// The next line of standard input, as a secret. Lines are taken one per
/// call, so one input can carry a token and then a password.
pub fn line(stdin: &mut dyn Read) -> Result<Secret, Failure> {
    let mut bytes = Vec::new();
    let mut b = [0u8; 1];
    // One byte at a time: what follows the line stays for the next read.
    loop {
        let read = stdin.read(&mut b);
        let [c] = b;
        match read {
            Ok(0) => break,
            Ok(_) if c == b'\n' => break,
            Ok(_) => bytes.push(c),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(fail("io_error", format!("cannot read standard input: {e}"))),
        }
    }
    let s = String::from_utf8(bytes).map_err(|_| usage("standard input is not UTF-8"))?;
    let s = s.trim_end_matches('\r').to_owned();
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
        remote::run(&p, Call::get("/admin/settings".to_owned()))?;
    } else {
        let username = l
            .username
            .ok_or_else(|| usage("--username, --api-key-stdin or --api-key-env is required"))?;
        let password = if l.password_stdin {
            line(stdin)?
        } else {
            prompt("Password: ")?
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
