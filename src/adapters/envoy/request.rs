//! The request as the filter reads it from Envoy, and its headers as the
//! filter writes them back when the gate lets it through.

use crate::proxy::verdict::header_value;
use crate::proxy::{Allow, ProxyRequest};

/// What the filter keeps of a request while it is decided. Its `Debug`
/// shows the method and path only.
#[derive(Default)]
pub struct Incoming {
    method: String,
    path: String,
    query: Option<String>,
    authorization: Option<String>,
    api_key: Option<String>,
    /// Header names for choosing what to drop, with the value of
    /// `Connection` only.
    names: Vec<(String, String)>,
    /// Every header as received (names lower case, pseudo-headers too).
    headers: Vec<(String, String)>,
}

impl core::fmt::Debug for Incoming {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Incoming")
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Incoming {
    /// Reads Envoy's header map (values as bytes, read lossily: a value
    /// that is not UTF-8 cannot be a credential and must not panic).
    pub fn read(raw: Vec<(String, Vec<u8>)>) -> Incoming {
        let headers: Vec<(String, String)> = raw
            .into_iter()
            .map(|(n, v)| {
                (
                    n.to_ascii_lowercase(),
                    String::from_utf8_lossy(&v).into_owned(),
                )
            })
            .collect();
        let pseudo = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let method = pseudo(":method");
        let full = pseudo(":path");
        let (path, query) = match full.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (full, None),
        };
        let plain = headers
            .iter()
            .filter(|(n, _)| !n.starts_with(':'))
            .map(|(n, v)| (n.as_str(), v.as_str()));
        let authorization = header_value(plain.clone(), "authorization");
        let api_key = header_value(plain.clone(), "x-api-key");
        let names = plain
            .map(|(n, v)| {
                let value = if n == "connection" { v } else { "" };
                (n.to_owned(), value.to_owned())
            })
            .collect();
        Incoming {
            method,
            path,
            query,
            authorization,
            api_key,
            names,
            headers,
        }
    }

    /// The request as the gate reads it.
    pub fn for_gate(&self) -> ProxyRequest<'_> {
        ProxyRequest {
            method: &self.method,
            path: &self.path,
            authorization: self.authorization.as_deref(),
            api_key: self.api_key.as_deref(),
        }
    }

    /// Header names (and `Connection`'s value), for [`crate::proxy::Verdict::of`].
    pub fn names(&self) -> impl Iterator<Item = (&str, &str)> + Clone {
        self.names.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The whole header map as it goes on: without what `allow` drops
    /// (Envoy keeps the host as `:authority`: `host` is never dropped), the
    /// canonical `:path`, then the identity. Written in one host call: a
    /// call per header, and each new `:path`, cost Envoy more than the
    /// decision itself.
    pub fn rewritten<'a>(&'a self, allow: &'a Allow, path: &'a str) -> Vec<(&'a str, &'a str)> {
        let mut out: Vec<(&str, &str)> = Vec::with_capacity(self.headers.len() + 4);
        for (name, value) in &self.headers {
            let dropped = name != "host" && allow.drop_headers.contains(name)
                || allow.set_headers.iter().any(|(n, _)| n == name);
            if name == ":path" {
                out.push((":path", path));
            } else if !dropped {
                out.push((name.as_str(), value.as_str()));
            }
        }
        for (name, value) in &allow.set_headers {
            out.push((name.as_str(), value.as_str()));
        }
        out
    }

    /// `:path` for the upstream: the canonical path and the query as received.
    pub fn upstream_path(&self, canonical: &str) -> String {
        match &self.query {
            Some(q) => format!("{canonical}?{q}"),
            None => canonical.to_owned(),
        }
    }
}
