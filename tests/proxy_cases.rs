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

use std::collections::BTreeMap;

use base64ct::Encoding;
use common::{Mutate, SignWith};
use orgwarden::admin::records::{
    Grant, ListingMeta, Membership, OrgState, Organization, User, UserState,
};
use orgwarden::ids::{OrgId, RoleId, TenantId, UserId};
use orgwarden::proxy::{Gate, NoFetch, Outcome, ProxyConfig, ProxyRequest};
use orgwarden::rights::RightSet;
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
    let table = load();
    let (store, _) = seed(&table.store);
    let config = ProxyConfig::from_json(&table.config.to_string()).unwrap();
    let gate = Gate::new(
        config,
        &table.base_url,
        common::trusted().verification_keys(),
    );
    assert!(table.requests.len() >= 30);
    // Twice: cold, then from the isolate caches; the answers must not change.
    for round in ["cold", "cached"] {
        for case in &table.requests {
            let (authorization, api_key) = headers(&table, case.credential.as_deref());
            let decision = block_on(gate.authorize(
                &store,
                &NoFetch,
                &ProxyRequest {
                    method: &case.method,
                    path: &case.path,
                    authorization: authorization.as_deref(),
                    api_key: api_key.as_deref(),
                },
                NOW_MS,
            ));
            let at = format!("{} ({round})", case.name);
            let e = &case.expect;
            match decision.outcome {
                Outcome::Forward(identity) => {
                    assert_eq!(e.status, 200, "{at}: forwarded");
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
                            d.www_authenticate
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
