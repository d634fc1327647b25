//! The decision surface every target shares: plain data in, plain data out.
//!
//! The browser module, the gateway component and the shared case table
//! (`tests/cases/`) call these functions; adapters only translate between
//! their platform's values and these types. Nothing here verifies on its own
//! behalf: [`inspect`] and the `*_unverified` helpers read a token without
//! checking it, for display and UI hints; decisions that matter are taken at
//! the edge on a verified token.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::core::decide::{EntityGrants, Subject};
use crate::core::ids::{IdError, OrgId, UserId};
use crate::core::rights::{Right, RightKind, RightSet, UnknownRight};
use crate::core::token::header::json_reason;
use crate::core::token::verify::{decode_unverified, segments_unverified};
use crate::core::token::{
    AccessClaims, Checked, Jwks, KeyError, KeySet, SignatureCheck, TokenError, Verdict,
    VerifiedToken, Verifier, VerifyOptions,
};

/// A refusal of any surface function: a stable code and a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SurfaceError {
    /// Stable code.
    pub code: String,
    /// For people; never holds a token or a key.
    pub message: String,
}

impl SurfaceError {
    fn new(code: &str, message: impl Into<String>) -> Self {
        SurfaceError {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl From<TokenError> for SurfaceError {
    fn from(e: TokenError) -> Self {
        SurfaceError::new(e.code(), e.to_string())
    }
}

impl From<UnknownRight> for SurfaceError {
    fn from(e: UnknownRight) -> Self {
        SurfaceError::new(e.code(), e.to_string())
    }
}

impl From<IdError> for SurfaceError {
    fn from(e: IdError) -> Self {
        SurfaceError::new(e.code(), e.to_string())
    }
}

fn rfc3339(secs: i64) -> Option<String> {
    DateTime::from_timestamp(secs, 0).map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// One membership as shown by [`inspect`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrganizationView {
    /// Organization ID.
    pub id: String,
    /// Role ID; `None` for a membership granted as explicit rights.
    pub role: Option<String>,
    /// Rights as issued (short form).
    pub rights: Vec<&'static str>,
    /// Rights with everything they imply.
    pub expanded: Vec<&'static str>,
}

/// What [`inspect`] shows of a token: everything, verified nothing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inspection {
    /// Always `false`: nothing was checked.
    pub verified: bool,
    /// The header as sent.
    pub header: Value,
    /// The claims as sent.
    pub claims: Value,
    /// `exp` in RFC 3339, when present.
    pub expires_at: Option<String>,
    /// `iat` in RFC 3339, when present.
    pub issued_at: Option<String>,
    /// Whether `exp` has passed (no leeway), when present.
    pub expired: Option<bool>,
    /// Seconds until `exp` (negative once passed), when present.
    pub expires_in: Option<i64>,
    /// The memberships with their expanded rights, when the claims have the
    /// orgwarden shape; empty otherwise.
    pub organizations: Vec<OrganizationView>,
    /// `adm`.
    pub admin: bool,
    /// The `rights` ceiling, when present.
    pub ceiling: Option<Vec<&'static str>>,
    /// Why the claims do not have the orgwarden shape, when they do not.
    pub shape_error: Option<String>,
}

/// Decodes a token for display, at Unix time `now`. No key needed; nothing is verified.
pub fn inspect(token: &str, now: i64) -> Result<Inspection, SurfaceError> {
    let (header, claims) = decode_unverified(token.trim())?;
    let exp = claims.get("exp").and_then(Value::as_i64);
    let typed = claims_unverified(token);
    let (organizations, admin, ceiling, shape_error) = match &typed {
        Ok(c) => (
            c.orgs
                .iter()
                .map(|(id, m)| OrganizationView {
                    id: id.to_string(),
                    role: m.role.as_ref().map(ToString::to_string),
                    rights: m.rights.names(),
                    expanded: m.rights.implied().names(),
                })
                .collect(),
            c.adm,
            c.rights.map(RightSet::names),
            None,
        ),
        Err(e) => (
            Vec::new(),
            false,
            None,
            Some(format!("not an orgwarden access token: {}", e.message)),
        ),
    };
    Ok(Inspection {
        verified: false,
        expires_at: exp.and_then(rfc3339),
        issued_at: claims.get("iat").and_then(Value::as_i64).and_then(rfc3339),
        expired: exp.map(|e| e <= now),
        expires_in: exp.map(|e| e.saturating_sub(now)),
        header,
        claims,
        organizations,
        admin,
        ceiling,
        shape_error,
    })
}

/// Options of [`verify`], as JSON callers give them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// Expected issuer.
    pub issuer: String,
    /// Expected audience.
    pub audience: String,
    /// Leeway in seconds (default 60).
    #[serde(default)]
    pub leeway: Option<i64>,
    /// The time to verify at, Unix seconds (default: the caller's clock).
    #[serde(default)]
    pub now: Option<i64>,
}

/// What [`verify`] answers for a valid token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Always `true`.
    pub valid: bool,
    /// The key that signed it.
    pub kid: String,
    /// The claims.
    pub claims: AccessClaims,
    /// `exp` in RFC 3339.
    pub expires_at: Option<String>,
}

/// Verifies a token against a JWKS (text) with the edge's rules and codes.
pub fn verify(
    token: &str,
    jwks: &str,
    request: &VerifyRequest,
    clock_now: i64,
) -> Result<Verification, SurfaceError> {
    let keys = KeySet::from_json(jwks).map_err(key_error)?;
    let verified = verifier(Verifier::new, keys, request)?
        .verify(token.trim(), request.now.unwrap_or(clock_now))?;
    Ok(verification(verified))
}

/// Where [`verify_with_host`] got to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyStep {
    /// Every check passed.
    Verified(Verification),
    /// Every check but the equation passed: the host computes it and calls
    /// again with its [`Verdict`].
    NeedsSignature(SignatureCheck),
}

/// [`verify`] for a host that computes the Ed25519 equation itself (the
/// browser module, through the page's WebCrypto): every strict check runs
/// here, the equation never does. Called first without a verdict, then with
/// the host's verdict on the [`SignatureCheck`] it was given. The keys are
/// loaded with [`KeySet::from_jwks_encodings`]: a private JWK is refused.
pub fn verify_with_host(
    token: &str,
    jwks: &str,
    request: &VerifyRequest,
    clock_now: i64,
    verdict: Option<&Verdict>,
) -> Result<VerifyStep, SurfaceError> {
    let keys = Jwks::parse(jwks)
        .and_then(|jwks| KeySet::from_jwks_encodings(&jwks))
        .map_err(key_error)?;
    let now = request.now.unwrap_or(clock_now);
    Ok(
        // A host's verifier: nothing here names the Rust equation, so the
        // browser module links no curve arithmetic.
        match verifier(Verifier::for_host, keys, request)?.check_with_host(
            token.trim(),
            now,
            verdict,
        )? {
            Checked::Verified(verified) => VerifyStep::Verified(verification(verified)),
            Checked::NeedsSignature(check) => VerifyStep::NeedsSignature(check),
        },
    )
}

fn key_error(e: KeyError) -> SurfaceError {
    SurfaceError::new(e.code(), e.to_string())
}

fn verifier(
    make: fn(KeySet, VerifyOptions) -> Verifier,
    keys: KeySet,
    request: &VerifyRequest,
) -> Result<Verifier, SurfaceError> {
    let mut options = VerifyOptions::new(request.issuer.as_str(), request.audience.as_str());
    if let Some(leeway) = request.leeway {
        if !(0..=86_400).contains(&leeway) {
            return Err(SurfaceError::new(
                "invalid_options",
                "leeway is 0 to 86400 seconds",
            ));
        }
        options.leeway_secs = leeway;
    }
    Ok(make(keys, options))
}

fn verification(VerifiedToken { kid, claims }: VerifiedToken) -> Verification {
    Verification {
        valid: true,
        kid,
        expires_at: rfc3339(claims.exp),
        claims,
    }
}

/// An entity's collaborators, as JSON callers give them:
/// `{"users": {"alice": ["RIGHT_…"]}, "organizations": {"acme": ["RIGHT_…"]}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grants {
    /// User collaborators.
    #[serde(default)]
    pub users: BTreeMap<UserId, RightSet>,
    /// Organization collaborators.
    #[serde(default)]
    pub organizations: BTreeMap<OrgId, RightSet>,
}

impl Grants {
    /// The decision-side index.
    pub fn to_entity_grants(&self) -> EntityGrants {
        EntityGrants::new(
            self.users.iter().map(|(u, r)| (u.clone(), *r)),
            self.organizations.iter().map(|(o, r)| (o.clone(), *r)),
        )
    }
}

fn subject(claims: &AccessClaims) -> Result<Subject, SurfaceError> {
    claims.subject().ok_or_else(|| {
        SurfaceError::new(
            "not_a_user_token",
            "API-key tokens carry no memberships; their rights come from the key",
        )
    })
}

/// Effective rights (expanded) of a token's subject on an entity.
pub fn rights_on(claims: &AccessClaims, grants: &Grants) -> Result<RightSet, SurfaceError> {
    Ok(subject(claims)?.rights_on(&grants.to_entity_grants()))
}

/// Whether a token's subject holds `right` in organization `org`.
pub fn can(claims: &AccessClaims, org: &str, right: &str) -> Result<bool, SurfaceError> {
    let org = OrgId::new(org)?;
    let right: Right = right.parse()?;
    Ok(subject(claims)?
        .rights_on_organization(&org)
        .contains(right))
}

/// Parses a token's claims without verifying it (UI hints only), from the
/// token's bytes with the parse verification uses.
pub fn claims_unverified(token: &str) -> Result<AccessClaims, SurfaceError> {
    let (header, claims) = segments_unverified(token.trim())?;
    let malformed = |what: &str, e: serde_json::Error| {
        SurfaceError::new("token_malformed", format!("{what}: {}", json_reason(&e)))
    };
    // The header is not read here, but a token whose header is no JSON is
    // malformed all the same.
    serde_json::from_slice::<serde::de::IgnoredAny>(&header).map_err(|e| malformed("header", e))?;
    serde_json::from_slice(&claims).map_err(|e| malformed("claims", e))
}

/// A list of right names with everything they imply, in wire-number order.
pub fn expand(names: &[String]) -> Result<Vec<&'static str>, SurfaceError> {
    Ok(RightSet::from_names(names.iter().map(String::as_str))?
        .implied()
        .names())
}

/// One right of the catalog, for building UIs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogEntry {
    /// Canonical name.
    pub name: &'static str,
    /// Wire number.
    pub number: u8,
    /// `user`, `application`, `client`, `gateway`, `organization`, or none.
    pub kind: Option<&'static str>,
    /// Whether it is a pseudo-right (`_ALL`).
    pub pseudo: bool,
    /// What else it implies.
    pub implies: Vec<&'static str>,
}

/// The whole catalog, in wire-number order.
pub fn catalog() -> Vec<CatalogEntry> {
    Right::ALL_BY_NUMBER
        .iter()
        .map(|r| CatalogEntry {
            name: r.name(),
            number: *r as u8,
            kind: r.kind().map(|k| match k {
                RightKind::User => "user",
                RightKind::Application => "application",
                RightKind::Client => "client",
                RightKind::Gateway => "gateway",
                RightKind::Organization => "organization",
            }),
            pseudo: r.is_pseudo(),
            implies: RightSet::of(&[*r])
                .implied()
                .difference(RightSet::of(&[*r]))
                .names(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unverified_reads_still_refuse_a_header_that_is_no_json() {
        let claims =
            r#"{"iss":"i","sub":"alice","aud":"a","exp":2,"iat":1,"jti":"j","tid":"acme"}"#;
        use base64ct::Encoding;
        let b64 = |s: &str| base64ct::Base64UrlUnpadded::encode_string(s.as_bytes());
        let good = format!("{}.{}.sig", b64(r#"{"alg":"EdDSA"}"#), b64(claims));
        assert!(claims_unverified(&good).is_ok());
        let bad = format!("{}.{}.sig", b64("not json"), b64(claims));
        let e = claims_unverified(&bad).unwrap_err();
        assert_eq!(e.code, "token_malformed");
        assert!(e.message.starts_with("header: "), "{}", e.message);
    }

    #[test]
    fn catalog_lists_every_right_with_its_implications() {
        let c = catalog();
        assert_eq!(c.len(), 63);
        let link = c
            .iter()
            .find(|e| e.name == "RIGHT_APPLICATION_LINK")
            .unwrap();
        assert_eq!(
            link.implies,
            [
                "RIGHT_APPLICATION_INFO",
                "RIGHT_APPLICATION_TRAFFIC_READ",
                "RIGHT_APPLICATION_TRAFFIC_DOWN_WRITE"
            ]
        );
        assert_eq!(link.kind, Some("application"));
        assert!(c.iter().find(|e| e.name == "RIGHT_ALL").unwrap().pseudo);
    }

    #[test]
    fn expand_refuses_unknown_names() {
        assert_eq!(
            expand(&["RIGHT_GATEWAY_LINK".into()]).unwrap(),
            ["RIGHT_GATEWAY_INFO", "RIGHT_GATEWAY_LINK"]
        );
        assert_eq!(
            expand(&["RIGHT_NOPE".into()]).unwrap_err().code,
            "unknown_right"
        );
    }

    #[test]
    fn grants_json_is_strict() {
        let g: Grants =
            serde_json::from_str(r#"{"organizations":{"acme":["RIGHT_APPLICATION_INFO"]}}"#)
                .unwrap();
        assert_eq!(g.organizations.len(), 1);
        assert!(serde_json::from_str::<Grants>(r#"{"orgs":{}}"#).is_err());
        assert!(serde_json::from_str::<Grants>(r#"{"users":{"Bad Id":[]}}"#).is_err());
    }
}
