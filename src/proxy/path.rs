//! One reading of a request path, for the route rules and for the origin
//! (CONTRACT section 5): the proxy matches the canonical form of the path and
//! forwards exactly that form, so no spelling can mean one thing to the rules
//! and another to the origin's framework (the class of Envoy's CVE-2019-9901).
//!
//! The canonical form is what Envoy's secure defaults produce
//! (`normalize_path`, `merge_slashes`, `path_with_escaped_slashes_action:
//! REJECT_REQUEST`):
//!
//! - percent-encoded unreserved characters (`A-Z a-z 0-9 - . _ ~`) are
//!   decoded, and every other escape is written with upper-case hex;
//! - `.` and `..` segments are resolved (`..` never climbs above the root),
//!   after decoding, so `%2e%2e` is a dot segment too;
//! - empty segments are merged (`/a//b` is `/a/b`);
//! - refused with 400: an encoded `/` or `\` (`%2F`, `%5C`), a literal `\`,
//!   an encoded control character (`%00`…), anything outside printable
//!   ASCII, and (unless the matched rule opts in) `;` path parameters, which
//!   servlet containers strip before routing (`/x/..;/admin`).
//!
//! Each choice can be made stricter, never looser ([`PathPolicy`]). The
//! route table adds one more check on top (look-alike literals, see
//! [`super::routes`]). Queries are not touched: rules do not read them.

use serde::Deserialize;

/// What a deployment may make stricter; every field defaults to the
/// canonicalizing behaviour above.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathPolicy {
    /// Refuse `.` and `..` segments instead of resolving them.
    #[serde(default)]
    pub reject_dot_segments: bool,
    /// Refuse empty segments (`//`) instead of merging them.
    #[serde(default)]
    pub reject_empty_segments: bool,
    /// Refuse percent-encoded unreserved characters (`%61`) instead of
    /// decoding them.
    #[serde(default)]
    pub reject_encoded_unreserved: bool,
}

/// Why a path is refused (400, each with its own code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathError {
    /// Not `/…`, bad percent-encoding, or bytes outside printable ASCII.
    Invalid(&'static str),
    /// `%2F` or `%5C`: a separator the rules cannot see.
    EncodedSeparator,
    /// A literal `\`, which some servers read as `/`.
    Backslash,
    /// `;` parameters, on a rule that does not opt in.
    Parameters,
    /// A dot segment, under `reject_dot_segments`.
    DotSegment,
    /// An empty segment, under `reject_empty_segments`.
    EmptySegment,
    /// An encoded unreserved character, under `reject_encoded_unreserved`.
    EncodedUnreserved,
    /// A look-alike of a more specific rule's literal (`DEVICES`, `devices.json`).
    Ambiguous,
}

impl PathError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            PathError::Invalid(_) => "path_invalid",
            PathError::EncodedSeparator => "path_encoded_separator",
            PathError::Backslash => "path_backslash",
            PathError::Parameters => "path_parameters",
            PathError::DotSegment => "path_dot_segment",
            PathError::EmptySegment => "path_empty_segment",
            PathError::EncodedUnreserved => "path_encoded_unreserved",
            PathError::Ambiguous => "path_ambiguous",
        }
    }

    /// For people; never quotes the path.
    pub fn message(&self) -> &'static str {
        match self {
            PathError::Invalid(why) => why,
            PathError::EncodedSeparator => {
                "the path holds an encoded / or \\ (%2F, %5C), which the route rules cannot read as the origin would"
            }
            PathError::Backslash => "the path holds a \\, which some servers read as /",
            PathError::Parameters => {
                "the path holds ; parameters, which servers strip before routing; this route does not accept them"
            }
            PathError::DotSegment => "the path holds . or .. segments, which this proxy refuses",
            PathError::EmptySegment => "the path holds an empty segment (//), which this proxy refuses",
            PathError::EncodedUnreserved => {
                "the path percent-encodes a character that needs no encoding, which this proxy refuses"
            }
            PathError::Ambiguous => {
                "the path differs only in case or extension from a more specific route; use its exact spelling"
            }
        }
    }
}

/// A path in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalPath {
    /// What the origin receives: `/` + segments, with a trailing `/` when
    /// the request had one.
    pub path: String,
    /// The segments the rules match: each without its `;` parameters.
    segments: Vec<(usize, usize)>,
    /// Whether any segment carries `;` parameters.
    parameters: bool,
}

impl CanonicalPath {
    /// The segments the rules match, parameters stripped.
    pub fn segments(&self) -> Vec<&str> {
        self.segments
            .iter()
            .map(|&(start, end)| self.path.get(start..end).unwrap_or(""))
            .collect()
    }

    /// Whether a segment carries `;` parameters.
    pub fn has_parameters(&self) -> bool {
        self.parameters
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// One raw segment in canonical form.
fn segment(raw: &str, policy: &PathPolicy) -> Result<String, PathError> {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => return Err(PathError::Backslash),
            b'%' => {
                let decoded = match (
                    bytes.get(i + 1).copied().and_then(hex),
                    bytes.get(i + 2).copied().and_then(hex),
                ) {
                    (Some(h), Some(l)) => (h << 4) | l,
                    _ => return Err(PathError::Invalid("the path holds a bad percent-encoding")),
                };
                if decoded == b'/' || decoded == b'\\' {
                    return Err(PathError::EncodedSeparator);
                }
                if decoded < 0x20 || decoded == 0x7f {
                    return Err(PathError::Invalid("the path encodes a control character"));
                }
                if is_unreserved(decoded) {
                    if policy.reject_encoded_unreserved {
                        return Err(PathError::EncodedUnreserved);
                    }
                    out.push(char::from(decoded));
                } else {
                    out.push('%');
                    out.push(char::from(
                        *HEX_UPPER.get(usize::from(decoded >> 4)).unwrap_or(&b'0'),
                    ));
                    out.push(char::from(
                        *HEX_UPPER.get(usize::from(decoded & 15)).unwrap_or(&b'0'),
                    ));
                }
                i += 3;
            }
            0x21..=0x7e => {
                out.push(char::from(b));
                i += 1;
            }
            _ => {
                return Err(PathError::Invalid(
                    "the path holds a character outside printable ASCII",
                ))
            }
        }
    }
    Ok(out)
}

/// The part of a segment before its `;` parameters.
fn name(segment: &str) -> &str {
    segment.split_once(';').map_or(segment, |(n, _)| n)
}

/// The canonical form of `raw` (a path as received, without the query).
pub fn canonicalize(raw: &str, policy: &PathPolicy) -> Result<CanonicalPath, PathError> {
    let rest = raw
        .strip_prefix('/')
        .ok_or(PathError::Invalid("the path does not start with /"))?;
    let raw_segments: Vec<&str> = rest.split('/').collect();
    let last = raw_segments.len().saturating_sub(1);
    let mut kept: Vec<String> = Vec::with_capacity(raw_segments.len());
    let mut trailing_slash = false;
    for (i, raw_segment) in raw_segments.iter().enumerate() {
        let seg = segment(raw_segment, policy)?;
        // Dot-ness is read without parameters: servlet containers take `..;x` for `..`.
        match name(&seg) {
            "" if i == last => trailing_slash = i > 0,
            "" if seg.is_empty() => {
                if policy.reject_empty_segments {
                    return Err(PathError::EmptySegment);
                }
            }
            "." | ".." if policy.reject_dot_segments => return Err(PathError::DotSegment),
            "." => trailing_slash = i == last,
            ".." => {
                kept.pop();
                trailing_slash = i == last;
            }
            _ => kept.push(seg),
        }
    }
    let mut path = String::with_capacity(raw.len());
    let mut segments = Vec::with_capacity(kept.len());
    let mut parameters = false;
    for seg in &kept {
        path.push('/');
        let start = path.len();
        let n = name(seg);
        parameters |= n.len() != seg.len();
        segments.push((start, start + n.len()));
        path.push_str(seg);
    }
    if path.is_empty() || trailing_slash {
        path.push('/');
    }
    Ok(CanonicalPath {
        path,
        segments,
        parameters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(raw: &str) -> Result<String, &'static str> {
        canonicalize(raw, &PathPolicy::default())
            .map(|c| c.path)
            .map_err(|e| e.code())
    }

    #[test]
    fn spellings_of_one_path_become_one_path() {
        for raw in [
            "/apps/billing/devices",
            "/apps/billing/device%73",
            "/apps/billing/%64evices",
            "/apps//billing/devices",
            "/apps/billing/./devices",
            "/apps/x/../billing/devices",
            "/apps/x/%2e%2e/billing/devices",
            "/apps/x/%2E./billing/devices",
            "/../apps/billing/devices",
        ] {
            assert_eq!(canon(raw), Ok("/apps/billing/devices".into()), "{raw}");
        }
        assert_eq!(canon("/"), Ok("/".into()));
        assert_eq!(canon("//"), Ok("/".into()));
        assert_eq!(canon("/a/"), Ok("/a/".into()), "a trailing slash stays");
        assert_eq!(canon("/a/b/.."), Ok("/a/".into()));
        assert_eq!(canon("/a/%7e%41"), Ok("/a/~A".into()));
        assert_eq!(
            canon("/a/%e2%82%ac"),
            Ok("/a/%E2%82%AC".into()),
            "other escapes: upper-case hex"
        );
        assert_eq!(canon("/a/b%20c"), Ok("/a/b%20c".into()));
    }

    #[test]
    fn what_cannot_be_read_one_way_is_refused() {
        for (raw, code) in [
            ("/apps/billing/devices%2F", "path_encoded_separator"),
            ("/apps/x/..%2fdevices", "path_encoded_separator"),
            ("/apps/x%5C..%5Cdevices", "path_encoded_separator"),
            ("/apps/x%5c..", "path_encoded_separator"),
            ("/apps\\..\\admin", "path_backslash"),
            ("/a/%zz", "path_invalid"),
            ("/a/%4", "path_invalid"),
            ("/a/%00", "path_invalid"),
            ("/a/%0A", "path_invalid"),
            ("/a/b c", "path_invalid"),
            ("/a/\u{e9}", "path_invalid"),
            ("a/b", "path_invalid"),
            ("", "path_invalid"),
        ] {
            assert_eq!(canon(raw), Err(code), "{raw}");
        }
    }

    #[test]
    fn parameters_are_kept_for_the_origin_and_stripped_for_the_rules() {
        let c = canonicalize("/apps/billing/devices;x=1", &PathPolicy::default()).unwrap();
        assert!(c.has_parameters());
        assert_eq!(c.path, "/apps/billing/devices;x=1");
        assert_eq!(c.segments(), ["apps", "billing", "devices"]);
        // `..;` is a dot segment, as a servlet container reads it.
        let c = canonicalize("/static/..;/admin/users", &PathPolicy::default()).unwrap();
        assert_eq!(c.path, "/admin/users");
        assert!(!c.has_parameters());
        let c = canonicalize("/apps/billing", &PathPolicy::default()).unwrap();
        assert!(!c.has_parameters());
    }

    #[test]
    fn stricter_policies_refuse_instead() {
        let strict = PathPolicy {
            reject_dot_segments: true,
            reject_empty_segments: true,
            reject_encoded_unreserved: true,
        };
        let code = |raw: &str| {
            canonicalize(raw, &strict)
                .map(|c| c.path)
                .map_err(|e| e.code())
        };
        assert_eq!(code("/a/../b"), Err("path_dot_segment"));
        assert_eq!(code("/a/./b"), Err("path_dot_segment"));
        assert_eq!(code("/a//b"), Err("path_empty_segment"));
        assert_eq!(code("/a/%62"), Err("path_encoded_unreserved"));
        assert_eq!(code("/a/b/"), Ok("/a/b/".into()));
        assert_eq!(code("/"), Ok("/".into()));
    }
}
