//! The command line, declared once with clap's derive: parsing, `--help`
//! on every command, usage errors and the shell completions all come from
//! these types.

use clap::{Args as ClapArgs, Parser, Subcommand};
use clap_complete::Shell;

/// orgwarden: Ed25519 access tokens and organization rights for multi-organization APIs.
#[derive(Debug, Parser)]
#[command(name = "orgwarden", version, about, long_about = None)]
pub struct Cli {
    /// The profile (deployment, tenant, credential) to use.
    #[arg(long, global = true, default_value = "default")]
    pub profile: String,
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
    /// Signs in to a deployment (password, read without echo or from
    /// standard input; or an API key from standard input or the
    /// environment) and keeps the credential in the profile.
    Login(Login),
    /// Forgets the profile's credential.
    Logout,
    /// Organizations of the tenant.
    #[command(subcommand, visible_alias = "organization", visible_alias = "org")]
    Organizations(Organizations),
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

/// `login`.
#[derive(Debug, ClapArgs)]
pub struct Login {
    /// The deployment's base URL (its PUBLIC_BASE_URL).
    #[arg(long)]
    pub url: String,
    /// The tenant.
    #[arg(long)]
    pub tenant: String,
    /// Sign in as this user (password grant).
    #[arg(long)]
    pub username: Option<String>,
    /// Read the password from standard input instead of the terminal.
    #[arg(long)]
    pub password_stdin: bool,
    /// Use an API key read from standard input instead of a password.
    #[arg(long, conflicts_with_all = ["username", "api_key_env"])]
    pub api_key_stdin: bool,
    /// Use an API key from this environment variable instead of a password.
    #[arg(long, value_name = "VAR", conflicts_with = "username")]
    pub api_key_env: Option<String>,
}

/// `organizations …`.
#[derive(Debug, Subcommand)]
pub enum Organizations {
    /// Lists the organizations the credential may see.
    List {
        /// Page size.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Page, from 1.
        #[arg(long, default_value_t = 1)]
        page: u32,
    },
    /// One organization.
    Get {
        /// The organization's ID.
        organization_id: String,
    },
    /// Creates an organization; the caller becomes its owner.
    Create {
        /// The organization's ID.
        organization_id: String,
        /// Its name.
        #[arg(long)]
        name: String,
        /// Its description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Deletes an organization (restorable within the tenant's window).
    Delete {
        /// The organization's ID.
        organization_id: String,
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
    /// The organization's members (The Things Stack: collaborators).
    #[command(subcommand, visible_alias = "collaborators")]
    Members(Members),
}

/// `organizations members …`.
#[derive(Debug, Subcommand)]
pub enum Members {
    /// Lists the members with their roles and rights.
    List {
        /// The organization's ID.
        #[arg(long)]
        organization_id: String,
    },
    /// Adds a member, or changes a member's role or rights.
    Set {
        /// The organization's ID.
        #[arg(long)]
        organization_id: String,
        /// The user.
        #[arg(long)]
        user_id: String,
        /// A built-in (owner, admin, member) or custom role.
        #[arg(long, conflicts_with = "rights", required_unless_present = "rights")]
        role: Option<String>,
        /// Explicit rights instead of a role: RIGHT_…,RIGHT_…
        #[arg(long, value_delimiter = ',')]
        rights: Option<Vec<String>>,
    },
    /// Removes a member (never the last owner).
    Delete {
        /// The organization's ID.
        #[arg(long)]
        organization_id: String,
        /// The user.
        #[arg(long)]
        user_id: String,
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
}
