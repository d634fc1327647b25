//! World `wasi:http/proxy`: the gate as HTTP middleware. Each request is
//! decided by the same [`Gate`] as the worker's proxy; facts come from
//! orgwarden's directory endpoint over `wasi:http/outgoing-handler` and are
//! cached by the gate with the edge's TTLs; what passes goes to the origin
//! with the identity headers, bodies streamed both ways. Anything that
//! cannot be decided fails closed (503), never open.
//!
//! Configuration, from the host's environment (`wasmtime serve -S cli
//! --env …`): `ORGWARDEN_ORIGIN` (`http://host:port`), `ORGWARDEN_PROXY`
//! (the worker's proxy configuration, JSON), `ORGWARDEN_DIRECTORY` (the
//! deployment's URL), `ORGWARDEN_DIRECTORY_KEY`, and optionally
//! `ORGWARDEN_BASE_URL` (the deployment's `PUBLIC_BASE_URL`, when the
//! directory is reached at another address).

use wasip2::http::types::{
    Fields, IncomingBody, IncomingRequest, Method as WasiMethod, OutgoingBody, OutgoingResponse,
    ResponseOutparam,
};

use super::outgoing::{pump, send};
use super::settings::{gate, Directory, Settings};
use crate::core::problem::Problem;
use crate::proxy::{Allow, Verdict};

wasip2::http::proxy::export!(Middleware);

/// Headers a WASI host refuses to be given.
const FORBIDDEN: &[&str] = &["http2-settings", "host"];

fn method_name(m: &WasiMethod) -> String {
    match m {
        WasiMethod::Get => "GET".into(),
        WasiMethod::Head => "HEAD".into(),
        WasiMethod::Post => "POST".into(),
        WasiMethod::Put => "PUT".into(),
        WasiMethod::Delete => "DELETE".into(),
        WasiMethod::Connect => "CONNECT".into(),
        WasiMethod::Options => "OPTIONS".into(),
        WasiMethod::Trace => "TRACE".into(),
        WasiMethod::Patch => "PATCH".into(),
        WasiMethod::Other(o) => o.clone(),
    }
}

struct Middleware;

impl wasip2::exports::http::incoming_handler::Guest for Middleware {
    fn handle(req: IncomingRequest, out: ResponseOutparam) {
        let (settings, gate) = match gate() {
            Ok(g) => g,
            Err(p) => return answer(out, p.status, &p.to_json(), None),
        };
        let method = req.method();
        let path_with_query = req.path_with_query().unwrap_or_else(|| "/".into());
        let (path, query) = match path_with_query.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (path_with_query.clone(), None),
        };
        let incoming: Vec<(String, Vec<u8>)> = req.headers().entries();
        // The decision reads header values as text; a value that is not
        // UTF-8 cannot be a credential and is read as such.
        let text: Vec<(String, String)> = incoming
            .iter()
            .map(|(n, v)| {
                (
                    n.to_ascii_lowercase(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect();
        let verdict = super::decide(
            &gate,
            &Directory(&settings),
            &method_name(&method),
            &path,
            &text,
        );
        match verdict {
            Verdict::Deny(d) => answer(out, d.status, &d.body, d.www_authenticate.as_deref()),
            Verdict::Allow(a) => forward(&settings, req, out, &method, &incoming, &a, query),
        }
    }
}

/// Answers with a problem document.
fn answer(out: ResponseOutparam, status: u16, body: &str, www: Option<&str>) {
    let headers = Fields::new();
    let _ = headers.append("content-type", b"application/problem+json");
    if let Some(w) = www {
        let _ = headers.append("www-authenticate", w.as_bytes());
    }
    let resp = OutgoingResponse::new(headers);
    let _ = resp.set_status_code(status);
    let Ok(outgoing) = resp.body() else {
        return;
    };
    ResponseOutparam::set(out, Ok(resp));
    if let Ok(stream) = outgoing.write() {
        let _ = stream.blocking_write_and_flush(body.as_bytes());
    }
    let _ = OutgoingBody::finish(outgoing, None);
}

/// The headers the origin receives: the caller's minus what the verdict
/// drops, then the identity. Built as one list and handed to the host in
/// one call (a call per header costs more than the decision).
fn forwarded_fields(incoming: &[(String, Vec<u8>)], allow: &Allow) -> Fields {
    let mut list: Vec<(String, Vec<u8>)> = incoming
        .iter()
        .filter_map(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            let dropped = allow.drop_headers.contains(&lower)
                || FORBIDDEN.contains(&lower.as_str())
                || allow.set_headers.iter().any(|(n, _)| *n == lower);
            (!dropped).then(|| (lower, value.clone()))
        })
        .collect();
    list.extend(
        allow
            .set_headers
            .iter()
            .map(|(n, v)| (n.clone(), v.as_bytes().to_vec())),
    );
    Fields::from_list(&list).unwrap_or_else(|_| {
        // A header the host refuses: add the rest one by one without it.
        let fields = Fields::new();
        for (name, value) in &list {
            let _ = fields.append(name, value);
        }
        fields
    })
}

fn forward(
    settings: &Settings,
    req: IncomingRequest,
    out: ResponseOutparam,
    method: &WasiMethod,
    incoming: &[(String, Vec<u8>)],
    allow: &Allow,
    query: Option<String>,
) {
    let unreachable = || {
        Problem::new(
            502,
            "origin_unreachable",
            "the origin API could not be reached",
        )
        .to_json()
    };
    let path = match query {
        Some(q) => format!("{}?{q}", allow.path),
        None => allow.path.clone(),
    };
    let oreq = settings
        .origin
        .request(method, &path, forwarded_fields(incoming, allow));
    let (Ok(obody), Ok(ibody)) = (oreq.body(), req.consume()) else {
        return answer(out, 502, &unreachable(), None);
    };
    let Ok(in_flight) = send(oreq) else {
        return answer(out, 502, &unreachable(), None);
    };
    if let (Ok(from), Ok(to)) = (ibody.stream(), obody.write()) {
        // An origin that answers before reading the whole body closes the
        // stream early: its answer still goes back.
        let _ = pump(&from, &to);
    }
    let _ = IncomingBody::finish(ibody);
    let _ = OutgoingBody::finish(obody, None);
    let Ok(response) = in_flight.wait() else {
        return answer(out, 502, &unreachable(), None);
    };
    let kept: Vec<(String, Vec<u8>)> = response
        .headers()
        .entries()
        .into_iter()
        .filter(|(n, _)| {
            let lower = n.to_ascii_lowercase();
            !crate::proxy::headers::is_hop_by_hop(&lower) && !FORBIDDEN.contains(&lower.as_str())
        })
        .collect();
    let headers = Fields::from_list(&kept).unwrap_or_else(|_| Fields::new());
    let resp = OutgoingResponse::new(headers);
    let _ = resp.set_status_code(response.status());
    let (Ok(rbody), Ok(from_origin)) = (resp.body(), response.consume()) else {
        return answer(out, 502, &unreachable(), None);
    };
    ResponseOutparam::set(out, Ok(resp));
    if let (Ok(from), Ok(to)) = (from_origin.stream(), rbody.write()) {
        let _ = pump(&from, &to);
    }
    let _ = IncomingBody::finish(from_origin);
    let _ = OutgoingBody::finish(rbody, None);
}
