//! A decision as a gateway acts on it: forward with these header changes,
//! or answer with this status, problem document and challenge. Hosts that
//! forward themselves (the gateway component's `authorize`, the Envoy filter)
//! get the same changes the worker makes to its forwarded request.

use super::gate::{Decision, Outcome};
use super::headers;

/// Forward the request, changed like this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    /// The canonical path the rules read: the upstream receives exactly this.
    pub path: String,
    /// Remove these headers (lower case) first.
    pub drop_headers: Vec<String>,
    /// Then set these (the identity; none on a public route).
    pub set_headers: Vec<(String, String)>,
}

/// Answer the client instead of forwarding.
#[derive(Clone, PartialEq, Eq)]
pub struct Deny {
    /// HTTP status.
    pub status: u16,
    /// Stable code.
    pub code: String,
    /// The problem document (JSON), for `application/problem+json`.
    pub body: String,
    /// The `WWW-Authenticate` value, for 401 and missing rights.
    pub www_authenticate: Option<String>,
}

impl core::fmt::Debug for Deny {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Deny")
            .field("status", &self.status)
            .field("code", &self.code)
            .finish_non_exhaustive()
    }
}

/// Forward or answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Forward.
    Allow(Allow),
    /// Answer.
    Deny(Deny),
}

impl Verdict {
    /// What `decision` means for a request that came with `incoming` headers.
    pub fn of<'a>(
        decision: &Decision,
        incoming: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
        keep_credential: bool,
    ) -> Verdict {
        match &decision.outcome {
            Outcome::Deny(d) => Verdict::Deny(Deny {
                status: d.status,
                code: d.code.to_owned(),
                body: d.problem().to_json(),
                www_authenticate: d.www_authenticate(),
            }),
            Outcome::Forward(f) => Verdict::Allow(Allow {
                path: f.path.clone(),
                drop_headers: headers::dropped(incoming, keep_credential),
                set_headers: f
                    .identity
                    .as_ref()
                    .map(|id| {
                        id.headers()
                            .into_iter()
                            .map(|(n, v)| (n.to_owned(), v))
                            .collect()
                    })
                    .unwrap_or_default(),
            }),
        }
    }
}

/// A header's value as Fetch's `Headers.get` reads it (what the worker's
/// gate sees): every field of that name, case-insensitively, joined with
/// `", "`; `None` when there is none.
pub fn header_value<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    name: &str,
) -> Option<String> {
    let values: Vec<&str> = headers
        .into_iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_join_like_fetch() {
        let h = [
            ("Authorization", "Bearer a"),
            ("x-other", "1"),
            ("authorization", " b "),
        ];
        assert_eq!(
            header_value(h, "authorization").as_deref(),
            Some("Bearer a, b")
        );
        assert_eq!(header_value(h, "x-api-key"), None);
    }
}
