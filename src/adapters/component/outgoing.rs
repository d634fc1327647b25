//! Outgoing HTTP for the middleware (`wasi:http/outgoing-handler`): where a
//! URL points, a bounded GET for facts and keys, streaming copies.

use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    Fields, IncomingBody, IncomingResponse, Method as WasiMethod, OutgoingBody, OutgoingRequest,
    RequestOptions, Scheme,
};
use wasip2::io::streams::{InputStream, OutputStream, StreamError};

use crate::model::facts::FactError;

/// Directory answers larger than this are refused (a fact is a few KB).
const FACT_MAX: usize = 1024 * 1024;
/// Connect, first-byte and between-bytes timeout of every outgoing call.
const TIMEOUT_NS: u64 = 2_000_000_000;

/// Where an HTTP URL points.
#[derive(Debug, Clone)]
pub struct Target {
    pub https: bool,
    /// Host and port.
    pub authority: String,
    /// Path prefix, without a trailing slash.
    pub base: String,
}

impl Target {
    /// `http(s)://authority[/base]`, or `None`.
    pub fn parse(url: &str) -> Option<Target> {
        let (https, rest) = if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else {
            (false, url.strip_prefix("http://")?)
        };
        let (authority, base) = rest.split_once('/').unwrap_or((rest, ""));
        (!authority.is_empty()).then(|| Target {
            https,
            authority: authority.to_owned(),
            base: if base.is_empty() {
                String::new()
            } else {
                format!("/{}", base.trim_end_matches('/'))
            },
        })
    }

    /// A request to `path` under the base.
    pub fn request(&self, method: &WasiMethod, path: &str, headers: Fields) -> OutgoingRequest {
        let req = OutgoingRequest::new(headers);
        let _ = req.set_method(method);
        let _ = req.set_scheme(Some(if self.https {
            &Scheme::Https
        } else {
            &Scheme::Http
        }));
        let _ = req.set_authority(Some(&self.authority));
        let full = format!("{}{path}", self.base);
        let _ = req.set_path_with_query(Some(if full.is_empty() { "/" } else { &full }));
        req
    }
}

/// A GET to `target`, its status and body (at most [`FACT_MAX`] bytes).
pub fn get(target: &Target, path: &str, bearer: Option<&str>) -> Result<(u16, Vec<u8>), FactError> {
    let headers = Fields::new();
    if let Some(b) = bearer {
        let _ = headers.append("authorization", format!("Bearer {b}").as_bytes());
    }
    let req = target.request(&WasiMethod::Get, path, headers);
    let body = req
        .body()
        .map_err(|()| FactError("no request body".into()))?;
    let response = send(req)?;
    let _ = OutgoingBody::finish(body, None);
    let response = response.wait()?;
    let status = response.status();
    let incoming = response
        .consume()
        .map_err(|()| FactError("no response body".into()))?;
    let stream = incoming
        .stream()
        .map_err(|()| FactError("no response stream".into()))?;
    let mut out = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                out.extend_from_slice(&chunk);
                if out.len() > FACT_MAX {
                    return Err(FactError("the directory's answer is too large".into()));
                }
            }
            Err(StreamError::Closed) => break,
            Err(e) => return Err(FactError(format!("reading the answer: {e:?}"))),
        }
    }
    drop(stream);
    let _ = IncomingBody::finish(incoming);
    Ok((status, out))
}

/// An outgoing request in flight.
pub struct InFlight(outgoing_handler::FutureIncomingResponse);

impl InFlight {
    /// Blocks until the response headers are in.
    pub fn wait(self) -> Result<IncomingResponse, FactError> {
        let result = loop {
            match self.0.get() {
                Some(r) => break r,
                None => self.0.subscribe().block(),
            }
        };
        match result {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(FactError(format!("{e:?}"))),
            Err(()) => Err(FactError("the response was already taken".into())),
        }
    }
}

/// Sends `req` with the timeouts.
pub fn send(req: OutgoingRequest) -> Result<InFlight, FactError> {
    let options = RequestOptions::new();
    let _ = options.set_connect_timeout(Some(TIMEOUT_NS));
    let _ = options.set_first_byte_timeout(Some(TIMEOUT_NS));
    let _ = options.set_between_bytes_timeout(Some(TIMEOUT_NS));
    outgoing_handler::handle(req, Some(options))
        .map(InFlight)
        .map_err(|e| FactError(format!("{e:?}")))
}

/// Copies `from` into `to` until the end; the error, if any.
pub fn pump(from: &InputStream, to: &OutputStream) -> Result<(), StreamError> {
    loop {
        match to.blocking_splice(from, 64 * 1024) {
            Ok(_) => {}
            Err(StreamError::Closed) => return to.blocking_flush(),
            Err(e) => return Err(e),
        }
    }
}
