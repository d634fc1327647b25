//! Path canonicalization and route matching on a fixed rule set: never a
//! panic; a canonical path is a fixed point (canonicalizing it again gives
//! itself), so the rules and the origin read the same path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orgwarden::proxy::path::{canonicalize, PathPolicy};
use orgwarden::proxy::ProxyConfig;

const CONFIG: &str = r#"{"tenant": "acme", "routes": [
  {"methods": ["GET"], "path": "/apps/{app}/devices", "entity": {"kind": "applications", "id": "{app}"}, "rights": ["RIGHT_APPLICATION_DEVICES_READ"]},
  {"methods": ["GET", "POST"], "path": "/apps/{app}/**", "entity": {"kind": "applications", "id": "{app}"}, "rights": ["RIGHT_APPLICATION_INFO"]},
  {"methods": ["PUT", "POST"], "path": "/apps/{app}/devices/{dev}", "entity": {"kind": "applications", "id": "{app}"}, "rights": ["RIGHT_APPLICATION_DEVICES_WRITE"]},
  {"methods": ["GET"], "path": "/gateways/{gtw}/status", "entity": {"kind": "gateways", "id": "{gtw}"}, "rights": ["RIGHT_GATEWAY_STATUS_READ"]},
  {"methods": ["GET"], "path": "/static/**", "public": true},
  {"methods": ["GET"], "path": "/status", "public": true}
]}"#;

fuzz_target!(|data: &[u8]| {
    let Some((&m, rest)) = data.split_first() else {
        return;
    };
    let method = ["GET", "POST", "put", "DELETE", "HEAD", "OPTIONS"][usize::from(m) % 6];
    let raw = String::from_utf8_lossy(rest);
    let Ok(config) = ProxyConfig::from_json(CONFIG) else {
        panic!("the fuzz target's own configuration is refused")
    };
    let policy = PathPolicy::default();
    if let Ok(path) = canonicalize(&raw, &policy) {
        let again = canonicalize(&path.path, &policy).map(|p| p.path);
        assert_eq!(
            again.as_deref(),
            Ok(path.path.as_str()),
            "canonical form is not a fixed point"
        );
        let _ = config.routes.find(method, &path);
    }
});
