//! JWKS parsing: public sets, private sets and single keys. Never a panic,
//! no private key material in an error's text, and the browser module's
//! loader (encodings only) takes every set the decoding loader takes, with
//! the same keys, unless the set holds a private key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orgwarden::core::token::keys::{Jwks, SigningKeys};
use orgwarden::core::token::KeySet;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(set) = KeySet::from_json(&text) {
        let _ = serde_json::to_string(&set.to_jwks());
    }
    if let Ok(jwks) = Jwks::parse(&text) {
        if let Ok(decoded) = KeySet::from_jwks(&jwks) {
            match KeySet::from_jwks_encodings(&jwks) {
                Ok(by_encoding) => assert_eq!(by_encoding, decoded),
                Err(e) => assert!(jwks.keys.iter().any(|k| k.d.is_some()), "{e}"),
            }
        }
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
