//! The authorizing proxy in the worker: builds the isolate's [`Gate`] from
//! the `ORGWARDEN_PROXY` binding, asks it about each request, and forwards
//! what passes to `ORIGIN` with the body streamed, not buffered.

use std::cell::RefCell;
use std::rc::Rc;

use worker::{
    Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response, Result,
};

use super::{kv::Kv, problem_response, signing_keys};
use crate::problem::Problem;
use crate::proxy::{headers, Gate, JwksFetch, Outcome, ProxyConfig, ProxyRequest};

thread_local! {
    /// One gate per isolate: bindings do not change within an isolate.
    static GATE: RefCell<Option<std::result::Result<Rc<Gate>, Problem>>> = const { RefCell::new(None) };
}

/// The isolate's gate, if it was built already (for cache invalidation).
pub fn current() -> Option<Rc<Gate>> {
    GATE.with(|g| g.borrow().as_ref().and_then(|r| r.as_ref().ok().cloned()))
}

/// The configuration text: `ORGWARDEN_PROXY` as a JSON string or as an
/// object (a TOML table in wrangler.toml); none means no routes.
fn config_text(env: &Env) -> String {
    if let Ok(text) = env.var("ORGWARDEN_PROXY") {
        return text.to_string();
    }
    match env.object_var::<serde_json::Value>("ORGWARDEN_PROXY") {
        Ok(v) => v.to_string(),
        Err(_) => r#"{"routes": []}"#.to_owned(),
    }
}

/// The isolate's gate, built on first use. A bad configuration is reported
/// on every proxied request (500, naming the rule) until it is fixed.
pub fn gate(env: &Env) -> std::result::Result<Rc<Gate>, Problem> {
    if let Some(g) = GATE.with(|g| g.borrow().clone()) {
        return g;
    }
    let built = build(env);
    GATE.with(|g| *g.borrow_mut() = Some(built.clone()));
    built
}

fn build(env: &Env) -> std::result::Result<Rc<Gate>, Problem> {
    let config = ProxyConfig::from_json(&config_text(env))
        .map_err(|e| Problem::new(500, "server_misconfigured", e.to_string()))?;
    let keys = signing_keys(env)?;
    let base_url = env
        .var("PUBLIC_BASE_URL")
        .map(|v| v.to_string())
        .unwrap_or_default();
    Ok(Rc::new(Gate::new(config, &base_url, keys.1.clone())))
}

/// External issuers' JWKS over Fetch.
struct WorkerFetch;

impl JwksFetch for WorkerFetch {
    async fn fetch(&self, url: &str) -> Option<String> {
        let url = worker::Url::parse(url).ok()?;
        let mut response = Fetch::Url(url).send().await.ok()?;
        if response.status_code() != 200 {
            return None;
        }
        response.text().await.ok()
    }
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Decides on `req` and forwards it or answers the refusal.
pub async fn handle(req: Request, env: &Env) -> Result<Response> {
    let started = now_ms();
    let gate = match gate(env) {
        Ok(g) => g,
        Err(p) => return problem_response(&p),
    };
    let url = req.url()?;
    let method = req.method().to_string();
    let authorization = req.headers().get("authorization")?;
    let api_key = req.headers().get("x-api-key")?;
    let store = Kv::new(env);
    let decision = gate
        .authorize(
            &store,
            &WorkerFetch,
            &ProxyRequest {
                method: &method,
                path: url.path(),
                authorization: authorization.as_deref(),
                api_key: api_key.as_deref(),
            },
            started as i64,
        )
        .await;
    let decided = now_ms();
    let debug = gate.config().debug;
    let timing = |origin_ms: Option<f64>| {
        let t = &decision.trace;
        let mut parts = vec![
            format!("decide;dur={:.1}", decided - started),
            format!("kv;desc=\"reads {}\"", t.kv_reads),
        ];
        if let Some(cached) = t.token_cached {
            parts.push(format!(
                "token;desc=\"{}\"",
                if cached { "cached" } else { "verified" }
            ));
        }
        if let Some(ms) = origin_ms {
            parts.push(format!("origin;dur={ms:.1}"));
        }
        parts.join(", ")
    };
    let identity = match &decision.outcome {
        Outcome::Deny(d) => {
            let mut r = problem_response(&d.problem())?;
            if let Some(h) = &d.www_authenticate {
                r.headers_mut().set("www-authenticate", h)?;
            }
            if debug {
                r.headers_mut().set("server-timing", &timing(None))?;
            }
            return Ok(r);
        }
        Outcome::Forward(identity) => identity,
    };
    let origin = env.var("ORIGIN").map(|v| v.to_string()).unwrap_or_default();
    if origin.is_empty() {
        return problem_response(&Problem::new(
            500,
            "server_misconfigured",
            "the ORIGIN variable is not set",
        ));
    }
    let mut target = format!("{}{}", origin.trim_end_matches('/'), url.path());
    if let Some(q) = url.query() {
        target.push('?');
        target.push_str(q);
    }
    let incoming: Vec<(String, String)> = req.headers().entries().collect();
    let forwarded = headers::forwarded(
        incoming.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        identity.as_ref(),
        gate.config().forward_credential,
    );
    let out_headers = Headers::new();
    for (name, value) in &forwarded {
        out_headers.append(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(req.method())
        .with_headers(out_headers)
        // Redirects are the client's to follow, as with any proxy.
        .with_redirect(RequestRedirect::Manual);
    if !matches!(req.method(), Method::Get | Method::Head) {
        // The incoming body stream, handed on unread.
        init.body = req.inner().body().map(wasm_bindgen::JsValue::from);
    }
    let outbound = Request::new_with_init(&target, &init)?;
    let sent = now_ms();
    match Fetch::Request(outbound).send().await {
        Ok(resp) => {
            if !debug {
                return Ok(resp);
            }
            // A fetched response's headers are immutable: copy them to add timing.
            let copied = Headers::new();
            for (name, value) in resp.headers().entries() {
                copied.append(&name, &value)?;
            }
            copied.set("server-timing", &timing(Some(now_ms() - sent)))?;
            Ok(resp.with_headers(copied))
        }
        Err(_) => {
            gate.count_origin_unreachable();
            let mut r = problem_response(&Problem::new(
                502,
                "origin_unreachable",
                "the origin API could not be reached",
            ))?;
            if debug {
                r.headers_mut().set("server-timing", &timing(None))?;
            }
            Ok(r)
        }
    }
}

/// `GET /api/v1/metrics`: this isolate's counters, for the operator.
pub fn metrics(req: &Request, env: &Env) -> Result<Response> {
    let expected = env.secret("OPERATOR_KEY").map(|s| s.to_string()).ok();
    let given = req.headers().get("authorization")?;
    let ok = match (expected, given) {
        (Some(e), Some(g)) => g
            .strip_prefix("Bearer ")
            .is_some_and(|g| crate::password::secrets_equal(&e, g.trim())),
        _ => false,
    };
    if !ok {
        let mut r = problem_response(&Problem::new(
            401,
            "credential_invalid",
            "the metrics are for the operator: send Authorization: Bearer <OPERATOR_KEY>",
        ))?;
        r.headers_mut().set(
            "www-authenticate",
            "Bearer realm=\"orgwarden\", error=\"invalid_token\"",
        )?;
        return Ok(r);
    }
    let body = match gate(env) {
        Ok(g) => serde_json::json!({
            "isolate": isolate_id(),
            "proxy": g.metrics(),
        }),
        Err(p) => serde_json::json!({ "isolate": isolate_id(), "error": p.code }),
    };
    let mut r = Response::ok(body.to_string())?;
    r.headers_mut().set("content-type", "application/json")?;
    r.headers_mut().set("cache-control", "no-store")?;
    Ok(r)
}

thread_local! {
    static ISOLATE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// A random name for this isolate, so scrapes can tell isolates apart.
fn isolate_id() -> String {
    ISOLATE.with(|i| {
        let mut i = i.borrow_mut();
        if i.is_empty() {
            let mut b = [0u8; 8];
            if getrandom::fill(&mut b).is_ok() {
                *i = b.iter().map(|x| format!("{x:02x}")).collect();
            }
        }
        i.clone()
    })
}
