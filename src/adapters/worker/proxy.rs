//! The authorizing proxy in the worker: builds the isolate's [`Gate`] from
//! the `ORGWARDEN_PROXY` binding, asks it about each request, and forwards
//! what passes to `ORIGIN` with the body streamed, not buffered.

use std::cell::RefCell;
use std::rc::Rc;

use worker::wasm_bindgen::JsCast;
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::{self, RequestInit, ResponseInit};
use worker::{Env, Fetch, Headers, Request, Response, Result};

use super::{kv::Kv, problem_response, signing_keys};
use crate::problem::Problem;
use crate::proxy::{headers, Gate, JwksFetch, Outcome, ProxyConfig, ProxyRequest};

thread_local! {
    /// One gate per isolate: bindings do not change within an isolate.
    static GATE: RefCell<Option<std::result::Result<Rc<Gate>, Problem>>> = const { RefCell::new(None) };
    /// `ORIGIN`, read once per isolate like the gate.
    static ORIGIN: RefCell<Option<Rc<str>>> = const { RefCell::new(None) };
}

/// The origin's base URL without a trailing `/`; empty when not configured.
fn origin(env: &Env) -> Rc<str> {
    if let Some(o) = ORIGIN.with(|o| o.borrow().clone()) {
        return o;
    }
    let read: Rc<str> = env
        .var("ORIGIN")
        .map(|v| v.to_string())
        .unwrap_or_default()
        .trim_end_matches('/')
        .into();
    ORIGIN.with(|o| *o.borrow_mut() = Some(Rc::clone(&read)));
    read
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
///
/// What passes is forwarded the way a JavaScript worker would
/// (`new Request(url, request)`, then `fetch`): method, headers and the body
/// stream are copied by the runtime, and the origin's response goes back as
/// the runtime's own object, body unread. Only the headers orgwarden owns
/// are changed on the way.
pub async fn handle(
    req: &web_sys::Request,
    env: &Env,
    path: &str,
    query: Option<&str>,
) -> Result<web_sys::Response> {
    let started = now_ms();
    let gate = match gate(env) {
        Ok(g) => g,
        Err(p) => return raw(problem_response(&p)),
    };
    let method = req.method();
    let incoming_headers = req.headers();
    let authorization = incoming_headers.get("authorization")?;
    let api_key = incoming_headers.get("x-api-key")?;
    let store = Kv::new(env);
    let decision = gate
        .authorize(
            &store,
            &WorkerFetch,
            &ProxyRequest {
                method: &method,
                path,
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
    let forward = match &decision.outcome {
        Outcome::Deny(d) => {
            let mut r = problem_response(&d.problem())?;
            if let Some(h) = &d.www_authenticate {
                r.headers_mut().set("www-authenticate", h)?;
            }
            if debug {
                r.headers_mut().set("server-timing", &timing(None))?;
            }
            return Ok(r.into());
        }
        Outcome::Forward(forward) => forward,
    };
    let origin = origin(env);
    if origin.is_empty() {
        return raw(problem_response(&Problem::new(
            500,
            "server_misconfigured",
            "the ORIGIN variable is not set",
        )));
    }
    // The canonical path the rules read, never the path as received.
    let mut target = format!("{origin}{}", forward.path);
    if let Some(q) = query {
        target.push('?');
        target.push_str(q);
    }
    // An explicit init (method, a copy of the headers, the body stream,
    // manual redirects) rather than the request itself as init: that would
    // make the runtime read `request.cf`, which it builds on every access.
    let out_headers = web_sys::Headers::new_with_headers(&incoming_headers)?;
    // Names only (a credential's value need not cross into wasm again), plus
    // the value of `Connection`, which names more headers to drop.
    let connection = incoming_headers.get("connection")?.unwrap_or_default();
    let names: Vec<String> = Headers(incoming_headers).keys().collect();
    let pairs = names.iter().map(|n| {
        let value = if n == "connection" {
            connection.as_str()
        } else {
            ""
        };
        (n.as_str(), value)
    });
    for name in headers::dropped(pairs, gate.config().forward_credential) {
        out_headers.delete(&name)?;
    }
    if let Some(id) = &forward.identity {
        for (name, value) in id.headers() {
            out_headers.set(name, &value)?;
        }
    }
    let init = RequestInit::new();
    init.set_method(&method);
    init.set_headers(&out_headers);
    init.set_redirect(web_sys::RequestRedirect::Manual);
    if !matches!(method.as_str(), "GET" | "HEAD") {
        if let Some(body) = req.body() {
            init.set_body(&body);
        }
    }
    let sent = now_ms();
    let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    match JsFuture::from(global.fetch_with_str_and_init(&target, &init)).await {
        Ok(value) => {
            let resp: web_sys::Response = value.dyn_into()?;
            if !debug {
                return Ok(resp);
            }
            // A fetched response's headers are immutable: `new Response(body, response)`.
            let copy = web_sys::Response::new_with_opt_readable_stream_and_init(
                resp.body().as_ref(),
                resp.unchecked_ref::<ResponseInit>(),
            )?;
            copy.headers()
                .set("server-timing", &timing(Some(now_ms() - sent)))?;
            Ok(copy)
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
            Ok(r.into())
        }
    }
}

/// Path and query of a request URL as the runtime serialized it (WHATWG:
/// dot segments already resolved, no fragment): no reparsing.
pub fn split_url(url: &str) -> (&str, Option<&str>) {
    let after_scheme = url
        .find("://")
        .map_or(url, |i| url.get(i + 3..).unwrap_or(""));
    let path_and_query = after_scheme
        .find('/')
        .and_then(|i| after_scheme.get(i..))
        .unwrap_or("/");
    let path_and_query = path_and_query
        .split_once('#')
        .map_or(path_and_query, |(p, _)| p);
    match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    }
}

fn raw(r: Result<Response>) -> Result<web_sys::Response> {
    r.map(Into::into)
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
