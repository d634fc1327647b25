//! The `orgwarden` command line tool: keys and tokens for deploying and
//! debugging. Every command prints JSON on stdout; failures print
//! `{"code": …, "message": …}` on stdout and exit 1; usage errors print a
//! line on stderr and exit 2.

use std::io::Read;

use serde_json::{json, Value};

use crate::core::token::keys::SigningKeys;
use crate::proxy::ProxyConfig;
use tokens::{keygen, token_inspect, token_sign, token_verify};

mod tokens;

/// Default lifetime of a signed token: 15 minutes.
pub const DEFAULT_TTL_SECS: i64 = 15 * 60;

const USAGE: &str = "\
orgwarden: Ed25519 access tokens for multi-organization APIs

usage:
  orgwarden keygen [--kid KID] [--add-to PRIVATE_JWKS_FILE] [--public-out FILE]
      New Ed25519 key. Prints a private JWKS (the new key first, then those of
      --add-to) for `wrangler secret put SIGNING_KEYS`; writes the public JWKS
      to --public-out when given.
  orgwarden jwks public [FILE|-]
      The public JWKS of a private JWK or JWKS.
  orgwarden token sign --key FILE [--claims FILE|-] [--ttl SECONDS]
      Signs the claims (JSON object; iat, exp and jti filled in when absent)
      with the first key of a private JWK or JWKS.
  orgwarden token inspect [TOKEN|-]
      Header, claims and expiry, unverified; no key needed.
  orgwarden token verify --jwks FILE --iss ISSUER --aud AUDIENCE [--leeway SECONDS] [TOKEN|-]
      Exit 0 and the claims when valid; exit 1 and {\"code\", \"message\"} when not.
  orgwarden proxy check [FILE|-]
      Checks a proxy configuration (ORGWARDEN_PROXY as JSON) as the worker
      will: exit 0 with a summary, or exit 1 naming the rule or issuer at fault.
";

/// What the process prints and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Exit code: 0 success, 1 failure, 2 usage.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// The platform: clock, randomness and files, injected so the tool is testable.
pub trait Env {
    /// Unix time, seconds.
    fn now(&self) -> i64;
    /// Fills `buf` with cryptographically secure random bytes.
    fn random(&self, buf: &mut [u8]) -> Result<(), String>;
    /// Reads a file.
    fn read_file(&self, path: &str) -> Result<String, String>;
    /// Writes a file.
    fn write_file(&self, path: &str, contents: &str) -> Result<(), String>;
}

/// The real clock, OS randomness and file system.
#[derive(Debug, Clone, Copy)]
pub struct SystemEnv;

impl Env for SystemEnv {
    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }
    fn random(&self, buf: &mut [u8]) -> Result<(), String> {
        getrandom::fill(buf).map_err(|e| format!("no randomness: {e}"))
    }
    fn read_file(&self, path: &str) -> Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
    }
    fn write_file(&self, path: &str, contents: &str) -> Result<(), String> {
        std::fs::write(path, contents).map_err(|e| format!("cannot write {path}: {e}"))
    }
}

pub(crate) enum Failure {
    Usage(String),
    Failed { code: String, message: String },
}

pub(crate) fn fail(code: &str, message: impl Into<String>) -> Failure {
    Failure::Failed {
        code: code.into(),
        message: message.into(),
    }
}

pub(crate) fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

/// Runs the tool with `args` (without the program name).
pub fn run(args: &[String], stdin: &mut dyn Read, env: &dyn Env) -> Output {
    match dispatch(args, stdin, env) {
        Ok(value) => Output {
            code: 0,
            stdout: pretty(&value),
            stderr: String::new(),
        },
        Err(Failure::Usage(msg)) => Output {
            code: 2,
            stdout: String::new(),
            stderr: format!("orgwarden: {msg}\n\n{USAGE}"),
        },
        Err(Failure::Failed { code, message }) => Output {
            code: 1,
            stdout: pretty(&json!({ "code": code, "message": message })),
            stderr: String::new(),
        },
    }
}

pub(crate) fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// Parsed `--name value` options and positional arguments.
pub(crate) struct Args {
    options: Vec<(String, String)>,
    pub(crate) positional: Vec<String>,
}

impl Args {
    fn parse(args: &[String], known: &[&str]) -> Result<Args, Failure> {
        let mut out = Args {
            options: Vec::new(),
            positional: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                let (name, value) = match name.split_once('=') {
                    Some((n, v)) => (n.to_owned(), v.to_owned()),
                    None => {
                        let v = it
                            .next()
                            .ok_or_else(|| usage(format!("--{name} needs a value")))?;
                        (name.to_owned(), v.clone())
                    }
                };
                if !known.contains(&name.as_str()) {
                    return Err(usage(format!("unknown option --{name}")));
                }
                if out.options.iter().any(|(n, _)| *n == name) {
                    return Err(usage(format!("--{name} given twice")));
                }
                out.options.push((name, value));
            } else {
                out.positional.push(a.clone());
            }
        }
        Ok(out)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn require(&self, name: &str) -> Result<&str, Failure> {
        self.get(name)
            .ok_or_else(|| usage(format!("--{name} is required")))
    }

    /// At most one positional argument; `-` or none means standard input.
    pub(crate) fn input(
        &self,
        stdin: &mut dyn Read,
        env: &dyn Env,
        from_file: bool,
    ) -> Result<String, Failure> {
        match self.positional.as_slice() {
            [] => read_stdin(stdin),
            [one] if one == "-" => read_stdin(stdin),
            [one] if from_file => env.read_file(one).map_err(|e| fail("io_error", e)),
            [one] => Ok(one.clone()),
            _ => Err(usage("too many arguments")),
        }
    }
}

pub(crate) fn read_stdin(stdin: &mut dyn Read) -> Result<String, Failure> {
    let mut s = String::new();
    stdin
        .read_to_string(&mut s)
        .map_err(|e| fail("io_error", format!("cannot read standard input: {e}")))?;
    Ok(s)
}

fn dispatch(args: &[String], stdin: &mut dyn Read, env: &dyn Env) -> Result<Value, Failure> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["help" | "--help" | "-h", ..] => Err(usage("what shall it do?")),
        ["--version" | "version"] => Ok(json!({ "version": env!("CARGO_PKG_VERSION") })),
        ["keygen", ..] => keygen(
            &Args::parse(rest(args, 1), &["kid", "add-to", "public-out"])?,
            env,
        ),
        ["jwks", "public", ..] => {
            let a = Args::parse(rest(args, 2), &[])?;
            let text = a.input(stdin, env, true)?;
            let keys = SigningKeys::from_json(&text).map_err(|e| fail(e.code(), e.to_string()))?;
            to_value(&keys.verification_keys().to_jwks())
        }
        ["token", "sign", ..] => token_sign(
            &Args::parse(rest(args, 2), &["key", "claims", "ttl"])?,
            stdin,
            env,
        ),
        ["token", "inspect", ..] => token_inspect(&Args::parse(rest(args, 2), &[])?, stdin, env),
        ["token", "verify", ..] => token_verify(
            &Args::parse(rest(args, 2), &["jwks", "iss", "aud", "leeway"])?,
            stdin,
            env,
        ),
        ["proxy", "check", ..] => {
            let a = Args::parse(rest(args, 2), &[])?;
            let text = a.input(stdin, env, true)?;
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
        [other, ..] => Err(usage(format!("unknown command {other:?}"))),
    }
}

fn rest(args: &[String], n: usize) -> &[String] {
    args.get(n..).unwrap_or_default()
}

pub(crate) fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, Failure> {
    serde_json::to_value(v).map_err(|e| fail("internal", e.to_string()))
}
