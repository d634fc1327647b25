//! The filter's plugin configuration: JSON in the Envoy configuration
//! (`configuration` of the Wasm filter, a `StringValue`):
//!
//! ```json
//! {
//!   "proxy": { "tenant": "acme", "routes": [ … ] },
//!   "base_url": "https://auth.example.com",
//!   "directory": { "cluster": "orgwarden", "authority": "auth.example.com",
//!                  "key": "…", "timeout_ms": 2000 }
//! }
//! ```
//!
//! `proxy` is exactly the worker's `ORGWARDEN_PROXY` (docs/proxy.md), checked
//! with the same errors; external issuers need static `jwks` here (a filter
//! can only call clusters). `base_url` is the deployment's `PUBLIC_BASE_URL`;
//! the directory cluster serves the directory endpoint and the JWKS.

use serde::Deserialize;

use crate::proxy::config::IssuerKeys;
use crate::proxy::ProxyConfig;

/// Longest a call-out may take (and the default is 2 s).
const MAX_TIMEOUT_MS: u64 = 10_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    proxy: serde_json::Value,
    base_url: String,
    directory: DirectoryDoc,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectoryDoc {
    cluster: String,
    #[serde(default)]
    authority: Option<String>,
    key: String,
    #[serde(default)]
    timeout_ms: Option<u64>,
}

/// The checked configuration.
pub struct FilterConfig {
    /// The proxy configuration.
    pub proxy: ProxyConfig,
    /// Issuers are `<base_url>/t/<tenant>`.
    pub base_url: String,
    /// The cluster that reaches orgwarden.
    pub cluster: String,
    /// `:authority` of the call-outs.
    pub authority: String,
    /// The directory key.
    pub key: String,
    /// Call-out timeout.
    pub timeout_ms: u64,
}

impl core::fmt::Debug for FilterConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FilterConfig")
            .field("base_url", &self.base_url)
            .field("cluster", &self.cluster)
            .field("key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl FilterConfig {
    /// Parses and checks the plugin configuration; the error says what is wrong.
    pub fn parse(bytes: &[u8]) -> Result<FilterConfig, String> {
        let doc: Doc =
            serde_json::from_slice(bytes).map_err(|e| format!("plugin configuration: {e}"))?;
        let proxy = ProxyConfig::from_json(&doc.proxy.to_string()).map_err(|e| e.to_string())?;
        if proxy
            .issuers
            .iter()
            .any(|i| matches!(i.keys, IssuerKeys::Url(_)))
        {
            return Err("proxy configuration: in Envoy, external issuers need static `jwks` (a filter reaches only clusters)".into());
        }
        let base_url = doc.base_url.trim().trim_end_matches('/').to_owned();
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            return Err("plugin configuration: `base_url` is an http(s) URL".into());
        }
        let d = doc.directory;
        if d.cluster.is_empty() || d.key.len() < 16 {
            return Err("plugin configuration: `directory` needs a `cluster` and a `key` of 16 characters or more".into());
        }
        let authority = d.authority.unwrap_or_else(|| {
            base_url
                .split_once("://")
                .map_or("", |(_, r)| r.split('/').next().unwrap_or(""))
                .to_owned()
        });
        Ok(FilterConfig {
            proxy,
            base_url,
            cluster: d.cluster,
            authority,
            key: d.key,
            timeout_ms: d.timeout_ms.unwrap_or(2000).clamp(1, MAX_TIMEOUT_MS),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTES: &str = r#"{"routes":[{"methods":["GET"],"path":"/apps/{app}/**","entity":{"kind":"applications","id":"{app}"},"rights":["RIGHT_APPLICATION_INFO"]}],"tenant":"acme"}"#;

    fn doc(proxy: &str, directory: &str) -> Vec<u8> {
        format!(
            r#"{{"proxy":{proxy},"base_url":"https://auth.example.com/","directory":{directory}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn a_good_configuration_is_read() {
        let c = FilterConfig::parse(&doc(
            ROUTES,
            r#"{"cluster":"orgwarden","key":"0123456789abcdef"}"#,
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.base_url, "https://auth.example.com");
        assert_eq!(c.authority, "auth.example.com");
        assert_eq!(c.timeout_ms, 2000);
        assert!(!format!("{c:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn bad_configurations_say_why() {
        let dir = r#"{"cluster":"orgwarden","key":"0123456789abcdef"}"#;
        for (bytes, want) in [
            (b"{".to_vec(), "plugin configuration"),
            (doc(r#"{"routes":"no"}"#, dir), "proxy configuration"),
            (
                doc(ROUTES, r#"{"cluster":"orgwarden","key":"short"}"#),
                "16 characters",
            ),
            (
                doc(
                    ROUTES,
                    r#"{"cluster":"o","key":"0123456789abcdef","extra":1}"#,
                ),
                "unknown field",
            ),
        ] {
            let e = FilterConfig::parse(&bytes).err().unwrap_or_default();
            assert!(e.contains(want), "{e}");
        }
    }
}
