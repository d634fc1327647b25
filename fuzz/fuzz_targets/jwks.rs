//! JWKS parsing: public sets, private sets and single keys. Never a panic,
//! and no private key material in an error's text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orgwarden::core::token::keys::SigningKeys;
use orgwarden::core::token::KeySet;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(set) = KeySet::from_json(&text) {
        let _ = serde_json::to_string(&set.to_jwks());
    }
    match SigningKeys::from_json(&text) {
        Ok(keys) => {
            let _ = keys.verification_keys();
        }
        Err(e) => {
            let shown = format!("{e} {e:?}");
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                for d in v.pointer("/keys/0/d").into_iter().chain(v.get("d")) {
                    if let Some(d) = d.as_str().filter(|d| d.len() >= 8) {
                        assert!(!shown.contains(d), "a private key in an error");
                    }
                }
            }
        }
    }
});
