//! The component interface in `wit/` is valid WIT and exports what the
//! gateway component will implement.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[test]
fn wit_parses_and_the_gateway_world_exports_tokens_and_rights() {
    let mut resolve = wit_parser::Resolve::default();
    let (pkg, _) = resolve
        .push_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/wit"))
        .unwrap();
    let world = resolve.select_world(&[pkg], Some("gateway")).unwrap();
    let exports: Vec<String> = resolve.worlds[world]
        .exports
        .keys()
        .map(|k| resolve.name_world_key(k))
        .collect();
    assert_eq!(
        exports,
        [
            "orgwarden:authz/tokens@0.1.0",
            "orgwarden:authz/rights@0.1.0"
        ]
    );
}

/// The right names the interface talks about are the core's catalog.
#[test]
fn catalog_names_are_the_wire_names() {
    let names: Vec<&str> = orgwarden::core::rights::Right::ALL_BY_NUMBER
        .iter()
        .map(|r| r.name())
        .collect();
    assert_eq!(names.first(), Some(&"RIGHT_USER_INFO"));
    assert_eq!(names.last(), Some(&"RIGHT_CLIENT_DELETE"));
}
