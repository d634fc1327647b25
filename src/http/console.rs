//! The console's place in the worker's surface: `/t/{tenant}/portal/…`
//! maps to a file of the static assets (`[assets]` in `wrangler.toml`,
//! built by `scripts/build-console.sh`), and every answer carries the same
//! security headers. The console routes in the URL's fragment
//! (`#/organizations/acme`), so the server only ever serves its few files,
//! and an invitation's token in a link (`#/invitations/OWI.…`) never
//! reaches a server's logs.

/// Where a console path leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Console {
    /// `/t/{tenant}/portal` without its slash: redirect here.
    Redirect(String),
    /// This file of the assets (`/portal/app.js`).
    File(String),
    /// Under the console, but no file of it: 404.
    NotFound,
}

/// The console's files are one flat directory: names of letters, digits,
/// `-`, `_` and one `.` extension, so no path reaches anything else.
fn file_name_ok(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    !stem.is_empty()
        && stem
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && matches!(ext, "html" | "js" | "css" | "wasm" | "svg" | "png" | "txt")
}

/// The console's reading of a path; `None` when the path is not the
/// console's (the API or the proxy decide).
pub fn route(path: &str) -> Option<Console> {
    let rest = path.strip_prefix("/t/")?;
    let (tenant, rest) = rest.split_once('/')?;
    if tenant.is_empty() {
        return None;
    }
    if rest == "portal" {
        return Some(Console::Redirect(format!("/t/{tenant}/portal/")));
    }
    let file = rest.strip_prefix("portal/")?;
    Some(match file {
        "" => Console::File("/portal/index.html".to_owned()),
        f if file_name_ok(f) => Console::File(format!("/portal/{f}")),
        _ => Console::NotFound,
    })
}

/// The Content-Security-Policy of every console answer: scripts, styles
/// and connections from the worker's own origin only (no inline script, no
/// `eval`; `'wasm-unsafe-eval'` lets the page compile the browser module),
/// no frames, no plugins, no base or form redirection.
pub const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Headers added to every console answer.
pub const HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    ),
];

/// How long a browser may keep a file: the page is revalidated on every
/// load (a new deployment takes effect at once), the rest for an hour.
pub fn cache_control(file: &str) -> &'static str {
    if file.ends_with(".html") {
        "no-cache"
    } else {
        "public, max-age=3600"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_paths_map_to_its_files_and_nothing_else() {
        assert_eq!(
            route("/t/acme/portal"),
            Some(Console::Redirect("/t/acme/portal/".into()))
        );
        assert_eq!(
            route("/t/acme/portal/"),
            Some(Console::File("/portal/index.html".into()))
        );
        assert_eq!(
            route("/t/acme/portal/app.js"),
            Some(Console::File("/portal/app.js".into()))
        );
        for bad in [
            "/t/acme/portal/../x.js",
            "/t/acme/portal/a/b.js",
            "/t/acme/portal/.env",
            "/t/acme/portal/x",
            "/t/acme/portal/x.exe",
            "/t/acme/portal/%2e%2e.js",
        ] {
            assert_eq!(route(bad), Some(Console::NotFound), "{bad}");
        }
        for other in [
            "/t/acme/api/v1/account",
            "/portal/",
            "/t//portal/",
            "/apps/x",
        ] {
            assert_eq!(route(other), None, "{other}");
        }
    }
}
