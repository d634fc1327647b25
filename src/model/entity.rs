//! Entities (applications, gateways, OAuth clients): their kinds, the rights
//! each kind's operations need, and the stored record.

use serde::{Deserialize, Serialize};

use crate::core::rights::{Right, RightKind};

/// The three entity kinds, named as in the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum EntityKind {
    /// `applications`.
    Applications,
    /// `gateways`.
    Gateways,
    /// `clients`.
    Clients,
}

impl EntityKind {
    /// From the URL segment.
    pub fn from_path(s: &str) -> Option<EntityKind> {
        match s {
            "applications" => Some(EntityKind::Applications),
            "gateways" => Some(EntityKind::Gateways),
            "clients" => Some(EntityKind::Clients),
            _ => None,
        }
    }

    /// The URL segment (and key component).
    pub fn path(self) -> &'static str {
        match self {
            EntityKind::Applications => "applications",
            EntityKind::Gateways => "gateways",
            EntityKind::Clients => "clients",
        }
    }

    /// The rights kind of its collaborators.
    pub fn right_kind(self) -> RightKind {
        match self {
            EntityKind::Applications => RightKind::Application,
            EntityKind::Gateways => RightKind::Gateway,
            EntityKind::Clients => RightKind::Client,
        }
    }

    /// The right to read one.
    pub fn info(self) -> Right {
        match self {
            EntityKind::Applications => Right::ApplicationInfo,
            EntityKind::Gateways => Right::GatewayInfo,
            EntityKind::Clients => Right::ClientInfo,
        }
    }

    /// The right to change its name and description.
    pub fn settings_basic(self) -> Right {
        match self {
            EntityKind::Applications => Right::ApplicationSettingsBasic,
            EntityKind::Gateways => Right::GatewaySettingsBasic,
            EntityKind::Clients => Right::ClientSettingsBasic,
        }
    }

    /// The right to change its collaborators.
    pub fn settings_collaborators(self) -> Right {
        match self {
            EntityKind::Applications => Right::ApplicationSettingsCollaborators,
            EntityKind::Gateways => Right::GatewaySettingsCollaborators,
            EntityKind::Clients => Right::ClientSettingsCollaborators,
        }
    }

    /// The right to delete one.
    pub fn delete(self) -> Right {
        match self {
            EntityKind::Applications => Right::ApplicationDelete,
            EntityKind::Gateways => Right::GatewayDelete,
            EntityKind::Clients => Right::ClientDelete,
        }
    }

    /// The right a user needs to create one for itself.
    pub fn user_create(self) -> Right {
        match self {
            EntityKind::Applications => Right::UserApplicationsCreate,
            EntityKind::Gateways => Right::UserGatewaysCreate,
            EntityKind::Clients => Right::UserClientsCreate,
        }
    }

    /// The right a member needs to create one for its organization.
    pub fn org_create(self) -> Right {
        match self {
            EntityKind::Applications => Right::OrganizationApplicationsCreate,
            EntityKind::Gateways => Right::OrganizationGatewaysCreate,
            EntityKind::Clients => Right::OrganizationClientsCreate,
        }
    }
}

/// An application, gateway or client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Entity {
    /// ID (unique per kind and tenant).
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::http::schema::id"))]
    pub id: String,
    /// Kind.
    pub kind: EntityKind,
    /// Display name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Created.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::date_time")
    )]
    pub created_at: String,
    /// Last changed.
    #[cfg_attr(
        feature = "openapi",
        schemars(schema_with = "crate::http::schema::date_time")
    )]
    pub updated_at: String,
}
