//! Plain requests and responses: what the adapters translate their
//! platform's objects into and out of. No platform type crosses this line.

use core::fmt;

use serde::Serialize;

use crate::admin::AdminError;
use crate::auth::secret::SecretRef;
use crate::auth::Denial;
use crate::core::problem::{Problem, CONTENT_TYPE as PROBLEM};

/// Largest request body read (CONTRACT section 7).
pub const BODY_MAX: usize = 64 * 1024;

/// An HTTP method. Methods orgwarden does not know are kept by name: they
/// are refused (405 with `Allow`) where the API is, and go to the proxy's
/// rules (which list known methods only) elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// HEAD: answered as GET without a body.
    Head,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
    /// OPTIONS.
    Options,
    /// Any other method, upper case.
    Other(String),
}

impl Method {
    /// From the request line's token (case-sensitive, as RFC 9110 says;
    /// runtimes upper-case the standard ones).
    pub fn parse(name: &str) -> Method {
        match name {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "OPTIONS" => Method::Options,
            other => Method::Other(other.to_owned()),
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Other(s) => s,
        }
    }
}

/// What the adapter hands over of an HTTP request. Its `Debug` never shows
/// the credentials or the body (which may hold a password).
#[derive(Clone)]
pub struct Request {
    /// Method.
    pub method: Method,
    /// Path as received, without the query.
    pub path: String,
    /// Query string, without `?`.
    pub query: String,
    /// `Authorization`.
    pub authorization: Option<String>,
    /// `X-API-Key`.
    pub api_key: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// The client's address (`CF-Connecting-IP`), when the platform gives it.
    pub client_ip: Option<String>,
    /// The body (at most [`BODY_MAX`] bytes were read).
    pub body: Vec<u8>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field(
                "authorization",
                &self.authorization.as_deref().map(SecretRef),
            )
            .field("api_key", &self.api_key.as_deref().map(SecretRef))
            .field("content_type", &self.content_type)
            .field("body", &format_args!("{} bytes", self.body.len()))
            .finish()
    }
}

impl Request {
    /// A request with no headers and no body (tests, tools).
    pub fn new(method: &str, path_and_query: &str) -> Request {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        Request {
            method: Method::parse(method),
            path: path.to_owned(),
            query: query.to_owned(),
            authorization: None,
            api_key: None,
            content_type: None,
            client_ip: None,
            body: Vec::new(),
        }
    }

    /// With a bearer credential.
    #[must_use]
    pub fn bearer(mut self, credential: &str) -> Request {
        self.authorization = Some(format!("Bearer {credential}"));
        self
    }

    /// With a JSON body.
    #[must_use]
    pub fn json(mut self, body: &serde_json::Value) -> Request {
        self.content_type = Some("application/json".into());
        self.body = body.to_string().into_bytes();
        self
    }

    /// With a form body.
    #[must_use]
    pub fn form(mut self, body: &str) -> Request {
        self.content_type = Some("application/x-www-form-urlencoded".into());
        self.body = body.as_bytes().to_vec();
        self
    }
}

/// What the adapter sends back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status.
    pub status: u16,
    /// Headers to set (`content-type` included), names lower case.
    pub headers: Vec<(&'static str, String)>,
    /// Body.
    pub body: String,
}

impl Response {
    /// A JSON answer.
    pub fn json<T: Serialize>(status: u16, value: &T) -> Response {
        Response {
            status,
            headers: vec![("content-type", "application/json".into())],
            // Values built from records and names: serialization cannot fail.
            body: serde_json::to_string(value).unwrap_or_default(),
        }
    }

    /// 204.
    pub fn no_content() -> Response {
        Response {
            status: 204,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// A problem document.
    pub fn problem(p: &Problem) -> Response {
        Response {
            status: p.status,
            headers: vec![("content-type", PROBLEM.into())],
            body: p.to_json(),
        }
    }

    /// An admin error, with its challenge when it is an authentication refusal.
    pub fn error(e: &AdminError) -> Response {
        let mut r = Response::problem(&e.to_problem());
        if let Some(h) = e.www_authenticate() {
            r.headers.push(("www-authenticate", h));
        }
        r
    }

    /// A refusal, with its challenge.
    pub fn denial(d: &Denial) -> Response {
        let mut r = Response::problem(&d.problem());
        if let Some(h) = d.www_authenticate() {
            r.headers.push(("www-authenticate", h));
        }
        r
    }

    /// Adds a header.
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }

    /// The value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// 405 with `Allow`.
    pub fn method_not_allowed(allow: &str) -> Response {
        Response::problem(&Problem::new(
            405,
            "method_not_allowed",
            format!("this resource allows {allow}"),
        ))
        .with("allow", allow)
    }
}
