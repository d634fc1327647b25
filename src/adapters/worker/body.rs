//! Request bodies, read chunk by chunk: nothing past [`BODY_MAX`] is kept,
//! so a chunked upload without `Content-Length` never costs the isolate more
//! than the limit (an isolate has 128 MB in all); and the bodies the worker
//! sends itself ([`post`]).

use futures_util::StreamExt;
use worker::Result;

use crate::core::problem::Problem;
use crate::http::{Method, BODY_MAX};

/// How much of an oversized body is read and thrown away before the 413 goes
/// out: a client still sending when the answer comes may see a reset
/// instead of the answer (nginx's lingering close does the same); beyond
/// this, the answer goes out at once.
const DRAIN_MAX: usize = 1024 * 1024;

fn too_large() -> Problem {
    Problem::new(413, "body_too_large", "request bodies are at most 64 KiB")
}

/// The body of a POST, PUT or PATCH (empty for other methods).
pub async fn read(
    req: &mut worker::Request,
    method: &Method,
) -> Result<std::result::Result<Vec<u8>, Problem>> {
    let declared = req
        .headers()
        .get("content-length")?
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(0);
    if declared > DRAIN_MAX {
        return Ok(Err(too_large()));
    }
    if !matches!(method, Method::Post | Method::Put | Method::Patch) {
        return Ok(Ok(Vec::new()));
    }
    let Ok(mut stream) = req.stream() else {
        return Ok(Ok(Vec::new()));
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
    Ok(Ok(body))
}

/// A POST of `body` to `url` (with `headers`), built with web_sys: the
/// worker crate's `RequestInit` converts every option it has (10 KB of the
/// module). For the tenant's object and the notification webhook.
pub(super) fn post(
    url: &str,
    body: String,
    headers: Option<&web_sys::Headers>,
) -> std::result::Result<worker::Request, wasm_bindgen::JsValue> {
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    if let Some(h) = headers {
        init.set_headers(h);
    }
    init.set_body(&body.into());
    web_sys::Request::new_with_str_and_init(url, &init).map(worker::Request::from)
}
