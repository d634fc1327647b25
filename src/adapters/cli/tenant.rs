//! The tenant's own settings and notification outbox, the caller's
//! account, and the operator's commands (`tenants create`, `metrics`),
//! which use the operator key instead of a profile's credential.

use std::io::Read;

use clap::Subcommand;

use super::client::Profile;
use super::remote::Call;
use super::{login, usage, Failure, Paging};
use crate::admin::registration::Registration;
use crate::admin::settings::SettingsPatch;
use crate::admin::tenants::{CreateTenant, FirstAdmin};
use crate::auth::Secret;

/// `settings …`.
#[derive(Debug, Subcommand)]
pub enum Settings {
    /// The tenant's settings.
    Get,
    /// Changes some of the tenant's settings (tenant admins).
    Set {
        /// Whether approved users may register organizations.
        #[arg(long, value_name = "true|false")]
        org_registration_enabled: Option<bool>,
        /// Whether registered organizations are approved without a tenant admin.
        #[arg(long, value_name = "true|false")]
        org_registration_auto_approve: Option<bool>,
        /// Access token lifetime, seconds (60 to 86400).
        #[arg(long)]
        token_ttl_seconds: Option<u32>,
        /// Invitation lifetime, hours (1 to 720).
        #[arg(long)]
        invitation_ttl_hours: Option<u32>,
        /// How long deleted users and organizations can be restored, hours (1 to 720).
        #[arg(long)]
        restore_window_hours: Option<u32>,
    },
}

/// `account …`.
#[derive(Debug, Subcommand)]
pub enum Account {
    /// The signed-in user.
    Get,
    /// The user's organizations, with the role in each.
    #[command(subcommand)]
    Organizations(AccountOrganizations),
}

/// `account organizations …`.
#[derive(Debug, Subcommand)]
pub enum AccountOrganizations {
    /// The organizations the user belongs to, with the role in each.
    List,
    /// Registers an organization the user will own (approved at once or
    /// pending, per the tenant's settings).
    Register {
        /// The organization's ID.
        organization_id: String,
        /// Its name.
        #[arg(long)]
        name: String,
        /// Its description.
        #[arg(long, default_value = "", hide_default_value = true)]
        description: String,
    },
}

/// `tenants …` (the operator's).
#[derive(Debug, Subcommand)]
pub enum Tenants {
    /// Creates a tenant and its first admin; the operator key comes from
    /// an environment variable and the admin's password from the terminal
    /// or standard input.
    Create {
        /// The deployment's base URL.
        #[arg(long)]
        url: String,
        /// The tenant's ID (slug).
        tenant_id: String,
        /// Its name.
        #[arg(long)]
        name: String,
        /// The first admin's user ID.
        #[arg(long)]
        admin_id: String,
        /// The first admin's email address.
        #[arg(long)]
        admin_email: String,
        /// Read the first admin's password from standard input.
        #[arg(long)]
        admin_password_stdin: bool,
        /// The environment variable holding the operator key.
        #[arg(long, value_name = "VAR", default_value = "ORGWARDEN_OPERATOR_KEY")]
        operator_key_env: String,
    },
}

/// The call a settings command makes.
pub fn settings(cmd: Settings) -> Result<Call, Failure> {
    let path = "/admin/settings".to_owned();
    Ok(match cmd {
        Settings::Get => Call::get(path),
        Settings::Set {
            org_registration_enabled,
            org_registration_auto_approve,
            token_ttl_seconds,
            invitation_ttl_hours,
            restore_window_hours,
        } => Call::put(
            path,
            &SettingsPatch {
                org_registration_enabled,
                org_registration_auto_approve,
                token_ttl_seconds,
                invitation_ttl_hours,
                restore_window_hours,
            },
        )?,
    })
}

/// The call an account command makes.
pub fn account(cmd: Account) -> Result<Call, Failure> {
    Ok(match cmd {
        Account::Get => Call::get("/account".to_owned()),
        Account::Organizations(AccountOrganizations::List) => {
            Call::get("/account/organizations".to_owned())
        }
        Account::Organizations(AccountOrganizations::Register {
            organization_id,
            name,
            description,
        }) => Call::post(
            "/account/organizations".to_owned(),
            &Registration {
                id: organization_id,
                name,
                description,
            },
        )?,
    })
}

/// The outbox of notifications (tenant admins).
pub fn notifications(paging: Paging) -> Call {
    Call::get("/admin/notifications".to_owned()).query(paging.query())
}

/// `tenants create`: the call, and the operator's credential for it.
pub fn create_tenant(cmd: Tenants, stdin: &mut dyn Read) -> Result<(Profile, Call), Failure> {
    let Tenants::Create {
        url,
        tenant_id,
        name,
        admin_id,
        admin_email,
        admin_password_stdin,
        operator_key_env,
    } = cmd;
    let key = std::env::var(&operator_key_env)
        .ok()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| usage(format!("${operator_key_env} (the operator key) is not set")))?;
    let password = if admin_password_stdin {
        login::line(stdin)?
    } else {
        login::prompt("Password for the first admin: ")?
    };
    let body = CreateTenant {
        id: tenant_id,
        name,
        admin: FirstAdmin {
            id: admin_id,
            email: admin_email,
            password,
            first_name: String::new(),
            last_name: String::new(),
        },
    };
    let operator = Profile {
        url: url.trim_end_matches('/').to_owned(),
        tenant: String::new(),
        token: None,
        expires_at: None,
        api_key: Some(Secret::new(key)),
    };
    Ok((operator, Call::post("/tenants".to_owned(), &body)?.root()))
}
