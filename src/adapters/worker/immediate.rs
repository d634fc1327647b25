//! The proxy's answers without a Rust future.
//!
//! The gate is sans-I/O: with a cached token or key and cached facts it
//! decides in one synchronous call. Then the origin's `fetch` promise goes
//! back to the runtime as the handler's result (a refusal as a resolved
//! promise), and a new token's signature is one promise chain — WebCrypto's
//! verdict, the rest of the decision, the origin's `fetch` — instead of an
//! awaited future. wasm-bindgen's async machinery (a spawned task, a
//! microtask per wake, two closures per awaited promise) was the largest
//! cost of a proxied request in the profile (docs/performance.md). What
//! needs the store goes on in [`super::proxy::handle`], from where this
//! stopped.

use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsError, JsValue};
use web_sys::{Request, Response, WorkerGlobalScope};
use worker::{Env, Result};

use super::isolate::{self, Isolate};
use super::proxy::{credential_headers, forwarded_init, refusal, target};
use super::{ed25519, problem_response};
use crate::adapters::webcrypto::Thenable;
use crate::core::problem::Problem;
use crate::model::facts::{Fact, FactError, Need};
use crate::proxy::{Decision, Gate, Outcome, Pending, ProxyRequest};

/// What [`handle_now`] could do without waiting.
pub enum Now {
    /// The answer: a promise of the response.
    Answer(Promise),
    /// Facts to fetch first: go on with [`super::proxy::handle`].
    Wait(Box<Pending>),
    /// Nothing done: [`super::proxy::handle`] from the start.
    Later,
}

/// Decides on `req` from what the isolate holds and answers, or says where
/// [`super::proxy::handle`] takes over.
pub fn handle_now(req: &Request, env: &Env, path: &str, query: Option<&str>) -> Now {
    let Ok(iso) = isolate::get(env) else {
        return Now::Later;
    };
    let Ok(gate) = &iso.gate else {
        return Now::Later;
    };
    if gate.config().debug || iso.origin.is_empty() {
        return Now::Later;
    }
    let method = req.method();
    let Ok((authorization, api_key)) = credential_headers(req) else {
        return Now::Later;
    };
    let request = ProxyRequest {
        method: &method,
        path,
        authorization: authorization.as_deref(),
        api_key: api_key.as_deref(),
    };
    match gate.decide_now(&request, iso.now_ms()) {
        Ok(decision) => {
            answer(req, &method, &iso, gate, &decision, query).map_or(Now::Later, Now::Answer)
        }
        Err(pending) => match signature_chain(req, env, &method, pending, path, query) {
            Ok(promise) => Now::Answer(promise),
            Err(pending) => Now::Wait(pending),
        },
    }
}

/// The response to a decision: the origin's `fetch` promise, or a refusal.
fn answer(
    req: &Request,
    method: &str,
    iso: &Isolate,
    gate: &Gate,
    decision: &Decision,
    query: Option<&str>,
) -> Result<Promise> {
    match &decision.outcome {
        Outcome::Deny(d) => refusal(d, None).map(|r| Promise::resolve(&JsValue::from(r))),
        Outcome::Forward(forward) => {
            let init = forwarded_init(req, method, forward, gate.config().forward_credential)?;
            let global: WorkerGlobalScope = js_sys::global().unchecked_into();
            let sent = global.fetch_with_str_and_init(&target(&iso.origin, forward, query), &init);
            Ok(UNREACHABLE.with(|on_error| sent.catch_map(on_error)))
        }
    }
}

/// When the request waits for a signature only and WebCrypto holds the key:
/// `verify(…).then(decide and answer)`. Otherwise the request back.
fn signature_chain(
    req: &Request,
    env: &Env,
    method: &str,
    pending: Box<Pending>,
    path: &str,
    query: Option<&str>,
) -> std::result::Result<Promise, Box<Pending>> {
    let [Need::Signature(check)] = pending.asked() else {
        return Err(pending);
    };
    let Some(verdict) = ed25519::verify_now(check) else {
        return Err(pending);
    };
    // `Clone` on the handle, not the JavaScript `Request.clone()`.
    let (req, env) = (Clone::clone(req), env.clone());
    let (method, path, query) = (method.to_owned(), path.to_owned(), query.map(str::to_owned));
    let mut pending = pending;
    // Called once: on WebCrypto's verdict or its refusal (then the equation
    // runs in Rust, see `Gate::supply`).
    let go_on = Closure::once_into_js(move |valid: JsValue| -> JsValue {
        let Ok(iso) = isolate::current() else {
            return JsValue::UNDEFINED;
        };
        let Ok(gate) = &iso.gate else {
            return JsValue::UNDEFINED;
        };
        let now = iso.now_ms();
        let fact = valid
            .as_bool()
            .map(Fact::Signature)
            .ok_or_else(|| FactError("WebCrypto refused to verify".into()));
        for need in pending.take_asked() {
            gate.supply(&mut pending, need, fact.clone(), now);
        }
        let promise = match gate.go_on(pending, now) {
            Ok(decision) => answer(&req, &method, &iso, gate, &decision, query.as_deref()).ok(),
            Err(pending) => Some(later(req, env, Some(pending), path, query)),
        };
        promise.map_or(JsValue::UNDEFINED, JsValue::from)
    });
    let go_on: &Function = go_on.unchecked_ref();
    Ok(verdict.unchecked_ref::<Thenable>().then_both(go_on, go_on))
}

/// The decision as a Rust future, from where it stopped (`pending`) or
/// from the start.
pub fn later(
    req: Request,
    env: Env,
    pending: Option<Box<Pending>>,
    path: String,
    query: Option<String>,
) -> Promise {
    wasm_bindgen_futures::future_to_promise(async move {
        let answer = super::proxy::handle(&req, &env, &path, query.as_deref(), pending).await;
        Ok(answer.or_else(|e| super::internal_error(&e))?.into())
    })
}

thread_local! {
    /// The origin could not be reached: 502, counted. One closure for the
    /// isolate's lifetime, not one per request.
    static UNREACHABLE: Closure<dyn FnMut(JsValue) -> std::result::Result<JsValue, JsError>> =
        Closure::new(|_: JsValue| {
            if let Ok(iso) = isolate::current() {
                if let Ok(gate) = &iso.gate {
                    gate.count_origin_unreachable();
                }
            }
            unreachable_response()
                .map(JsValue::from)
                .map_err(|_| JsError::new("the origin could not be reached"))
        });
}

/// 502 `origin_unreachable`.
pub fn unreachable_response() -> Result<Response> {
    problem_response(&Problem::new(
        502,
        "origin_unreachable",
        "the origin API could not be reached",
    ))
    .map(Into::into)
}
