//! The middleware's settings (from the host's environment) and its gate,
//! built on first use and again when the deployment's keys change, with
//! facts from the directory endpoint.

use std::cell::RefCell;
use std::rc::Rc;

use super::outgoing::{get, Target};
use crate::core::problem::Problem;
use crate::core::token::KeySet;
use crate::model::facts::{Fact, FactError, FactSource, Need};
use crate::proxy::remote::{directory_path, read_answer};
use crate::proxy::{Gate, ProxyConfig};

/// How long the deployment's keys are kept before they are fetched again
/// (the JWKS endpoint's own `max-age`).
const KEYS_TTL_MS: i64 = 300_000;

/// The middleware's settings, read once per instance.
#[derive(Debug)]
pub struct Settings {
    /// `ORGWARDEN_ORIGIN`.
    pub origin: Target,
    directory: Target,
    directory_key: String,
    base_url: String,
    config: ProxyConfig,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn misconfigured(message: impl Into<String>) -> Problem {
    Problem::new(500, "server_misconfigured", message)
}

impl Settings {
    fn from_env() -> Result<Settings, Problem> {
        let url = |name: &str| {
            env(name)
                .and_then(|u| Target::parse(u.trim()))
                .ok_or_else(|| misconfigured(format!("{name} is not an http(s) URL")))
        };
        let directory_url = env("ORGWARDEN_DIRECTORY").unwrap_or_default();
        let config = ProxyConfig::from_json(&env("ORGWARDEN_PROXY").unwrap_or_default())
            .map_err(|e| misconfigured(e.to_string()))?;
        Ok(Settings {
            origin: url("ORGWARDEN_ORIGIN")?,
            directory: url("ORGWARDEN_DIRECTORY")?,
            directory_key: env("ORGWARDEN_DIRECTORY_KEY")
                .ok_or_else(|| misconfigured("ORGWARDEN_DIRECTORY_KEY is not set"))?,
            base_url: env("ORGWARDEN_BASE_URL")
                .unwrap_or(directory_url)
                .trim()
                .trim_end_matches('/')
                .to_owned(),
            config,
        })
    }
}

/// The instance's state: settings, and the gate with the keys it trusts.
struct State {
    settings: Result<Rc<Settings>, Problem>,
    gate: Option<Keyed>,
}

struct Keyed {
    gate: Rc<Gate>,
    /// Shared, not copied: every request takes the state, few refresh it.
    jwks: Rc<str>,
    fetched_ms: i64,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// The gate for this request: built on first use, and again when the
/// deployment's keys changed. While the keys cannot be fetched the gate
/// that has them keeps deciding; without one, the request fails closed.
pub fn gate() -> Result<(Rc<Settings>, Rc<Gate>), Problem> {
    let (settings, current) = STATE.with(|s| {
        let mut s = s.borrow_mut();
        let state = s.get_or_insert_with(|| State {
            settings: Settings::from_env().map(Rc::new),
            gate: None,
        });
        let gate = state
            .gate
            .as_ref()
            .map(|k| (Rc::clone(&k.gate), Rc::clone(&k.jwks), k.fetched_ms));
        (state.settings.clone(), gate)
    });
    let settings = settings?;
    let now = super::now_ms();
    if let Some((gate, _, fetched)) = &current {
        if now.saturating_sub(*fetched) < KEYS_TTL_MS {
            return Ok((settings, Rc::clone(gate)));
        }
    }
    let fetched = fetch_jwks(&settings);
    let keyed = match (fetched, current) {
        (Ok(jwks), Some((gate, old, _))) if *jwks == *old => Keyed {
            gate,
            jwks: old,
            fetched_ms: now,
        },
        (Ok(jwks), _) => {
            let keys = KeySet::from_json(&jwks)
                .map_err(|e| Problem::new(503, "store_unavailable", format!("jwks: {e}")))?;
            let gate = Gate::with_keys(settings.config.clone(), &settings.base_url, keys);
            Keyed {
                gate: Rc::new(gate),
                jwks: Rc::from(jwks),
                fetched_ms: now,
            }
        }
        (Err(_), Some((gate, jwks, fetched_ms))) => Keyed {
            gate,
            jwks,
            fetched_ms,
        },
        (Err(e), None) => {
            log_line(&format!("orgwarden: {e}"));
            return Err(Problem::new(
                503,
                "store_unavailable",
                "the authorization directory did not answer; try again",
            ));
        }
    };
    let gate = Rc::clone(&keyed.gate);
    STATE.with(|s| {
        if let Some(state) = s.borrow_mut().as_mut() {
            state.gate = Some(keyed);
        }
    });
    Ok((settings, gate))
}

fn log_line(line: &str) {
    eprintln!("{line}");
}

fn fetch_jwks(s: &Settings) -> Result<String, FactError> {
    let (status, body) = get(&s.directory, "/.well-known/jwks.json", None)?;
    if status != 200 {
        return Err(FactError(format!(
            "the deployment's JWKS answered {status}"
        )));
    }
    String::from_utf8(body).map_err(|_| FactError("the JWKS is not UTF-8".into()))
}

/// Facts from the directory endpoint.
pub struct Directory<'s>(pub &'s Settings);

impl FactSource for Directory<'_> {
    async fn fetch(&self, need: &Need) -> Result<Fact, FactError> {
        let Some(path) = directory_path(need) else {
            return match need {
                Need::Jwks(url) => Ok(Fact::Jwks(external_jwks(url))),
                Need::Signature(check) => Ok(Fact::Signature(check.verify_here())),
                _ => Err(FactError("no directory path".into())),
            };
        };
        let (status, body) = get(&self.0.directory, &path, Some(&self.0.directory_key))?;
        read_answer(need, status, &body)
    }
}

/// An external issuer's keys; none when they cannot be had.
fn external_jwks(url: &str) -> Option<String> {
    match get(&Target::parse(url)?, "", None) {
        Ok((200, body)) => String::from_utf8(body).ok(),
        _ => None,
    }
}
