//! Revocation epochs as deciders read them: per user and per organization,
//! the last second up to which tokens are revoked (docs/proxy.md,
//! "Revocation"; [`crate::admin::revocations`] writes them).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::core::ids::OrgId;
use crate::store::Listed;

/// A tenant's epochs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Epochs {
    /// User ID → epoch (Unix seconds).
    #[serde(default)]
    users: HashMap<String, i64>,
    /// Organization ID → epoch.
    #[serde(default, rename = "organizations")]
    orgs: HashMap<String, i64>,
}

impl Epochs {
    /// The epochs of a listing of the tenant's revocation prefix: keys
    /// `<prefix>u/<id>` and `<prefix>o/<id>`, the epoch in the metadata.
    pub fn from_listing(prefix: &str, listing: &[Listed]) -> Epochs {
        let mut out = Epochs::default();
        for l in listing {
            let Some(rest) = l.key.strip_prefix(prefix) else {
                continue;
            };
            let Some(epoch) = l.metadata.as_deref().and_then(|m| m.parse::<i64>().ok()) else {
                continue;
            };
            match rest.split_once('/') {
                Some(("u", id)) => {
                    out.users.insert(id.to_owned(), epoch);
                }
                Some(("o", id)) => {
                    out.orgs.insert(id.to_owned(), epoch);
                }
                _ => {}
            }
        }
        out
    }

    /// Whether a token of `user` (if any) carrying `orgs`, issued at `iat`,
    /// is revoked.
    pub fn revokes<'o>(
        &self,
        user: Option<&str>,
        orgs: impl IntoIterator<Item = &'o OrgId>,
        iat: i64,
    ) -> bool {
        let hit = |epoch: Option<&i64>| epoch.is_some_and(|e| iat <= *e);
        if user.is_some_and(|u| hit(self.users.get(u))) {
            return true;
        }
        orgs.into_iter().any(|o| hit(self.orgs.get(o.as_str())))
    }

    /// Number of epochs.
    pub fn len(&self) -> usize {
        self.users.len() + self.orgs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
