//! The Cloudflare Worker adapter: translates `worker` requests into core
//! calls and core answers into responses. It serves `/healthz`, the JWKS of
//! the deployment's signing keys, the admin and token API ([`crate::api`])
//! on the `ORGWARDEN` KV namespace, the operator's `/api/v1/metrics`, and
//! sends every other request through the authorizing proxy ([`proxy`]).
//!
//! Configuration (see `wrangler.toml`): the secret `SIGNING_KEYS` holds the
//! private JWKS that `orgwarden keygen` prints (the first key signs);
//! `PUBLIC_BASE_URL` names the deployment in token issuers; `ORIGIN` is the
//! API behind the proxy and `ORGWARDEN_PROXY` its route rules.

mod kv;
mod proxy;

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::StreamExt;
use worker::{event, Context, Env, Method, Request, Response, Result};

use crate::api;
use crate::problem::{Problem, CONTENT_TYPE};
use crate::token::keys::SigningKeys;
use crate::token::KeySet;

/// The signing keys and the public set tokens are verified against.
type Keys = Rc<(SigningKeys, KeySet)>;

thread_local! {
    /// Keys parsed once per isolate, re-parsed only when the secret changes.
    static KEYS: RefCell<Option<(String, Keys)>> = const { RefCell::new(None) };
}

/// The signing keys and their public verification set.
fn signing_keys(env: &Env) -> std::result::Result<Keys, Problem> {
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
    KEYS.with(|cell| {
        let mut cell = cell.borrow_mut();
        if let Some((cached_text, keys)) = cell.as_ref() {
            if *cached_text == text {
                return Ok(Rc::clone(keys));
            }
        }
        let keys = SigningKeys::from_json(&text)
            .map(|k| Rc::new((k.clone(), k.verification_keys())))
            .map_err(|e| {
                // The code and a content-free reason only: the secret never reaches a response.
                Problem::new(
                    500,
                    "server_misconfigured",
                    format!("SIGNING_KEYS is not a usable private JWKS ({})", e.code()),
                )
            })?;
        *cell = Some((text, Rc::clone(&keys)));
        Ok(keys)
    })
}

fn problem_response(p: &Problem) -> Result<Response> {
    let mut r = Response::ok(p.to_json())?.with_status(p.status);
    r.headers_mut().set("content-type", CONTENT_TYPE)?;
    Ok(r)
}

fn json_response(body: String, cache_seconds: u32) -> Result<Response> {
    let mut r = Response::ok(body)?;
    r.headers_mut().set("content-type", "application/json")?;
    r.headers_mut()
        .set("cache-control", &format!("public, max-age={cache_seconds}"))?;
    Ok(r)
}

/// Whether `path` is a JWKS path: deployment-wide or under one tenant.
fn is_jwks_path(path: &str) -> bool {
    if path == "/.well-known/jwks.json" {
        return true;
    }
    path.strip_prefix("/t/")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(tenant, tail)| {
            crate::ids::validate_id(tenant).is_ok() && tail == ".well-known/jwks.json"
        })
}

#[event(start)]
fn start() {
    // Panics reach the log with their message instead of an opaque trap.
    console_error_panic_hook::set_once();
}

/// Largest request body read (CONTRACT section 7).
const BODY_MAX: usize = 64 * 1024;

/// How much of an oversized body is read and thrown away before the 413 goes
/// out: a client still sending when the answer comes may see a reset
/// instead of the answer (nginx's lingering close does the same); beyond
/// this, the answer goes out at once.
const DRAIN_MAX: usize = 1024 * 1024;

/// The body as text, read chunk by chunk: nothing past [`BODY_MAX`] is kept,
/// so a chunked upload without `Content-Length` never costs the isolate more
/// than the limit (an isolate has 128 MB in all).
async fn read_body(req: &mut Request) -> Result<std::result::Result<String, Problem>> {
    let too_large = || Problem::new(413, "body_too_large", "request bodies are at most 64 KiB");
    let declared = req
        .headers()
        .get("content-length")?
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(0);
    if declared > DRAIN_MAX {
        return Ok(Err(too_large()));
    }
    if !matches!(req.method(), Method::Post | Method::Put | Method::Patch) {
        return Ok(Ok(String::new()));
    }
    let Ok(mut stream) = req.stream() else {
        return Ok(Ok(String::new()));
    };
    let mut body = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        seen = seen.saturating_add(chunk.len());
        if seen > DRAIN_MAX {
            break;
        }
        if seen <= BODY_MAX {
            body.extend_from_slice(&chunk);
        }
    }
    if seen > BODY_MAX {
        return Ok(Err(too_large()));
    }
    Ok(String::from_utf8(body)
        .map_err(|_| Problem::new(400, "invalid_request", "the request body is not UTF-8")))
}

async fn admin_api(mut req: Request, env: &Env) -> Result<Response> {
    let keys = match signing_keys(env) {
        Ok(k) => k,
        Err(p) => return problem_response(&p),
    };
    let body = match read_body(&mut req).await? {
        Ok(b) => b,
        Err(p) => return problem_response(&p),
    };
    let url = req.url()?;
    let method = req.method().to_string();
    let authorization = req.headers().get("authorization")?;
    let content_type = req.headers().get("content-type")?;
    let base_url = env
        .var("PUBLIC_BASE_URL")
        .map(|v| v.to_string())
        .unwrap_or_default();
    let operator_key = env.secret("OPERATOR_KEY").map(|v| v.to_string()).ok();
    let number = |name: &str| {
        env.var(name)
            .ok()
            .and_then(|v| v.to_string().parse::<i64>().ok())
    };
    let rng = |buf: &mut [u8]| getrandom::fill(buf).is_ok();
    let store = kv::Kv::new(env);
    let password_iterations = number("PASSWORD_ITERATIONS")
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(crate::password::DEFAULT_ITERATIONS)
        .clamp(
            crate::password::MIN_ITERATIONS,
            crate::password::MAX_ITERATIONS,
        );
    let tenant = url
        .path()
        .strip_prefix("/t/")
        .and_then(|r| r.split_once('/'))
        .map(|(t, _)| t.to_owned());
    let request = api::Request {
        method: &method,
        path: url.path(),
        query: url.query().unwrap_or(""),
        authorization: authorization.as_deref(),
        content_type: content_type.as_deref(),
        body: &body,
    };
    let mut waited = false;
    let answer = loop {
        let now_ms = js_sys::Date::now() as i64;
        let cfg = api::Config {
            base_url: base_url.trim_end_matches('/'),
            signing: &keys.0,
            keys: &keys.1,
            operator_key: operator_key.as_deref(),
            password_iterations,
            now_ms,
            rng: &rng,
        };
        let answer = api::handle(&store, &cfg, &request).await;
        // A token that would be born revoked (a revocation this very second):
        // wait for the next second once and issue it then.
        let retry = answer
            .as_ref()
            .is_some_and(|r| r.status == 503 && r.headers.iter().any(|(n, _)| *n == "retry-after"));
        if retry && !waited {
            waited = true;
            let wait = 1005 - now_ms.rem_euclid(1000);
            worker::Delay::from(core::time::Duration::from_millis(wait.unsigned_abs())).await;
            continue;
        }
        break answer;
    };
    if !matches!(method.as_str(), "GET" | "HEAD") {
        // This isolate sees its own admin writes at once (other isolates within
        // the proxy's cache TTL).
        if let (Some(gate), Some(t)) = (proxy::current(), tenant.as_deref()) {
            gate.forget_tenant(t);
        }
    }
    match answer {
        Some(r) => core_response(r),
        None => problem_response(&Problem::new(404, "not_found", "no such endpoint")),
    }
}

fn core_response(r: api::Response) -> Result<Response> {
    let mut out = Response::ok(r.body)?.with_status(r.status);
    for (name, value) in &r.headers {
        out.headers_mut().set(name, value)?;
    }
    Ok(out)
}

#[event(fetch)]
async fn fetch(
    req: worker::web_sys::Request,
    env: Env,
    _ctx: Context,
) -> Result<worker::web_sys::Response> {
    // The raw request: wrapping it in `worker::Request` reads `request.cf`,
    // which the runtime builds on every access and which cost the proxy's
    // hot path more than anything else in a profile.
    let url = req.url();
    let (path, query) = proxy::split_url(&url);
    let known = path == "/healthz" || is_jwks_path(path);
    let is_api = path.starts_with("/api/v1/")
        || path
            .strip_prefix("/t/")
            .and_then(|r| r.split_once('/'))
            .is_some_and(|(_, r)| {
                r.starts_with("api/v1/") || r == ".well-known/openid-configuration"
            });
    if !known && !is_api {
        return proxy::handle(&req, &env, path, query).await;
    }
    let path = path.to_owned();
    local(Request::from(req), &env, &path, is_api)
        .await
        .map(Into::into)
}

/// What orgwarden answers itself: health, JWKS, metrics, the admin and token API.
async fn local(req: Request, env: &Env, path: &str, is_api: bool) -> Result<Response> {
    if path == "/api/v1/metrics" {
        return proxy::metrics(&req, env);
    }
    if is_api {
        return admin_api(req, env).await;
    }
    if !matches!(req.method(), Method::Get | Method::Head) {
        let mut r = problem_response(&Problem::new(
            405,
            "method_not_allowed",
            "only GET is allowed here",
        ))?;
        r.headers_mut().set("allow", "GET, HEAD")?;
        return Ok(r);
    }
    if path == "/healthz" {
        return json_response(r#"{"status":"ok"}"#.to_owned(), 0);
    }
    match signing_keys(env) {
        Ok(keys) => json_response(keys.1.to_jwks().to_json(), 300),
        Err(p) => problem_response(&p),
    }
}
