//! The command line, declared once with clap's derive: parsing, `--help`
//! on every command, usage errors and the shell completions all come from
//! these types.

use clap::{Args as ClapArgs, Parser, Subcommand};
use clap_complete::Shell;

use super::entities::{Application, Client, Entities, Gateway};
use super::invitations::Accept;
use super::organizations::Organizations;
use super::output::Format;
use super::remote::Call;
use super::tenant::{Account, Settings, Tenants};
use super::users::Users;

/// orgwarden: Ed25519 access tokens and organization rights for multi-organization APIs.
#[derive(Debug, Parser)]
#[command(name = "orgwarden", version, about, long_about = None)]
pub struct Cli {
    /// The profile (deployment, tenant, credential) to use.
    #[arg(
        long,
        global = true,
        default_value = "default",
        help_heading = "Global options"
    )]
    pub profile: String,
    /// How answers are printed: json (the API's own) or table (for people).
    #[arg(
        long,
        short = 'o',
        global = true,
        value_enum,
        default_value_t,
        hide_possible_values = true,
        help_heading = "Global options"
    )]
    pub output: Format,
    /// Print only these fields of each record: id,name,…
    #[arg(
        long,
        global = true,
        value_delimiter = ',',
        value_name = "FIELD,…",
        help_heading = "Global options"
    )]
    pub field_mask: Option<Vec<String>>,
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
    /// Organizations of the tenant, their members, roles, API keys and invitations.
    #[command(subcommand, visible_alias = "organization", visible_alias = "org")]
    Organizations(Organizations),
    /// Users of the tenant, their API keys, and invitations to register.
    #[command(subcommand, visible_alias = "user")]
    Users(Users),
    /// Applications and their collaborators.
    #[command(subcommand, visible_alias = "application", visible_alias = "app")]
    Applications(Entities<Application>),
    /// Gateways and their collaborators.
    #[command(subcommand, visible_alias = "gateway", visible_alias = "gtw")]
    Gateways(Entities<Gateway>),
    /// OAuth clients and their collaborators.
    #[command(subcommand, visible_alias = "client")]
    Clients(Entities<Client>),
    /// Invitations sent to you.
    #[command(subcommand, visible_alias = "invitation")]
    Invitations(Invitations),
    /// The signed-in user and its organizations.
    #[command(subcommand)]
    Account(Account),
    /// The tenant's settings.
    #[command(subcommand)]
    Settings(Settings),
    /// The tenant's outbox of notifications (tenant admins).
    Notifications(Paging),
    /// Tenants of the deployment (the operator's).
    #[command(subcommand, visible_alias = "tenant")]
    Tenants(Tenants),
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

/// `invitations …`.
#[derive(Debug, Subcommand)]
pub enum Invitations {
    /// Accepts an invitation: the signed-in user joins, or a new user
    /// registers with it. The token (or the link from the email) is asked
    /// without echo, or read from standard input.
    Accept(Accept),
}

/// `--limit` and `--page` of a listing.
#[derive(Debug, Clone, Copy, ClapArgs)]
pub struct Paging {
    /// Items per page, 1 to 1000.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    /// Page, from 1.
    #[arg(long, default_value_t = 1)]
    pub page: u32,
}

impl Paging {
    /// As query parameters.
    pub fn query(self) -> [(&'static str, Option<String>); 2] {
        [
            ("limit", Some(self.limit.to_string())),
            ("page", Some(self.page.to_string())),
        ]
    }
}

/// What `search` matches.
#[derive(Debug, Clone, ClapArgs)]
pub struct Filters {
    /// IDs containing this text.
    #[arg(long)]
    pub id_contains: Option<String>,
    /// Names containing this text (case-insensitive).
    #[arg(long)]
    pub name_contains: Option<String>,
    /// Deleted ones (still restorable) instead.
    #[arg(long)]
    pub deleted: bool,
}

impl Filters {
    /// The listing at `path` with these filters, a state and paging.
    pub(crate) fn search(self, path: String, state: Option<String>, paging: Paging) -> Call {
        Call::get(path)
            .query([
                ("id_contains", self.id_contains),
                ("name_contains", self.name_contains),
                ("deleted", self.deleted.then(|| "true".to_owned())),
                ("state", state),
            ])
            .query(paging.query())
    }
}

/// `--yes` of a destructive command.
#[derive(Debug, Clone, Copy, ClapArgs)]
pub struct Yes {
    /// Do not ask for confirmation (needed when standard input is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// clap's own consistency checks (unique names and groups, valid
    /// defaults and conflicts) over every command, which it otherwise makes
    /// only when a command is reached in a debug build.
    #[test]
    fn the_command_tree_passes_clap_checks() {
        Cli::command().debug_assert();
    }
}
