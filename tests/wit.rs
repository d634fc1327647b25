//! The component interface in `wit/` is valid WIT, and its library world
//! imports the directory and exports the gate, tokens and rights that
//! src/adapters/component/library.rs implements.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

fn world(name: &str) -> (wit_parser::Resolve, wit_parser::WorldId) {
    let mut resolve = wit_parser::Resolve::default();
    let (pkg, _) = resolve
        .push_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/wit"))
        .unwrap();
    let world = resolve.select_world(&[pkg], Some(name)).unwrap();
    (resolve, world)
}

#[test]
fn the_library_world_imports_the_directory_and_exports_the_gate() {
    let (resolve, world) = world("library");
    let names = |keys: Vec<&wit_parser::WorldKey>| -> Vec<String> {
        keys.into_iter()
            .map(|k| resolve.name_world_key(k))
            .collect()
    };
    let exports = names(resolve.worlds[world].exports.keys().collect());
    assert_eq!(
        exports,
        [
            "orgwarden:authz/gate@0.2.0",
            "orgwarden:authz/tokens@0.2.0",
            "orgwarden:authz/rights@0.2.0"
        ]
    );
    let imports = names(resolve.worlds[world].imports.keys().collect());
    assert!(imports.contains(&"orgwarden:authz/directory@0.2.0".to_owned()));
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
