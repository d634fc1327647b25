//! Invitations: `organizations invitations …` (to join an organization),
//! `users invitations …` (The Things Stack's: to register in the tenant),
//! and `invitations accept`. The invitation's token is a secret: it is read
//! from the terminal without echo or from standard input, never from an
//! argument, and a pasted link works as well as the bare token.

use clap::Subcommand;
use serde_json::json;

use std::io::Read;

use serde_json::Value;

use super::client::{self, Profile};
use super::organizations::org_path;
use super::remote::{self, enc, Call};
use super::{login, usage, Env, Failure, Paging, Yes};
use crate::admin::accept::Registration;
use crate::admin::invitations::{NewInvitation, NewTenantInvitation};
use crate::auth::Secret;

/// `organizations invitations …`.
#[derive(Debug, Subcommand)]
pub enum OrgInvitations {
    /// Lists the invitations with their state and expiry.
    List {
        /// The organization's ID.
        #[arg(long)]
        organization_id: String,
        /// Paging.
        #[command(flatten)]
        paging: Paging,
    },
    /// Invites an address to join with a role; the token goes out by email.
    Create {
        /// The organization's ID.
        #[arg(long)]
        organization_id: String,
        /// The invitee's address.
        #[arg(long)]
        email: String,
        /// A built-in or custom role the caller may grant.
        #[arg(long, default_value = "member")]
        role: String,
        /// Given name, proposed for the registration.
        #[arg(long, default_value = "", hide_default_value = true)]
        first_name: String,
        /// Family name, proposed for the registration.
        #[arg(long, default_value = "", hide_default_value = true)]
        last_name: String,
    },
    /// Sends a pending invitation again with a new token and expiry (the old token dies).
    Resend {
        /// The organization's ID.
        #[arg(long)]
        organization_id: String,
        /// The invitation's ID.
        #[arg(long)]
        invitation_id: String,
    },
    /// Revokes a pending invitation.
    Delete {
        /// The organization's ID.
        #[arg(long)]
        organization_id: String,
        /// The invitation's ID.
        #[arg(long)]
        invitation_id: String,
        /// Confirmation.
        #[command(flatten)]
        yes: Yes,
    },
}

/// `users invitations …`: invitations to register in the tenant.
#[derive(Debug, Subcommand)]
pub enum TenantInvitations {
    /// Lists the invitations.
    List(Paging),
    /// Invites an address to register.
    Create {
        /// The invitee's address.
        #[arg(long)]
        email: String,
        /// Given name, proposed for the registration.
        #[arg(long, default_value = "", hide_default_value = true)]
        first_name: String,
        /// Family name, proposed for the registration.
        #[arg(long, default_value = "", hide_default_value = true)]
        last_name: String,
    },
    /// Revokes a pending invitation.
    Delete {
        /// The invitation's ID.
        #[arg(long)]
        invitation_id: String,
        /// Confirmation.
        #[command(flatten)]
        yes: Yes,
    },
}

/// `invitations accept`.
#[derive(Debug, clap::Args)]
pub struct Accept {
    /// Read the token (or the link) from standard input's first line
    /// instead of the terminal.
    #[arg(long)]
    pub token_stdin: bool,
    /// Register this new user with the invitation (anonymous; the password
    /// is asked, or read from standard input's next line with
    /// --password-stdin). Without it, the signed-in user of the profile joins.
    #[arg(long)]
    pub user_id: Option<String>,
    /// Given name of the new user (default: the invitation's).
    #[arg(long, requires = "user_id")]
    pub first_name: Option<String>,
    /// Family name of the new user (default: the invitation's).
    #[arg(long, requires = "user_id")]
    pub last_name: Option<String>,
    /// Read the new user's password from standard input.
    #[arg(long, requires = "user_id")]
    pub password_stdin: bool,
    /// The deployment, when registering without a profile.
    #[arg(long, requires = "tenant")]
    pub url: Option<String>,
    /// The tenant, when registering without a profile.
    #[arg(long, requires = "url")]
    pub tenant: Option<String>,
}

/// The call an organization invitations command makes.
pub fn org(cmd: OrgInvitations) -> Result<Call, Failure> {
    let path = |org: &str| format!("{}/invitations", org_path(org));
    Ok(match cmd {
        OrgInvitations::List {
            organization_id,
            paging,
        } => Call::get(path(&organization_id)).query(paging.query()),
        OrgInvitations::Create {
            organization_id,
            email,
            role,
            first_name,
            last_name,
        } => Call::post(
            path(&organization_id),
            &NewInvitation {
                email,
                role,
                first_name,
                last_name,
            },
        )?,
        OrgInvitations::Resend {
            organization_id,
            invitation_id,
        } => Call::action(format!(
            "{}/{}/resend",
            path(&organization_id),
            enc(&invitation_id)
        )),
        OrgInvitations::Delete {
            organization_id,
            invitation_id,
            yes,
        } => Call::delete(
            format!("{}/{}", path(&organization_id), enc(&invitation_id)),
            format!("revoke invitation {invitation_id}"),
            yes.yes,
        )
        .done(json!({ "revoked": invitation_id })),
    })
}

/// The call a tenant invitations command makes.
pub fn tenant(cmd: TenantInvitations) -> Result<Call, Failure> {
    let path = "/admin/invitations".to_owned();
    Ok(match cmd {
        TenantInvitations::List(paging) => Call::get(path).query(paging.query()),
        TenantInvitations::Create {
            email,
            first_name,
            last_name,
        } => Call::post(
            path,
            &NewTenantInvitation {
                email,
                first_name,
                last_name,
            },
        )?,
        TenantInvitations::Delete { invitation_id, yes } => Call::delete(
            format!("{path}/{}", enc(&invitation_id)),
            format!("revoke invitation {invitation_id}"),
            yes.yes,
        )
        .done(json!({ "revoked": invitation_id })),
    })
}

/// The token in what was pasted: the bare token or a link ending in it.
pub fn token_in(text: &str) -> Result<String, Failure> {
    let t = text.trim();
    let t = t.rsplit(['/', '#', '=']).next().unwrap_or(t);
    let ok = t.starts_with("OW")
        && t.len() <= 200
        && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.');
    if ok {
        Ok(t.to_owned())
    } else {
        Err(usage("that is not an invitation token or link"))
    }
}

/// The call that accepts: as the profile's user, or registering a new one.
pub fn accept(token: &str, a: &Accept, password: Option<Secret>) -> Result<Call, Failure> {
    let path = format!("/invitations/{}/accept", enc(token));
    Ok(match &a.user_id {
        None => Call::action(path),
        Some(id) => Call::post(
            path,
            &Registration {
                id: id.clone(),
                first_name: a.first_name.clone(),
                last_name: a.last_name.clone(),
                password,
            },
        )?,
    })
}

/// `invitations accept`: reads the token (and a new user's password),
/// then accepts as the profile's user or anonymously, registering.
pub fn run_accept(
    a: &Accept,
    profile: &str,
    stdin: &mut dyn Read,
    env: &dyn Env,
) -> Result<Value, Failure> {
    let pasted = if a.token_stdin {
        login::line(stdin)?
    } else {
        login::prompt("Invitation token or link: ")?
    };
    let token = token_in(pasted.expose())?;
    let password = match (&a.user_id, a.password_stdin) {
        (None, _) => None,
        (Some(_), true) => Some(login::line(stdin)?),
        (Some(_), false) => Some(login::prompt("Password for the new user: ")?),
    };
    let call = accept(&token, a, password)?;
    let mut p = match (&a.url, &a.tenant) {
        (Some(url), Some(tenant)) => Profile {
            url: url.trim_end_matches('/').to_owned(),
            tenant: tenant.clone(),
            token: None,
            expires_at: None,
            api_key: None,
        },
        _ => client::profile(profile, env.now())?,
    };
    // Registering is anonymous: the new user is the one who accepts.
    if a.user_id.is_some() {
        p.token = None;
        p.api_key = None;
    }
    remote::run(&p, call)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_link_or_the_bare_token_gives_the_token() {
        let t = "OWI.AAAAAAAAAAAAAAAA.BBBB";
        for text in [
            t.to_owned(),
            format!(" {t}\n"),
            format!("https://x.example/t/acme/portal/#/invitations/{t}"),
        ] {
            assert_eq!(token_in(&text).ok().as_deref(), Some(t));
        }
        for bad in ["", "hello", "OWI.a b", "https://x.example/"] {
            assert!(token_in(bad).is_err(), "{bad:?}");
        }
    }
}
