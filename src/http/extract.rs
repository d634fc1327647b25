//! Taking a request apart strictly: the query, a JSON object body, a form.
//! Every refusal is a 400 (or 413, 415) with a precise reason, before any
//! operation runs.

use serde::de::DeserializeOwned;

use super::message::{Request, BODY_MAX};
use crate::admin::{AdminError, Paging};

/// Decodes `%XX` and `+` of a query or form component.
fn percent_decode(s: &str, what: &str) -> Result<String, AdminError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                let v = hex
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        AdminError::invalid(format!("bad percent-encoding in the {what}"))
                    })?;
                out.push(v);
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| AdminError::invalid(format!("the {what} is not UTF-8")))
}

/// `name=value` pairs, each known name at most once. Unknown names are
/// refused when `strict` (queries), skipped otherwise (RFC 6749 section
/// 3.2: a token endpoint ignores parameters it does not know).
fn pairs(
    text: &str,
    known: &[&str],
    strict: bool,
    what: &str,
) -> Result<Vec<(String, String)>, AdminError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k, what)?, percent_decode(v, what)?);
        if !known.contains(&k.as_str()) {
            if !strict {
                continue;
            }
            return Err(AdminError::invalid(format!(
                "unknown {what} parameter {k:?}; known: {}",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )));
        }
        if out.iter().any(|(seen, _)| *seen == k) {
            return Err(AdminError::invalid(format!(
                "{what} parameter {k:?} given twice"
            )));
        }
        out.push((k, v));
    }
    Ok(out)
}

/// Longest filter text (`id_contains`, `name_contains`).
pub const FILTER_MAX: usize = 100;

/// A request's query, checked against the names an operation takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// Parses the query; names outside `known` and repeated names are refused.
    pub fn parse(query: &str, known: &[&str]) -> Result<Query, AdminError> {
        pairs(query, known, true, "query").map(Query)
    }

    /// A parameter's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A filter text, at most [`FILTER_MAX`] characters.
    pub fn filter(&self, name: &str) -> Result<Option<String>, AdminError> {
        match self.get(name) {
            Some(v) if v.chars().count() > FILTER_MAX => Err(AdminError::invalid(format!(
                "`{name}` is at most {FILTER_MAX} characters"
            ))),
            v => Ok(v.map(str::to_owned)),
        }
    }

    /// A parameter as a positive integer.
    pub fn number(&self, name: &str) -> Result<Option<usize>, AdminError> {
        self.get(name)
            .map(|v| {
                v.parse::<usize>()
                    .map_err(|_| AdminError::invalid(format!("`{name}` is a positive integer")))
            })
            .transpose()
    }

    /// `true` or `false`; `false` when absent.
    pub fn flag(&self, name: &str) -> Result<bool, AdminError> {
        match self.get(name) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(_) => Err(AdminError::invalid(format!("`{name}` is true or false"))),
        }
    }

    /// A parameter read as one value of a JSON string enum (`state`).
    pub fn choice<T: DeserializeOwned>(
        &self,
        name: &str,
        expected: &str,
    ) -> Result<Option<T>, AdminError> {
        self.get(name)
            .map(|v| {
                serde_json::from_value(serde_json::Value::String(v.into()))
                    .map_err(|_| AdminError::invalid(format!("`{name}` is {expected}")))
            })
            .transpose()
    }

    /// `limit` (default 100, at most 1000) and `page` (from 1).
    pub fn paging(&self) -> Result<Paging, AdminError> {
        Paging::new(self.number("limit")?, self.number("page")?)
    }

    /// `field_mask` (`name,state,admin`): the fields to return, checked
    /// against the resource's; `id` is always returned.
    pub fn field_mask(&self, fields: &[&str]) -> Result<Option<Vec<String>>, AdminError> {
        let Some(mask) = self.get("field_mask") else {
            return Ok(None);
        };
        let mut out = vec!["id".to_owned()];
        for f in mask.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            if !fields.contains(&f) {
                return Err(AdminError::invalid(format!(
                    "field_mask: unknown field {f:?}; fields: {}",
                    fields.join(", ")
                )));
            }
            out.push(f.to_owned());
        }
        Ok(Some(out))
    }
}

/// The form fields of a token request: known names once each, unknown names ignored.
pub fn form(req: &Request, known: &[&str]) -> Result<Query, AdminError> {
    let text =
        std::str::from_utf8(&req.body).map_err(|_| AdminError::invalid("the form is not UTF-8"))?;
    pairs(text, known, false, "form").map(Query)
}

fn media_type(req: &Request) -> &str {
    req.content_type
        .as_deref()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
}

/// Whether the body was sent as `media`.
pub fn is_media(req: &Request, media: &str) -> bool {
    media_type(req).eq_ignore_ascii_case(media)
}

/// The body as `T`: `application/json`, at most 64 KiB, a JSON object
/// (never an array or a scalar, which serde would read field by field), no
/// unknown fields (the types say `deny_unknown_fields`).
pub fn json<T: DeserializeOwned>(req: &Request) -> Result<T, AdminError> {
    if !is_media(req, "application/json") {
        return Err(AdminError::new(
            415,
            "unsupported_media_type",
            "send the body as application/json",
        ));
    }
    if req.body.len() > BODY_MAX {
        return Err(AdminError::new(
            413,
            "body_too_large",
            "request bodies are at most 64 KiB",
        ));
    }
    let invalid = |e: serde_json::Error| AdminError::invalid(format!("request body: {e}"));
    // Straight into `T` (one deserializer per type, shared with every other
    // JSON text read in the module; no `Value` in between). JSON allows only
    // whitespace before the value, so its first other byte says whether it
    // is an object; what is not is refused, with serde's reason when its
    // syntax is no JSON (what is well-formed but no object, whatever its
    // strings hold, reads "a JSON object is expected").
    let first = req.body.iter().find(|b| !b" \t\r\n".contains(b));
    if !first.is_some_and(|b| b"{".contains(b)) {
        serde_json::from_slice::<serde::de::IgnoredAny>(&req.body).map_err(invalid)?;
        return Err(AdminError::invalid(
            "request body: a JSON object is expected",
        ));
    }
    serde_json::from_slice(&req.body).map_err(invalid)
}

/// The body as `T` when there is one; `T::default()` when the body is
/// empty (an action such as approving, whose body is optional).
pub fn optional_json<T: DeserializeOwned + Default>(req: &Request) -> Result<T, AdminError> {
    if req.body.is_empty() {
        return Ok(T::default());
    }
    json(req)
}

/// A body that must hold nothing: absent or `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// Keeps only the fields of `mask` (and `id`) of a JSON object.
pub fn masked(mut value: serde_json::Value, mask: Option<&[String]>) -> serde_json::Value {
    if let (Some(m), serde_json::Value::Object(map)) = (mask, &mut value) {
        map.retain(|k, _| m.iter().any(|f| f == k));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_strict_forms_lenient() {
        let q = Query::parse("limit=5&page=2", &["limit", "page"]).unwrap();
        assert_eq!(q.paging().unwrap(), Paging::new(Some(5), Some(2)).unwrap());
        assert_eq!(
            Query::parse("name_contains=a%20b+c", &["name_contains"])
                .unwrap()
                .get("name_contains"),
            Some("a b c")
        );
        for (text, known) in [
            ("x=1", &["limit"][..]),
            ("limit=1&limit=2", &["limit"]),
            ("limit=%zz", &["limit"]),
            ("limit=%e2%82", &["limit"]),
        ] {
            assert_eq!(
                Query::parse(text, known).unwrap_err().code,
                "invalid_request",
                "{text}"
            );
        }
        let mut req = Request::new("POST", "/t/acme/api/v1/auth/token")
            .form("grant_type=password&resource=x&username=a");
        let f = form(&req, &["grant_type", "username"]).unwrap();
        assert_eq!(f.get("grant_type"), Some("password"));
        assert_eq!(f.get("resource"), None, "unknown form fields are ignored");
        req.body = b"grant_type=a&grant_type=b".to_vec();
        assert!(
            form(&req, &["grant_type"]).is_err(),
            "a known field twice is refused"
        );
    }

    #[test]
    fn bodies_are_json_objects() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct B {
            id: String,
            name: String,
        }
        let req = |body: serde_json::Value| Request::new("POST", "/x").json(&body);
        assert!(json::<B>(&req(serde_json::json!({"id": "x", "name": "X"}))).is_ok());
        for bad in [
            serde_json::json!(["x", "X"]),
            serde_json::json!([]),
            serde_json::json!("x"),
            serde_json::json!(1),
            serde_json::json!(null),
        ] {
            let e = json::<B>(&req(bad.clone())).unwrap_err();
            assert_eq!(
                (e.status, e.code.as_ref()),
                (400, "invalid_request"),
                "{bad}"
            );
        }
        let raw = |body: &str| {
            let mut r = req(serde_json::json!({}));
            r.body = body.as_bytes().to_vec();
            json::<B>(&r)
        };
        assert!(raw(" \r\n\t{\"id\": \"x\", \"name\": \"X\"} ").is_ok());
        let detail = |body: &str| raw(body).unwrap_err().message;
        assert_eq!(detail("[1]"), "request body: a JSON object is expected");
        assert!(detail("{\"id\": ").starts_with("request body: EOF"));
        assert!(
            detail("nope").starts_with("request body: expected"),
            "no JSON: serde's reason"
        );
        assert!(detail("{\"id\": \"x\", \"name\": \"X\"} x").contains("trailing"));
        assert!(detail(r#"{"id": "x", "id": "y", "name": "X"}"#).contains("duplicate field `id`"));
        assert!(detail(r#"{"id": "x", "name": "X", "z": 1}"#).contains("unknown field `z`"));
        let mut r = req(serde_json::json!({"id": "x", "name": "X"}));
        r.content_type = Some("text/plain".into());
        assert_eq!(json::<B>(&r).unwrap_err().status, 415);
        let mask = Query::parse("field_mask=name,%20state", &["field_mask"])
            .unwrap()
            .field_mask(&["name", "state"])
            .unwrap();
        assert_eq!(
            masked(
                serde_json::json!({"id": "a", "name": "A", "state": "s", "x": 1}),
                mask.as_deref()
            ),
            serde_json::json!({"id": "a", "name": "A", "state": "s"})
        );
    }
}
