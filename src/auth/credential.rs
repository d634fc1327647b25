//! The credential a proxied request carries: `Authorization: Bearer …` (an
//! access token or an `OWK.` API key) or `X-API-Key: OWK.…` (the header
//! API gateways such as Tyk use for keys). A request that carries two
//! different credentials is refused: which one should decide would be a
//! guess, and a guess is how confused-deputy bugs start (RFC 6750 section
//! 3.1 calls it `invalid_request`).

use crate::model::api_key::PREFIX as KEY_PREFIX;

/// A credential, not yet checked. Its `Debug` never shows the credential.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    /// A JWT access token.
    Token(&'a str),
    /// An API key, `OWK.<id>.<secret>`.
    ApiKey(&'a str),
}

impl core::fmt::Debug for Credential<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Credential::Token(_) => "Token([redacted])",
            Credential::ApiKey(_) => "ApiKey([redacted])",
        })
    }
}

impl Credential<'_> {
    fn text(&self) -> &str {
        match self {
            Credential::Token(t) | Credential::ApiKey(t) => t,
        }
    }
}

/// Why no credential could be taken from a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialError {
    /// None at all.
    Missing,
    /// A header that is not a credential we understand.
    Malformed(&'static str),
    /// Two different credentials (two headers, or one header twice).
    Conflict,
}

impl CredentialError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            CredentialError::Missing => "credential_missing",
            CredentialError::Malformed(_) => "credential_malformed",
            CredentialError::Conflict => "credential_conflict",
        }
    }

    /// A message without any credential bytes.
    pub fn message(&self) -> &'static str {
        match self {
            CredentialError::Missing => {
                "send Authorization: Bearer <access token or API key>, or X-API-Key: <API key>"
            }
            CredentialError::Malformed(why) => why,
            CredentialError::Conflict => {
                "the request carries two different credentials; send exactly one"
            }
        }
    }
}

/// Takes the credential from the `Authorization` and `X-API-Key` header
/// values (a header sent twice arrives joined by `, `, as Fetch joins them).
pub fn extract<'a>(
    authorization: Option<&'a str>,
    api_key: Option<&'a str>,
) -> Result<Credential<'a>, CredentialError> {
    let from_authorization = authorization.map(bearer).transpose()?;
    let from_key_header = api_key.map(key_header).transpose()?;
    match (from_authorization, from_key_header) {
        (None, None) => Err(CredentialError::Missing),
        (Some(c), None) | (None, Some(c)) => Ok(c),
        (Some(a), Some(b)) if a.text() == b.text() => Ok(a),
        (Some(_), Some(_)) => Err(CredentialError::Conflict),
    }
}

fn bearer(header: &str) -> Result<Credential<'_>, CredentialError> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(CredentialError::Malformed(
            "the Authorization header is not a Bearer credential",
        ));
    }
    let value = rest.trim();
    if value.contains(',') {
        return Err(CredentialError::Conflict);
    }
    token68(value)?;
    Ok(if value.starts_with(KEY_PREFIX) {
        Credential::ApiKey(value)
    } else {
        Credential::Token(value)
    })
}

fn key_header(header: &str) -> Result<Credential<'_>, CredentialError> {
    let value = header.trim();
    if value.contains(',') {
        return Err(CredentialError::Conflict);
    }
    token68(value)?;
    if !value.starts_with(KEY_PREFIX) {
        return Err(CredentialError::Malformed(
            "X-API-Key holds an orgwarden API key (OWK.…)",
        ));
    }
    Ok(Credential::ApiKey(value))
}

/// RFC 6750's `b64token` (plus `.` and `~` already in it): no spaces, no quotes.
fn token68(value: &str) -> Result<(), CredentialError> {
    let ok = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(CredentialError::Malformed(
            "the credential is empty or holds characters a bearer credential cannot",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "OWK.ABCDEFGHIJKLMNOP.ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRSTUV";

    #[test]
    fn one_credential_from_either_header() {
        assert_eq!(
            extract(Some("Bearer a.b.c"), None),
            Ok(Credential::Token("a.b.c"))
        );
        assert_eq!(
            extract(Some("bearer   a.b.c "), None),
            Ok(Credential::Token("a.b.c"))
        );
        assert_eq!(
            extract(Some(&format!("Bearer {KEY}")), None),
            Ok(Credential::ApiKey(KEY))
        );
        assert_eq!(extract(None, Some(KEY)), Ok(Credential::ApiKey(KEY)));
        assert_eq!(
            extract(Some(&format!("Bearer {KEY}")), Some(KEY)),
            Ok(Credential::ApiKey(KEY)),
            "the same key twice is one credential"
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(extract(None, None), Err(CredentialError::Missing));
        assert_eq!(
            extract(Some("Bearer a.b.c"), Some(KEY)),
            Err(CredentialError::Conflict)
        );
        assert_eq!(
            extract(Some("Bearer a.b.c, Bearer d.e.f"), None),
            Err(CredentialError::Conflict)
        );
        assert_eq!(
            extract(None, Some(&format!("{KEY}, {KEY}x"))),
            Err(CredentialError::Conflict)
        );
        for bad in [
            "Basic dXNlcjpwYXNz",
            "Bearer",
            "Bearer ",
            "Bearer a b",
            "Bearer \"x\"",
            "Token x",
        ] {
            assert!(
                matches!(extract(Some(bad), None), Err(CredentialError::Malformed(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            extract(None, Some("a.b.c")),
            Err(CredentialError::Malformed(_))
        ));
    }
}
