//! The authorizing proxy in the worker: builds the isolate's [`Gate`] from
//! the `ORGWARDEN_PROXY` binding, asks it about each request, and forwards
//! what passes to `ORIGIN` with the body streamed, not buffered.

use worker::wasm_bindgen::JsCast;
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::{self, RequestInit, ResponseInit};
use worker::{Env, Headers, Result};

use super::{isolate, kv::Kv, problem_response};
use crate::core::problem::Problem;
use crate::model::facts::{Fact, FactError, FactSource, Need};
use crate::proxy::{headers, Decision, Forward, Gate, Outcome, Pending, ProxyRequest};
use crate::store::facts::StoreFacts;
use crate::store::AnyStore;

/// The facts of the worker: the store's from KV, external issuers' keys over
/// Fetch (a failed fetch is no keys, never an error: the gate keeps the
/// keys it had), signatures from WebCrypto.
pub(super) struct WorkerFacts<'e> {
    pub(super) kv: Kv<'e>,
}

impl FactSource for WorkerFacts<'_> {
    async fn fetch(&self, need: &Need) -> std::result::Result<Fact, FactError> {
        match need {
            Need::Jwks(url) => Ok(Fact::Jwks(jwks(url).await)),
            Need::Signature(check) => super::ed25519::verify(check).await.map(Fact::Signature),
            _ => StoreFacts::<dyn AnyStore>::new(&self.kv).fetch(need).await,
        }
    }
}

/// The document at `url` (the runtime parses it: no URL parser in the
/// module for one call, see docs/performance.md).
async fn jwks(url: &str) -> Option<String> {
    let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let response: web_sys::Response = JsFuture::from(global.fetch_with_str(url))
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    if response.status() != 200 {
        return None;
    }
    JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// `Server-Timing` of a decision (with `debug`).
pub(super) struct Timing<'d> {
    decision: &'d Decision,
    decide_ms: f64,
}

impl Timing<'_> {
    fn header(&self, origin_ms: Option<f64>) -> String {
        let t = &self.decision.trace;
        let mut parts = vec![
            format!("decide;dur={:.1}", self.decide_ms),
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
    }
}

/// The `Authorization` and `X-API-Key` values of `req`, what the gate reads.
pub(super) fn credential_headers(
    req: &web_sys::Request,
) -> Result<(Option<String>, Option<String>)> {
    let incoming = req.headers();
    Ok((incoming.get("authorization")?, incoming.get("x-api-key")?))
}

/// The origin's URL for a forwarded request: the canonical path the rules
/// read, never the path as received.
pub(super) fn target(origin: &str, forward: &Forward, query: Option<&str>) -> String {
    let mut target = format!("{origin}{}", forward.path);
    if let Some(q) = query {
        target.push('?');
        target.push_str(q);
    }
    target
}

/// A refusal's problem document, with its challenge and timing.
pub(super) fn refusal(
    d: &crate::auth::Denial,
    timing: Option<&Timing<'_>>,
) -> Result<web_sys::Response> {
    let mut r = problem_response(&d.problem())?;
    if let Some(h) = d.www_authenticate() {
        r.headers_mut().set("www-authenticate", &h)?;
    }
    if let Some(t) = timing {
        r.headers_mut().set("server-timing", &t.header(None))?;
    }
    Ok(r.into())
}

/// Decides on `req` (going on from `pending` when [`super::immediate`] started
/// it) and forwards it or answers the refusal.
///
/// What passes is forwarded the way a JavaScript worker would
/// (`new Request(url, request)`, then `fetch`): method, headers and the body
/// stream are copied by the runtime, and the origin's response goes back as
/// the runtime's own object, body unread. Only the headers orgwarden owns
/// are changed on the way, and the path is the canonical one.
pub async fn handle(
    req: &web_sys::Request,
    env: &Env,
    path: &str,
    query: Option<&str>,
    pending: Option<Box<Pending>>,
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
    let facts = WorkerFacts { kv: Kv::new(env) };
    let now = (started as i64).saturating_add(iso.clock_offset_ms);
    let decision = match pending {
        Some(mut p) => gate.settle(&facts, &mut p, now).await,
        None => {
            let (authorization, api_key) = credential_headers(req)?;
            let request = ProxyRequest {
                method: &method,
                path,
                authorization: authorization.as_deref(),
                api_key: api_key.as_deref(),
            };
            gate.authorize(&facts, &request, now).await
        }
    };
    let timing = gate.config().debug.then(|| Timing {
        decision: &decision,
        decide_ms: now_ms() - started,
    });
    let forward = match &decision.outcome {
        Outcome::Deny(d) => return refusal(d, timing.as_ref()),
        Outcome::Forward(forward) => forward,
    };
    if iso.origin.is_empty() {
        return raw(problem_response(&Problem::new(
            500,
            "server_misconfigured",
            "the ORIGIN variable is not set",
        )));
    }
    let init = forwarded_init(req, &method, forward, gate.config().forward_credential)?;
    send(
        &target(&iso.origin, forward, query),
        &init,
        gate,
        timing.as_ref(),
    )
    .await
}

/// An explicit init (method, a copy of the headers with orgwarden's own
/// changed, the body stream, manual redirects) rather than the request
/// itself as init: that would make the runtime read `request.cf`, which it
/// builds on every access.
pub(super) fn forwarded_init(
    req: &web_sys::Request,
    method: &str,
    forward: &Forward,
    keep_credential: bool,
) -> Result<RequestInit> {
    let incoming = req.headers();
    let out = web_sys::Headers::new_with_headers(&incoming)?;
    // Names only (a credential's value need not cross into wasm again), plus
    // the value of `Connection`, which names more headers to drop.
    let connection = incoming.get("connection")?.unwrap_or_default();
    let names: Vec<String> = Headers(incoming).keys().collect();
    let pairs = names.iter().map(|n| {
        let value = if n == "connection" {
            connection.as_str()
        } else {
            ""
        };
        (n.as_str(), value)
    });
    for name in headers::dropped(pairs, keep_credential) {
        out.delete(&name)?;
    }
    if let Some(id) = &forward.identity {
        for (name, value) in id.headers() {
            out.set(name, &value)?;
        }
    }
    let init = RequestInit::new();
    init.set_method(method);
    init.set_headers(&out);
    init.set_redirect(web_sys::RequestRedirect::Manual);
    if !matches!(method, "GET" | "HEAD") {
        if let Some(body) = req.body() {
            init.set_body(&body);
        }
    }
    Ok(init)
}

/// Sends the forwarded request; the origin's answer unread, or 502.
async fn send(
    target: &str,
    init: &RequestInit,
    gate: &Gate,
    timing: Option<&Timing<'_>>,
) -> Result<web_sys::Response> {
    let sent = now_ms();
    let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    match JsFuture::from(global.fetch_with_str_and_init(target, init)).await {
        Ok(value) => {
            let resp: web_sys::Response = value.dyn_into()?;
            let Some(t) = timing else {
                return Ok(resp);
            };
            // A fetched response's headers are immutable: `new Response(body, response)`.
            let copy = web_sys::Response::new_with_opt_readable_stream_and_init(
                resp.body().as_ref(),
                resp.unchecked_ref::<ResponseInit>(),
            )?;
            copy.headers()
                .set("server-timing", &t.header(Some(now_ms() - sent)))?;
            Ok(copy)
        }
        Err(_) => {
            gate.count_origin_unreachable();
            let r = super::immediate::unreachable_response()?;
            if let Some(t) = timing {
                r.headers().set("server-timing", &t.header(None))?;
            }
            Ok(r)
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
