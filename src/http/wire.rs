//! A write on its way from the edge to the tenant's writer.
//!
//! The edge takes an admin request apart ([`super::admin::write_command`]) to
//! refuse bad input at once and to draw what the write needs: random bytes
//! for key material, invitation tokens and salts, and password hashes from
//! the platform's PBKDF2. What travels is the request as the edge read it and
//! what it drew ([`Drawn`]); the writer takes the request apart again with
//! the same parser, the draws replayed ([`Replay`]), and gets the same
//! [`Command`](crate::admin::command::Command). So the command needs no
//! wire form of its own: its deserializer was the largest function in the
//! worker's module (docs/performance.md), and one parser for both sides
//! cannot drift.
//!
//! What the edge sends the writer includes the request body as read (a
//! password too, for the operations that set one) and the random bytes a new
//! API key's secret is made of: the writer is the same deployment's code, it
//! derives nothing from the password (the edge's PBKDF2 result is replayed),
//! and neither is stored or logged (docs/store.md).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;

use base64ct::{Base64UrlUnpadded, Encoding};
use serde::{Deserialize, Serialize};

use super::admin::Draw;
use super::message::{Method, Request};
use super::table::{resolve, Resolved};
use crate::auth::Secret;
use crate::core::password::Kdf;

/// An admin request as the edge read it. Its `Debug` shows neither the body
/// nor what was drawn.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminRequest {
    /// Method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// Query, without `?`.
    pub query: String,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// The body; the edge parsed it as JSON, so it is UTF-8.
    pub body: Secret,
    /// What the edge drew while taking the request apart.
    pub drawn: Drawn,
}

/// The operation, not the path: an invitation's token is a path segment.
impl core::fmt::Debug for AdminRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let op = match resolve(&self.method, &self.path) {
            Resolved::Found(op, _) => Some(op),
            _ => None,
        };
        f.debug_struct("AdminRequest")
            .field("method", &self.method)
            .field("op", &op)
            .field("body", &format_args!("{} bytes", self.body.expose().len()))
            .field("drawn", &self.drawn)
            .finish_non_exhaustive()
    }
}

impl AdminRequest {
    /// The request `req` with what `recorder` drew for it.
    pub fn of(req: &Request, recorder: Recorder<'_>) -> AdminRequest {
        AdminRequest {
            method: req.method.as_str().to_owned(),
            path: req.path.clone(),
            query: req.query.clone(),
            content_type: req.content_type.clone(),
            body: Secret::new(String::from_utf8_lossy(&req.body)),
            drawn: recorder.into_drawn(),
        }
    }

    /// The request again, with the caller's credentials (which travel in the
    /// write's authority, not here).
    pub fn to_request(&self, authorization: Option<&Secret>, api_key: Option<&Secret>) -> Request {
        Request {
            method: Method::parse(&self.method),
            path: self.path.clone(),
            query: self.query.clone(),
            authorization: authorization.map(|s| s.expose().to_owned()),
            api_key: api_key.map(|s| s.expose().to_owned()),
            content_type: self.content_type.clone(),
            client_ip: None,
            body: self.body.expose().as_bytes().to_vec(),
        }
    }
}

/// What the edge drew for one write, in the order it drew it: random byte
/// strings and PBKDF2 results (base64url), and the iteration count of new
/// password hashes.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drawn {
    random: Vec<Secret>,
    derived: Vec<Secret>,
    iterations: u32,
}

impl core::fmt::Debug for Drawn {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Drawn")
            .field("random", &self.random.len())
            .field("derived", &self.derived.len())
            .field("iterations", &self.iterations)
            .finish()
    }
}

fn encode(bytes: &[u8]) -> Secret {
    Secret::new(Base64UrlUnpadded::encode_string(bytes))
}

/// The platform's [`Draw`], keeping a copy of everything it hands out.
#[derive(Debug)]
pub struct Recorder<'a> {
    inner: &'a dyn Draw,
    drawn: RefCell<Drawn>,
}

impl<'a> Recorder<'a> {
    /// Records what `inner` draws.
    pub fn new(inner: &'a dyn Draw) -> Self {
        let drawn = Drawn {
            iterations: inner.password_iterations(),
            ..Drawn::default()
        };
        Recorder {
            inner,
            drawn: RefCell::new(drawn),
        }
    }

    /// Everything drawn so far.
    pub fn into_drawn(self) -> Drawn {
        self.drawn.into_inner()
    }
}

impl Kdf for Recorder<'_> {
    fn pbkdf2<'b>(
        &'b self,
        password: &'b [u8],
        salt: &'b [u8],
        iterations: u32,
    ) -> Pin<Box<dyn Future<Output = Option<[u8; 32]>> + 'b>> {
        Box::pin(async move {
            let key = self.inner.pbkdf2(password, salt, iterations).await?;
            self.drawn.borrow_mut().derived.push(encode(&key));
            Some(key)
        })
    }
}

impl Draw for Recorder<'_> {
    fn random(&self, buf: &mut [u8]) -> bool {
        let ok = self.inner.random(buf);
        if ok {
            self.drawn.borrow_mut().random.push(encode(buf));
        }
        ok
    }

    fn password_iterations(&self) -> u32 {
        self.drawn.borrow().iterations
    }
}

/// Hands out what the edge drew, in order. A draw it has no answer for, or
/// one of another length, fails as the platform's would: the write is
/// refused and nothing changes. Its `Debug` shows counts only.
pub struct Replay {
    random: RefCell<VecDeque<Vec<u8>>>,
    derived: RefCell<VecDeque<Vec<u8>>>,
    iterations: u32,
}

impl core::fmt::Debug for Replay {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Replay")
            .field("random", &self.random.borrow().len())
            .field("derived", &self.derived.borrow().len())
            .finish_non_exhaustive()
    }
}

fn decode(s: &Secret) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(s.expose()).ok()
}

impl Replay {
    /// Replays `drawn`; `None` when a draw is not base64url.
    pub fn new(drawn: &Drawn) -> Option<Self> {
        Some(Replay {
            random: RefCell::new(drawn.random.iter().map(decode).collect::<Option<_>>()?),
            derived: RefCell::new(drawn.derived.iter().map(decode).collect::<Option<_>>()?),
            iterations: drawn.iterations,
        })
    }

    /// Whether every draw was taken: the writer's parse drew what the
    /// edge's did, no less.
    pub fn finished(&self) -> bool {
        self.random.borrow().is_empty() && self.derived.borrow().is_empty()
    }
}

impl Kdf for Replay {
    fn pbkdf2<'b>(
        &'b self,
        _password: &'b [u8],
        _salt: &'b [u8],
        _iterations: u32,
    ) -> Pin<Box<dyn Future<Output = Option<[u8; 32]>> + 'b>> {
        let key = self
            .derived
            .borrow_mut()
            .pop_front()
            .and_then(|k| <[u8; 32]>::try_from(k).ok());
        // Ready at once: the writer's planning must not yield.
        Box::pin(core::future::ready(key))
    }
}

impl Draw for Replay {
    fn random(&self, buf: &mut [u8]) -> bool {
        match self.random.borrow_mut().pop_front() {
            Some(bytes) if bytes.len() == buf.len() => {
                buf.copy_from_slice(&bytes);
                true
            }
            _ => false,
        }
    }

    fn password_iterations(&self) -> u32 {
        self.iterations
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use serde_json::json;

    use super::*;
    use crate::admin::command::Command;
    use crate::core::ids::TenantId;
    use crate::core::password::RustKdf;
    use crate::http::admin::write_command;
    use crate::http::serve::{Authority, Call, WriteRequest};
    use crate::http::table::{resolve, Resolved};
    use crate::store::memory::block_on;

    /// A platform: counting random bytes, PBKDF2 in Rust.
    #[derive(Debug, Default)]
    struct Platform(Cell<u8>);

    static KDF: RustKdf = RustKdf;

    impl Kdf for Platform {
        fn pbkdf2<'b>(
            &'b self,
            password: &'b [u8],
            salt: &'b [u8],
            iterations: u32,
        ) -> Pin<Box<dyn Future<Output = Option<[u8; 32]>> + 'b>> {
            KDF.pbkdf2(password, salt, iterations)
        }
    }

    impl Draw for Platform {
        fn random(&self, buf: &mut [u8]) -> bool {
            for b in buf.iter_mut() {
                self.0.set(self.0.get().wrapping_add(1));
                *b = self.0.get();
            }
            true
        }
        fn password_iterations(&self) -> u32 {
            crate::core::password::MIN_ITERATIONS
        }
    }

    const PASSWORD: &str = "correct horse battery";

    /// Every kind of write that draws, and two that do not: method, path,
    /// credential, body.
    fn writes() -> Vec<(&'static str, String, bool, serde_json::Value)> {
        let a = "/t/acme/api/v1/admin";
        vec![
            (
                "POST",
                "/api/v1/tenants".into(),
                false,
                json!({"id": "newco", "name": "New", "admin": {"id": "boss", "email": "b@n.example", "password": PASSWORD}}),
            ),
            (
                "POST",
                format!("{a}/users"),
                true,
                json!({"id": "frank", "password": PASSWORD}),
            ),
            ("POST", format!("{a}/users"), true, json!({"id": "gina"})),
            (
                "POST",
                format!("{a}/organizations/team/api-keys"),
                true,
                json!({"name": "ci", "rights": ["RIGHT_ORGANIZATION_INFO"]}),
            ),
            (
                "POST",
                format!("{a}/users/bob/api-keys"),
                true,
                json!({"name": "mine", "rights": ["RIGHT_USER_INFO"]}),
            ),
            (
                "POST",
                format!("{a}/organizations/team/invitations"),
                true,
                json!({"email": "x@y.example", "role": "member"}),
            ),
            (
                "POST",
                format!("{a}/invitations"),
                true,
                json!({"email": "x@y.example"}),
            ),
            (
                "POST",
                format!("{a}/organizations/team/invitations/AAAAAAAAAAAAAAAA/resend"),
                true,
                json!({}),
            ),
            (
                "POST",
                "/t/acme/api/v1/invitations/OWI.AAAAAAAAAAAAAAAA.secret/accept".into(),
                false,
                json!({"id": "newbie", "password": PASSWORD}),
            ),
            (
                "POST",
                "/t/acme/api/v1/invitations/OWI.AAAAAAAAAAAAAAAA.secret/accept".into(),
                true,
                json!({}),
            ),
            (
                "POST",
                format!("{a}/organizations"),
                true,
                json!({"id": "dave-team", "name": "D"}),
            ),
            (
                "PUT",
                format!("{a}/organizations/team/members/bob"),
                true,
                json!({"role": "member"}),
            ),
        ]
    }

    fn request(method: &str, path: &str, signed_in: bool, body: &serde_json::Value) -> Request {
        let req = Request::new(method, path).json(body);
        if signed_in {
            req.bearer("x.y.z")
        } else {
            req
        }
    }

    fn authority(req: &Request, path: &str) -> Authority {
        if path == "/api/v1/tenants" {
            Authority::Operator
        } else if req.authorization.is_some() {
            Authority::Credential {
                authorization: req.authorization.clone().map(Secret::new),
                api_key: None,
            }
        } else {
            Authority::Anonymous
        }
    }

    /// What the edge does: takes the write apart with the platform's draws
    /// recorded, and the write request it sends.
    fn at_the_edge(req: &Request, path: &str) -> (Command, Option<Secret>, WriteRequest) {
        let Resolved::Found(op, params) = resolve(req.method.as_str(), &req.path) else {
            panic!("{path} is no endpoint");
        };
        let platform = Platform::default();
        let recorder = Recorder::new(&platform);
        let (tenant, command, shown) = block_on(write_command(op, &params, req, &recorder))
            .unwrap_or_else(|e| panic!("{path}: {e:?}"));
        let w = WriteRequest {
            tenant,
            authority: authority(req, path),
            call: Call::Request(AdminRequest::of(req, recorder)),
        };
        (command, shown, w)
    }

    #[test]
    fn the_writer_takes_every_write_apart_as_the_edge_did() {
        for (method, path, signed_in, body) in writes() {
            let req = request(method, &path, signed_in, &body);
            let (command, _, w) = at_the_edge(&req, &path);
            // Across the wire and back, then taken apart with the draws replayed.
            let text = serde_json::to_vec(&w).unwrap();
            let back: WriteRequest = serde_json::from_slice(&text).unwrap();
            assert_eq!(back, w, "{path}");
            assert_eq!(block_on(back.command()).unwrap(), command, "{path}");
        }
    }

    #[test]
    fn what_was_drawn_is_what_the_command_holds() {
        let body = json!({"name": "ci", "rights": ["RIGHT_ORGANIZATION_INFO"]});
        let path = "/t/acme/api/v1/admin/organizations/team/api-keys";
        let (first, shown, w) = at_the_edge(&request("POST", path, true, &body), path);
        assert!(shown.is_some(), "the new key is shown once, at the edge");
        // Another platform draws other bytes: the replay never draws anew.
        let Call::Request(r) = &w.call else { panic!() };
        let mut other = r.clone();
        other.drawn = Drawn::default();
        let again = WriteRequest {
            call: Call::Request(other),
            ..w.clone()
        };
        let e = block_on(again.command()).unwrap_err();
        assert_eq!((e.status, &*e.code), (500, "no_randomness"));
        assert_eq!(block_on(w.command()).unwrap(), first);
    }

    #[test]
    fn a_password_hash_is_replayed_not_derived_again() {
        let body = json!({"id": "frank", "password": PASSWORD});
        let path = "/t/acme/api/v1/admin/users";
        let (command, _, w) = at_the_edge(&request("POST", path, true, &body), path);
        let Command::CreateUser {
            password_hash: Some(hash),
            ..
        } = &command
        else {
            panic!("{command:?}")
        };
        assert_eq!(
            crate::core::password::verify(PASSWORD, hash.expose()),
            Ok(true)
        );
        // Without the edge's derived key the writer has no hash to give.
        let Call::Request(r) = &w.call else { panic!() };
        let mut r = r.clone();
        r.drawn.derived.clear();
        let w = WriteRequest {
            call: Call::Request(r),
            ..w
        };
        let e = block_on(w.command()).unwrap_err();
        assert_eq!(e.status, 503);
    }

    #[test]
    fn a_request_for_another_tenant_or_no_write_is_refused() {
        let body = json!({"id": "dave-team", "name": "D"});
        let path = "/t/acme/api/v1/admin/organizations";
        let (_, _, w) = at_the_edge(&request("POST", path, true, &body), path);
        let elsewhere = WriteRequest {
            tenant: TenantId::new("other").unwrap(),
            ..w.clone()
        };
        assert_eq!(block_on(elsewhere.command()).unwrap_err().status, 400);
        let Call::Request(r) = &w.call else { panic!() };
        for (method, path) in [
            ("GET", path),
            ("POST", "/t/acme/api/v1/nothing"),
            ("GET", "/apps"),
        ] {
            let mut r = r.clone();
            (r.method, r.path) = (method.into(), path.into());
            let read = WriteRequest {
                call: Call::Request(r),
                ..w.clone()
            };
            assert!(block_on(read.command()).is_err(), "{method} {path}");
        }
    }

    #[test]
    fn debug_shows_no_body_and_nothing_drawn() {
        let body = json!({"id": "frank", "password": PASSWORD});
        let path = "/t/acme/api/v1/admin/users";
        let (_, _, w) = at_the_edge(&request("POST", path, true, &body), path);
        let text = format!("{w:?}");
        assert!(
            !text.contains(PASSWORD) && !text.contains("x.y.z"),
            "{text}"
        );
        let Call::Request(r) = &w.call else { panic!() };
        for s in r.drawn.random.iter().chain(&r.drawn.derived) {
            assert!(!text.contains(s.expose()), "{text}");
        }
        assert!(
            text.contains("random: 1") && text.contains("derived: 1"),
            "{text}"
        );
    }
    /// Plans `w` on an empty store; the error's code, or "planned".
    fn outcome(w: WriteRequest) -> String {
        use crate::core::token::keys::SigningKeys;
        let keys = SigningKeys::from_entries(vec![SigningKeys::generate(&[7; 32], None)]).unwrap();
        let auth = crate::auth::Authenticator::new(
            "https://api.example",
            keys.verification_keys(),
            &[],
            10,
        );
        let store = crate::store::memory::MemoryStore::new();
        match block_on(crate::http::serve::write(
            &store,
            &auth,
            1_800_000_000_000,
            w,
        )) {
            Ok(_) => "planned".into(),
            Err(e) => e.code.into_owned(),
        }
    }

    fn with(w: &WriteRequest, authority: Authority) -> WriteRequest {
        WriteRequest {
            authority,
            ..w.clone()
        }
    }

    #[test]
    fn each_write_runs_only_with_its_kind_of_authority() {
        let credential = Authority::Credential {
            authorization: Some(Secret::new("Bearer x.y.z")),
            api_key: None,
        };
        let nobody = Authority::Credential {
            authorization: None,
            api_key: None,
        };
        let edge = |method, path, signed_in, body: serde_json::Value| {
            at_the_edge(&request(method, path, signed_in, &body), path).2
        };
        let tenant = edge(
            "POST",
            "/api/v1/tenants",
            false,
            json!({"id": "newco", "name": "New", "admin": {"id": "boss", "email": "b@n.example", "password": PASSWORD}}),
        );
        let accept = "/t/acme/api/v1/invitations/OWI.AAAAAAAAAAAAAAAA.secret/accept";
        let register = edge(
            "POST",
            accept,
            false,
            json!({"id": "newbie", "password": PASSWORD}),
        );
        let joining = edge("POST", accept, true, json!({}));
        let org = edge(
            "POST",
            "/t/acme/api/v1/admin/organizations",
            true,
            json!({"id": "dave-team", "name": "D"}),
        );
        let undelivered = WriteRequest {
            tenant: TenantId::new("acme").unwrap(),
            authority: Authority::Internal,
            call: Call::MarkUndelivered {
                notification: "n1".into(),
                channel: crate::notify::record::Channel::Email,
            },
        };
        let refused = "insufficient_rights";
        // Each write with its own authority gets past the check (to planning,
        // authentication, or the missing invitation).
        for w in [&tenant, &register, &joining, &org, &undelivered] {
            assert_ne!(outcome(w.clone()), refused, "{w:?}");
        }
        // Every other authority is refused before anything is read.
        for a in [
            credential.clone(),
            Authority::Anonymous,
            Authority::Internal,
        ] {
            assert_eq!(outcome(with(&tenant, a)), refused);
        }
        for a in [Authority::Operator, Authority::Internal, nobody] {
            assert_eq!(outcome(with(&register, a)), refused);
        }
        for a in [
            Authority::Operator,
            Authority::Internal,
            Authority::Anonymous,
        ] {
            assert_eq!(outcome(with(&org, a)), refused);
        }
        for a in [Authority::Operator, credential, Authority::Anonymous] {
            assert_eq!(outcome(with(&undelivered, a)), refused);
        }
        // A signed-in acceptance sent without its credential is taken apart
        // as a registration, and its body registers nobody.
        assert_eq!(
            outcome(with(&joining, Authority::Anonymous)),
            "invalid_request"
        );
    }

    #[test]
    fn an_api_key_accepts_as_a_signed_in_caller() {
        let path = "/t/acme/api/v1/invitations/OWI.AAAAAAAAAAAAAAAA.secret/accept";
        let mut req = request("POST", path, false, &json!({}));
        req.api_key = Some("OWK.KEYID.secret".into());
        let (command, _, mut w) = at_the_edge(&req, path);
        w.authority = Authority::Credential {
            authorization: None,
            api_key: req.api_key.clone().map(Secret::new),
        };
        assert!(matches!(
            command,
            Command::AcceptInvitation { register: None, .. }
        ));
        assert_eq!(block_on(w.command()).unwrap(), command);
    }

    #[test]
    fn draws_left_over_or_unreadable_refuse_the_write() {
        let path = "/t/acme/api/v1/admin/organizations";
        let (_, _, w) = at_the_edge(
            &request("POST", path, true, &json!({"id": "d", "name": "D"})),
            path,
        );
        let Call::Request(r) = &w.call else { panic!() };
        for extra in ["AAAA", "not base64!"] {
            let mut r = r.clone();
            r.drawn.random.push(Secret::new(extra));
            let w = WriteRequest {
                call: Call::Request(r),
                ..w.clone()
            };
            let e = block_on(w.command()).unwrap_err();
            assert_eq!((e.status, &*e.code), (500, "replay_mismatch"), "{extra}");
        }
    }

    #[test]
    fn an_invitation_token_in_the_path_stays_out_of_debug() {
        let path = "/t/acme/api/v1/invitations/OWI.AAAAAAAAAAAAAAAA.sekrit/accept";
        let (_, _, w) = at_the_edge(
            &request(
                "POST",
                path,
                false,
                &json!({"id": "n", "password": PASSWORD}),
            ),
            path,
        );
        let text = format!("{w:?}");
        assert!(
            !text.contains("sekrit") && text.contains("AcceptInvitation"),
            "{text}"
        );
        let Call::Request(r) = &w.call else { panic!() };
        let replay = Replay::new(&r.drawn).unwrap();
        let text = format!("{replay:?}");
        for s in r.drawn.random.iter().chain(&r.drawn.derived) {
            assert!(!text.contains(s.expose()), "{text}");
        }
    }
}
