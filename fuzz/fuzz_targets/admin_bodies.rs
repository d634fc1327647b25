//! Every admin request body through the HTTP layer, as each kind of caller,
//! on a seeded tenant in the memory store. Oracles: never a panic, never a
//! 5xx (the memory store does not fail), and a refused request (4xx)
//! changes nothing.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use orgwarden::auth::Authenticator;
use orgwarden::core::password::{Kdf, RustKdf};
use orgwarden::core::token::keys::SigningKeys;
use orgwarden::core::token::{sign, KeySet};
use orgwarden::http::admin::Draw;
use orgwarden::http::{handle, Deployment, Local, Method, Request};
use orgwarden::store::memory::{block_on, MemoryStore};
use serde_json::json;

const BASE: &str = "https://api.example.com";
const OPERATOR: &str = "operator-key-for-fuzzing-000000000001";
const NOW_MS: i64 = 1_800_000_000_000;

/// The bodies' endpoints: every POST and PUT of the admin API, and accept.
const TARGETS: &[(&str, &str)] = &[
    ("POST", "/api/v1/tenants"),
    ("POST", "/t/acme/api/v1/auth/token"),
    ("POST", "/t/acme/api/v1/admin/organizations"),
    ("PUT", "/t/acme/api/v1/admin/organizations/team"),
    ("POST", "/t/acme/api/v1/admin/organizations/team/reject"),
    ("POST", "/t/acme/api/v1/admin/organizations/team/approve"),
    ("POST", "/t/acme/api/v1/admin/organizations/team/members"),
    ("PUT", "/t/acme/api/v1/admin/organizations/team/members/bob"),
    ("POST", "/t/acme/api/v1/admin/organizations/team/roles"),
    (
        "PUT",
        "/t/acme/api/v1/admin/organizations/team/roles/auditor",
    ),
    ("POST", "/t/acme/api/v1/admin/organizations/team/api-keys"),
    (
        "PUT",
        "/t/acme/api/v1/admin/organizations/team/api-keys/KEYID",
    ),
    (
        "POST",
        "/t/acme/api/v1/admin/organizations/team/invitations",
    ),
    ("POST", "/t/acme/api/v1/admin/users"),
    ("PUT", "/t/acme/api/v1/admin/users/bob"),
    ("POST", "/t/acme/api/v1/admin/users/bob/api-keys"),
    ("POST", "/t/acme/api/v1/admin/invitations"),
    ("PUT", "/t/acme/api/v1/admin/settings"),
    ("POST", "/t/acme/api/v1/admin/applications"),
    ("PUT", "/t/acme/api/v1/admin/applications/app"),
    ("PUT", "/t/acme/api/v1/admin/applications/app/collaborators"),
    ("POST", "/t/acme/api/v1/account/organizations"),
    (
        "POST",
        "/t/acme/api/v1/invitations/OWI.AAAAAAAAAAAAAAAA.AAAA/accept",
    ),
];

#[derive(Debug)]
struct FixedDraw(RefCell<u64>);

impl Kdf for FixedDraw {
    fn pbkdf2<'a>(
        &'a self,
        password: &'a [u8],
        salt: &'a [u8],
        iterations: u32,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<[u8; 32]>> + 'a>> {
        RustKdf.pbkdf2(password, salt, iterations)
    }
}

impl Draw for FixedDraw {
    fn random(&self, buf: &mut [u8]) -> bool {
        for b in buf.iter_mut() {
            let mut n = self.0.borrow_mut();
            *n = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            *b = (*n >> 33) as u8;
        }
        true
    }
    fn password_iterations(&self) -> u32 {
        orgwarden::core::password::MIN_ITERATIONS
    }
}

struct World {
    keys: SigningKeys,
    public: KeySet,
    auth: Authenticator,
    store: MemoryStore,
    draw: FixedDraw,
    tokens: Vec<Option<String>>,
}

impl World {
    fn call(
        &self,
        store: &MemoryStore,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: &[u8],
    ) -> (u16, String) {
        let metrics = || json!({});
        let d = Deployment {
            base_url: BASE,
            signer: &self.keys,
            public: &self.public,
            auth: &self.auth,
            operator_key: Some(OPERATOR),
            directory_key: None,
            metrics: &metrics,
            draw: &self.draw,
            now_ms: NOW_MS,
            throttle: None,
        };
        let form = path.ends_with("/auth/token");
        let req = Request {
            method: Method::parse(method),
            path: path.to_owned(),
            query: String::new(),
            authorization: bearer.map(|b| format!("Bearer {b}")),
            api_key: None,
            client_ip: None,
            content_type: Some(
                if form {
                    "application/x-www-form-urlencoded"
                } else {
                    "application/json"
                }
                .into(),
            ),
            body: body.to_vec(),
        };
        let writer = Local {
            store,
            auth: &self.auth,
            now_ms: NOW_MS,
        };
        block_on(handle(store, &writer, &d, &req))
            .map_or((404, String::new()), |r| (r.status, r.body))
    }

    fn token(&self, sub: &str, admin: bool) -> String {
        let now = NOW_MS / 1000;
        let mut claims = json!({"iss": format!("{BASE}/t/acme"), "aud": BASE, "sub": sub, "tid": "acme",
            "jti": format!("j-{sub}"), "iat": now + 1, "exp": now + 900});
        if admin {
            claims["adm"] = json!(true);
        }
        sign(&self.keys, &claims).unwrap_or_default()
    }
}

fn world() -> World {
    let keys = SigningKeys::from_entries(vec![SigningKeys::generate(&[9; 32], Some("k".into()))])
        .unwrap_or_else(|_| unreachable!());
    let public = keys.verification_keys();
    let auth = Authenticator::new(BASE, public.clone(), &[], 64);
    let mut w = World {
        keys,
        public,
        auth,
        store: MemoryStore::new(),
        draw: FixedDraw(RefCell::new(1)),
        tokens: Vec::new(),
    };
    let seed = |w: &World, m: &str, p: &str, who: Option<&str>, body: serde_json::Value| {
        let (status, text) = w.call(&w.store, m, p, who, body.to_string().as_bytes());
        assert!(status < 300, "seeding {m} {p}: {status} {text}");
        text
    };
    seed(
        &w,
        "POST",
        "/api/v1/tenants",
        Some(OPERATOR),
        json!({"id": "acme", "name": "Acme",
        "admin": {"id": "root", "email": "root@acme.example", "password": "correct horse battery"}}),
    );
    let root = w.token("root", true);
    for u in ["alice", "bob"] {
        seed(
            &w,
            "POST",
            "/t/acme/api/v1/admin/users",
            Some(&root),
            json!({"id": u, "email": format!("{u}@acme.example")}),
        );
    }
    let alice = w.token("alice", false);
    seed(
        &w,
        "POST",
        "/t/acme/api/v1/admin/organizations",
        Some(&alice),
        json!({"id": "team", "name": "Team"}),
    );
    seed(
        &w,
        "POST",
        "/t/acme/api/v1/admin/organizations/team/members",
        Some(&alice),
        json!({"user_id": "bob", "role": "member"}),
    );
    seed(
        &w,
        "POST",
        "/t/acme/api/v1/admin/organizations/team/roles",
        Some(&alice),
        json!({"id": "auditor", "rights": ["RIGHT_ORGANIZATION_INFO"]}),
    );
    seed(
        &w,
        "POST",
        "/t/acme/api/v1/admin/applications",
        Some(&alice),
        json!({"id": "app", "name": "App", "organization_id": "team"}),
    );
    let key = seed(
        &w,
        "POST",
        "/t/acme/api/v1/admin/organizations/team/api-keys",
        Some(&alice),
        json!({"name": "ci", "rights": ["RIGHT_ORGANIZATION_INFO"]}),
    );
    let key = serde_json::from_str::<serde_json::Value>(&key)
        .ok()
        .and_then(|v| v["key"].as_str().map(str::to_owned));
    // Tokens issued after the seeding's revocations (memberships changed).
    let (root, alice, bob) = (
        w.token("root", true),
        w.token("alice", false),
        w.token("bob", false),
    );
    w.tokens = vec![
        Some(root),
        Some(alice),
        Some(bob),
        key,
        None,
        Some(OPERATOR.to_owned()),
    ];
    w
}

thread_local! {
    static WORLD: World = world();
}

fuzz_target!(|data: &[u8]| {
    let [target, caller, body @ ..] = data else {
        return;
    };
    let (method, path) = TARGETS[usize::from(*target) % TARGETS.len()];
    WORLD.with(|w| {
        // Each input on a copy of the seeded tenant, counting its writes.
        let store = w.store.fork();
        let who = w.tokens[usize::from(*caller) % w.tokens.len()].as_deref();
        let (status, text) = w.call(&store, method, path, who, body);
        assert!(status < 500, "{method} {path}: {status} {text}");
        let calls = store.calls();
        assert!(
            status < 400 || calls.puts + calls.deletes == 0,
            "{method} {path} answered {status} and wrote to the store"
        );
    });
});
