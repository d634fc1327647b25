//! The `orgwarden` command line tool: keys and tokens for deploying and
//! debugging, and a client of a running deployment's API in The Things
//! Stack's CLI shapes. Answers print as JSON (or `--output table`) on
//! stdout. A deployment's refusal prints `orgwarden: <code>: <detail>` on
//! stderr and exits 1; the key and token tools print `{"code", "message"}`
//! on stdout and exit 1; usage errors (clap's, from [`args`]) print on
//! stderr and exit 2; `--help` and `--version` print on stdout and exit 0.

use std::io::Read;

use serde_json::{json, Value};

use args::{Cli, Command, Invitations};
pub(crate) use args::{Filters, Paging, Yes};
use clap::{CommandFactory, Parser};

mod api_keys;
pub mod args;
mod client;
mod entities;
mod invitations;
mod login;
mod members;
mod organizations;
mod output;
mod remote;
mod rights;
mod tenant;
mod tokens;
mod users;

/// Default lifetime of a signed token: 15 minutes.
pub const DEFAULT_TTL_SECS: i64 = 15 * 60;

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
    let cli = match Cli::try_parse_from(
        std::iter::once("orgwarden".to_owned()).chain(args.iter().cloned()),
    ) {
        Ok(cli) => cli,
        // `--help` and `--version` are answers, not errors.
        Err(e) if !e.use_stderr() => {
            return Output {
                code: 0,
                stdout: e.to_string(),
                stderr: String::new(),
            }
        }
        Err(e) => {
            return Output {
                code: 2,
                stdout: String::new(),
                stderr: e.render().to_string(),
            }
        }
    };
    if let Command::Completions { shell } = cli.command {
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "orgwarden", &mut script);
        return Output {
            code: 0,
            stdout: String::from_utf8_lossy(&script).into_owned(),
            stderr: String::new(),
        };
    }
    let remote = !matches!(
        cli.command,
        Command::Keygen(_) | Command::Jwks(_) | Command::Token(_) | Command::Proxy(_)
    );
    let answer = dispatch(cli.command, &cli.profile, stdin, env)
        .and_then(|v| output::render(v, cli.output, cli.field_mask.as_deref()));
    match answer {
        Ok(text) => Output {
            code: 0,
            stdout: text,
            stderr: String::new(),
        },
        Err(Failure::Usage(msg)) => Output {
            code: 2,
            stdout: String::new(),
            stderr: format!("orgwarden: {msg}\n(orgwarden --help for usage)\n"),
        },
        // Against a deployment, a refusal is the problem's code on stderr.
        Err(Failure::Failed { code, message }) if remote => Output {
            code: 1,
            stdout: String::new(),
            stderr: format!("orgwarden: {code}: {message}\n"),
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

/// A command's options by name and its positional argument, as the
/// handlers read them (clap has parsed and checked them).
pub(crate) struct Args {
    options: Vec<(&'static str, String)>,
    pub(crate) positional: Vec<String>,
}

impl Args {
    fn new(options: &[(&'static str, Option<String>)], positional: Option<String>) -> Args {
        Args {
            options: options
                .iter()
                .filter_map(|(n, v)| v.clone().map(|v| (*n, v)))
                .collect(),
            positional: positional.into_iter().collect(),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(n, _)| *n == name)
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

fn dispatch(
    command: Command,
    profile: &str,
    stdin: &mut dyn Read,
    env: &dyn Env,
) -> Result<Value, Failure> {
    let call = match command {
        Command::Login(l) => return login::login(l, profile, stdin, env),
        Command::Logout => return login::logout(profile),
        Command::Invitations(Invitations::Accept(a)) => {
            return invitations::run_accept(&a, profile, stdin, env)
        }
        Command::Tenants(t) => {
            let (operator, call) = tenant::create_tenant(t, stdin)?;
            return remote::run(&operator, call);
        }
        Command::Organizations(o) => organizations::call(o)?,
        Command::Users(u) => users::call(u, stdin)?,
        Command::Applications(e) => entities::call(e)?,
        Command::Gateways(e) => entities::call(e)?,
        Command::Clients(e) => entities::call(e)?,
        Command::Account(a) => tenant::account(a)?,
        Command::Settings(s) => tenant::settings(s)?,
        Command::Notifications(paging) => tenant::notifications(paging),
        tool => return tokens::tools(tool, stdin, env),
    };
    remote::run(&client::profile(profile, env.now())?, call)
}

pub(crate) fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, Failure> {
    serde_json::to_value(v).map_err(|e| fail("internal", e.to_string()))
}
