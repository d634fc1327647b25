//! Keys and tokens: `keygen`, `token sign`, and `token inspect` and `token
//! verify` through the decision surface every target shares
//! ([`crate::core::surface`]), so the tool answers with the edge's codes;
//! `jwks public` and `proxy check`. No deployment is involved.

use std::io::Read;

use base64ct::{Base64UrlUnpadded, Encoding};
use chrono::{DateTime, SecondsFormat};
use serde_json::{json, Value};

use super::args::{Command, Jwks, Proxy, Token};
use super::{fail, pretty, read_stdin, to_value, usage, Args, Env, Failure, DEFAULT_TTL_SECS};
use crate::core::surface::{self, VerifyRequest};
use crate::core::token::keys::SigningKeys;
use crate::core::token::{sign, AccessClaims};
use crate::proxy::ProxyConfig;

pub(super) fn keygen(a: &Args, env: &dyn Env) -> Result<Value, Failure> {
    if !a.positional.is_empty() {
        return Err(usage("keygen takes no arguments"));
    }
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    env.random(seed.as_mut())
        .map_err(|e| fail("no_randomness", e))?;
    let new = SigningKeys::generate(&seed, a.get("kid").map(str::to_owned));
    let mut entries = vec![new];
    if let Some(path) = a.get("add-to") {
        let text = env.read_file(path).map_err(|e| fail("io_error", e))?;
        let old = SigningKeys::from_json(&text).map_err(|e| fail(e.code(), e.to_string()))?;
        entries.extend(old.entries().iter().cloned());
    }
    let keys = SigningKeys::from_entries(entries).map_err(|e| fail(e.code(), e.to_string()))?;
    let kids: Vec<&str> = keys.entries().iter().map(|k| k.kid.as_str()).collect();
    if kids
        .iter()
        .enumerate()
        .any(|(i, k)| kids.iter().skip(i + 1).any(|o| o == k))
    {
        return Err(fail(
            "jwk_duplicate_kid",
            "the new kid is already in the set",
        ));
    }
    if let Some(path) = a.get("public-out") {
        env.write_file(
            path,
            &pretty(&to_value(&keys.verification_keys().to_jwks())?),
        )
        .map_err(|e| fail("io_error", e))?;
    }
    to_value(&keys.to_private_jwks())
}

pub(super) fn token_sign(a: &Args, stdin: &mut dyn Read, env: &dyn Env) -> Result<Value, Failure> {
    if !a.positional.is_empty() {
        return Err(usage(
            "token sign takes no arguments; claims come from --claims",
        ));
    }
    let key_text = env
        .read_file(a.require("key")?)
        .map_err(|e| fail("io_error", e))?;
    let keys = SigningKeys::from_json(&key_text).map_err(|e| fail(e.code(), e.to_string()))?;
    let claims_text = match a.get("claims") {
        None | Some("-") => read_stdin(stdin)?,
        Some(path) => env.read_file(path).map_err(|e| fail("io_error", e))?,
    };
    let ttl = match a.get("ttl") {
        None => DEFAULT_TTL_SECS,
        Some(t) => t
            .parse::<i64>()
            .ok()
            .filter(|t| *t > 0)
            .ok_or_else(|| usage("--ttl takes a positive number of seconds"))?,
    };
    let mut claims: serde_json::Map<String, Value> =
        serde_json::from_str(&claims_text).map_err(|e| {
            fail(
                "claims_invalid",
                format!("claims are not a JSON object: {e}"),
            )
        })?;
    // Missing times are filled in; present ones are checked by the claims type.
    let issued_at = match claims.get("iat") {
        None => {
            let now = env.now();
            claims.insert("iat".into(), json!(now));
            now
        }
        Some(v) => v
            .as_i64()
            .ok_or_else(|| fail("claims_invalid", "`iat` is not an integer"))?,
    };
    claims
        .entry("exp")
        .or_insert_with(|| json!(issued_at.saturating_add(ttl)));
    if !claims.contains_key("jti") {
        let mut id = [0u8; 16];
        env.random(&mut id).map_err(|e| fail("no_randomness", e))?;
        claims.insert(
            "jti".into(),
            Value::String(Base64UrlUnpadded::encode_string(&id)),
        );
    }
    let claims: AccessClaims = serde_json::from_value(Value::Object(claims)).map_err(|e| {
        fail(
            "claims_invalid",
            format!("claims do not fit an access token: {e}"),
        )
    })?;
    let token = sign(&keys, &claims).map_err(|e| fail(e.code(), e.to_string()))?;
    Ok(json!({ "token": token, "kid": keys.active().kid, "expires_at": rfc3339(claims.exp) }))
}

fn rfc3339(secs: i64) -> Value {
    DateTime::from_timestamp(secs, 0).map_or(Value::Null, |t| {
        Value::String(t.to_rfc3339_opts(SecondsFormat::Millis, true))
    })
}

pub(super) fn token_inspect(
    a: &Args,
    stdin: &mut dyn Read,
    env: &dyn Env,
) -> Result<Value, Failure> {
    let token = a.input(stdin, env, false)?;
    let inspection = surface::inspect(&token, env.now()).map_err(|e| fail(&e.code, e.message))?;
    to_value(&inspection)
}

pub(super) fn token_verify(
    a: &Args,
    stdin: &mut dyn Read,
    env: &dyn Env,
) -> Result<Value, Failure> {
    let jwks = env
        .read_file(a.require("jwks")?)
        .map_err(|e| fail("io_error", e))?;
    let leeway = a
        .get("leeway")
        .map(|l| {
            l.parse::<i64>()
                .ok()
                .filter(|l| (0..=86_400).contains(l))
                .ok_or_else(|| usage("--leeway takes 0 to 86400 seconds"))
        })
        .transpose()?;
    let request = VerifyRequest {
        issuer: a.require("iss")?.to_owned(),
        audience: a.require("aud")?.to_owned(),
        leeway,
        now: None,
    };
    let token = a.input(stdin, env, false)?;
    let verified = surface::verify(&token, &jwks, &request, env.now())
        .map_err(|e| fail(&e.code, e.message))?;
    to_value(&verified)
}

/// The key, token and configuration tools: no deployment involved.
pub(crate) fn tools(
    command: Command,
    stdin: &mut dyn Read,
    env: &dyn Env,
) -> Result<Value, Failure> {
    match command {
        Command::Keygen(k) => keygen(
            &Args::new(
                &[
                    ("kid", k.kid),
                    ("add-to", k.add_to),
                    ("public-out", k.public_out),
                ],
                None,
            ),
            env,
        ),
        Command::Jwks(Jwks::Public { input }) => {
            let text = Args::new(&[], input).input(stdin, env, true)?;
            let keys = SigningKeys::from_json(&text).map_err(|e| fail(e.code(), e.to_string()))?;
            to_value(&keys.verification_keys().to_jwks())
        }
        Command::Token(Token::Sign { key, claims, ttl }) => token_sign(
            &Args::new(
                &[("key", Some(key)), ("claims", claims), ("ttl", ttl)],
                None,
            ),
            stdin,
            env,
        ),
        Command::Token(Token::Inspect { token }) => {
            token_inspect(&Args::new(&[], token), stdin, env)
        }
        Command::Token(Token::Verify {
            jwks,
            iss,
            aud,
            leeway,
            token,
        }) => token_verify(
            &Args::new(
                &[
                    ("jwks", Some(jwks)),
                    ("iss", Some(iss)),
                    ("aud", Some(aud)),
                    ("leeway", leeway),
                ],
                token,
            ),
            stdin,
            env,
        ),
        Command::Proxy(Proxy::Check { input }) => {
            let text = Args::new(&[], input).input(stdin, env, true)?;
            let config =
                ProxyConfig::from_json(&text).map_err(|e| fail("config_invalid", e.to_string()))?;
            Ok(json!({
                "valid": true,
                "routes": config.routes.rules().len(),
                "issuers": config.issuers.len(),
                "default_tenant": config.default_tenant.as_ref().map(ToString::to_string),
                "cache_ttl_seconds": config.cache_ttl_ms / 1000,
            }))
        }
        // Answered by `run` before dispatch (a script, not JSON); the
        // deployment's commands by `dispatch`.
        _ => Ok(Value::Null),
    }
}
