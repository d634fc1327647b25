//! docs/openapi.json is what the code makes of its endpoint table and types
//! (src/http/openapi.rs). `ORGWARDEN_WRITE_OPENAPI=1 cargo test --features
//! cli --test openapi_doc` rewrites it; CI fails when it is out of date.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");

#[test]
fn the_document_is_what_the_code_makes() {
    let made = serde_json::to_string_pretty(&orgwarden::http::openapi::document()).unwrap() + "\n";
    if std::env::var_os("ORGWARDEN_WRITE_OPENAPI").is_some() {
        std::fs::write(PATH, &made).unwrap();
        return;
    }
    let stored = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        stored == made,
        "docs/openapi.json is out of date: ORGWARDEN_WRITE_OPENAPI=1 cargo test --features cli --test openapi_doc"
    );
}
