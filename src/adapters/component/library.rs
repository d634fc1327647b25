//! World `orgwarden:authz/library`: the gate, token verification and rights
//! for a gateway that embeds the component. Facts come from the host's
//! `directory` import, in the directory endpoint's JSON documents.
#![allow(
    unsafe_code,
    reason = "the bindings wit-bindgen generates (canonical ABI glue); no other unsafe code here"
)]

wit_bindgen::generate!({
    world: "library",
    path: "wit",
});

use std::cell::RefCell;
use std::rc::Rc;

use exports::orgwarden::authz::gate::{self as wit_gate, Settings};
use exports::orgwarden::authz::rights;
use exports::orgwarden::authz::tokens;
use orgwarden::authz::directory;
use orgwarden::authz::types::{
    Allow, Claims, Decision, Deny, EntityGrants, Membership, Problem, Request, VerifyOptions,
};

use crate::core::ids::{OrgId, UserId};
use crate::core::rights::RightSet;
use crate::core::surface::{self, Grants, SurfaceError, VerifyRequest};
use crate::core::token::{AccessClaims, Audience, KeySet};
use crate::model::facts::{Fact, FactError, FactSource, Need};
use crate::proxy::{Gate, ProxyConfig, Verdict};

thread_local! {
    /// The configured gate; one per instance (components are single-threaded).
    static GATE: RefCell<Option<Rc<Gate>>> = const { RefCell::new(None) };
}

/// Facts from the host's `directory` import.
struct HostDirectory;

impl FactSource for HostDirectory {
    async fn fetch(&self, need: &Need) -> Result<Fact, FactError> {
        let answer = match need {
            Need::Epochs(t) => directory::epochs(t.as_str()),
            Need::Grants(t, kind, id) => directory::grants(t.as_str(), kind.path(), id),
            Need::ApiKey(t, id) => directory::api_key(t.as_str(), id),
            Need::Principal(t, u) => directory::principal(t.as_str(), u.as_str()),
            Need::Jwks(url) => return Ok(Fact::Jwks(directory::jwks(url))),
            Need::Signature(check) => return Ok(Fact::Signature(check.verify_here())),
        };
        let json = answer.map_err(|e| FactError(format!("the host's directory: {e}")))?;
        Fact::from_json(need, &json)
    }
}

fn problem(code: &str, message: impl Into<String>) -> Problem {
    Problem {
        code: code.to_owned(),
        message: message.into(),
        missing: Vec::new(),
    }
}

impl From<SurfaceError> for Problem {
    fn from(e: SurfaceError) -> Self {
        problem(&e.code, e.message)
    }
}

struct Component;

impl wit_gate::Guest for Component {
    fn configure(settings: Settings) -> Result<(), Problem> {
        let config = ProxyConfig::from_json(&settings.proxy)
            .map_err(|e| problem("server_misconfigured", e.to_string()))?;
        let keys = KeySet::from_json(&settings.jwks)
            .map_err(|e| problem(e.code(), format!("jwks: {e}")))?;
        let base_url = settings.base_url.trim_end_matches('/');
        let gate = Gate::with_keys(config, base_url, keys);
        GATE.with(|g| *g.borrow_mut() = Some(Rc::new(gate)));
        Ok(())
    }

    fn authorize(request: Request) -> Decision {
        let Some(gate) = GATE.with(|g| g.borrow().clone()) else {
            let p = crate::core::problem::Problem::new(
                500,
                "server_misconfigured",
                "the gate is not configured",
            );
            return Decision::Deny(Deny {
                status: 500,
                code: p.code.to_string(),
                body: p.to_json(),
                www_authenticate: None,
            });
        };
        let verdict = super::decide(
            &gate,
            &HostDirectory,
            &request.method,
            &request.path,
            &request.headers,
        );
        match verdict {
            Verdict::Allow(a) => Decision::Allow(Allow {
                path: a.path,
                drop_headers: a.drop_headers,
                set_headers: a.set_headers,
            }),
            Verdict::Deny(d) => Decision::Deny(Deny {
                status: d.status,
                code: d.code,
                body: d.body,
                www_authenticate: d.www_authenticate,
            }),
        }
    }
}

impl tokens::Guest for Component {
    fn verify(token: String, jwks: String, options: VerifyOptions) -> Result<Claims, Problem> {
        let request = VerifyRequest {
            issuer: options.issuer,
            audience: options.audience,
            leeway: options.leeway_secs,
            now: None,
        };
        let verified = surface::verify(&token, &jwks, &request, super::now_ms() / 1000)?;
        Ok(claims(verified.claims))
    }
}

fn claims(c: AccessClaims) -> Claims {
    Claims {
        iss: c.iss,
        sub: c.sub,
        aud: match c.aud {
            Audience::One(a) => vec![a],
            Audience::Many(v) => v,
        },
        exp: c.exp,
        iat: c.iat,
        nbf: c.nbf,
        jti: c.jti,
        tenant: c.tid.to_string(),
        client_id: c.client_id,
        memberships: c
            .orgs
            .into_iter()
            .map(|(org, claim)| Membership {
                organization: org.to_string(),
                role: claim.role.map(|r| r.to_string()),
                rights: names(claim.rights),
            })
            .collect(),
        admin: c.adm,
        ceiling: c.rights.map(names),
    }
}

fn names(rights: RightSet) -> Vec<String> {
    rights.names().into_iter().map(str::to_owned).collect()
}

fn grants(g: EntityGrants) -> Result<Grants, Problem> {
    let set = |rights: &[String]| {
        RightSet::from_names(rights.iter().map(String::as_str))
            .map_err(|e| problem(e.code(), e.to_string()))
    };
    let mut out = Grants::default();
    for c in g.users {
        let id = UserId::new(&c.id).map_err(|e| problem(e.code(), e.to_string()))?;
        out.users.insert(id, set(&c.rights)?);
    }
    for c in g.organizations {
        let id = OrgId::new(&c.id).map_err(|e| problem(e.code(), e.to_string()))?;
        out.organizations.insert(id, set(&c.rights)?);
    }
    Ok(out)
}

impl rights::Guest for Component {
    fn catalog() -> Vec<String> {
        surface::catalog()
            .into_iter()
            .map(|e| e.name.to_owned())
            .collect()
    }

    fn expand(rights: Vec<String>) -> Result<Vec<String>, Problem> {
        Ok(surface::expand(&rights)?
            .into_iter()
            .map(str::to_owned)
            .collect())
    }

    fn rights_on(token: String, grants_: EntityGrants) -> Result<Vec<String>, Problem> {
        let claims = surface::claims_unverified(&token)?;
        Ok(names(surface::rights_on(&claims, &grants(grants_)?)?))
    }

    fn can(token: String, org: String, right: String) -> Result<bool, Problem> {
        let claims = surface::claims_unverified(&token)?;
        Ok(surface::can(&claims, &org, &right)?)
    }
}

export!(Component);
