//! The Cloudflare Worker adapter: the platform's requests in, the core's
//! answers out. orgwarden's own surface ([`crate::http`]: health, JWKS,
//! discovery, tokens, the admin API, the operator's endpoints) runs on the
//! `ORGWARDEN` KV namespace; every other request goes through the
//! authorizing proxy ([`proxy`]).
//!
//! Configuration (see `wrangler.toml`): the secret `SIGNING_KEYS` holds the
//! private JWKS that `orgwarden keygen` prints (the first key signs);
//! `PUBLIC_BASE_URL` names the deployment in token issuers; `ORIGIN` is the
//! API behind the proxy and `ORGWARDEN_PROXY` its route rules. Admin writes
//! go to the tenant's Durable Object (`TENANTS`, [`tenant`]), which mirrors
//! them to KV; `ORGWARDEN_WRITES = "kv-only"` writes to KV directly instead,
//! without the single writer's guarantees (the benchmarks' baseline).

mod assets;
mod body;
mod deliver;
mod ed25519;
mod immediate;
mod isolate;
mod kdf;
mod kv;
mod notify;
mod proxy;
mod signer;
mod sql;
mod tenant;
mod transaction;
mod writer;

use worker::wasm_bindgen::JsValue;
use worker::{event, Env, Result};

use crate::core::problem::{Problem, CONTENT_TYPE};
use crate::http::{self, Deployment, Local, Method, Request};
use crate::store::AnyStore;

#[event(start)]
fn start() {
    // Panics reach the log with their message instead of an opaque trap.
    console_error_panic_hook::set_once();
    log::set_logger(&CONSOLE).ok();
    log::set_max_level(log::LevelFilter::Info);
}

/// The core's log lines to the Workers console (`wrangler tail`, the
/// dashboard's logs).
struct Console;

static CONSOLE: Console = Console;

impl log::Log for Console {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let line = format!("orgwarden {}: {}", record.level(), record.args());
        if record.level() <= log::Level::Warn {
            worker::console_error!("{line}");
        } else {
            worker::console_log!("{line}");
        }
    }
    fn flush(&self) {}
}

/// A problem document as the platform's response.
fn problem_response(p: &Problem) -> Result<worker::Response> {
    let mut r = worker::Response::ok(p.to_json())?.with_status(p.status);
    r.headers_mut().set("content-type", CONTENT_TYPE)?;
    Ok(r)
}

fn into_platform(r: http::Response) -> Result<worker::Response> {
    let mut out = if r.status == 204 || r.body.is_empty() {
        worker::Response::empty()?.with_status(r.status)
    } else {
        worker::Response::ok(r.body)?.with_status(r.status)
    };
    for (name, value) in &r.headers {
        out.headers_mut().set(name, value)?;
    }
    Ok(out)
}

/// Randomness from the platform, the configured hashing cost, and
/// WebCrypto's PBKDF2.
#[derive(Debug)]
struct Draw(u32);

impl crate::core::password::Kdf for Draw {
    fn pbkdf2<'a>(
        &'a self,
        password: &'a [u8],
        salt: &'a [u8],
        iterations: u32,
    ) -> core::pin::Pin<Box<dyn core::future::Future<Output = Option<[u8; 32]>> + 'a>> {
        Box::pin(async move {
            // WebCrypto first; where the runtime refuses the count (Cloudflare
            // caps PBKDF2 at 100,000 iterations) the same derivation in wasm.
            match kdf::pbkdf2(password, salt, iterations).await {
                Some(dk) => Some(dk),
                None => {
                    crate::core::password::RustKdf
                        .pbkdf2(password, salt, iterations)
                        .await
                }
            }
        })
    }
}

impl http::admin::Draw for Draw {
    fn random(&self, buf: &mut [u8]) -> bool {
        getrandom::fill(buf).is_ok()
    }
    fn password_iterations(&self) -> u32 {
        self.0
    }
}

/// The fetch handler, exported by hand rather than through `#[event(fetch)]`:
/// a proxied request that the isolate can decide at once (or after a
/// WebCrypto signature check) is answered with a promise chain ending in the
/// origin's `fetch` ([`immediate`]), without a Rust future; everything else
/// runs as one.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn fetch(
    req: worker::web_sys::Request,
    env: Env,
    _ctx: worker::worker_sys::Context,
) -> js_sys::Promise {
    // The raw request: wrapping it in `worker::Request` reads `request.cf`,
    // which the runtime builds on every access and which cost the proxy's
    // hot path more than anything else in a profile.
    let url = req.url();
    let (path, query) = proxy::split_url(&url);
    let proxied = http::console::route(path).is_none() && !http::table::is_own(path);
    if proxied {
        let pending = match immediate::handle_now(&req, &env, path, query) {
            immediate::Now::Answer(promise) => return promise,
            immediate::Now::Wait(p) => Some(p),
            immediate::Now::Later => None,
        };
        let (path, query) = (path.to_owned(), query.map(str::to_owned));
        return immediate::later(req, env, pending, path, query);
    }
    let (path, query) = (path.to_owned(), query.map(str::to_owned));
    wasm_bindgen_futures::future_to_promise(async move {
        let answer = route(req, &env, path, query).await;
        Ok(answer.or_else(|e| internal_error(&e))?.into())
    })
}

/// orgwarden's own surface and the console.
async fn route(
    req: worker::web_sys::Request,
    env: &Env,
    path: String,
    query: Option<String>,
) -> Result<worker::web_sys::Response> {
    if let Some(c) = http::console::route(&path) {
        return assets::serve(c, &req.method(), env).await.map(Into::into);
    }
    own(
        worker::Request::from(req),
        env,
        path,
        query.unwrap_or_default(),
    )
    .await
    .map(Into::into)
}

/// What `#[event(fetch)]` answers for an error that escaped the handler: a
/// 500 problem document, the error logged, not shown.
pub(super) fn internal_error(
    e: &worker::Error,
) -> std::result::Result<worker::web_sys::Response, JsValue> {
    log::error!("unhandled error: {e}");
    problem_response(&Problem::new(
        500,
        "internal_error",
        "the request could not be handled",
    ))
    .map(Into::into)
    .map_err(|e| JsValue::from_str(&e.to_string()))
}

/// This isolate sees its own admin writes at once (other isolates within
/// the proxy's cache TTL).
fn forget_own_writes(iso: &isolate::Isolate, req: &Request) {
    if matches!(req.method, Method::Get | Method::Head) {
        return;
    }
    let tenant = req.path.strip_prefix("/t/").and_then(|r| r.split_once('/'));
    if let (Ok(gate), Some((t, _))) = (&iso.gate, tenant) {
        gate.forget_tenant(t);
    }
}

/// What orgwarden answers itself.
async fn own(
    mut raw: worker::Request,
    env: &Env,
    path: String,
    query: String,
) -> Result<worker::Response> {
    let iso = match isolate::get(env) {
        Ok(i) => i,
        Err(p) => return problem_response(&p),
    };
    let method = Method::parse(&raw.inner().method());
    let body = match body::read(&mut raw, &method).await? {
        Ok(b) => b,
        Err(p) => return problem_response(&p),
    };
    let headers = raw.headers();
    let req = Request {
        method,
        path,
        query,
        authorization: headers.get("authorization")?,
        api_key: headers.get("x-api-key")?,
        content_type: headers.get("content-type")?,
        client_ip: headers.get("cf-connecting-ip")?,
        body,
    };
    let kv = kv::Kv::new(env);
    // One compiled copy of the admin code for KV and the tenant's SQLite.
    let store: &dyn AnyStore = &kv;
    let draw = Draw(iso.password_iterations);
    let metrics = || match &iso.gate {
        Ok(g) => serde_json::json!({ "isolate": iso.id, "proxy": g.metrics() }),
        Err(p) => serde_json::json!({ "isolate": iso.id, "error": p.code }),
    };
    let mut waited = false;
    let answer = loop {
        let now_ms = iso.now_ms();
        let d = Deployment {
            base_url: &iso.base_url,
            signer: &iso.signer,
            public: &iso.public,
            auth: &iso.auth,
            operator_key: iso.operator_key.as_ref().map(|k| k.expose()),
            directory_key: iso.directory_key.as_ref().map(|k| k.expose()),
            metrics: &metrics,
            draw: &draw,
            now_ms,
            throttle: Some(&iso.throttle),
        };
        let writer = if iso.kv_only_writes {
            writer::EdgeWriter::KvOnly(Local {
                store,
                auth: &iso.auth,
                now_ms,
            })
        } else {
            writer::EdgeWriter::Object(writer::ObjectWriter::new(env))
        };
        let answer = http::handle(store, &writer, &d, &req).await;
        // A token that would be born revoked (a revocation this very second):
        // wait for the next second once and issue it then.
        let retry = answer
            .as_ref()
            .is_some_and(|r| r.status == 503 && r.header("retry-after").is_some());
        if retry && !waited {
            waited = true;
            let wait = 1005 - now_ms.rem_euclid(1000);
            worker::Delay::from(core::time::Duration::from_millis(wait.unsigned_abs())).await;
            continue;
        }
        break answer;
    };
    forget_own_writes(&iso, &req);
    match answer {
        Some(r) => into_platform(r),
        None => problem_response(&Problem::new(404, "not_found", "no such endpoint")),
    }
}
