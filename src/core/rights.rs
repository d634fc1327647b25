//! The rights catalog and its set algebra (CONTRACT section 3).
//!
//! The catalog is The Things Stack's `Right` enum with its names and wire
//! numbers (1 to 63, next free value 64). The numbers double as bit positions,
//! so a [`RightSet`] is one `u64` and every set operation is a single
//! instruction; bit 0 (`right_invalid`) is never set.
//!
//! Pseudo-rights (`RIGHT_<KIND>_ALL`, `RIGHT_ALL`) and the two link rights imply
//! others. Sets are compared after [`RightSet::implied`] has added what their
//! members imply; a set as stored or put in a token keeps its short form.

use core::fmt;
use core::str::FromStr;

use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Which entity a right is about; the `RIGHT_<KIND>_ALL` pseudo-right of a kind
/// implies every right of that kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RightKind {
    /// `RIGHT_USER_*`: a user account.
    User,
    /// `RIGHT_APPLICATION_*`.
    Application,
    /// `RIGHT_CLIENT_*`: OAuth clients.
    Client,
    /// `RIGHT_GATEWAY_*`.
    Gateway,
    /// `RIGHT_ORGANIZATION_*`.
    Organization,
}

macro_rules! catalog {
    ($( $variant:ident = $num:literal, $name:literal, $kind:expr; )*) => {
        /// One right of The Things Stack's catalog; the discriminant is its wire number.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        #[allow(missing_docs, non_camel_case_types, reason = "names mirror The Things Stack's enum")]
        pub enum Right {
            $( $variant = $num, )*
        }

        impl Right {
            /// Every right, in catalog (declaration) order.
            pub const ALL: &'static [Right] = &[$( Right::$variant, )*];

            /// The right's canonical name, e.g. `RIGHT_APPLICATION_INFO`.
            pub const fn name(self) -> &'static str {
                match self { $( Right::$variant => $name, )* }
            }

            /// The kind of entity the right is about; `None` for `RIGHT_SEND_INVITES` and `RIGHT_ALL`.
            pub const fn kind(self) -> Option<RightKind> {
                match self { $( Right::$variant => $kind, )* }
            }

            /// Looks a right up by its canonical name.
            pub fn from_name(name: &str) -> Option<Right> {
                match name { $( $name => Some(Right::$variant), )* _ => None }
            }
        }
    };
}

use RightKind::{Application as A, Client as C, Gateway as G, Organization as O, User as U};

catalog! {
    UserInfo = 1, "RIGHT_USER_INFO", Some(U);
    UserSettingsBasic = 2, "RIGHT_USER_SETTINGS_BASIC", Some(U);
    UserSettingsApiKeys = 3, "RIGHT_USER_SETTINGS_API_KEYS", Some(U);
    UserDelete = 4, "RIGHT_USER_DELETE", Some(U);
    UserAuthorizedClients = 5, "RIGHT_USER_AUTHORIZED_CLIENTS", Some(U);
    UserApplicationsList = 6, "RIGHT_USER_APPLICATIONS_LIST", Some(U);
    UserApplicationsCreate = 7, "RIGHT_USER_APPLICATIONS_CREATE", Some(U);
    UserGatewaysList = 8, "RIGHT_USER_GATEWAYS_LIST", Some(U);
    UserGatewaysCreate = 9, "RIGHT_USER_GATEWAYS_CREATE", Some(U);
    UserClientsList = 10, "RIGHT_USER_CLIENTS_LIST", Some(U);
    UserClientsCreate = 11, "RIGHT_USER_CLIENTS_CREATE", Some(U);
    UserOrganizationsList = 12, "RIGHT_USER_ORGANIZATIONS_LIST", Some(U);
    UserOrganizationsCreate = 13, "RIGHT_USER_ORGANIZATIONS_CREATE", Some(U);
    UserNotificationsRead = 59, "RIGHT_USER_NOTIFICATIONS_READ", Some(U);
    UserAll = 14, "RIGHT_USER_ALL", Some(U);

    ApplicationInfo = 15, "RIGHT_APPLICATION_INFO", Some(A);
    ApplicationSettingsBasic = 16, "RIGHT_APPLICATION_SETTINGS_BASIC", Some(A);
    ApplicationSettingsApiKeys = 17, "RIGHT_APPLICATION_SETTINGS_API_KEYS", Some(A);
    ApplicationSettingsCollaborators = 18, "RIGHT_APPLICATION_SETTINGS_COLLABORATORS", Some(A);
    ApplicationSettingsPackages = 56, "RIGHT_APPLICATION_SETTINGS_PACKAGES", Some(A);
    ApplicationDelete = 19, "RIGHT_APPLICATION_DELETE", Some(A);
    ApplicationDevicesRead = 20, "RIGHT_APPLICATION_DEVICES_READ", Some(A);
    ApplicationDevicesWrite = 21, "RIGHT_APPLICATION_DEVICES_WRITE", Some(A);
    ApplicationDevicesReadKeys = 22, "RIGHT_APPLICATION_DEVICES_READ_KEYS", Some(A);
    ApplicationDevicesWriteKeys = 23, "RIGHT_APPLICATION_DEVICES_WRITE_KEYS", Some(A);
    ApplicationTrafficRead = 24, "RIGHT_APPLICATION_TRAFFIC_READ", Some(A);
    ApplicationTrafficUpWrite = 25, "RIGHT_APPLICATION_TRAFFIC_UP_WRITE", Some(A);
    ApplicationTrafficDownWrite = 26, "RIGHT_APPLICATION_TRAFFIC_DOWN_WRITE", Some(A);
    ApplicationLink = 27, "RIGHT_APPLICATION_LINK", Some(A);
    ApplicationAll = 28, "RIGHT_APPLICATION_ALL", Some(A);

    ClientAll = 29, "RIGHT_CLIENT_ALL", Some(C);
    ClientInfo = 60, "RIGHT_CLIENT_INFO", Some(C);
    ClientSettingsBasic = 61, "RIGHT_CLIENT_SETTINGS_BASIC", Some(C);
    ClientSettingsCollaborators = 62, "RIGHT_CLIENT_SETTINGS_COLLABORATORS", Some(C);
    ClientDelete = 63, "RIGHT_CLIENT_DELETE", Some(C);

    GatewayInfo = 30, "RIGHT_GATEWAY_INFO", Some(G);
    GatewaySettingsBasic = 31, "RIGHT_GATEWAY_SETTINGS_BASIC", Some(G);
    GatewaySettingsApiKeys = 32, "RIGHT_GATEWAY_SETTINGS_API_KEYS", Some(G);
    GatewaySettingsCollaborators = 33, "RIGHT_GATEWAY_SETTINGS_COLLABORATORS", Some(G);
    GatewayDelete = 34, "RIGHT_GATEWAY_DELETE", Some(G);
    GatewayTrafficRead = 35, "RIGHT_GATEWAY_TRAFFIC_READ", Some(G);
    GatewayTrafficDownWrite = 36, "RIGHT_GATEWAY_TRAFFIC_DOWN_WRITE", Some(G);
    GatewayLink = 37, "RIGHT_GATEWAY_LINK", Some(G);
    GatewayStatusRead = 38, "RIGHT_GATEWAY_STATUS_READ", Some(G);
    GatewayLocationRead = 39, "RIGHT_GATEWAY_LOCATION_READ", Some(G);
    GatewayWriteSecrets = 57, "RIGHT_GATEWAY_WRITE_SECRETS", Some(G);
    GatewayReadSecrets = 58, "RIGHT_GATEWAY_READ_SECRETS", Some(G);
    GatewayAll = 40, "RIGHT_GATEWAY_ALL", Some(G);

    OrganizationInfo = 41, "RIGHT_ORGANIZATION_INFO", Some(O);
    OrganizationSettingsBasic = 42, "RIGHT_ORGANIZATION_SETTINGS_BASIC", Some(O);
    OrganizationSettingsApiKeys = 43, "RIGHT_ORGANIZATION_SETTINGS_API_KEYS", Some(O);
    OrganizationSettingsMembers = 44, "RIGHT_ORGANIZATION_SETTINGS_MEMBERS", Some(O);
    OrganizationDelete = 45, "RIGHT_ORGANIZATION_DELETE", Some(O);
    OrganizationApplicationsList = 46, "RIGHT_ORGANIZATION_APPLICATIONS_LIST", Some(O);
    OrganizationApplicationsCreate = 47, "RIGHT_ORGANIZATION_APPLICATIONS_CREATE", Some(O);
    OrganizationGatewaysList = 48, "RIGHT_ORGANIZATION_GATEWAYS_LIST", Some(O);
    OrganizationGatewaysCreate = 49, "RIGHT_ORGANIZATION_GATEWAYS_CREATE", Some(O);
    OrganizationClientsList = 50, "RIGHT_ORGANIZATION_CLIENTS_LIST", Some(O);
    OrganizationClientsCreate = 51, "RIGHT_ORGANIZATION_CLIENTS_CREATE", Some(O);
    OrganizationAddAsCollaborator = 52, "RIGHT_ORGANIZATION_ADD_AS_COLLABORATOR", Some(O);
    OrganizationAll = 53, "RIGHT_ORGANIZATION_ALL", Some(O);

    SendInvites = 54, "RIGHT_SEND_INVITES", None;
    All = 55, "RIGHT_ALL", None;
}

impl Right {
    /// The right's bit in a [`RightSet`].
    pub const fn bit(self) -> u64 {
        1u64 << (self as u8)
    }

    /// Whether this is a pseudo-right (`RIGHT_<KIND>_ALL` or `RIGHT_ALL`).
    pub const fn is_pseudo(self) -> bool {
        matches!(
            self,
            Right::UserAll
                | Right::ApplicationAll
                | Right::ClientAll
                | Right::GatewayAll
                | Right::OrganizationAll
                | Right::All
        )
    }

    /// The `RIGHT_<KIND>_ALL` pseudo-right of a kind.
    pub const fn all_of(kind: RightKind) -> Right {
        match kind {
            RightKind::User => Right::UserAll,
            RightKind::Application => Right::ApplicationAll,
            RightKind::Client => Right::ClientAll,
            RightKind::Gateway => Right::GatewayAll,
            RightKind::Organization => Right::OrganizationAll,
        }
    }
}

impl fmt::Display for Right {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not in the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRight(pub String);

impl UnknownRight {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        "unknown_right"
    }
}

impl fmt::Display for UnknownRight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The name is user input: quoted as token errors quote theirs.
        write!(
            f,
            "unknown right {}",
            crate::core::token::error::quote(&self.0)
        )
    }
}

impl std::error::Error for UnknownRight {}

impl FromStr for Right {
    type Err = UnknownRight;
    fn from_str(s: &str) -> Result<Self, UnknownRight> {
        Right::from_name(s).ok_or_else(|| UnknownRight(s.chars().take(64).collect()))
    }
}

impl Serialize for Right {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Right {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// A set of rights: one bit per catalog entry.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RightSet(u64);

const fn mask_of_kind(kind: RightKind) -> u64 {
    let mut mask = 0;
    let mut rest = Right::ALL;
    while let [r, tail @ ..] = rest {
        if let Some(k) = r.kind() {
            if k as u8 == kind as u8 {
                mask |= r.bit();
            }
        }
        rest = tail;
    }
    mask
}

const fn mask_of_all() -> u64 {
    RightSet::of(Right::ALL).0
}

const USER_MASK: u64 = mask_of_kind(RightKind::User);
const APPLICATION_MASK: u64 = mask_of_kind(RightKind::Application);
const CLIENT_MASK: u64 = mask_of_kind(RightKind::Client);
const GATEWAY_MASK: u64 = mask_of_kind(RightKind::Gateway);
const ORGANIZATION_MASK: u64 = mask_of_kind(RightKind::Organization);
const EVERY_MASK: u64 = mask_of_all();
const APPLICATION_LINK_IMPLIES: u64 = Right::ApplicationLink.bit()
    | Right::ApplicationInfo.bit()
    | Right::ApplicationTrafficRead.bit()
    | Right::ApplicationTrafficDownWrite.bit();
const GATEWAY_LINK_IMPLIES: u64 = Right::GatewayLink.bit() | Right::GatewayInfo.bit();

impl RightSet {
    /// The empty set.
    pub const EMPTY: RightSet = RightSet(0);
    /// Every right of the catalog, pseudo-rights included: `RIGHT_ALL` expanded.
    pub const EVERYTHING: RightSet = RightSet(EVERY_MASK);

    /// A set from a list of rights.
    pub const fn of(rights: &[Right]) -> RightSet {
        let mut bits = 0;
        let mut rest = rights;
        while let [r, tail @ ..] = rest {
            bits |= r.bit();
            rest = tail;
        }
        RightSet(bits)
    }

    /// The raw bits (bit n = wire number n); for compact storage and caches.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// A set from raw bits; bits that name no right are dropped.
    pub const fn from_bits_truncate(bits: u64) -> RightSet {
        RightSet(bits & EVERY_MASK)
    }

    /// Every right of one kind, its pseudo-right included.
    pub const fn of_kind(kind: RightKind) -> RightSet {
        RightSet(match kind {
            RightKind::User => USER_MASK,
            RightKind::Application => APPLICATION_MASK,
            RightKind::Client => CLIENT_MASK,
            RightKind::Gateway => GATEWAY_MASK,
            RightKind::Organization => ORGANIZATION_MASK,
        })
    }

    /// Whether `right` is a member (no expansion).
    pub const fn contains(self, right: Right) -> bool {
        self.0 & right.bit() != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Number of members.
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Adds a right.
    pub fn insert(&mut self, right: Right) {
        self.0 |= right.bit();
    }

    /// `self ∪ other`.
    #[must_use]
    pub const fn union(self, other: RightSet) -> RightSet {
        RightSet(self.0 | other.0)
    }

    /// `self ∩ other`. Both operands should be expanded first: see [`RightSet::implied`].
    #[must_use]
    pub const fn intersection(self, other: RightSet) -> RightSet {
        RightSet(self.0 & other.0)
    }

    /// `self − other`.
    #[must_use]
    pub const fn difference(self, other: RightSet) -> RightSet {
        RightSet(self.0 & !other.0)
    }

    /// The set with everything its members imply added: `RIGHT_ALL` → every
    /// right, `RIGHT_<KIND>_ALL` → every right of the kind, the link rights →
    /// what they bundle. Idempotent, and a superset of `self`.
    #[must_use]
    pub const fn implied(self) -> RightSet {
        let s = self.0;
        if s & Right::All.bit() != 0 {
            return RightSet(EVERY_MASK);
        }
        let mut out = s;
        if s & Right::UserAll.bit() != 0 {
            out |= USER_MASK;
        }
        if s & Right::ApplicationAll.bit() != 0 {
            out |= APPLICATION_MASK;
        }
        if s & Right::ClientAll.bit() != 0 {
            out |= CLIENT_MASK;
        }
        if s & Right::GatewayAll.bit() != 0 {
            out |= GATEWAY_MASK;
        }
        if s & Right::OrganizationAll.bit() != 0 {
            out |= ORGANIZATION_MASK;
        }
        if s & Right::ApplicationLink.bit() != 0 {
            out |= APPLICATION_LINK_IMPLIES;
        }
        if s & Right::GatewayLink.bit() != 0 {
            out |= GATEWAY_LINK_IMPLIES;
        }
        RightSet(out)
    }

    /// Whether `self` (expanded) holds every right of `required` (expanded).
    pub const fn includes_all(self, required: RightSet) -> bool {
        required.implied().0 & !self.implied().0 == 0
    }

    /// What `required` asks for that `self` does not hold, both expanded.
    /// Empty when access is granted; otherwise the rights to name in a 403.
    #[must_use]
    pub const fn missing(self, required: RightSet) -> RightSet {
        required.implied().difference(self.implied())
    }

    /// The members, in wire-number order.
    pub fn iter(self) -> impl Iterator<Item = Right> {
        Right::ALL_BY_NUMBER
            .iter()
            .copied()
            .filter(move |r| self.contains(*r))
    }

    /// The members' names, in wire-number order.
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Right::name).collect()
    }

    /// The shortest set with the same expansion: members implied by another
    /// member are dropped (e.g. `{RIGHT_APPLICATION_ALL, RIGHT_APPLICATION_INFO}`
    /// → `{RIGHT_APPLICATION_ALL}`). Used where a set is written into a token.
    #[must_use]
    pub fn compact(self) -> RightSet {
        let mut out = self.0;
        for r in self.iter() {
            let implied_by_r = RightSet(r.bit()).implied().0 & !r.bit();
            out &= !implied_by_r;
        }
        // Dropping a right implied by one that is itself dropped is safe only if
        // that one stays implied: keep the result only when it expands the same.
        if RightSet(out).implied() == self.implied() {
            RightSet(out)
        } else {
            self
        }
    }

    /// Parses a list of names; any unknown name is an error.
    pub fn from_names<'a>(
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<RightSet, UnknownRight> {
        let mut set = RightSet::EMPTY;
        for n in names {
            set.insert(n.parse()?);
        }
        Ok(set)
    }
}

impl Right {
    /// Every right, in wire-number order (the order sets iterate and serialize in).
    #[expect(
        clippy::indexing_slicing,
        reason = "evaluated at compile time: an out-of-bounds index fails the build"
    )]
    pub const ALL_BY_NUMBER: &'static [Right] = &{
        let mut out = [Right::All; Right::ALL.len()];
        let mut n = 0;
        let mut filled = 0;
        while n < 64 {
            let mut i = 0;
            while i < Right::ALL.len() {
                if Right::ALL[i] as u8 == n {
                    out[filled] = Right::ALL[i];
                    filled += 1;
                }
                i += 1;
            }
            n += 1;
        }
        out
    };
}

impl FromIterator<Right> for RightSet {
    fn from_iter<I: IntoIterator<Item = Right>>(iter: I) -> Self {
        let mut set = RightSet::EMPTY;
        for r in iter {
            set.insert(r);
        }
        set
    }
}

impl fmt::Debug for RightSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(Right::name)).finish()
    }
}

/// Serialized as a JSON array of names, in wire-number order.
impl Serialize for RightSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Right names of the catalog, in short form.
#[cfg(feature = "openapi")]
impl schemars::JsonSchema for RightSet {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Rights".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = Right::ALL.iter().map(|r| r.name()).collect();
        schemars::json_schema!({"type": "array", "items": {"enum": names}})
    }
}

/// Deserialized from a JSON array of names; an unknown name is an error,
/// a repeated one is harmless.
impl<'de> Deserialize<'de> for RightSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SetVisitor;
        impl<'de> Visitor<'de> for SetVisitor {
            type Value = RightSet;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of right names")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RightSet, A::Error> {
                let mut set = RightSet::EMPTY;
                while let Some(r) = seq.next_element::<Right>()? {
                    set.insert(r);
                }
                Ok(set)
            }
        }
        d.deserialize_seq(SetVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_matches_the_things_stack() {
        // 63 rights, wire numbers 1..=63 each used once (next free value: 64).
        assert_eq!(Right::ALL.len(), 63);
        let mut seen = 0u64;
        for r in Right::ALL {
            assert!((1..=63).contains(&(*r as u8)), "{r}");
            assert_eq!(seen & r.bit(), 0, "duplicate number {r}");
            seen |= r.bit();
            assert_eq!(Right::from_name(r.name()), Some(*r));
            assert!(r.name().starts_with("RIGHT_"));
        }
        assert_eq!(seen, EVERY_MASK);
        assert_eq!(Right::ApplicationInfo as u8, 15);
        assert_eq!(Right::OrganizationAll as u8, 53);
        assert_eq!(Right::All as u8, 55);
        assert_eq!(Right::ClientDelete as u8, 63);
        assert_eq!(Right::ALL_BY_NUMBER.len(), 63);
        assert!(Right::ALL_BY_NUMBER
            .windows(2)
            .all(|w| (w[0] as u8) < (w[1] as u8)));
    }

    #[test]
    fn kind_all_implies_every_right_of_the_kind_and_no_other() {
        for kind in [
            RightKind::User,
            RightKind::Application,
            RightKind::Client,
            RightKind::Gateway,
            RightKind::Organization,
        ] {
            let all = RightSet::of(&[Right::all_of(kind)]).implied();
            for r in Right::ALL {
                assert_eq!(all.contains(*r), r.kind() == Some(kind), "{kind:?} {r}");
            }
        }
    }

    #[test]
    fn right_all_implies_everything() {
        assert_eq!(RightSet::of(&[Right::All]).implied(), RightSet::EVERYTHING);
        assert!(RightSet::EVERYTHING.contains(Right::SendInvites));
    }

    #[test]
    fn link_rights_imply_their_bundles() {
        let app = RightSet::of(&[Right::ApplicationLink]).implied();
        assert_eq!(
            app,
            RightSet::of(&[
                Right::ApplicationLink,
                Right::ApplicationInfo,
                Right::ApplicationTrafficRead,
                Right::ApplicationTrafficDownWrite
            ])
        );
        assert!(!app.contains(Right::ApplicationTrafficUpWrite));
        let gw = RightSet::of(&[Right::GatewayLink]).implied();
        assert_eq!(gw, RightSet::of(&[Right::GatewayLink, Right::GatewayInfo]));
    }

    #[test]
    fn plain_rights_imply_only_themselves() {
        for r in Right::ALL.iter().filter(|r| !r.is_pseudo()) {
            if matches!(r, Right::ApplicationLink | Right::GatewayLink) {
                continue;
            }
            assert_eq!(RightSet::of(&[*r]).implied(), RightSet::of(&[*r]), "{r}");
        }
    }

    #[test]
    fn includes_all_and_missing_compare_after_expansion() {
        let held = RightSet::of(&[Right::ApplicationAll]);
        assert!(held.includes_all(RightSet::of(&[
            Right::ApplicationInfo,
            Right::ApplicationDelete
        ])));
        assert!(!held.includes_all(RightSet::of(&[Right::GatewayInfo])));
        let required = RightSet::of(&[Right::ApplicationLink]);
        let partial = RightSet::of(&[Right::ApplicationInfo, Right::ApplicationTrafficRead]);
        assert_eq!(
            partial.missing(required),
            RightSet::of(&[Right::ApplicationLink, Right::ApplicationTrafficDownWrite])
        );
        // Operations on the empty set are safe.
        assert!(RightSet::EMPTY.includes_all(RightSet::EMPTY));
        assert!(RightSet::EMPTY.missing(RightSet::EMPTY).is_empty());
    }

    #[test]
    fn serde_is_a_list_of_names() {
        let set = RightSet::of(&[Right::OrganizationInfo, Right::ApplicationAll]);
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(
            json,
            r#"["RIGHT_APPLICATION_ALL","RIGHT_ORGANIZATION_INFO"]"#
        );
        assert_eq!(serde_json::from_str::<RightSet>(&json).unwrap(), set);
        let err = serde_json::from_str::<RightSet>(r#"["RIGHT_NOPE"]"#).unwrap_err();
        assert!(err.to_string().contains("unknown right"), "{err}");
        assert!(serde_json::from_str::<RightSet>(r#"["right_invalid"]"#).is_err());
    }

    #[test]
    fn compact_keeps_the_expansion() {
        let set = RightSet::of(&[
            Right::ApplicationAll,
            Right::ApplicationInfo,
            Right::GatewayLink,
            Right::GatewayInfo,
        ]);
        let c = set.compact();
        assert_eq!(
            c,
            RightSet::of(&[Right::ApplicationAll, Right::GatewayLink])
        );
        assert_eq!(c.implied(), set.implied());
    }
}
