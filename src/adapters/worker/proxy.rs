//! The authorizing proxy in the worker: builds the isolate's [`Gate`] from
//! the `ORGWARDEN_PROXY` binding, asks it about each request, and forwards
//! what passes to `ORIGIN` with the body streamed, not buffered.

use worker::wasm_bindgen::JsCast;
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::{self, RequestInit, ResponseInit};
use worker::{Env, Fetch, Headers, Result};

use super::{isolate, kv::Kv, problem_response};
use crate::core::problem::Problem;
use crate::model::facts::{Fact, FactError, FactSource, Need};
use crate::proxy::{headers, Outcome, ProxyRequest};
use crate::store::facts::StoreFacts;

/// The facts of the worker: the store's from KV, external issuers' keys over
/// Fetch (a failed fetch is no keys, never an error: the gate keeps the
/// keys it had).
struct WorkerFacts<'e> {
    kv: Kv<'e>,
}

impl FactSource for WorkerFacts<'_> {
    async fn fetch(&self, need: &Need) -> std::result::Result<Fact, FactError> {
        let Need::Jwks(url) = need else {
            return StoreFacts::new(&self.kv).fetch(need).await;
        };
        Ok(Fact::Jwks(jwks(url).await))
    }
}

async fn jwks(url: &str) -> Option<String> {
    let url = worker::Url::parse(url).ok()?;
    let mut response = Fetch::Url(url).send().await.ok()?;
    if response.status_code() != 200 {
        return None;
    }
    response.text().await.ok()
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
    let iso = match isolate::get(env) {
        Ok(i) => i,
        Err(p) => return raw(problem_response(&p)),
    };
    let gate = match &iso.gate {
        Ok(g) => g,
        Err(p) => return raw(problem_response(p)),
    };
    let method = req.method();
    let incoming_headers = req.headers();
    let authorization = incoming_headers.get("authorization")?;
    let api_key = incoming_headers.get("x-api-key")?;
    let facts = WorkerFacts { kv: Kv::new(env) };
    let decision = gate
        .authorize(
            &facts,
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
            format!("facts;desc=\"fetched {}\"", t.fact_fetches),
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
            if let Some(h) = d.www_authenticate() {
                r.headers_mut().set("www-authenticate", &h)?;
            }
            if debug {
                r.headers_mut().set("server-timing", &timing(None))?;
            }
            return Ok(r.into());
        }
        Outcome::Forward(forward) => forward,
    };
    let origin = &iso.origin;
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

fn raw(r: Result<worker::Response>) -> Result<web_sys::Response> {
    r.map(Into::into)
}
