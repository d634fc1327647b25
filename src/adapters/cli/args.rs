//! The command line, declared once with clap's derive: parsing, `--help`
//! on every command, usage errors and the shell completions all come from
//! these types.

use clap::{Args as ClapArgs, Parser, Subcommand};
use clap_complete::Shell;

/// orgwarden: Ed25519 access tokens and organization rights for multi-organization APIs.
#[derive(Debug, Parser)]
#[command(name = "orgwarden", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// A new Ed25519 key: prints a private JWKS (the new key first, then
    /// those of --add-to) for `wrangler secret put SIGNING_KEYS`.
    Keygen(Keygen),
    /// JWKS tools.
    #[command(subcommand)]
    Jwks(Jwks),
    /// Access tokens: sign, inspect, verify.
    #[command(subcommand)]
    Token(Token),
    /// The authorizing proxy's configuration.
    #[command(subcommand)]
    Proxy(Proxy),
    /// Shell completions for bash, zsh, fish, elvish or PowerShell, on stdout.
    Completions {
        /// The shell.
        shell: Shell,
    },
}

/// `keygen`.
#[derive(Debug, ClapArgs)]
pub struct Keygen {
    /// The new key's ID (default: its RFC 7638 thumbprint).
    #[arg(long)]
    pub kid: Option<String>,
    /// A private JWKS whose keys follow the new one (key rotation).
    #[arg(long, value_name = "PRIVATE_JWKS_FILE")]
    pub add_to: Option<String>,
    /// Also write the public JWKS to this file.
    #[arg(long, value_name = "FILE")]
    pub public_out: Option<String>,
}

/// `jwks …`.
#[derive(Debug, Subcommand)]
pub enum Jwks {
    /// The public JWKS of a private JWK or JWKS.
    Public {
        /// A file, or `-` (the default) for standard input.
        input: Option<String>,
    },
}

/// `token …`.
#[derive(Debug, Subcommand)]
pub enum Token {
    /// Signs claims (a JSON object; iat, exp and jti filled in when absent)
    /// with the first key of a private JWK or JWKS.
    Sign {
        /// The private JWK or JWKS.
        #[arg(long, value_name = "FILE")]
        key: String,
        /// The claims: a file, or `-` for standard input (default `{}`).
        #[arg(long, value_name = "FILE|-")]
        claims: Option<String>,
        /// Lifetime in seconds when `exp` is absent (default 900).
        #[arg(long, value_name = "SECONDS")]
        ttl: Option<String>,
    },
    /// Header, claims and expiry, unverified; no key needed.
    Inspect {
        /// The token, or `-` (the default) for standard input.
        token: Option<String>,
    },
    /// Verifies with the edge's rules: exit 0 and the claims, or exit 1 and
    /// {"code", "message"}.
    Verify {
        /// The public JWKS.
        #[arg(long, value_name = "FILE")]
        jwks: String,
        /// The expected issuer.
        #[arg(long)]
        iss: String,
        /// The expected audience.
        #[arg(long)]
        aud: String,
        /// Clock leeway, 0 to 86400 seconds (default 60).
        #[arg(long, value_name = "SECONDS")]
        leeway: Option<String>,
        /// The token, or `-` (the default) for standard input.
        token: Option<String>,
    },
}

/// `proxy …`.
#[derive(Debug, Subcommand)]
pub enum Proxy {
    /// Checks a proxy configuration (ORGWARDEN_PROXY as JSON) as the worker
    /// will: exit 0 with a summary, or exit 1 naming the rule or issuer at fault.
    Check {
        /// A file, or `-` (the default) for standard input.
        input: Option<String>,
    },
}
