//! The deployment's keys in a filter VM: the gate is built from them, and
//! fetched again from the directory cluster's JWKS endpoint when they are
//! missing or old; the call-outs to that cluster.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use super::config::FilterConfig;
use crate::core::token::KeySet;
use crate::model::facts::FactError;
use crate::proxy::Gate;

/// How long the deployment's keys are used before they are fetched again
/// (the JWKS endpoint's own `max-age`).
const KEYS_TTL_MS: i64 = 300_000;
/// The VM's gate, built from the deployment's keys, shared by its requests.
#[derive(Debug, Default)]
pub struct Keys {
    /// The gate, once there are keys.
    pub gate: Option<Rc<Gate>>,
    jwks: String,
    fetched_ms: i64,
}

impl Keys {
    /// Whether the keys are missing or older than their TTL.
    pub fn stale(&self, now_ms: i64) -> bool {
        self.gate.is_none() || now_ms.saturating_sub(self.fetched_ms) >= KEYS_TTL_MS
    }
}

/// Builds (or refreshes) the VM's gate from the JWKS endpoint's answer; an
/// answer that is not a key set keeps the gate there was.
pub fn install_keys(
    keys: &RefCell<Keys>,
    config: &FilterConfig,
    status: Option<u16>,
    body: &[u8],
    now: i64,
) {
    let text = (status == Some(200))
        .then(|| String::from_utf8(body.to_vec()).ok())
        .flatten();
    let mut k = keys.borrow_mut();
    match text {
        Some(jwks) if jwks == k.jwks && k.gate.is_some() => k.fetched_ms = now,
        Some(jwks) => match KeySet::from_json(&jwks) {
            Ok(set) => {
                let gate = Gate::with_keys(config.proxy.clone(), &config.base_url, set);
                *k = Keys {
                    gate: Some(Rc::new(gate)),
                    jwks,
                    fetched_ms: now,
                };
            }
            Err(e) => log::warn!("orgwarden: the deployment's JWKS: {e}"),
        },
        None => log::warn!("orgwarden: the deployment's JWKS answered {status:?}"),
    }
}

/// A GET to the directory cluster; the call's token.
pub fn call(config: &FilterConfig, path: &str, bearer: bool) -> Result<u32, FactError> {
    let auth = format!("Bearer {}", config.key);
    let mut headers = vec![
        (":method", "GET"),
        (":path", path),
        (":authority", config.authority.as_str()),
    ];
    if bearer {
        headers.push(("authorization", auth.as_str()));
    }
    let timeout = Duration::from_millis(config.timeout_ms);
    proxy_wasm::hostcalls::dispatch_http_call(&config.cluster, headers, None, vec![], timeout)
        .map_err(|e| FactError(format!("call-out to {}: {e:?}", config.cluster)))
}

/// The JWKS endpoint's path.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
