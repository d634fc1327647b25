//! The shared proxy case table (`tests/cases/requests.json`) against the
//! core's gate, and its generated parts: the store as KV entries, the API
//! keys' text, the tokens. `ORGWARDEN_WRITE_CASES=1 cargo test --test
//! proxy_cases` rewrites the generated parts; the edge worker's test
//! (tests/worker/cases.test.mjs) and the gateway plugins run the same file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::cell::RefCell;
use std::collections::BTreeMap;

use base64ct::Encoding;
use common::{Mutate, SignWith};
use std::rc::Rc;

use orgwarden::auth::Authenticator;
use orgwarden::core::ids::{OrgId, RoleId, TenantId, UserId};
use orgwarden::core::rights::RightSet;
use orgwarden::core::token::{KeySet, SignatureCheck, SignatureHost};
use orgwarden::model::facts::{Fact, FactError, FactSource, Need};
use orgwarden::model::records::{
    Grant, ListingMeta, Membership, OrgState, Organization, User, UserState,
};
use orgwarden::proxy::remote::directory_path;
use orgwarden::proxy::{Gate, Outcome, ProxyConfig, ProxyRequest};
use orgwarden::store::facts::{fact_json, StoreFacts};
use orgwarden::store::memory::{block_on, MemoryStore};
use orgwarden::store::{keys, Store};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/requests.json");
const TENANT: &str = "acme";
/// The table's clock; its tokens are valid from 2023 to 2033, so the worker's real clock works too.
const NOW_MS: i64 = 1_800_000_000_000;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    about: String,
    base_url: String,
    config: Value,
    store: StoreDoc,
    tokens: BTreeMap<String, TokenDoc>,
    requests: Vec<RequestCase>,
    #[serde(default)]
    signing_jwks: Value,
    #[serde(default)]
    keys: BTreeMap<String, String>,
    #[serde(default)]
    kv: Vec<KvEntry>,
    /// Every fact the cases need, as the directory endpoint serves it, by
    /// its directory path: what a remote decider's host answers.
    #[serde(default)]
    directory: BTreeMap<String, Value>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreDoc {
    users: BTreeMap<String, UserDoc>,
    organizations: BTreeMap<String, OrgDoc>,
    members: BTreeMap<String, BTreeMap<String, String>>,
    collaborators: BTreeMap<String, Collaborators>,
    api_keys: BTreeMap<String, KeyDoc>,
    revoked: Revoked,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<UserState>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    admin: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgDoc {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    deleted: bool,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Collaborators {
    users: BTreeMap<String, RightSet>,
    organizations: BTreeMap<String, RightSet>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyDoc {
    id: String,
    owner: Value,
    rights: RightSet,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at_ms: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Revoked {
    users: BTreeMap<String, i64>,
    organizations: BTreeMap<String, i64>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenDoc {
    sign: SignWith,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mutate: Option<Mutate>,
    claims: Value,
    #[serde(default)]
    token: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KvEntry {
    key: String,
    value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    metadata: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestCase {
    name: String,
    method: String,
    path: String,
    credential: Option<String>,
    expect: Expect,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    missing: Option<RightSet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    organizations: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rights: Option<RightSet>,
    /// The path the origin receives, when it differs from the request's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<String>,
}

fn load() -> Table {
    serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap()
}

const STAMP: &str = "2026-01-01T00:00:00.000Z";

fn put_json<T: Serialize>(s: &MemoryStore, key: &str, v: &T, meta: Option<String>) {
    block_on(s.put(key, &serde_json::to_string(v).unwrap(), meta.as_deref())).unwrap();
}

/// The API key text for a table key: a secret derived from its name.
fn key_text(name: &str, doc: &KeyDoc) -> String {
    let secret = orgwarden::admin::api_keys::base32(&Sha256::digest(format!("secret:{name}")));
    format!("OWK.{}.{secret}", doc.id)
}

/// The table's store, written with the record types and key layout the admin API uses.
fn seed(doc: &StoreDoc) -> (MemoryStore, BTreeMap<String, String>) {
    let s = MemoryStore::new();
    let t = TenantId::new(TENANT).unwrap();
    for (id, u) in &doc.users {
        let user = User {
            id: UserId::new(id).unwrap(),
            first_name: String::new(),
            last_name: String::new(),
            email: format!("{id}@acme.example"),
            state: u.state.unwrap_or(UserState::Approved),
            admin: u.admin,
            created_at: STAMP.into(),
            updated_at: STAMP.into(),
            deleted_at: None,
        };
        let state = serde_json::to_value(user.state)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned();
        let meta = ListingMeta {
            name: String::new(),
            state,
            deleted: false,
        };
        put_json(
            &s,
            &keys::user(&t, &user.id),
            &user,
            Some(serde_json::to_string(&meta).unwrap()),
        );
    }
    for (id, o) in &doc.organizations {
        let org = Organization {
            id: OrgId::new(id).unwrap(),
            name: id.clone(),
            description: String::new(),
            state: OrgState::Approved,
            created_at: STAMP.into(),
            updated_at: STAMP.into(),
            deleted_at: o.deleted.then(|| STAMP.to_owned()),
        };
        let meta = ListingMeta {
            name: id.clone(),
            state: "approved".into(),
            deleted: o.deleted,
        };
        put_json(
            &s,
            &keys::org(&t, &org.id),
            &org,
            Some(serde_json::to_string(&meta).unwrap()),
        );
    }
    for (org, members) in &doc.members {
        let org = OrgId::new(org).unwrap();
        for (user, role) in members {
            let user = UserId::new(user).unwrap();
            let m = Membership {
                organization: org.clone(),
                user: user.clone(),
                grant: Grant::Role(RoleId::new(role).unwrap()),
                created_at: STAMP.into(),
                updated_at: STAMP.into(),
            };
            put_json(&s, &keys::member(&t, &org, &user), &m, None);
            block_on(s.put(&keys::user_org(&t, &user, &org), role, None)).unwrap();
        }
    }
    for (entity, c) in &doc.collaborators {
        let (kind, id) = entity.split_once('/').unwrap();
        let record = serde_json::json!({"id": id, "kind": kind, "name": id, "created_at": STAMP, "updated_at": STAMP});
        block_on(s.put(&keys::entity(&t, kind, id), &record.to_string(), Some(id))).unwrap();
        for (who, map) in [("u", &c.users), ("o", &c.organizations)] {
            for (collaborator, rights) in map {
                let bits = rights.bits().to_string();
                block_on(s.put(
                    &keys::collaborator(&t, kind, id, who, collaborator),
                    &rights.names().join(","),
                    Some(&bits),
                ))
                .unwrap();
                block_on(s.put(
                    &keys::collaborates(&t, who, collaborator, kind, id),
                    "",
                    None,
                ))
                .unwrap();
            }
        }
    }
    let mut texts = BTreeMap::new();
    for (name, k) in &doc.api_keys {
        let text = key_text(name, k);
        let secret = text.rsplit('.').next().unwrap();
        let record = serde_json::json!({
            "id": k.id, "name": name, "owner": k.owner, "rights": k.rights,
            "created_at": STAMP, "updated_at": STAMP, "expires_at_ms": k.expires_at_ms,
            "secret_sha256": base64ct::Base64::encode_string(&Sha256::digest(secret.as_bytes())),
        });
        block_on(s.put(&keys::api_key(&t, &k.id), &record.to_string(), None)).unwrap();
        let (kind, owner) = (
            k.owner["kind"].as_str().unwrap(),
            k.owner["id"].as_str().unwrap(),
        );
        block_on(s.put(
            &format!("{}{}", keys::owner_api_keys(&t, kind, owner), k.id),
            "",
            None,
        ))
        .unwrap();
        texts.insert(name.clone(), text);
    }
    for (kind, map) in [("u", &doc.revoked.users), ("o", &doc.revoked.organizations)] {
        for (id, epoch) in map {
            let e = epoch.to_string();
            block_on(s.put(&keys::revocation(&t, kind, id), &e, Some(&e))).unwrap();
        }
    }
    (s, texts)
}

fn dump(s: &MemoryStore) -> Vec<KvEntry> {
    block_on(s.list_all(""))
        .unwrap()
        .into_iter()
        .map(|l| KvEntry {
            value: block_on(s.get(&l.key)).unwrap().unwrap(),
            key: l.key,
            metadata: l.metadata,
        })
        .collect()
}

#[test]
fn generated_parts_are_what_the_generator_makes() {
    let mut table = load();
    let (store, keys) = seed(&table.store);
    let mut stale = Vec::new();
    let kv = dump(&store);
    if table.kv != kv {
        stale.push("kv".to_owned());
        table.kv = kv;
    }
    if table.keys != keys {
        stale.push("keys".to_owned());
        table.keys = keys;
    }
    let signing: Value =
        serde_json::from_str(&serde_json::to_string(&common::trusted().to_private_jwks()).unwrap())
            .unwrap();
    if table.signing_jwks != signing {
        stale.push("signing_jwks".to_owned());
        table.signing_jwks = signing;
    }
    let directory = directory_of(&table, &store);
    if table.directory != directory {
        stale.push("directory".to_owned());
        table.directory = directory;
    }
    for (name, t) in &mut table.tokens {
        let token = common::generate(name, &t.claims, t.sign, t.mutate);
        if token != t.token {
            stale.push(name.clone());
            t.token = token;
        }
    }
    if std::env::var_os("ORGWARDEN_WRITE_CASES").is_some() {
        std::fs::write(PATH, serde_json::to_string_pretty(&table).unwrap() + "\n").unwrap();
    } else {
        assert!(
            stale.is_empty(),
            "stale parts in tests/cases/requests.json (regenerate with ORGWARDEN_WRITE_CASES=1 cargo test --test proxy_cases): {stale:?}"
        );
    }
}

/// Facts from the store, each one also recorded as the directory serves it.
struct Recording<'s> {
    store: &'s MemoryStore,
    seen: RefCell<BTreeMap<String, Value>>,
}

impl FactSource for Recording<'_> {
    async fn fetch(&self, need: &Need) -> Result<Fact, FactError> {
        if let (Some(path), Some(json)) = (
            directory_path(need),
            fact_json(self.store, need).await.unwrap(),
        ) {
            self.seen.borrow_mut().insert(path, json);
        }
        HostFacts(self.store).fetch(need).await
    }
}

/// What a host hands a gate: facts from the store, and the signature
/// checks it computes itself (the worker's WebCrypto; ed25519-dalek here),
/// which no store does.
struct HostFacts<'s>(&'s MemoryStore);

impl FactSource for HostFacts<'_> {
    async fn fetch(&self, need: &Need) -> Result<Fact, FactError> {
        if let Need::Signature(check) = need {
            return Ok(Fact::Signature(check.verify_here()));
        }
        StoreFacts::new(self.0).fetch(need).await
    }
}

/// The gate's decision on one case of the table, at the table's time.
fn decide<F: FactSource>(gate: &Gate, facts: &F, table: &Table, case: &RequestCase) -> Decision {
    let (authorization, api_key) = headers(table, case.credential.as_deref());
    block_on(gate.authorize(
        facts,
        &ProxyRequest {
            method: &case.method,
            path: &case.path,
            authorization: authorization.as_deref(),
            api_key: api_key.as_deref(),
        },
        NOW_MS,
    ))
}

/// Every fact the table's requests need, each case decided by a fresh gate.
fn directory_of(table: &Table, store: &MemoryStore) -> BTreeMap<String, Value> {
    let config = ProxyConfig::from_json(&table.config.to_string()).unwrap();
    let facts = Recording {
        store,
        seen: RefCell::new(BTreeMap::new()),
    };
    for case in &table.requests {
        let gate = Gate::with_keys(
            config.clone(),
            &table.base_url,
            common::trusted().verification_keys(),
        );
        decide(&gate, &facts, table, case);
    }
    facts.seen.into_inner()
}

/// The headers a case's credential stands for.
fn headers(table: &Table, credential: Option<&str>) -> (Option<String>, Option<String>) {
    let (mut authorization, mut api_key) = (None::<String>, None::<String>);
    let key = |name: &str| {
        let (name, wrong) = name
            .strip_suffix("!wrong")
            .map_or((name, false), |n| (n, true));
        let text = table
            .keys
            .get(name)
            .unwrap_or_else(|| panic!("no key {name}"))
            .clone();
        if wrong {
            format!("{}AAAA", &text[..text.len() - 4])
        } else {
            text
        }
    };
    let join = |slot: &mut Option<String>, v: String| {
        *slot = Some(match slot.take() {
            Some(old) => format!("{old}, {v}"),
            None => v,
        });
    };
    for part in credential.into_iter().flat_map(|c| c.split('+')) {
        let (kind, arg) = part.split_once(':').unwrap();
        match kind {
            "token" => join(
                &mut authorization,
                format!("Bearer {}", table.tokens[arg].token),
            ),
            "bearer-key" => join(&mut authorization, format!("Bearer {}", key(arg))),
            "x-api-key" => join(&mut api_key, key(arg)),
            "raw" => join(&mut authorization, arg.to_owned()),
            other => panic!("unknown credential kind {other}"),
        }
    }
    (authorization, api_key)
}

#[test]
fn the_gate_gives_the_expected_answers() {
    expected_answers(false);
}

/// The same answers with the signature equation asked of the host (the
/// store's facts answer it in Rust, as a host without native Ed25519 does).
#[test]
fn the_gate_gives_the_expected_answers_with_host_signatures() {
    expected_answers(true);
}

fn expected_answers(host_signatures: bool) {
    let table = load();
    let (store, _) = seed(&table.store);
    let gate = if host_signatures {
        host_gate(&table, &table.config, Box::new(RustHost::default()))
    } else {
        let config = ProxyConfig::from_json(&table.config.to_string()).unwrap();
        Gate::with_keys(
            config,
            &table.base_url,
            common::trusted().verification_keys(),
        )
    };
    assert!(table.requests.len() >= 30);
    // Twice: cold, then from the isolate caches; the answers must not change.
    for round in ["cold", "cached"] {
        for case in &table.requests {
            let decision = decide(&gate, &HostFacts(&store), &table, case);
            let at = format!("{} ({round})", case.name);
            let e = &case.expect;
            match decision.outcome {
                Outcome::Forward(forward) => {
                    assert_eq!(e.status, 200, "{at}: forwarded");
                    assert_eq!(
                        &forward.path,
                        e.path.as_ref().unwrap_or(&case.path),
                        "{at}: the path the origin receives"
                    );
                    let identity = forward.identity;
                    match (identity, &e.subject) {
                        (None, None) => {}
                        (Some(id), Some(subject)) => {
                            assert_eq!(&id.subject, subject, "{at}");
                            assert_eq!(id.tenant, TENANT, "{at}");
                            let orgs: Vec<String> =
                                id.organizations.iter().map(|o| o.to_string()).collect();
                            assert_eq!(
                                Some(&orgs),
                                e.organizations.as_ref(),
                                "{at}: organizations"
                            );
                            assert_eq!(
                                id.rights.implied(),
                                e.rights.unwrap().implied(),
                                "{at}: rights"
                            );
                        }
                        (got, _) => panic!("{at}: identity {got:?}"),
                    }
                }
                Outcome::Deny(d) => {
                    assert_eq!(d.status, e.status, "{at}: {d:?}");
                    assert_eq!(Some(d.code), e.code.as_deref(), "{at}");
                    assert_eq!(d.missing, e.missing.map(RightSet::implied), "{at}: missing");
                    if d.status == 401 {
                        assert!(
                            d.www_authenticate()
                                .unwrap()
                                .contains("error=\"invalid_token\""),
                            "{at}"
                        );
                    }
                }
            }
        }
    }
}

// Gate behaviours on the table's store: caches, KV reads, revocation through
// the admin operations, JWKS refresh, interleaved requests.

use orgwarden::admin::command::{execute, Command};
use orgwarden::admin::{Caller, Ctx};
use orgwarden::proxy::Decision;
use std::cell::Cell;
use std::future::Future;

fn gate_for(table: &Table, config: Value) -> Gate {
    let config = ProxyConfig::from_json(&config.to_string()).unwrap();
    Gate::with_keys(
        config,
        &table.base_url,
        common::trusted().verification_keys(),
    )
}

fn ask(gate: &Gate, store: &impl Store, path: &str, authorization: &str, now_ms: i64) -> Decision {
    block_on(gate.authorize(
        &StoreFacts::new(store),
        &ProxyRequest {
            method: "GET",
            path,
            authorization: Some(authorization),
            api_key: None,
        },
        now_ms,
    ))
}

fn code(d: &Decision) -> &str {
    match &d.outcome {
        Outcome::Forward(_) => "forward",
        Outcome::Deny(d) => d.code,
    }
}

#[test]
fn at_steady_state_decisions_read_nothing_from_kv() {
    let table = load();
    let (store, keys) = seed(&table.store);
    let gate = gate_for(&table, table.config.clone());
    let alice = format!("Bearer {}", table.tokens["alice"].token);
    let key = format!("Bearer {}", keys["alice-key"]);
    let first = ask(&gate, &store, "/apps/billing/devices", &alice, NOW_MS);
    assert_eq!(code(&first), "forward");
    assert_eq!(
        first.trace.fact_fetches, 2,
        "the epochs listing and the grants listing"
    );
    assert_eq!(first.trace.token_cached, Some(false));
    let key_first = ask(&gate, &store, "/apps/billing/devices", &key, NOW_MS);
    assert_eq!(code(&key_first), "forward");
    let before = store.calls();
    for i in 0..1000 {
        let d = ask(
            &gate,
            &store,
            "/apps/billing/devices",
            if i % 2 == 0 { &alice } else { &key },
            NOW_MS + i,
        );
        assert_eq!(d.trace.fact_fetches, 0);
    }
    assert_eq!(store.calls(), before, "no KV call at all");
    let m = gate.metrics();
    assert_eq!(m.token_cache.hits, 500);
    assert!(m.keys_cache.hits >= 500);
    // After the TTL (10 s by default) the entries are read again, once.
    let later = ask(
        &gate,
        &store,
        "/apps/billing/devices",
        &alice,
        NOW_MS + 10_001,
    );
    assert_eq!(later.trace.fact_fetches, 2);
    assert_eq!(
        later.trace.token_cached,
        Some(true),
        "verified tokens do not expire with the TTL"
    );
}

#[test]
fn admin_changes_reach_the_gate_through_epochs_and_forget_tenant() {
    let table = load();
    let (store, _) = seed(&table.store);
    let gate = gate_for(&table, table.config.clone());
    let alice = format!("Bearer {}", table.tokens["alice"].token);
    let carol = format!("Bearer {}", table.tokens["carol"].token);
    assert_eq!(
        code(&ask(&gate, &store, "/apps/billing/devices", &alice, NOW_MS)),
        "forward"
    );
    assert_eq!(
        code(&ask(&gate, &store, "/apps/billing/devices", &carol, NOW_MS)),
        "forward"
    );
    let root = Caller::for_user(UserId::new("root").unwrap(), true);
    let tenant = TenantId::new(TENANT).unwrap();
    let ctx = Ctx {
        store: &store,
        tenant: &tenant,
        now_ms: NOW_MS,
        caller: &root,
    };
    block_on(execute(
        &ctx,
        Command::RemoveMember {
            org: OrgId::new("platform").unwrap(),
            user: UserId::new("alice").unwrap(),
        },
    ))
    .unwrap();
    block_on(execute(
        &ctx,
        Command::RemoveCollaborator {
            kind: orgwarden::admin::entities::EntityKind::Applications,
            id: "billing".into(),
            who: orgwarden::admin::entities::Who::User(UserId::new("carol").unwrap()),
        },
    ))
    .unwrap();
    // Within the TTL this gate still answers from its caches…
    assert_eq!(
        code(&ask(
            &gate,
            &store,
            "/apps/billing/devices",
            &alice,
            NOW_MS + 1
        )),
        "forward"
    );
    assert_eq!(
        code(&ask(
            &gate,
            &store,
            "/apps/billing/devices",
            &carol,
            NOW_MS + 1
        )),
        "forward"
    );
    // …until the TTL passes, or at once when the admin call ran in its isolate.
    assert_eq!(
        code(&ask(
            &gate,
            &store,
            "/apps/billing/devices",
            &alice,
            NOW_MS + 10_001
        )),
        "token_revoked"
    );
    assert_eq!(
        code(&ask(
            &gate,
            &store,
            "/apps/billing/devices",
            &carol,
            NOW_MS + 10_001
        )),
        "insufficient_rights"
    );
    let fresh = gate_for(&table, table.config.clone());
    assert_eq!(
        code(&ask(
            &fresh,
            &store,
            "/apps/billing/devices",
            &alice,
            NOW_MS + 2
        )),
        "token_revoked"
    );
    let other = gate_for(&table, table.config.clone());
    assert_eq!(
        code(&ask(
            &other,
            &store,
            "/apps/billing/devices",
            &carol,
            NOW_MS - 5
        )),
        "insufficient_rights"
    );
    other.forget_tenant(TENANT);
}

#[test]
fn forget_tenant_drops_only_that_tenant() {
    let table = load();
    let (store, _) = seed(&table.store);
    let gate = gate_for(&table, table.config.clone());
    let carol = format!("Bearer {}", table.tokens["carol"].token);
    assert_eq!(
        ask(&gate, &store, "/apps/billing/devices", &carol, NOW_MS)
            .trace
            .fact_fetches,
        2
    );
    assert_eq!(
        ask(&gate, &store, "/apps/billing/devices", &carol, NOW_MS)
            .trace
            .fact_fetches,
        0
    );
    gate.forget_tenant("globex");
    assert_eq!(
        ask(&gate, &store, "/apps/billing/devices", &carol, NOW_MS)
            .trace
            .fact_fetches,
        0
    );
    gate.forget_tenant(TENANT);
    assert_eq!(
        ask(&gate, &store, "/apps/billing/devices", &carol, NOW_MS)
            .trace
            .fact_fetches,
        2
    );
}

/// A JWKS endpoint that counts its fetches and can fail, in front of the
/// table's store for every other fact.
struct Idp<'s> {
    store: &'s MemoryStore,
    jwks: std::cell::RefCell<String>,
    fetches: Cell<u32>,
    up: Cell<bool>,
}

impl FactSource for Idp<'_> {
    async fn fetch(&self, need: &Need) -> Result<Fact, FactError> {
        let Need::Jwks(url) = need else {
            return StoreFacts::new(self.store).fetch(need).await;
        };
        assert_eq!(url, "https://idp.example/jwks");
        self.fetches.set(self.fetches.get() + 1);
        Ok(Fact::Jwks(
            self.up.get().then(|| self.jwks.borrow().clone()),
        ))
    }
}

impl<'s> Idp<'s> {
    /// Up, serving the public key of [`idp_key`]`(n)`.
    fn serving(store: &'s MemoryStore, n: u8) -> Idp<'s> {
        Idp {
            store,
            jwks: std::cell::RefCell::new(idp_key(n).verification_keys().to_jwks().to_json()),
            fetches: Cell::new(0),
            up: Cell::new(true),
        }
    }
}

/// The IdP's signing key number `n`.
fn idp_key(n: u8) -> orgwarden::core::token::SigningKeys {
    common::key(0x40 + n, &format!("idp-{n}"))
}

/// A bearer token for carol signed with [`idp_key`]`(n)`.
fn idp_token(n: u8) -> String {
    let claims = serde_json::json!({"iss": "https://idp.example/", "aud": "https://api.example.com", "sub": "carol", "iat": 1_700_000_000, "exp": 2_000_000_000});
    format!(
        "Bearer {}",
        orgwarden::core::token::sign(&idp_key(n), &claims).unwrap()
    )
}

/// The table's gate trusting the IdP, whose keys are at a JWKS URL.
fn idp_gate(table: &Table) -> Gate {
    let mut config = table.config.clone();
    config["issuers"] = serde_json::json!([{"issuer": "https://idp.example/", "audience": "https://api.example.com", "tenant": "acme", "jwks_uri": "https://idp.example/jwks"}]);
    gate_for(table, config)
}

#[test]
fn jwks_urls_are_fetched_on_unknown_kids_at_most_once_per_30_seconds() {
    let table = load();
    let (store, _) = seed(&table.store);
    let gate = idp_gate(&table);

    let idp = Idp::serving(&store, 1);
    let ask_idp = |t: &str, now: i64| {
        block_on(gate.authorize(
            &idp,
            &ProxyRequest {
                method: "GET",
                path: "/apps/billing/devices",
                authorization: Some(t),
                api_key: None,
            },
            now,
        ))
    };
    assert_eq!(code(&ask_idp(&idp_token(1), NOW_MS)), "forward");
    assert_eq!(idp.fetches.get(), 1);
    assert_eq!(code(&ask_idp(&idp_token(1), NOW_MS + 1)), "forward");
    assert_eq!(idp.fetches.get(), 1, "known kid: no fetch");
    // The IdP rotates; the new kid is unknown here.
    *idp.jwks.borrow_mut() = idp_key(2).verification_keys().to_jwks().to_json();
    assert_eq!(
        code(&ask_idp(&idp_token(2), NOW_MS + 29_000)),
        "token_unknown_kid"
    );
    assert_eq!(idp.fetches.get(), 1, "within 30 s of the last fetch");
    assert_eq!(code(&ask_idp(&idp_token(2), NOW_MS + 30_000)), "forward");
    assert_eq!(idp.fetches.get(), 2);
    // A failed fetch keeps the keys held.
    idp.up.set(false);
    assert_eq!(
        code(&ask_idp(&idp_token(3), NOW_MS + 70_000)),
        "token_unknown_kid"
    );
    assert_eq!(idp.fetches.get(), 3);
    assert_eq!(code(&ask_idp(&idp_token(2), NOW_MS + 70_001)), "forward");
    assert_eq!(gate.metrics().jwks_fetches, 3);
}

/// A store whose every call waits once before answering, so that two
/// requests interleave at each await as they would in one isolate.
struct Yielding<'s>(&'s MemoryStore);

struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}

impl Store for Yielding<'_> {
    async fn get(&self, key: &str) -> Result<Option<String>, orgwarden::store::StoreError> {
        YieldOnce(false).await;
        self.0.get(key).await
    }
    async fn put(
        &self,
        key: &str,
        value: &str,
        metadata: Option<&str>,
    ) -> Result<(), orgwarden::store::StoreError> {
        self.0.put(key, value, metadata).await
    }
    async fn delete(&self, key: &str) -> Result<(), orgwarden::store::StoreError> {
        self.0.delete(key).await
    }
    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<orgwarden::store::ListPage, orgwarden::store::StoreError> {
        YieldOnce(false).await;
        self.0.list(prefix, cursor, limit).await
    }
}

#[test]
fn interleaved_requests_share_the_gate_without_conflict() {
    let table = load();
    let (store, keys) = seed(&table.store);
    let store = Yielding(&store);
    let facts = StoreFacts::new(&store);
    let gate = gate_for(&table, table.config.clone());
    let creds: Vec<String> = vec![
        format!("Bearer {}", table.tokens["alice"].token),
        format!("Bearer {}", keys["alice-key"]),
        format!("Bearer {}", table.tokens["dave-old"].token),
        format!("Bearer {}", keys["reader"]),
    ];
    let requests: Vec<ProxyRequest<'_>> = creds
        .iter()
        .map(|c| ProxyRequest {
            method: "GET",
            path: "/apps/billing/devices",
            authorization: Some(c),
            api_key: None,
        })
        .collect();
    let mut futures: Vec<_> = requests
        .iter()
        .map(|r| Box::pin(gate.authorize(&facts, r, NOW_MS)))
        .collect();
    // Poll all of them round-robin until every one is done.
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut done: Vec<Option<Decision>> = futures.iter().map(|_| None).collect();
    while done.iter().any(Option::is_none) {
        for (f, slot) in futures.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                if let std::task::Poll::Ready(d) = f.as_mut().poll(&mut cx) {
                    *slot = Some(d);
                }
            }
        }
    }
    let codes: Vec<String> = done
        .iter()
        .map(|d| code(d.as_ref().unwrap()).to_owned())
        .collect();
    assert_eq!(codes, ["forward", "forward", "token_revoked", "forward"]);
}

/// A gate that leaves the equation to its host asks for it once per new
/// token, takes the host's answer, and takes it only for the check it asked.
#[test]
fn a_host_verdict_decides_and_is_bound_to_its_check() {
    use orgwarden::proxy::{Started, Step};
    let table = load();
    let (store, _) = seed(&table.store);
    let gate = gate_for(&table, table.config.clone()).with_host_signatures();
    let carol = format!("Bearer {}", table.tokens["carol"].token);
    let bob = format!("Bearer {}", table.tokens["bob"].token);
    let request = |authorization: &str| {
        let req = ProxyRequest {
            method: "GET",
            path: "/apps/billing/devices",
            authorization: Some(authorization),
            api_key: None,
        };
        match gate.start(&req, NOW_MS) {
            Started::Pending(p) => p,
            Started::Done(d) => panic!("decided at once: {d:?}"),
        }
    };
    let signature_need = |step: Step| match step {
        Step::Need(needs) => match needs.as_slice() {
            [need @ Need::Signature(_)] => need.clone(),
            other => panic!("asked {other:?}"),
        },
        Step::Done(d) => panic!("decided {d:?}"),
    };
    // The host says no: refused as a bad signature, nothing cached.
    let mut p = request(&carol);
    let need = signature_need(gate.advance(&mut p, NOW_MS));
    gate.supply(&mut p, need, Ok(Fact::Signature(false)), NOW_MS);
    match gate.advance(&mut p, NOW_MS) {
        Step::Done(d) => assert_eq!(code(&d), "token_bad_signature"),
        Step::Need(n) => panic!("asked {n:?}"),
    }
    // Carol's verdict is not Bob's: Bob's check is asked again.
    let mut carol_p = request(&carol);
    let carol_need = signature_need(gate.advance(&mut carol_p, NOW_MS));
    let mut p = request(&bob);
    let bob_need = signature_need(gate.advance(&mut p, NOW_MS));
    assert_ne!(carol_need, bob_need);
    gate.supply(&mut p, carol_need, Ok(Fact::Signature(true)), NOW_MS);
    assert_eq!(signature_need(gate.advance(&mut p, NOW_MS)), bob_need);
    // The host says yes: decided with the store's facts, then cached.
    let Need::Signature(check) = &bob_need else {
        unreachable!()
    };
    assert!(check.verify_here());
    let decision = block_on(async {
        gate.supply(&mut p, bob_need.clone(), Ok(Fact::Signature(true)), NOW_MS);
        for _ in 0..4 {
            match gate.advance(&mut p, NOW_MS) {
                Step::Done(d) => return d,
                Step::Need(needs) => {
                    for need in needs {
                        let fact = StoreFacts::new(&store).fetch(&need).await;
                        gate.supply(&mut p, need, fact, NOW_MS);
                    }
                }
            }
        }
        panic!("did not settle")
    });
    assert_eq!(decision.trace.token_cached, Some(false));
    let again = ask(&gate, &store, "/apps/billing/devices", &bob, NOW_MS);
    assert_eq!(again.trace.token_cached, Some(true));
    assert_eq!(code(&again), code(&decision));
}

/// A host that tries to decide at once and settles later goes on from what
/// `decide_now` asked: a JWKS fetch it asked for is fetched (asking again
/// would find it already marked as started and refuse the token).
#[test]
fn settle_fetches_what_decide_now_asked() {
    let table = load();
    let (store, _) = seed(&table.store);
    let gate = idp_gate(&table);
    let token = idp_token(1);
    let idp = Idp::serving(&store, 1);
    let req = ProxyRequest {
        method: "GET",
        path: "/apps/billing/devices",
        authorization: Some(&token),
        api_key: None,
    };
    let mut pending = match gate.decide_now(&req, NOW_MS) {
        Ok(d) => panic!("decided without the issuer's keys: {d:?}"),
        Err(p) => p,
    };
    assert!(matches!(pending.asked(), [Need::Jwks(_)]));
    let decision = block_on(gate.settle(&idp, &mut pending, NOW_MS));
    assert_eq!(code(&decision), "forward");
    assert_eq!(idp.fetches.get(), 1);
    // Now everything is at hand: decided at once.
    assert_eq!(code(&gate.decide_now(&req, NOW_MS + 1).unwrap()), "forward");
}

/// The worker's trust in native form: keys loaded by their encodings, no
/// equation here, `host` for the admin path ([`Authenticator::for_host`]).
fn host_authenticator(
    table: &Table,
    config: &ProxyConfig,
    host: Box<dyn SignatureHost>,
) -> Authenticator {
    let public = common::trusted().verification_keys().to_jwks();
    Authenticator::for_host(
        &table.base_url,
        KeySet::from_jwks_encodings(&public).unwrap(),
        &config.issuers,
        config.cache_capacity,
        host,
    )
}

/// A gate configured as the worker's ([`host_authenticator`]).
fn host_gate(table: &Table, config: &Value, host: Box<dyn SignatureHost>) -> Gate {
    let config = ProxyConfig::from_json_for_host(&config.to_string()).unwrap();
    let auth = host_authenticator(table, &config, host);
    Gate::new(config, Rc::new(auth))
}

/// A platform's Ed25519 stood in by ed25519-dalek, answering `answer` when
/// set, and counting what it was asked.
#[derive(Debug, Default)]
struct RustHost {
    answer: Option<Option<bool>>,
    asked: Rc<Cell<u32>>,
}

impl SignatureHost for RustHost {
    fn verify<'a>(
        &'a self,
        check: &'a SignatureCheck,
    ) -> std::pin::Pin<Box<dyn Future<Output = Option<bool>> + 'a>> {
        self.asked.set(self.asked.get() + 1);
        let answer = self.answer.unwrap_or(Some(check.verify_here()));
        Box::pin(std::future::ready(answer))
    }
}

/// The worker's gate has no equation of its own: when the host cannot
/// answer, the request is refused as unavailable (503), never decided by a
/// fallback, and nothing is counted as computed here.
#[test]
fn a_host_gate_fails_closed_when_the_host_cannot_verify() {
    use orgwarden::proxy::Step;
    let table = load();
    let gate = host_gate(&table, &table.config, Box::new(RustHost::default()));
    let Some((mut p, need)) = asking_signature(&gate, &table.tokens["bob"].token) else {
        panic!("no signature asked")
    };
    let failed = Err(FactError("WebCrypto refused".into()));
    gate.supply(&mut p, need, failed, NOW_MS);
    match gate.advance(&mut p, NOW_MS) {
        Step::Done(d) => assert_eq!(code(&d), "store_unavailable"),
        Step::Need(n) => panic!("asked {n:?}"),
    }
    let metrics = serde_json::to_value(gate.metrics()).unwrap();
    assert_eq!(metrics["signatures"]["here"], 0, "{metrics}");
}

/// The admin API's authentication in the worker awaits the host for a token
/// not in the cache, once; the host's "no" is a bad signature (401), its
/// silence a 503; a store is never asked to compute.
#[test]
fn admin_authentication_awaits_the_host() {
    use orgwarden::auth::{authenticate, Credential};
    let table = load();
    let (store, _) = seed(&table.store);
    let config = ProxyConfig::from_json_for_host(&table.config.to_string()).unwrap();
    let tenant = TenantId::new("acme").unwrap();
    let bob = table.tokens["bob"].token.as_str();
    let run = |answer: Option<Option<bool>>, times: usize| {
        let asked = Rc::new(Cell::new(0));
        let host = RustHost {
            answer,
            asked: Rc::clone(&asked),
        };
        let auth = host_authenticator(&table, &config, Box::new(host));
        let facts = StoreFacts::new(&store);
        let results: Vec<_> = (0..times)
            .map(|_| {
                block_on(authenticate(
                    &auth,
                    Credential::Token(bob),
                    &tenant,
                    NOW_MS,
                    &facts,
                ))
            })
            .collect();
        (results, asked.get())
    };
    let (ok, asked) = run(None, 2);
    assert!(ok.iter().all(Result::is_ok), "{ok:?}");
    assert_eq!(asked, 1, "the second call is answered by the token cache");
    let (refused, _) = run(Some(Some(false)), 1);
    assert_eq!(refused[0].as_ref().unwrap_err().code, "token_bad_signature");
    let (silent, _) = run(Some(None), 1);
    let e = silent[0].as_ref().unwrap_err();
    assert_eq!((e.status, e.code), (503, "store_unavailable"));
    // A store computes no signature.
    let gate = host_gate(&table, &table.config, Box::new(RustHost::default()));
    let Some((_, Need::Signature(check))) = asking_signature(&gate, bob) else {
        panic!("no signature asked")
    };
    let asked = block_on(StoreFacts::new(&store).fetch(&Need::Signature(check)));
    assert!(asked.is_err());
}

/// A request with `token` to a host gate, stopped at the signature check it
/// asks for (and nothing else).
fn asking_signature(gate: &Gate, token: &str) -> Option<(Box<orgwarden::proxy::Pending>, Need)> {
    use orgwarden::proxy::{Started, Step};
    let authorization = format!("Bearer {token}");
    let req = ProxyRequest {
        method: "GET",
        path: "/apps/billing/devices",
        authorization: Some(&authorization),
        api_key: None,
    };
    let Started::Pending(mut p) = gate.start(&req, NOW_MS) else {
        return None;
    };
    match gate.advance(&mut p, NOW_MS) {
        Step::Need(needs) => match <[Need; 1]>::try_from(needs) {
            Ok([need @ Need::Signature(_)]) => Some((p, need)),
            _ => None,
        },
        Step::Done(_) => None,
    }
}
