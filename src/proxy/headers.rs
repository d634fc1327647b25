//! The headers a request is forwarded to the origin with: the caller's, minus
//! anything that could speak for orgwarden or for the connection, plus the
//! identity orgwarden vouches for. Shared by every adapter (worker, gateway
//! plugins), so they all forward the same thing.

use std::collections::HashSet;

use crate::core::ids::OrgId;
use crate::core::rights::RightSet;

/// Prefix of the headers orgwarden sets and the origin may trust.
pub const IDENTITY_PREFIX: &str = "x-orgwarden-";

/// Hop-by-hop headers (RFC 9110 section 7.6.1) and `host`, which the
/// forwarding fetch sets for the origin.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

/// Whether `name` (lower case) is hop-by-hop (or `host`): never passed on
/// in either direction.
pub fn is_hop_by_hop(name: &str) -> bool {
    HOP_BY_HOP.contains(&name)
}

/// Headers that carry the caller's credential.
const CREDENTIAL: &[&str] = &["authorization", "x-api-key"];

/// Headers some frameworks read as a different method or path than the one
/// the rules decided on: a GET authorized for INFO must not become a DELETE,
/// nor `/public` become `/admin`, at an origin that honours them.
const OVERRIDES: &[&str] = &[
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
    "x-original-url",
    "x-rewrite-url",
    "x-original-uri",
];

/// A header name as servers that fold `_` into `-` (CGI, WSGI, Rack) and
/// ignore case read it: `X_Orgwarden_Subject` is `x-orgwarden-subject`.
fn folded(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'_' => '-',
            _ => char::from(b.to_ascii_lowercase()),
        })
        .collect()
}

/// Who the origin is told the caller is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `sub`: a user ID, or `apikey:<key id>`.
    pub subject: String,
    /// The tenant.
    pub tenant: String,
    /// Effective rights on the route's entity (expanded).
    pub rights: RightSet,
    /// The caller's organizations: a user's memberships, or the organization
    /// an organization's key belongs to.
    pub organizations: Vec<OrgId>,
}

impl Identity {
    /// The identity headers, names lower case.
    pub fn headers(&self) -> [(&'static str, String); 4] {
        [
            ("x-orgwarden-subject", self.subject.clone()),
            ("x-orgwarden-tenant", self.tenant.clone()),
            (
                "x-orgwarden-rights",
                self.rights.implied().names().join(","),
            ),
            (
                "x-orgwarden-organizations",
                self.organizations
                    .iter()
                    .map(OrgId::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        ]
    }
}

/// The names of the incoming headers to drop before forwarding, as they
/// came: every header that reads as `x-orgwarden-*` (case ignored, `_` taken
/// for `-`), hop-by-hop headers and those `Connection` names, method and
/// URL override headers, and the credential unless it is to be forwarded.
/// Linear in the number of headers and `Connection` names.
pub fn dropped<'a>(
    incoming: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
    keep_credential: bool,
) -> Vec<String> {
    let named_by_connection: HashSet<String> = incoming
        .clone()
        .into_iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
        .flat_map(|(_, v)| v.split(','))
        .map(|t| folded(t.trim()))
        .filter(|t| !t.is_empty())
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for (name, _) in incoming {
        let f = folded(name);
        let drop = f.starts_with(IDENTITY_PREFIX)
            || HOP_BY_HOP.contains(&f.as_str())
            || OVERRIDES.contains(&f.as_str())
            || named_by_connection.contains(&f)
            || (!keep_credential && CREDENTIAL.contains(&f.as_str()));
        let lower = name.to_ascii_lowercase();
        if drop && !seen.contains(&lower) {
            seen.insert(lower.clone());
            out.push(lower);
        }
    }
    out
}

/// The full forwarded header list: `incoming` without [`dropped`], then the
/// identity headers (when the route is not public).
pub fn forwarded<'a>(
    incoming: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
    identity: Option<&Identity>,
    keep_credential: bool,
) -> Vec<(String, String)> {
    let drop: HashSet<String> = dropped(incoming.clone(), keep_credential)
        .into_iter()
        .collect();
    let mut out: Vec<(String, String)> = incoming
        .into_iter()
        .filter(|(n, _)| !drop.contains(&n.to_ascii_lowercase()))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
        .collect();
    if let Some(id) = identity {
        out.extend(id.headers().into_iter().map(|(n, v)| (n.to_owned(), v)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rights::Right;

    #[test]
    fn spoofed_and_hop_by_hop_headers_go_identity_comes() {
        let incoming = [
            ("Accept", "application/json"),
            ("X-Orgwarden-Subject", "admin"),
            ("x-orgwarden-rights", "RIGHT_ALL"),
            ("Connection", "keep-alive, X-Secret-Hop"),
            ("x-secret-hop", "1"),
            ("Authorization", "Bearer t"),
            ("Host", "edge.example"),
            ("x-request-id", "42"),
        ];
        let id = Identity {
            subject: "alice".into(),
            tenant: "acme".into(),
            rights: RightSet::of(&[Right::ApplicationLink]),
            organizations: vec![OrgId::new("team").unwrap()],
        };
        let out = forwarded(incoming, Some(&id), false);
        let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "accept",
                "x-request-id",
                "x-orgwarden-subject",
                "x-orgwarden-tenant",
                "x-orgwarden-rights",
                "x-orgwarden-organizations"
            ]
        );
        let rights = &out
            .iter()
            .find(|(n, _)| n == "x-orgwarden-rights")
            .unwrap()
            .1;
        assert_eq!(
            rights,
            "RIGHT_APPLICATION_INFO,RIGHT_APPLICATION_TRAFFIC_READ,RIGHT_APPLICATION_TRAFFIC_DOWN_WRITE,RIGHT_APPLICATION_LINK"
        );
        let kept = forwarded(incoming, None, true);
        assert!(kept.iter().any(|(n, _)| n == "authorization"));
        // Look-alikes that CGI and WSGI fold into the identity headers, and
        // overrides of the method or path the rules decided on.
        let sneaky = [
            ("x_orgwarden_subject", "root"),
            ("X_ORGWARDEN-Rights", "RIGHT_ALL"),
            ("X-HTTP-Method-Override", "DELETE"),
            ("x_http_method", "DELETE"),
            ("X-Method-Override", "DELETE"),
            ("X-Original-URL", "/admin"),
            ("x-rewrite-url", "/admin"),
            ("x_api_key", "OWK.x"),
            ("Connection", "X_Secret_Hop"),
            ("x-secret-hop", "1"),
            ("accept", "*/*"),
        ];
        let out = forwarded(sneaky, None, false);
        assert_eq!(out, [("accept".to_owned(), "*/*".to_owned())]);
        assert!(!kept.iter().any(|(n, _)| n.starts_with(IDENTITY_PREFIX)));
    }
}

#[cfg(test)]
mod scale {
    use super::*;

    /// Many `Connection` names cost a hash set, not a scan per header: this
    /// takes milliseconds even in a debug build (the old quadratic scan took
    /// seconds here); a regression shows as a test that crawls.
    #[test]
    fn thousands_of_connection_names_stay_linear() {
        let names: Vec<String> = (0..8000).map(|i| format!("x-h{i}")).collect();
        let connection = names.join(", ");
        let mut incoming: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
        incoming.push(("connection", &connection));
        incoming.push(("accept", "*/*"));
        let out = forwarded(incoming.iter().copied(), None, false);
        assert_eq!(out, [("accept".to_owned(), "*/*".to_owned())]);
    }
}
