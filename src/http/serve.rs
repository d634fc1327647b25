//! The whole of orgwarden's own HTTP surface, platform-free: one request in,
//! one response out, or `None` when the path is the proxy's.
//!
//! Reads run here against the store the adapter hands in (Workers KV at the
//! edge). Writes go through a [`Writer`]: [`Local`] plans and commits on the
//! same store (native tests, tools); the worker's writer sends them to the
//! tenant's single writer, which runs [`write`](fn@write) against its own storage.

use serde::{Deserialize, Serialize};

use super::admin::{self, AdminCall, Draw};
use super::message::{Method, Request, Response};
use super::oauth;
use super::table::{resolve, Op, Params, Resolved};
use super::wire::{AdminRequest, Recorder, Replay};
use crate::admin::command::{self, Command, Done};
use crate::admin::{AdminError, Ctx};
use crate::auth::{self, extract as credential, Authenticator, Secret};
use crate::core::ids::TenantId;
use crate::core::password::secrets_equal;
use crate::core::problem::Problem;
use crate::core::token::KeySet;
use crate::core::token::TokenSigner;
use crate::notify::record::Channel;
use crate::store::facts::StoreFacts;
use crate::store::plan::{commit, Plan};
use crate::store::Store;

/// The deployment's configuration and what the platform supplies per
/// request (the clock, random bytes).
pub struct Deployment<'a> {
    /// `PUBLIC_BASE_URL`, without a trailing slash.
    pub base_url: &'a str,
    /// The deployment's active signing key.
    pub signer: &'a dyn TokenSigner,
    /// Their public set (the JWKS).
    pub public: &'a KeySet,
    /// Who the deployment trusts.
    pub auth: &'a Authenticator,
    /// `OPERATOR_KEY`: the bearer secret of the operator's endpoints.
    pub operator_key: Option<&'a str>,
    /// `DIRECTORY_KEY`: the bearer secret(s) of the directory endpoint.
    pub directory_key: Option<&'a str>,
    /// The operator's metrics (`GET /api/v1/metrics`), made on demand.
    pub metrics: &'a dyn Fn() -> serde_json::Value,
    /// Randomness and password hashing.
    pub draw: &'a dyn Draw,
    /// Now, Unix milliseconds.
    pub now_ms: i64,
    /// Failed sign-ins of this isolate; `None`: not counted.
    pub throttle: Option<&'a crate::auth::throttle::Throttle>,
}

impl core::fmt::Debug for Deployment<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Deployment")
            .field("base_url", &self.base_url)
            .field("now_ms", &self.now_ms)
            .finish_non_exhaustive()
    }
}

/// Who asks for a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Authority {
    /// The deployment's operator (its key was checked by the edge).
    Operator,
    /// A caller's credential, authenticated by the writer itself.
    Credential {
        /// `Authorization`.
        authorization: Option<Secret>,
        /// `X-API-Key`.
        api_key: Option<Secret>,
    },
    /// No credential: a new person accepting an invitation, whose token is
    /// the authority.
    Anonymous,
    /// The platform itself (the notification queue's consumer).
    Internal,
}

/// A write on its way to the tenant's writer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteRequest {
    /// The tenant.
    pub tenant: TenantId,
    /// Who asks.
    pub authority: Authority,
    /// What to do.
    pub call: Call,
}

/// What a write does, as it travels (externally tagged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Call {
    /// An admin request as the edge read it, with what the edge drew
    /// ([`super::wire`]): the writer takes it apart again.
    Request(AdminRequest),
    /// The queue's dead letter for one channel of a notification (the
    /// platform's own write).
    MarkUndelivered {
        /// The notification's ID.
        notification: String,
        /// The channel that gave up.
        channel: Channel,
    },
}

impl WriteRequest {
    /// The command, taken apart from the request as the edge did, with the
    /// edge's draws replayed.
    pub async fn command(&self) -> Result<Command, AdminError> {
        let r = match &self.call {
            Call::MarkUndelivered {
                notification,
                channel,
            } => {
                return Ok(Command::MarkUndelivered {
                    notification: notification.clone(),
                    channel: *channel,
                })
            }
            Call::Request(r) => r,
        };
        let req = match &self.authority {
            Authority::Credential {
                authorization,
                api_key,
            } => r.to_request(authorization.as_ref(), api_key.as_ref()),
            _ => r.to_request(None, None),
        };
        let Resolved::Found(op, params) = resolve(&r.method, &r.path) else {
            return Err(AdminError::invalid("not a write"));
        };
        let mismatch = || {
            AdminError::new(
                500,
                "replay_mismatch",
                "the writer could not take the write apart as the edge did; nothing was changed",
            )
        };
        let replay = Replay::new(&r.drawn).ok_or_else(mismatch)?;
        let (tenant, command, _) = admin::write_command(op, &params, &req, &replay).await?;
        if !replay.finished() {
            return Err(mismatch());
        }
        if tenant != self.tenant {
            return Err(AdminError::invalid("the write is for another tenant"));
        }
        Ok(command)
    }
}

/// Where writes go.
#[allow(
    async_fn_in_trait,
    reason = "single-threaded adapters; no Send bound wanted"
)]
pub trait Writer {
    /// Authenticates, plans and commits `w`; the operation's answer.
    async fn write(&self, w: WriteRequest) -> Result<Done, AdminError>;
}

/// Plans `w` against `store`: takes its request apart as the edge did (the
/// edge's draws replayed, [`WriteRequest::command`]), checks that the
/// authority is the command's kind, authenticates it with facts read fresh
/// from the same store, then plans the command. What the tenant's single
/// writer runs; nothing is written.
pub async fn write<S: Store + ?Sized>(
    store: &S,
    auth: &Authenticator,
    now_ms: i64,
    w: WriteRequest,
) -> Result<(Done, Plan), AdminError> {
    let command = w.command().await?;
    let caller = match (&w.authority, &command) {
        (Authority::Operator, Command::CreateTenant { .. })
        | (Authority::Internal, Command::MarkUndelivered { .. })
        | (
            Authority::Anonymous,
            Command::AcceptInvitation {
                register: Some(_), ..
            },
        ) => None,
        (
            Authority::Credential {
                authorization,
                api_key,
            },
            c,
        ) if !matches!(
            c,
            Command::CreateTenant { .. }
                | Command::MarkUndelivered { .. }
                | Command::AcceptInvitation {
                    register: Some(_),
                    ..
                }
        ) =>
        {
            let credential = credential(
                authorization.as_ref().map(Secret::expose),
                api_key.as_ref().map(Secret::expose),
            )
            .map_err(auth::Denial::credential)?;
            let facts = StoreFacts::new(store);
            Some(auth::authenticate(auth, credential, &w.tenant, now_ms, &facts).await?)
        }
        _ => {
            return Err(AdminError::new(
                403,
                "insufficient_rights",
                "this operation is not the caller's to run",
            ))
        }
    };
    let operator = auth::Caller::anonymous();
    let ctx = Ctx {
        store,
        tenant: &w.tenant,
        now_ms,
        caller: caller.as_ref().unwrap_or(&operator),
    };
    command::plan(&ctx, command).await
}

/// A writer on the store the reads use: plans and commits in order.
#[derive(Debug)]
pub struct Local<'s, S: ?Sized> {
    /// The store.
    pub store: &'s S,
    /// The trust.
    pub auth: &'s Authenticator,
    /// Now, Unix milliseconds.
    pub now_ms: i64,
}

impl<S: Store + ?Sized> Writer for Local<'_, S> {
    async fn write(&self, w: WriteRequest) -> Result<Done, AdminError> {
        let (done, plan) = write(self.store, self.auth, self.now_ms, w).await?;
        commit(self.store, &plan).await?;
        Ok(done)
    }
}

/// Answers `req`, or `None` when the path belongs to the proxy.
pub async fn handle<S: Store + ?Sized, W: Writer>(
    store: &S,
    writer: &W,
    d: &Deployment<'_>,
    req: &Request,
) -> Option<Response> {
    let (op, params) = match resolve(req.method.as_str(), &req.path) {
        Resolved::Elsewhere => return None,
        Resolved::NotFound => return Some(Response::error(&AdminError::not_found("endpoint"))),
        Resolved::NotAllowed(allow) => return Some(Response::method_not_allowed(&allow)),
        Resolved::Found(op, params) => (op, params),
    };
    let mut r = route(store, writer, d, op, &params, req).await;
    if req.method == Method::Head {
        r.body.clear();
    }
    Some(r)
}

async fn route<S: Store + ?Sized, W: Writer>(
    store: &S,
    writer: &W,
    d: &Deployment<'_>,
    op: Op,
    params: &Params,
    req: &Request,
) -> Response {
    match op {
        Op::Health => Response::json(200, &serde_json::json!({"status": "ok"})),
        Op::Jwks | Op::TenantJwks => {
            if op == Op::TenantJwks && TenantId::new(params.get("tenant")).is_err() {
                return Response::error(&AdminError::not_found("tenant"));
            }
            Response::json(200, &d.public.to_jwks()).with("cache-control", "public, max-age=300")
        }
        Op::CreateTenant => create_tenant(writer, d, req).await,
        Op::AcceptInvitation => accept_invitation(writer, d, params, req)
            .await
            .unwrap_or_else(|e| Response::error(&e)),
        Op::Metrics => metrics(d, req),
        Op::DirectoryEpochs
        | Op::DirectoryGrants
        | Op::DirectoryApiKey
        | Op::DirectoryPrincipal => super::directory::answer(store, d, op, params, req).await,
        Op::Token | Op::Discovery => {
            let tenant = match admin::tenant(params) {
                Ok(t) => t,
                Err(e) => return Response::error(&e),
            };
            if op == Op::Token {
                oauth::token(store, d, &tenant, req).await
            } else {
                oauth::discovery(store, d, &tenant).await
            }
        }
        _ => admin_call(store, writer, d, op, params, req)
            .await
            .unwrap_or_else(|e| Response::error(&e)),
    }
}

async fn admin_call<S: Store + ?Sized, W: Writer>(
    store: &S,
    writer: &W,
    d: &Deployment<'_>,
    op: Op,
    params: &Params,
    req: &Request,
) -> Result<Response, AdminError> {
    let tenant = admin::tenant(params)?;
    let presented = credential(req.authorization.as_deref(), req.api_key.as_deref())
        .map_err(auth::Denial::credential)?;
    let recorder = Recorder::new(d.draw);
    match admin::parse(op, params, req, &recorder).await? {
        AdminCall::Read(query, mask) => {
            let facts = StoreFacts::new(store);
            let caller = auth::authenticate(d.auth, presented, &tenant, d.now_ms, &facts).await?;
            let ctx = Ctx {
                store,
                tenant: &tenant,
                now_ms: d.now_ms,
                caller: &caller,
            };
            let done = command::query(&ctx, query).await?;
            Ok(admin::render(done, mask.as_deref(), None))
        }
        AdminCall::Write(_, shown) => {
            let authority = Authority::Credential {
                authorization: req.authorization.clone().map(Secret::new),
                api_key: req.api_key.clone().map(Secret::new),
            };
            let done = send(writer, tenant, authority, req, recorder).await?;
            Ok(admin::render(done, None, shown.as_ref()))
        }
    }
}

/// Sends a write the edge took apart (refusing bad input before anything
/// travels) to the tenant's writer: the request and what the edge drew for
/// it ([`super::wire`]).
async fn send<W: Writer>(
    writer: &W,
    tenant: TenantId,
    authority: Authority,
    req: &Request,
    recorder: Recorder<'_>,
) -> Result<Done, AdminError> {
    let w = WriteRequest {
        tenant,
        authority,
        call: Call::Request(AdminRequest::of(req, recorder)),
    };
    writer.write(w).await
}

/// The request's `Authorization: Bearer` value (the scheme in any case), if any.
pub(super) fn bearer(req: &Request) -> Option<&str> {
    let (scheme, value) = req.authorization.as_deref()?.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| value.trim())
}

/// Whether the request carries the operator key as its bearer credential.
fn operator(d: &Deployment<'_>, req: &Request) -> Result<(), Response> {
    let Some(expected) = d.operator_key.filter(|k| !k.is_empty()) else {
        return Err(Response::problem(&Problem::new(
            503,
            "operator_key_unset",
            "OPERATOR_KEY is not configured",
        )));
    };
    match bearer(req) {
        None => Err(Response::denial(&auth::Denial::unauthorized(
            "credential_missing",
            "the operator key is required as a Bearer credential",
        ))),
        Some(p) if !secrets_equal(expected, p) => Err(Response::denial(
            &auth::Denial::unauthorized("credential_invalid", "wrong operator key"),
        )),
        Some(_) => Ok(()),
    }
}

async fn create_tenant<W: Writer>(writer: &W, d: &Deployment<'_>, req: &Request) -> Response {
    if let Err(r) = operator(d, req) {
        return r;
    }
    let recorder = Recorder::new(d.draw);
    let result = async {
        let (tenant, ..) =
            admin::write_command(Op::CreateTenant, &Params::default(), req, &recorder).await?;
        send(writer, tenant, Authority::Operator, req, recorder).await
    }
    .await;
    match result {
        Ok(done) => admin::render(done, None, None),
        Err(e) => Response::error(&e),
    }
}

/// `POST /t/{tenant}/api/v1/invitations/{token}/accept`: signed in, the
/// caller's credential is the authority; otherwise the invitation's token is,
/// and the body registers the new user ([`admin::write_command`]).
async fn accept_invitation<W: Writer>(
    writer: &W,
    d: &Deployment<'_>,
    params: &Params,
    req: &Request,
) -> Result<Response, AdminError> {
    let authority = if req.authorization.is_some() || req.api_key.is_some() {
        Authority::Credential {
            authorization: req.authorization.clone().map(Secret::new),
            api_key: req.api_key.clone().map(Secret::new),
        }
    } else {
        Authority::Anonymous
    };
    let recorder = Recorder::new(d.draw);
    let (tenant, ..) = admin::write_command(Op::AcceptInvitation, params, req, &recorder).await?;
    let done = send(writer, tenant, authority, req, recorder).await?;
    Ok(admin::render(done, None, None))
}

/// `GET /api/v1/metrics`: this isolate's counters, for the operator.
fn metrics(d: &Deployment<'_>, req: &Request) -> Response {
    if let Err(r) = operator(d, req) {
        return r;
    }
    Response::json(200, &(d.metrics)()).with("cache-control", "no-store")
}
