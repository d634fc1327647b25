//! Tenant settings (`GET, PUT /api/v1/admin/settings`): organization
//! self-registration and auto-approval, token and invitation lifetimes,
//! the window in which deleted users and organizations can be restored. Any signed-in user of the tenant reads them (an
//! interface needs to know whether to offer self-registration); tenant admins
//! change them.

use serde::{Deserialize, Serialize};

use super::{read, AdminError, Ctx};
use crate::core::decide::Subject;
use crate::core::ids::TenantId;
use crate::core::rights::{Right, RightSet};
use crate::store::plan::Plan;
use crate::store::{keys, Store};

/// The settings of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Settings {
    /// Whether approved users may register organizations.
    #[serde(alias = "org_self_registration")]
    pub org_registration_enabled: bool,
    /// Whether self-registered organizations are approved without a tenant admin.
    #[serde(alias = "auto_approve")]
    pub org_registration_auto_approve: bool,
    /// Access token lifetime, seconds (60 to 86,400).
    #[cfg_attr(feature = "openapi", schemars(range(min = 60, max = 86_400)))]
    pub token_ttl_seconds: u32,
    /// Invitation lifetime, hours (1 to 720).
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = 720)))]
    pub invitation_ttl_hours: u32,
    /// How long a deleted user or organization can be restored, hours (1 to 720).
    #[serde(default = "default_restore_window")]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = 720)))]
    pub restore_window_hours: u32,
}

fn default_restore_window() -> u32 {
    24
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            org_registration_enabled: false,
            org_registration_auto_approve: false,
            token_ttl_seconds: 900,
            invitation_ttl_hours: 7 * 24,
            restore_window_hours: default_restore_window(),
        }
    }
}

/// `PUT`: any subset of the settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SettingsPatch {
    /// See [`Settings`].
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(feature = "openapi", schemars(with = "bool"))]
    pub org_registration_enabled: Option<bool>,
    /// See [`Settings`].
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(feature = "openapi", schemars(with = "bool"))]
    pub org_registration_auto_approve: Option<bool>,
    /// See [`Settings`].
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(feature = "openapi", schemars(range(min = 60, max = 86_400)))]
    #[cfg_attr(feature = "openapi", schemars(with = "u32"))]
    pub token_ttl_seconds: Option<u32>,
    /// See [`Settings`].
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = 720)))]
    #[cfg_attr(feature = "openapi", schemars(with = "u32"))]
    pub invitation_ttl_hours: Option<u32>,
    /// See [`Settings`].
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::present::present"
    )]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = 720)))]
    #[cfg_attr(feature = "openapi", schemars(with = "u32"))]
    pub restore_window_hours: Option<u32>,
}

/// The tenant's settings (defaults where never set).
pub async fn load<S: Store + ?Sized>(store: &S, tenant: &TenantId) -> Result<Settings, AdminError> {
    Ok(read(store, &keys::settings(tenant))
        .await?
        .unwrap_or_default())
}

/// `GET`.
pub async fn get<S: Store + ?Sized>(ctx: &Ctx<'_, S>) -> Result<Settings, AdminError> {
    load(ctx.store, ctx.tenant).await
}

/// `PUT` (tenant admins).
pub async fn update<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    patch: SettingsPatch,
) -> Result<Settings, AdminError> {
    Subject::require(ctx.caller.tenant_rights(), RightSet::of(&[Right::All]))?;
    let mut s = load(ctx.store, ctx.tenant).await?;
    if let Some(v) = patch.token_ttl_seconds {
        if !(60..=86_400).contains(&v) {
            return Err(AdminError::invalid("`token_ttl_seconds` is 60 to 86400"));
        }
        s.token_ttl_seconds = v;
    }
    if let Some(v) = patch.invitation_ttl_hours {
        if !(1..=720).contains(&v) {
            return Err(AdminError::invalid("`invitation_ttl_hours` is 1 to 720"));
        }
        s.invitation_ttl_hours = v;
    }
    if let Some(v) = patch.restore_window_hours {
        if !(1..=720).contains(&v) {
            return Err(AdminError::invalid("`restore_window_hours` is 1 to 720"));
        }
        s.restore_window_hours = v;
    }
    if let Some(v) = patch.org_registration_enabled {
        s.org_registration_enabled = v;
    }
    if let Some(v) = patch.org_registration_auto_approve {
        s.org_registration_auto_approve = v;
    }
    plan.put_json(keys::settings(ctx.tenant), &s, None);
    Ok(s)
}
