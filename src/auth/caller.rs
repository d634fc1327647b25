//! Who is calling, once authenticated: the same for the admin API and the
//! proxy.

use crate::core::decide::{Principal, Subject};
use crate::core::ids::{OrgId, UserId};
use crate::core::rights::RightSet;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// A user, or an organization (its API key).
    pub principal: Principal,
    /// Tenant admin.
    pub admin: bool,
    /// The credential's own rights; `None` for everything the principal has.
    pub ceiling: Option<RightSet>,
    /// The subject the origin is told: a user ID, or `apikey:<key id>`.
    pub id: String,
    /// A user's memberships as the credential stands for them: a complete
    /// token's `orgs`, else the store's (rights in short form). Empty for an
    /// organization. The admin API reads memberships from the store itself.
    pub memberships: Vec<(OrgId, RightSet)>,
}

impl Caller {
    /// A caller that is a user acting with everything it has (tests, tools).
    pub fn for_user(id: UserId, admin: bool) -> Caller {
        Caller {
            id: id.to_string(),
            principal: Principal::User(id),
            admin,
            ceiling: None,
            memberships: Vec::new(),
        }
    }

    /// No one, holding nothing: the caller of operations that need none
    /// (tenant creation, authorized by the operator key before it runs).
    pub fn anonymous() -> Caller {
        Caller {
            principal: Principal::Organization(OrgId::from_static("anonymous")),
            admin: false,
            ceiling: Some(RightSet::EMPTY),
            id: String::new(),
            memberships: Vec::new(),
        }
    }

    /// The user, if the caller is one.
    pub fn user(&self) -> Option<&UserId> {
        match &self.principal {
            Principal::User(u) => Some(u),
            Principal::Organization(_) => None,
        }
    }

    /// The decision subject with the memberships the credential stands for.
    pub fn subject(&self) -> Subject {
        self.subject_with(self.memberships.iter().cloned())
    }

    /// The decision subject with other memberships (read fresh).
    pub fn subject_with(
        &self,
        memberships: impl IntoIterator<Item = (OrgId, RightSet)>,
    ) -> Subject {
        Subject::new(
            self.principal.clone(),
            memberships,
            self.admin,
            self.ceiling,
        )
    }

    /// Rights on tenant-level objects: universal rights only, cut by the ceiling.
    pub fn tenant_rights(&self) -> RightSet {
        self.subject_with([]).tenant_rights()
    }

    /// The credential's ceiling, expanded (everything when there is none).
    pub fn ceiling(&self) -> RightSet {
        self.subject_with([]).ceiling()
    }

    /// The organizations the origin is told about: a user's memberships, or
    /// the organization an organization key belongs to.
    pub fn organizations(&self) -> Vec<OrgId> {
        match &self.principal {
            Principal::Organization(o) => vec![o.clone()],
            Principal::User(_) => self.memberships.iter().map(|(o, _)| o.clone()).collect(),
        }
    }
}
