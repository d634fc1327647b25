//! Refusals of authentication and authorization, and the one place that
//! renders `WWW-Authenticate` (RFC 6750 section 3).

use serde::{Deserialize, Serialize};

use crate::auth::credential::CredentialError;
use crate::core::problem::Problem;
use crate::core::rights::RightSet;
use crate::core::token::TokenError;

/// Which challenge goes with a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Challenge {
    /// `error="invalid_token"`: no, malformed or invalid credential (the
    /// contract answers a missing credential this way too).
    InvalidToken,
    /// `error="invalid_request"`: two credentials.
    InvalidRequest,
}

/// A refusal: status, stable code, a message without secrets, and what goes
/// with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// HTTP status.
    pub status: u16,
    /// Stable code.
    pub code: &'static str,
    /// Human-readable reason, without secrets.
    pub message: String,
    /// For 403: the rights the caller lacks.
    pub missing: Option<RightSet>,
    /// For 400 and 401 of credentials: the challenge.
    pub challenge: Option<Challenge>,
}

impl Challenge {
    /// The `WWW-Authenticate` value with `message` as its description.
    pub fn header(self, message: &str) -> String {
        let error = match self {
            Challenge::InvalidToken => "invalid_token",
            Challenge::InvalidRequest => "invalid_request",
        };
        // A quoted-string may not hold `"` or `\` unescaped; messages never
        // quote credentials, so replacing them loses nothing.
        format!(
            "Bearer realm=\"orgwarden\", error=\"{error}\", error_description=\"{}\"",
            message.replace(['"', '\\'], "'")
        )
    }
}

impl Denial {
    /// A refusal without a challenge.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Denial {
        Denial {
            status,
            code,
            message: message.into(),
            missing: None,
            challenge: None,
        }
    }

    /// 401 with `error="invalid_token"` (CONTRACT section 5).
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Denial {
        Denial {
            challenge: Some(Challenge::InvalidToken),
            ..Denial::new(401, code, message)
        }
    }

    /// A token that failed verification.
    pub fn token(e: &TokenError) -> Denial {
        Denial::unauthorized(e.code(), e.to_string())
    }

    /// A credential that could not be taken from the request.
    pub fn credential(e: CredentialError) -> Denial {
        match e {
            CredentialError::Conflict => Denial {
                challenge: Some(Challenge::InvalidRequest),
                ..Denial::new(400, e.code(), e.message())
            },
            _ => Denial::unauthorized(e.code(), e.message()),
        }
    }

    /// 403 naming what is missing.
    pub fn insufficient(missing: RightSet, message: impl Into<String>) -> Denial {
        Denial {
            missing: Some(missing),
            ..Denial::new(403, "insufficient_rights", message)
        }
    }

    /// A fact could not be read: the decision fails closed. The store's
    /// message goes to the log, never to the caller.
    pub fn unavailable(why: impl core::fmt::Display) -> Denial {
        log::warn!("authorization store unavailable: {why}");
        Denial::new(
            503,
            "store_unavailable",
            "the authorization store did not answer; try again",
        )
    }

    /// The `WWW-Authenticate` value, if the refusal has a challenge.
    pub fn www_authenticate(&self) -> Option<String> {
        self.challenge.map(|c| c.header(&self.message))
    }

    /// The problem document.
    pub fn problem(&self) -> Problem {
        let p = Problem::new(self.status, self.code, self.message.clone());
        match self.missing {
            Some(m) => p.with_missing(m),
            None => p,
        }
    }
}
