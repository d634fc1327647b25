//! The access token claims (CONTRACT section 4, RFC 9068 profile).

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::error::TokenError;
use crate::core::decide::{Principal, Subject};
use crate::core::ids::{OrgId, RoleId, TenantId, UserId};
use crate::core::rights::RightSet;
use crate::core::roles::BuiltinRole;

/// `aud`: one string or an array of strings (RFC 7519 section 4.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// One audience.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `aud` names `expected`.
    pub fn contains(&self, expected: &str) -> bool {
        match self {
            Audience::One(a) => a == expected,
            Audience::Many(v) => v.iter().any(|a| a == expected),
        }
    }
}

/// One membership in the `orgs` claim.
///
/// On the wire (docs/tokens.md) a membership by a built-in role is compact:
/// `{"role": "member"}`, its rights being the role's; a custom role or an
/// explicit grant carries `rights` too. Either way a decoded claim holds
/// the rights.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgClaim {
    /// The member's role in the org; absent for a membership granted as an
    /// explicit list of rights (The Things Stack's style).
    pub role: Option<RoleId>,
    /// The role's rights at issue time, short form (`_ALL` kept short).
    pub rights: RightSet,
}

/// [`OrgClaim`] as written.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgClaimWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role: Option<RoleId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rights: Option<RightSet>,
}

fn builtin_rights(role: Option<&RoleId>) -> Option<RightSet> {
    role.and_then(|r| BuiltinRole::from_id(r.as_str()))
        .map(BuiltinRole::rights)
}

impl Serialize for OrgClaim {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let implied = builtin_rights(self.role.as_ref()) == Some(self.rights);
        OrgClaimWire {
            role: self.role.clone(),
            rights: (!implied).then_some(self.rights),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for OrgClaim {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = OrgClaimWire::deserialize(d)?;
        let rights = match (wire.rights, builtin_rights(wire.role.as_ref())) {
            (Some(r), _) | (None, Some(r)) => r,
            (None, None) => {
                return Err(serde::de::Error::custom(
                    "a membership without `rights` names a built-in role",
                ))
            }
        };
        Ok(OrgClaim {
            role: wire.role,
            rights,
        })
    }
}

/// The claims of an orgwarden access token.
///
/// Unknown claims are accepted and ignored (tokens of external issuers carry
/// their own); a known claim of the wrong type is an error. Times are integer
/// Unix seconds; `exp` and `iat` are required (RFC 9068 section 2.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// Issue time, Unix seconds.
    pub iat: i64,
    /// Not valid before, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// `<public base URL>/t/<tenant>`.
    pub iss: String,
    /// A user ID, or `apikey:<key id>`.
    pub sub: String,
    /// The audience(s).
    pub aud: Audience,
    /// Unique token ID.
    pub jti: String,
    /// The tenant.
    pub tid: TenantId,
    /// For API-key tokens: the key ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The subject's approved memberships: all of them, unless
    /// `orgs_incomplete` says the token's size budget left some out.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub orgs: BTreeMap<OrgId, OrgClaim>,
    /// Set when `orgs` holds only the memberships that fit the token's size
    /// budget: deciders read the others from the store.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub orgs_incomplete: bool,
    /// The active organization of a token asked for with `organization`:
    /// `orgs` then holds that membership only, and is complete as such.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<OrgId>,
    /// Tenant admin.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub adm: bool,
    /// The credential's ceiling; absent for "everything the subject has".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<RightSet>,
}

/// `exp` in the future, `nbf` and `iat` not, each with `leeway` seconds of slack.
fn check_times(
    exp: i64,
    nbf: Option<i64>,
    iat: i64,
    now: i64,
    leeway: i64,
) -> Result<(), TokenError> {
    if now.saturating_sub(leeway) >= exp {
        return Err(TokenError::Expired { exp });
    }
    if nbf.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
        return Err(TokenError::NotYetValid { claim: "nbf" });
    }
    if iat > now.saturating_add(leeway) {
        return Err(TokenError::NotYetValid { claim: "iat" });
    }
    Ok(())
}

/// What the verifier needs of a claims type: its times, issuer and audience.
/// Implemented by orgwarden's own [`AccessClaims`] and by the identity-only
/// [`ExternalClaims`] of configured external issuers.
pub trait Claims: DeserializeOwned {
    /// The time checks (see [`AccessClaims::check_time`]).
    fn check_time(&self, now: i64, leeway: i64) -> Result<(), TokenError>;
    /// `iss`.
    fn issuer(&self) -> &str;
    /// `aud`.
    fn audience(&self) -> &Audience;
}

impl Claims for AccessClaims {
    fn check_time(&self, now: i64, leeway: i64) -> Result<(), TokenError> {
        AccessClaims::check_time(self, now, leeway)
    }
    fn issuer(&self) -> &str {
        &self.iss
    }
    fn audience(&self) -> &Audience {
        &self.aud
    }
}

/// The claims read from an external issuer's token (an identity provider
/// such as Auth0): who and when, nothing else. Memberships, roles and the
/// admin flag of such a caller come from orgwarden's store, never from the
/// other issuer, which cannot grant rights here.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ExternalClaims {
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// Issue time, Unix seconds.
    pub iat: i64,
    /// Not valid before, Unix seconds.
    #[serde(default)]
    pub nbf: Option<i64>,
    /// The issuer.
    pub iss: String,
    /// The subject: the ID of a user of the issuer's tenant.
    pub sub: String,
    /// The audience(s).
    pub aud: Audience,
}

impl Claims for ExternalClaims {
    fn check_time(&self, now: i64, leeway: i64) -> Result<(), TokenError> {
        check_times(self.exp, self.nbf, self.iat, now, leeway)
    }
    fn issuer(&self) -> &str {
        &self.iss
    }
    fn audience(&self) -> &Audience {
        &self.aud
    }
}

/// Prefix of `sub` for tokens issued to an API key.
pub const API_KEY_SUBJECT_PREFIX: &str = "apikey:";

impl AccessClaims {
    /// The time checks: `exp` in the future, `nbf` and `iat` not, each with
    /// `leeway` seconds of slack. Also what a cached token is checked against again.
    pub fn check_time(&self, now: i64, leeway: i64) -> Result<(), TokenError> {
        check_times(self.exp, self.nbf, self.iat, now, leeway)
    }

    /// The user this token speaks for, when `sub` is a user ID.
    pub fn user(&self) -> Option<UserId> {
        if self.sub.starts_with(API_KEY_SUBJECT_PREFIX) {
            None
        } else {
            UserId::new(self.sub.as_str()).ok()
        }
    }

    /// The decision subject for a user token. `None` for API-key tokens
    /// (`sub` = `apikey:…`): their owner and rights come from the key's record.
    pub fn subject(&self) -> Option<Subject> {
        let user = self.user()?;
        Some(Subject::new(
            Principal::User(user),
            self.orgs.iter().map(|(o, c)| (o.clone(), c.rights)),
            self.adm,
            self.rights,
        ))
    }
}
