//! RFC 9457 problem documents: what every adapter answers on an error.
//!
//! `type` stays `about:blank` (so `title` is the HTTP status phrase) and the
//! stable, machine-readable reason is the `code` extension member; refusals
//! for missing rights name them in `missing`.

use serde::Serialize;

use crate::core::rights::RightSet;

/// The media type of a problem document.
pub const CONTENT_TYPE: &str = "application/problem+json";

/// One problem document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Problem {
    /// Always `about:blank`.
    #[serde(rename = "type")]
    pub type_: &'static str,
    /// The HTTP status phrase.
    pub title: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, for people. Never holds a secret.
    pub detail: String,
    /// The stable error code, for programs.
    pub code: String,
    /// For `insufficient_rights`: the rights that are missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<RightSet>,
}

impl Problem {
    /// A problem with `status`, a stable `code` and a human `detail`.
    pub fn new(status: u16, code: impl Into<String>, detail: impl Into<String>) -> Problem {
        Problem {
            type_: "about:blank",
            title: status_phrase(status),
            status,
            detail: detail.into(),
            code: code.into(),
            missing: None,
        }
    }

    /// Names the missing rights.
    #[must_use]
    pub fn with_missing(mut self, missing: RightSet) -> Problem {
        self.missing = Some(missing);
        self
    }

    /// The JSON text.
    pub fn to_json(&self) -> String {
        // Strings, numbers and a list of names: serialization cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The reason phrase of the statuses orgwarden answers with.
pub fn status_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rights::Right;

    #[test]
    fn shape() {
        let p = Problem::new(403, "insufficient_rights", "missing rights")
            .with_missing(RightSet::of(&[Right::ApplicationDelete]));
        let v: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type": "about:blank", "title": "Forbidden", "status": 403,
                "detail": "missing rights", "code": "insufficient_rights",
                "missing": ["RIGHT_APPLICATION_DELETE"]})
        );
        assert!(!Problem::new(404, "not_found", "x")
            .to_json()
            .contains("missing"));
    }
}
