//! The console's files from the `ASSETS` binding (`[assets]` in
//! `wrangler.toml`, `run_worker_first`): [`crate::http::console`] decides
//! which file a path is, this fetches it and adds the console's headers.

use worker::{web_sys, Env, Headers, Request, Result};

use super::problem_response;
use crate::core::problem::Problem;
use crate::http::console::{self, Console};

fn with_console_headers(mut r: worker::Response, cache: &str) -> Result<worker::Response> {
    let h = r.headers_mut();
    for (name, value) in console::HEADERS {
        h.set(name, value)?;
    }
    h.set("cache-control", cache)?;
    Ok(r)
}

/// Answers a console path.
pub async fn serve(c: Console, method: &str, env: &Env) -> Result<worker::Response> {
    if !matches!(method, "GET" | "HEAD") {
        let mut r = problem_response(&Problem::new(
            405,
            "method_not_allowed",
            "the console's files are read with GET",
        ))?;
        r.headers_mut().set("allow", "GET, HEAD")?;
        return Ok(r);
    }
    let file = match c {
        Console::Redirect(to) => {
            let headers = Headers::new();
            headers.set("location", &to)?;
            let r = worker::Response::empty()?
                .with_status(308)
                .with_headers(headers);
            return with_console_headers(r, "no-cache");
        }
        Console::NotFound => {
            return problem_response(&Problem::new(404, "not_found", "no such console file"))
        }
        Console::File(f) => f,
    };
    // A deployment without the console's assets still serves its API.
    let Ok(assets) = env.assets("ASSETS") else {
        return problem_response(&Problem::new(
            404,
            "console_not_deployed",
            "this deployment has no console assets (scripts/build-console.sh, [assets] in wrangler.toml)",
        ));
    };
    // A request made by web_sys: the worker crate's `fetch(url, None)` still
    // links its whole `RequestInit` conversion (10 KB of the module).
    let req = web_sys::Request::new_with_str(&format!("https://assets.invalid{file}"))?;
    let got = assets.fetch_request(Request::from(req)).await?;
    if got.status_code() != 200 {
        return problem_response(&Problem::new(404, "not_found", "no such console file"));
    }
    // The assets' own response has immutable headers: a new one with its body.
    let headers = Headers::new();
    if let Some(t) = got.headers().get("content-type")? {
        headers.set("content-type", &t)?;
    }
    let body = if method == "HEAD" {
        worker::Response::empty()?
    } else {
        worker::Response::from_body(got.body().clone())?
    };
    with_console_headers(body.with_headers(headers), console::cache_control(&file))
}
