//! The proxy configuration (ORGWARDEN_PROXY, the component's and the Envoy
//! filter's configuration): never a panic, whatever the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orgwarden::proxy::ProxyConfig;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(config) = ProxyConfig::from_json(&text) {
        let _ = config.routes.rules().len();
    }
});
