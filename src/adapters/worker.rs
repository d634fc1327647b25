//! The Cloudflare Worker adapter: translates `worker` requests into core
//! calls and core answers into responses. For now it serves `/healthz` and the
//! JWKS of the deployment's signing keys; the admin API, the token endpoint
//! and the authorizing proxy come on top of the same core.
//!
//! Configuration (see `wrangler.toml`): the secret `SIGNING_KEYS` holds the
//! private JWKS that `orgwarden keygen` prints (the first key signs).

use std::cell::RefCell;
use std::rc::Rc;

use worker::{event, Context, Env, Method, Request, Response, Result};

use crate::problem::{Problem, CONTENT_TYPE};
use crate::token::keys::SigningKeys;

thread_local! {
    /// Keys parsed once per isolate, re-parsed only when the secret changes.
    static KEYS: RefCell<Option<(String, Rc<SigningKeys>)>> = const { RefCell::new(None) };
}

fn signing_keys(env: &Env) -> std::result::Result<Rc<SigningKeys>, Problem> {
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
        let keys = SigningKeys::from_json(&text).map(Rc::new).map_err(|e| {
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

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    let known = path == "/healthz" || is_jwks_path(&path);
    if !known {
        return problem_response(&Problem::new(404, "not_found", "no such endpoint"));
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
    match signing_keys(&env) {
        Ok(keys) => json_response(keys.verification_keys().to_jwks().to_json(), 300),
        Err(p) => problem_response(&p),
    }
}
