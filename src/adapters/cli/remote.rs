//! A command against a deployment as data: the method, the path under the
//! tenant's API, the query and the body (built from the server's own
//! request types), and whether it destroys something. The resource modules
//! only build these; one place runs them, so confirmation, credentials and
//! errors are the same for every command.

use std::io::IsTerminal;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

use super::client::{self, Profile};
use super::{fail, to_value, usage, Failure};

/// Everything but RFC 3986's unreserved characters is encoded, so an
/// argument can never add a path segment or a query parameter.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One path segment or query value, encoded.
pub fn enc(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Where a path lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Under `/t/{tenant}/api/v1`.
    Tenant,
    /// Under `/api/v1` (the operator's endpoints).
    Root,
}

/// One call of the API.
#[derive(Debug, Clone)]
pub struct Call {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: &'static str,
    /// The path, its segments already encoded.
    pub path: String,
    /// Scope of the path.
    pub scope: Scope,
    /// Query parameters (encoded when the URL is made).
    pub query: Vec<(&'static str, String)>,
    /// The JSON body.
    pub body: Option<Value>,
    /// What is destroyed, for the prompt; `None` when nothing is.
    pub destroys: Option<String>,
    /// Whether the caller said `--yes`.
    pub yes: bool,
    /// What to print when the server answers with no body (204).
    pub done: Value,
    /// The call to make instead when this one answers `not_found` (set:
    /// change it, or make it when there is none).
    pub fallback: Option<Box<Call>>,
    /// Said on stderr after success (a secret shown once).
    pub notice: Option<&'static str>,
}

impl Call {
    fn new(method: &'static str, path: String) -> Call {
        Call {
            method,
            path,
            scope: Scope::Tenant,
            query: Vec::new(),
            body: None,
            destroys: None,
            yes: false,
            done: Value::Null,
            fallback: None,
            notice: None,
        }
    }
    /// `GET path`.
    pub fn get(path: String) -> Call {
        Call::new("GET", path)
    }
    /// `POST path` with a body made from one of the server's request types.
    pub fn post<T: serde::Serialize>(path: String, body: &T) -> Result<Call, Failure> {
        Ok(Call::new("POST", path).body(to_value(body)?))
    }
    /// `POST path` without a body (an action: approve, restore, resend).
    pub fn action(path: String) -> Call {
        Call::new("POST", path)
    }
    /// `PUT path` with a body made from one of the server's request types.
    pub fn put<T: serde::Serialize>(path: String, body: &T) -> Result<Call, Failure> {
        Ok(Call::new("PUT", path).body(to_value(body)?))
    }
    /// `DELETE path`, confirmed first: `what` names it in the prompt.
    pub fn delete(path: String, what: String, yes: bool) -> Call {
        let mut c = Call::new("DELETE", path);
        c.destroys = Some(what);
        c.yes = yes;
        c
    }
    fn body(mut self, body: Value) -> Call {
        self.body = Some(body);
        self
    }
    /// Adds query parameters; `None` values are left out.
    pub fn query(mut self, q: impl IntoIterator<Item = (&'static str, Option<String>)>) -> Call {
        self.query
            .extend(q.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
        self
    }
    /// What to print when the answer has no body.
    pub fn done(mut self, v: Value) -> Call {
        self.done = v;
        self
    }
    /// Says `text` on stderr once the call succeeds.
    pub fn notice(mut self, text: &'static str) -> Call {
        self.notice = Some(text);
        self
    }
    /// Makes `other` instead when this call answers `not_found`.
    pub fn or_when_not_found(mut self, other: Call) -> Call {
        self.fallback = Some(Box::new(other));
        self
    }
    /// Under `/api/v1` rather than the tenant's API.
    pub fn root(mut self) -> Call {
        self.scope = Scope::Root;
        self
    }
}

/// Asks before a destructive call unless `--yes`; refuses when there is
/// nobody to ask (a script must say `--yes`).
pub fn confirm(what: &str, yes: bool) -> Result<(), Failure> {
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

/// Runs a call with the profile's credential.
pub fn run(p: &Profile, call: Call) -> Result<Value, Failure> {
    if let Some(what) = &call.destroys {
        confirm(what, call.yes)?;
    }
    let answer = match (client::send(p, &call), call.fallback) {
        (Err(Failure::Failed { code, .. }), Some(other)) if code == "not_found" => {
            client::send(p, &other)?
        }
        (answer, _) => answer?,
    };
    if let Some(n) = call.notice {
        eprintln!("{n}");
    }
    Ok(if answer.is_null() { call.done } else { answer })
}
