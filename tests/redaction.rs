//! No secret in a `Debug`, a log line or an error: credentials, request
//! bodies (passwords), API keys, the verified-token cache, the authenticator
//! and the gate print redacted; a failing store is logged, and its message
//! (which names keys) never reaches the caller.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Mutex;

use orgwarden::admin::AdminError;
use orgwarden::auth::{extract, Authenticator, Secret};
use orgwarden::core::ids::TenantId;
use orgwarden::http::Request;
use orgwarden::model::facts::FactSource;
use orgwarden::proxy::{Gate, ProxyConfig, ProxyRequest};
use orgwarden::store::facts::StoreFacts;
use orgwarden::store::memory::{block_on, MemoryStore};
use orgwarden::store::StoreError;

const TOKEN: &str = "eyJhbGciOiJFZERTQSJ9.c2VjcmV0LWNsYWltcw.c2lnbmF0dXJl";
const KEY: &str = "OWK.ABCDEFGHIJKLMNOP.SECRETSECRETSECRETSECRETSECRETSECRETSECRETSECRETSECR";
const PASSWORD: &str = "hunter2-correct-horse";

fn clean(what: &str, debug: &str) {
    for secret in [TOKEN, KEY, "SECRETSECRET", PASSWORD, "c2lnbmF0dXJl"] {
        assert!(!debug.contains(secret), "{what} shows a secret: {debug}");
    }
}

#[test]
fn credentials_and_requests_print_redacted() {
    clean(
        "credential",
        &format!(
            "{:?}",
            extract(Some(&format!("Bearer {TOKEN}")), None).unwrap()
        ),
    );
    clean(
        "key credential",
        &format!("{:?}", extract(None, Some(KEY)).unwrap()),
    );
    clean("secret", &format!("{:?}", Secret::new(KEY)));
    let req = Request::new("POST", "/t/acme/api/v1/admin/users")
        .bearer(TOKEN)
        .json(&serde_json::json!({"id": "bob", "password": PASSWORD}));
    let mut req = req;
    req.api_key = Some(KEY.to_owned());
    clean("http request", &format!("{req:?}"));
    let proxied = ProxyRequest {
        method: "GET",
        path: "/apps/x",
        authorization: Some(TOKEN),
        api_key: Some(KEY),
    };
    clean("proxy request", &format!("{proxied:?}"));
    let body: orgwarden::admin::users::CreateUser =
        serde_json::from_value(serde_json::json!({"id": "bob", "password": PASSWORD})).unwrap();
    clean("create user body", &format!("{body:?}"));
}

#[test]
fn caches_of_tokens_print_counts_only() {
    let signing = common::trusted();
    let claims = serde_json::json!({"iss": "https://api.example/t/acme", "aud": "https://api.example", "sub": "alice",
        "tid": "acme", "jti": "j", "iat": 1_800_000_000, "exp": 1_800_000_900});
    let token = orgwarden::core::token::sign(&signing, &claims).unwrap();
    let config = ProxyConfig::from_json(r#"{"tenant": "acme", "routes": [{"methods": ["GET"], "path": "/apps/{app}", "entity": {"kind": "applications", "id": "{app}"}, "rights": ["RIGHT_APPLICATION_INFO"]}]}"#).unwrap();
    let gate = Gate::with_keys(config, "https://api.example", signing.verification_keys());
    let store = MemoryStore::new();
    let auth = format!("Bearer {token}");
    let req = ProxyRequest {
        method: "GET",
        path: "/apps/x",
        authorization: Some(&auth),
        api_key: None,
    };
    block_on(gate.authorize(&StoreFacts::new(&store), &req, 1_800_000_100_000));
    let debug = format!("{gate:?}");
    assert!(!debug.contains(&token), "the gate shows a cached token");
    assert!(!debug.contains(token.rsplit('.').next().unwrap()));
    let a = Authenticator::new("https://api.example", signing.verification_keys(), &[], 10);
    clean("authenticator", &format!("{a:?}"));
    clean("signing keys", &format!("{signing:?}"));
}

/// Collects log lines for the test below.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{} {}", record.level(), record.args()));
    }
    fn flush(&self) {}
}

static LOG: Capture = Capture(Mutex::new(Vec::new()));

#[test]
fn a_failing_store_is_logged_and_the_caller_learns_only_the_kind() {
    log::set_logger(&LOG).ok();
    log::set_max_level(log::LevelFilter::Warn);
    let e = AdminError::from(StoreError("kv put t/acme/pw/alice: network down".into()));
    assert_eq!((e.status, e.code.as_ref()), (503, "store_unavailable"));
    assert!(!e.message.contains("t/acme"));
    let store = MemoryStore::new();
    store.fail_reads(true);
    let facts = StoreFacts::new(&store);
    let r = block_on(facts.fetch(&orgwarden::model::facts::Need::Epochs(
        TenantId::new("acme").unwrap(),
    )));
    assert!(r.is_err());
    let denial = orgwarden::auth::Denial::unavailable(r.unwrap_err());
    assert_eq!(denial.code, "store_unavailable");
    assert!(!denial.message.contains("injected"));
    let lines = LOG.0.lock().unwrap().clone();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("WARN") && l.contains("t/acme/pw/alice")),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.contains("injected")), "{lines:?}");
}
