//! What one isolate builds once from its bindings: the signing keys, the
//! authenticator (with its verified-token cache), the proxy's gate (with its
//! fact cache) and the plain variables. Bindings do not change within an
//! isolate; a new deployment starts new isolates.

use std::cell::RefCell;
use std::rc::Rc;

use worker::Env;

use crate::auth::throttle::{self, Throttle};
use crate::auth::{Authenticator, Secret};
use crate::core::password;
use crate::core::problem::Problem;
use crate::core::token::HostSigningKeys;
use crate::core::token::KeySet;
use crate::proxy::{Gate, ProxyConfig};

use super::ed25519::WebCryptoEd25519;
use super::notify::NotifyConfig;
use super::signer::WebCryptoSigner;

/// The isolate's state.
#[derive(Debug)]
pub struct Isolate {
    /// The deployment's active signing key, signing through WebCrypto.
    pub signer: WebCryptoSigner,
    /// Their public set.
    pub public: KeySet,
    /// Who the deployment trusts, shared by the admin API and the proxy.
    pub auth: Rc<Authenticator>,
    /// The proxy, or why its configuration was refused.
    pub gate: Result<Rc<Gate>, Problem>,
    /// `PUBLIC_BASE_URL`, without a trailing `/`.
    pub base_url: String,
    /// `ORIGIN`, without a trailing `/`; empty when not set.
    pub origin: String,
    /// `OPERATOR_KEY`.
    pub operator_key: Option<Secret>,
    /// `DIRECTORY_KEY`: the directory endpoint's bearer secret(s).
    pub directory_key: Option<Secret>,
    /// PBKDF2 iterations of new password hashes.
    pub password_iterations: u32,
    /// Failed sign-ins seen by this isolate (`SIGNIN_FAILURES_PER_USER`,
    /// `SIGNIN_FAILURES_PER_ADDRESS`, `SIGNIN_FAILURE_WINDOW_SECONDS`).
    pub throttle: Throttle,
    /// `ORGWARDEN_WRITES = "kv-only"`: admin writes bypass the tenant's
    /// Durable Object (no single writer; the benchmarks' baseline).
    pub kv_only_writes: bool,
    /// Notifications: email, webhook, templates, retries.
    pub notify: NotifyConfig,
    /// `ORGWARDEN_TEST_CLOCK_OFFSET_MS`: a test hook moving this isolate's
    /// clock (expiry, restore windows); never set in a deployment.
    pub clock_offset_ms: i64,
    /// A random name, so that scrapes of per-isolate metrics tell isolates apart.
    pub id: String,
}

impl Isolate {
    /// Now, Unix milliseconds, as this deployment's clock reads it.
    pub fn now_ms(&self) -> i64 {
        (js_sys::Date::now() as i64).saturating_add(self.clock_offset_ms)
    }
}

thread_local! {
    static ISOLATE: RefCell<Option<Result<Rc<Isolate>, Problem>>> = const { RefCell::new(None) };
}

/// The isolate's state, built on first use. A missing or bad `SIGNING_KEYS`
/// is answered (500) on every request until it is fixed.
pub fn get(env: &Env) -> Result<Rc<Isolate>, Problem> {
    if let Some(i) = ISOLATE.with(|i| i.borrow().clone()) {
        return i;
    }
    let built = build(env).map(Rc::new);
    ISOLATE.with(|i| *i.borrow_mut() = Some(built.clone()));
    built
}

/// The isolate's state if it was built (for callbacks that have no `Env`).
pub fn current() -> Result<Rc<Isolate>, Problem> {
    ISOLATE
        .with(|i| i.borrow().clone())
        .unwrap_or_else(|| Err(Problem::new(500, "server_misconfigured", "not built yet")))
}

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string())
}

/// The configuration text: `ORGWARDEN_PROXY` as a JSON string or as an
/// object (a TOML table in wrangler.toml); none means no routes.
fn proxy_config(env: &Env) -> String {
    if let Some(text) = var(env, "ORGWARDEN_PROXY") {
        return text;
    }
    object_json(env, "ORGWARDEN_PROXY").unwrap_or_else(|| r#"{"routes": []}"#.to_owned())
}

/// An object binding (a table in wrangler.toml) as JSON text, by the
/// runtime's `JSON.stringify`: `Env::object_var` would bring
/// serde_wasm_bindgen's deserializer into `serde_json::Value` for two
/// reads at start-up.
pub(super) fn object_json(env: &Env, name: &str) -> Option<String> {
    let value = js_sys::Reflect::get(env, &wasm_bindgen::JsValue::from_str(name)).ok()?;
    if !value.is_object() {
        return None;
    }
    js_sys::JSON::stringify(&value).ok()?.as_string()
}

fn throttle(env: &Env) -> Throttle {
    let num = |name: &str, default: i64| {
        var(env, name)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(default)
            .clamp(1, 1_000_000)
    };
    let limit =
        |name: &str, default: u32| u32::try_from(num(name, i64::from(default))).unwrap_or(default);
    Throttle::new(
        limit("SIGNIN_FAILURES_PER_USER", throttle::DEFAULT_USER_LIMIT),
        limit(
            "SIGNIN_FAILURES_PER_ADDRESS",
            throttle::DEFAULT_ADDRESS_LIMIT,
        ),
        num(
            "SIGNIN_FAILURE_WINDOW_SECONDS",
            throttle::DEFAULT_WINDOW_SECS,
        ),
        throttle::DEFAULT_CAPACITY,
    )
}

/// `SIGNING_KEYS`, taken apart without the curve arithmetic: WebCrypto
/// signs and verifies (core::token::host_keys).
fn signing_keys(env: &Env) -> Result<HostSigningKeys, Problem> {
    let text = env
        .secret("SIGNING_KEYS")
        .map(|s| s.to_string())
        .map_err(|_| {
            Problem::new(
                500,
                "server_misconfigured",
                "the SIGNING_KEYS secret is not set",
            )
        })?;
    HostSigningKeys::from_json(&text).map_err(|e| {
        // The code and a content-free reason only: the secret never reaches a response.
        Problem::new(
            500,
            "server_misconfigured",
            format!("SIGNING_KEYS is not a usable private JWKS ({})", e.code()),
        )
    })
}

fn build(env: &Env) -> Result<Isolate, Problem> {
    let HostSigningKeys { public, kid, d, x } = signing_keys(env)?;
    let signer = WebCryptoSigner::new(kid, d, x);
    let base_url = var(env, "PUBLIC_BASE_URL")
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_owned();
    let config = ProxyConfig::from_json_for_host(&proxy_config(env))
        .map_err(|e| Problem::new(500, "server_misconfigured", e.to_string()));
    let (issuers, capacity) = match &config {
        Ok(c) => (c.issuers.clone(), c.cache_capacity),
        Err(_) => (Vec::new(), crate::proxy::config::DEFAULT_CACHE_CAPACITY),
    };
    // Every Ed25519 equation through WebCrypto (adapters/worker/ed25519.rs):
    // the gate asks for it, the admin API awaits it.
    let auth = Rc::new(Authenticator::for_host(
        &base_url,
        public.clone(),
        &issuers,
        capacity,
        Box::new(WebCryptoEd25519),
    ));
    let gate = config.map(|c| Rc::new(Gate::new(c, Rc::clone(&auth))));
    let password_iterations = var(env, "PASSWORD_ITERATIONS")
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(password::DEFAULT_ITERATIONS)
        .clamp(password::MIN_ITERATIONS, password::MAX_ITERATIONS);
    let mut id = [0u8; 8];
    let id = if getrandom::fill(&mut id).is_ok() {
        id.iter().map(|b| format!("{b:02x}")).collect()
    } else {
        String::new()
    };
    Ok(Isolate {
        signer,
        public,
        auth,
        gate,
        base_url,
        origin: var(env, "ORIGIN")
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned(),
        operator_key: env
            .secret("OPERATOR_KEY")
            .ok()
            .map(|v| Secret::new(v.to_string())),
        directory_key: env
            .secret("DIRECTORY_KEY")
            .ok()
            .map(|v| Secret::new(v.to_string())),
        password_iterations,
        throttle: throttle(env),
        kv_only_writes: var(env, "ORGWARDEN_WRITES").as_deref() == Some("kv-only"),
        notify: NotifyConfig::from_env(env),
        clock_offset_ms: var(env, "ORGWARDEN_TEST_CLOCK_OFFSET_MS")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        id,
    })
}
