//! The header phase: the JOSE header checked on its own, before any key is
//! looked up and before the claims are read.
//!
//! serde's derive ignores a repeated unknown member and jwt-compact's header
//! type takes the last of a repeated one, so the header is parsed here with a
//! visitor that refuses any repeated member name: two `alg` or two `kid`
//! members are how parser-differential attacks pick which one a verifier sees.

use core::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::error::{quote, TokenError};

/// The header members orgwarden acts on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JoseHeader {
    /// `alg`.
    pub alg: String,
    /// `kid`, when present.
    pub kid: Option<String>,
    /// `typ`, when present.
    pub typ: Option<String>,
}

/// The one algorithm accepted.
pub const ALG: &str = "EdDSA";

/// Longest header accepted (base64url); real ones are under 100 bytes.
const MAX_HEADER_B64: usize = 1024;

/// Parses and checks the header segment (still base64url) of a token.
///
/// Order of checks: decoding, JSON with unique members, `alg` (so that `none`
/// and `HS256` are refused by name whatever else the header holds), then
/// `crit`, `typ` and `cty`.
pub fn parse_header(segment: &str) -> Result<JoseHeader, TokenError> {
    if segment.len() > MAX_HEADER_B64 {
        return Err(TokenError::malformed("header is too long"));
    }
    let mut buf = [0u8; MAX_HEADER_B64 / 4 * 3];
    let bytes = super::segment::decode_into(segment, &mut buf)
        .ok_or_else(|| TokenError::malformed("header is not base64url without padding"))?;
    let raw: RawHeader = serde_json::from_slice(bytes)
        .map_err(|e| TokenError::malformed(format!("header: {}", json_reason(&e))))?;
    let alg = raw
        .alg
        .ok_or_else(|| TokenError::malformed("header has no alg"))?;
    if alg != ALG {
        return Err(TokenError::AlgNotAllowed(alg));
    }
    if raw.crit {
        // No JWS extension is understood, so any critical one is unknown.
        return Err(TokenError::malformed(
            "header names critical extensions (crit)",
        ));
    }
    if let Some(typ) = &raw.typ {
        if !is_access_token_type(typ) {
            return Err(TokenError::malformed(format!(
                "typ {} is not at+jwt",
                quote(typ)
            )));
        }
    }
    if raw.cty {
        return Err(TokenError::malformed(
            "nested or typed content (cty) is not accepted",
        ));
    }
    Ok(JoseHeader {
        alg,
        kid: raw.kid,
        typ: raw.typ,
    })
}

/// RFC 9068 section 2.1: `at+jwt`, with or without `application/`, compared
/// case-insensitively as RFC 7515 asks for media types.
fn is_access_token_type(typ: &str) -> bool {
    let t = typ.strip_prefix("application/").unwrap_or(typ);
    t.eq_ignore_ascii_case("at+jwt")
}

/// A serde error's message without the input: line/column only.
pub(crate) fn json_reason(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    // serde_json appends " at line L column C"; keep the category and position
    // but never echo input bytes (messages of `invalid type` quote values).
    match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => msg,
        _ => {
            let what = if msg.starts_with("duplicate member") {
                msg.split(" at line")
                    .next()
                    .unwrap_or("invalid member")
                    .to_owned()
            } else if msg.starts_with("missing field") {
                msg.split(" at line")
                    .next()
                    .unwrap_or("missing member")
                    .to_owned()
            } else {
                "a member has an invalid value".to_owned()
            };
            format!("{what} (line {} column {})", e.line(), e.column())
        }
    }
}

#[derive(Default)]
struct RawHeader {
    alg: Option<String>,
    kid: Option<String>,
    typ: Option<String>,
    crit: bool,
    cty: bool,
}

impl<'de> de::Deserialize<'de> for RawHeader {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(HeaderVisitor)
    }
}

struct HeaderVisitor;

impl<'de> Visitor<'de> for HeaderVisitor {
    type Value = RawHeader;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawHeader, A::Error> {
        let mut h = RawHeader::default();
        let mut seen: Vec<String> = Vec::with_capacity(8);
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate member {}",
                    quote(&key)
                )));
            }
            match key.as_str() {
                "alg" => h.alg = Some(map.next_value()?),
                "kid" => h.kid = Some(map.next_value()?),
                "typ" => h.typ = Some(map.next_value()?),
                "crit" => {
                    map.next_value::<IgnoredAny>()?;
                    h.crit = true;
                }
                "cty" => {
                    map.next_value::<IgnoredAny>()?;
                    h.cty = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if seen.len() >= 32 {
                return Err(de::Error::custom("too many header members"));
            }
            seen.push(key);
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::{Base64UrlUnpadded, Encoding};

    fn b64(s: &str) -> String {
        Base64UrlUnpadded::encode_string(s.as_bytes())
    }

    fn code(json: &str) -> &'static str {
        parse_header(&b64(json)).map_or_else(|e| e.code(), |_| "ok")
    }

    #[test]
    fn accepts_the_profile() {
        let h = parse_header(&b64(r#"{"alg":"EdDSA","typ":"at+jwt","kid":"k1"}"#)).unwrap();
        assert_eq!(h.kid.as_deref(), Some("k1"));
        assert_eq!(code(r#"{"alg":"EdDSA"}"#), "ok");
        assert_eq!(code(r#"{"alg":"EdDSA","typ":"application/AT+JWT"}"#), "ok");
        assert_eq!(
            code(r#"{"alg":"EdDSA","x5t":"abc","extra":{"a":[1,2]}}"#),
            "ok"
        );
    }

    #[test]
    fn refuses_other_algorithms_by_name() {
        assert_eq!(code(r#"{"alg":"none"}"#), "token_alg_not_allowed");
        assert_eq!(
            code(r#"{"alg":"HS256","kid":"k1"}"#),
            "token_alg_not_allowed"
        );
        assert_eq!(code(r#"{"alg":"eddsa"}"#), "token_alg_not_allowed");
        assert_eq!(code(r#"{"alg":"Ed25519"}"#), "token_alg_not_allowed");
        assert_eq!(code(r#"{"kid":"k1"}"#), "token_malformed");
        assert_eq!(code(r#"{"alg":1}"#), "token_malformed");
    }

    #[test]
    fn refuses_duplicates_crit_typ_cty() {
        assert_eq!(code(r#"{"alg":"EdDSA","alg":"EdDSA"}"#), "token_malformed");
        assert_eq!(
            code(r#"{"alg":"EdDSA","kid":"a","kid":"b"}"#),
            "token_malformed"
        );
        assert_eq!(code(r#"{"alg":"EdDSA","x":1,"x":2}"#), "token_malformed");
        assert_eq!(
            code(r#"{"alg":"EdDSA","crit":["exp"],"exp":1}"#),
            "token_malformed"
        );
        assert_eq!(code(r#"{"alg":"EdDSA","typ":"JWT"}"#), "token_malformed");
        assert_eq!(code(r#"{"alg":"EdDSA","cty":"JWT"}"#), "token_malformed");
        assert_eq!(code(r#"["alg","EdDSA"]"#), "token_malformed");
        assert_eq!(code(r#"{"alg":"EdDSA"} x"#), "token_malformed");
    }

    #[test]
    fn refuses_bad_base64() {
        for seg in [
            "eyJhbGciOiJFZERTQSJ9=",
            "eyJhbGciOiJFZERTQSJ9+",
            "e",
            "!!!!",
        ] {
            assert_eq!(
                parse_header(seg).unwrap_err().code(),
                "token_malformed",
                "{seg}"
            );
        }
    }

    #[test]
    fn errors_do_not_echo_values() {
        let e = parse_header(&b64(r#"{"alg":"EdDSA","kid":5}"#)).unwrap_err();
        assert!(
            !e.to_string().contains('5') || e.to_string().contains("line"),
            "{e}"
        );
    }
}
