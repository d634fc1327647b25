//! The proxy's configuration document: route rules, the default tenant,
//! external token issuers, credential forwarding, cache sizes, debug. It is
//! JSON (in `wrangler.toml` it is written as a TOML table, which wrangler
//! hands to the worker as the same JSON object) and is checked as a whole
//! when loaded: every error names the rule or issuer it is about.
//!
//! ```json
//! {
//!   "tenant": "acme",
//!   "forward_credential": false,
//!   "cache": {"ttl_seconds": 10, "capacity": 10000},
//!   "debug": false,
//!   "path": {"reject_dot_segments": false, "reject_empty_segments": false, "reject_encoded_unreserved": false},
//!   "issuers": [{"issuer": "https://idp.example/", "audience": "https://api.example",
//!                "tenant": "acme", "jwks_uri": "https://idp.example/.well-known/jwks.json"}],
//!   "routes": [{"methods": ["GET"], "path": "/apps/{app}/**",
//!               "entity": {"kind": "applications", "id": "{app}"},
//!               "rights": ["RIGHT_APPLICATION_INFO"]}]
//! }
//! ```

use serde::Deserialize;

use super::path::PathPolicy;
use super::routes::{RouteTable, RuleDoc, Target};
use crate::core::ids::TenantId;
use crate::core::token::{Jwks, KeyError, KeySet};

/// Default lifetime of isolate cache entries, seconds.
pub const DEFAULT_CACHE_TTL_SECS: u32 = 10;
/// Longest allowed: the revocation bound is 60 s in all, and KV itself needs most of it.
pub const MAX_CACHE_TTL_SECS: u32 = 30;
/// Default number of entries per cache.
pub const DEFAULT_CACHE_CAPACITY: usize = 10_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    routes: Vec<RuleDoc>,
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    forward_credential: bool,
    #[serde(default)]
    issuers: Vec<IssuerDoc>,
    #[serde(default)]
    cache: Option<CacheDoc>,
    #[serde(default)]
    debug: bool,
    #[serde(default)]
    path: PathPolicy,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CacheDoc {
    #[serde(default)]
    ttl_seconds: Option<u32>,
    #[serde(default)]
    capacity: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IssuerDoc {
    issuer: String,
    audience: String,
    tenant: String,
    #[serde(default)]
    jwks: Option<Jwks>,
    #[serde(default)]
    jwks_uri: Option<String>,
}

/// Where an external issuer's keys come from.
#[derive(Debug, Clone)]
pub enum IssuerKeys {
    /// Keys written into the configuration.
    Static(KeySet),
    /// A JWKS URL, fetched on first use and again on an unknown `kid`, at
    /// most once per 30 s.
    Url(String),
}

/// An external issuer whose tokens identify users of one tenant.
#[derive(Debug, Clone)]
pub struct IssuerConfig {
    /// Expected `iss`.
    pub issuer: String,
    /// Expected audience.
    pub audience: String,
    /// The tenant whose users its `sub` names.
    pub tenant: TenantId,
    /// Its keys.
    pub keys: IssuerKeys,
}

/// The checked configuration.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Route rules.
    pub routes: RouteTable,
    /// Tenant of rules that name none.
    pub default_tenant: Option<TenantId>,
    /// Forward `Authorization`/`X-API-Key` to the origin (default: removed).
    pub forward_credential: bool,
    /// External issuers.
    pub issuers: Vec<IssuerConfig>,
    /// Isolate cache entry lifetime, milliseconds.
    pub cache_ttl_ms: i64,
    /// Entries per cache.
    pub cache_capacity: usize,
    /// `Server-Timing` and decision details on responses.
    pub debug: bool,
    /// How strictly paths are read (only stricter than the default).
    pub path: PathPolicy,
}

/// Why a configuration is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "proxy configuration: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

impl ProxyConfig {
    /// Parses and checks a configuration document; issuers' keys are
    /// decompressed for the equation in Rust ([`KeySet::from_jwks`]).
    pub fn from_json(json: &str) -> Result<ProxyConfig, ConfigError> {
        Self::parse(json, KeySet::from_jwks)
    }

    /// [`from_json`](ProxyConfig::from_json) for a host that computes the
    /// equation (the worker): issuers' keys are checked by their encodings
    /// ([`KeySet::from_jwks_encodings`]), which also refuses private keys.
    pub fn from_json_for_host(json: &str) -> Result<ProxyConfig, ConfigError> {
        Self::parse(json, KeySet::from_jwks_encodings)
    }

    fn parse(
        json: &str,
        load_keys: fn(&Jwks) -> Result<KeySet, KeyError>,
    ) -> Result<ProxyConfig, ConfigError> {
        let doc: Doc = serde_json::from_slice(json.as_bytes())
            .map_err(|e| ConfigError(format!("not a configuration document: {e}")))?;
        let routes = RouteTable::from_rules(doc.routes).map_err(|e| ConfigError(e.0))?;
        let default_tenant = doc
            .tenant
            .map(|t| TenantId::new(&t).map_err(|e| ConfigError(format!("tenant {t:?}: {e}"))))
            .transpose()?;
        if default_tenant.is_none() {
            if let Some(rule) = routes
                .rules()
                .iter()
                .find(|r| r.tenant.is_none() && matches!(r.target, Target::Entity { .. }))
            {
                return Err(ConfigError(format!(
                    "rule {} names no tenant and there is no default `tenant`",
                    rule.path
                )));
            }
        }
        let issuers = issuers(doc.issuers, load_keys)?;
        let cache = doc.cache.unwrap_or(CacheDoc {
            ttl_seconds: None,
            capacity: None,
        });
        let ttl = cache.ttl_seconds.unwrap_or(DEFAULT_CACHE_TTL_SECS);
        if !(1..=MAX_CACHE_TTL_SECS).contains(&ttl) {
            return Err(ConfigError(format!(
                "cache.ttl_seconds is 1 to {MAX_CACHE_TTL_SECS}"
            )));
        }
        let capacity = cache.capacity.unwrap_or(DEFAULT_CACHE_CAPACITY);
        if !(1..=1_000_000).contains(&capacity) {
            return Err(ConfigError("cache.capacity is 1 to 1000000".into()));
        }
        Ok(ProxyConfig {
            routes,
            default_tenant,
            forward_credential: doc.forward_credential,
            issuers,
            cache_ttl_ms: i64::from(ttl) * 1000,
            cache_capacity: capacity,
            debug: doc.debug,
            path: doc.path,
        })
    }
}

/// The external issuers, their inline keys loaded by `load_keys`.
fn issuers(
    docs: Vec<IssuerDoc>,
    load_keys: fn(&Jwks) -> Result<KeySet, KeyError>,
) -> Result<Vec<IssuerConfig>, ConfigError> {
    let mut issuers = Vec::with_capacity(docs.len());
    for (i, d) in docs.into_iter().enumerate() {
        let at = |why: String| ConfigError(format!("issuer {} ({}): {why}", i + 1, d.issuer));
        if d.issuer.is_empty() || d.audience.is_empty() {
            return Err(at("`issuer` and `audience` must not be empty".into()));
        }
        let tenant = TenantId::new(&d.tenant).map_err(|e| at(format!("tenant: {e}")))?;
        let keys = match (&d.jwks, &d.jwks_uri) {
            (Some(jwks), None) => {
                IssuerKeys::Static(load_keys(jwks).map_err(|e| at(format!("jwks: {e}")))?)
            }
            (None, Some(url)) => {
                let local =
                    url.starts_with("http://127.0.0.1") || url.starts_with("http://localhost");
                if !url.starts_with("https://") && !local {
                    return Err(at(
                        "jwks_uri must be https:// (plain http only to 127.0.0.1 or localhost)"
                            .into(),
                    ));
                }
                IssuerKeys::Url(url.clone())
            }
            _ => return Err(at("give exactly one of `jwks` and `jwks_uri`".into())),
        };
        if issuers.iter().any(|o: &IssuerConfig| o.issuer == d.issuer) {
            return Err(at("configured twice".into()));
        }
        issuers.push(IssuerConfig {
            issuer: d.issuer.clone(),
            audience: d.audience.clone(),
            tenant,
            keys,
        });
    }
    Ok(issuers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(json: &str) -> String {
        ProxyConfig::from_json(json).unwrap_err().0
    }

    const RULE: &str = r#"{"methods": ["GET"], "path": "/apps/{app}", "entity": {"kind": "applications", "id": "{app}"}, "rights": ["RIGHT_APPLICATION_INFO"]}"#;

    #[test]
    fn a_full_document_loads() {
        let c = ProxyConfig::from_json(&format!(
            r#"{{"tenant": "acme", "routes": [{RULE}], "issuers": [{{"issuer": "https://idp", "audience": "api", "tenant": "acme", "jwks_uri": "https://idp/jwks"}}], "cache": {{"ttl_seconds": 5}}}}"#
        ))
        .unwrap();
        assert_eq!(c.cache_ttl_ms, 5000);
        assert_eq!(c.cache_capacity, DEFAULT_CACHE_CAPACITY);
        assert!(!c.forward_credential);
        assert_eq!(c.issuers.len(), 1);
    }

    #[test]
    fn errors_name_what_is_wrong() {
        assert!(err(&format!(r#"{{"routes": [{RULE}]}}"#)).contains("names no tenant"));
        assert!(err(&format!(
            r#"{{"tenant": "Bad Tenant", "routes": [{RULE}]}}"#
        ))
        .contains("tenant"));
        assert!(err(&format!(
            r#"{{"tenant": "acme", "routes": [{RULE}], "cache": {{"ttl_seconds": 90}}}}"#
        ))
        .contains("ttl_seconds"));
        assert!(err(&format!(r#"{{"tenant": "acme", "routes": [{RULE}], "issuers": [{{"issuer": "https://idp", "audience": "api", "tenant": "acme"}}]}}"#)).contains("exactly one"));
        assert!(err(&format!(r#"{{"tenant": "acme", "routes": [{RULE}], "issuers": [{{"issuer": "https://idp", "audience": "api", "tenant": "acme", "jwks_uri": "http://idp/jwks"}}]}}"#)).contains("https://"));
        assert!(err(r#"{"tenant": "acme", "routes": [], "extra": 1}"#)
            .contains("not a configuration document"));
        assert!(err(r#"{"tenant": "acme", "routes": [{"methods": ["GET"], "path": "/a/{x}", "entity": {"kind": "applications", "id": "{y}"}, "rights": ["RIGHT_APPLICATION_INFO"]}]}"#).contains("rule 1"));
    }

    #[test]
    fn a_host_loads_issuer_keys_by_their_encodings() {
        use crate::core::token::{PublicKey, SigningKeys};
        use base64ct::{Base64UrlUnpadded, Encoding};
        // A canonical encoding that is no point: refused by decompression,
        // which a host's loader never does (such a key verifies nothing).
        let not_a_point = (2u8..=255)
            .map(|n| {
                let mut b = [0u8; 32];
                b[0] = n;
                b
            })
            .find(|b| PublicKey::decode(*b).is_err() && PublicKey::from_encoding(*b).is_ok())
            .unwrap();
        let config = |jwk: String| {
            format!(
                r#"{{"tenant": "acme", "routes": [{RULE}], "issuers": [{{"issuer": "https://idp", "audience": "api", "tenant": "acme", "jwks": {{"keys": [{jwk}]}}}}]}}"#
            )
        };
        let x = Base64UrlUnpadded::encode_string(&not_a_point);
        let public = config(format!(
            r#"{{"kty":"OKP","crv":"Ed25519","kid":"k","x":"{x}"}}"#
        ));
        assert!(ProxyConfig::from_json(&public).is_err());
        assert!(ProxyConfig::from_json_for_host(&public).is_ok());
        // A private key where only public keys are needed: refused.
        let private = SigningKeys::generate(&[1; 32], Some("k".into())).to_private_jwk();
        let private = config(serde_json::to_string(&private).unwrap());
        assert!(ProxyConfig::from_json(&private).is_ok());
        let e = ProxyConfig::from_json_for_host(&private).unwrap_err();
        assert!(e.0.contains("private key"), "{e}");
    }
}
