//! The size budget of issued tokens (CONTRACT section 4): the issuer never
//! signs a token its own verifiers would refuse, whatever the number of
//! memberships. Anyone may add anyone to an organization they create, so
//! without a budget others could push a user's tokens past the verifiers'
//! 8 KiB and lock the user out.
//!
//! A token carries memberships in the caller's priority order (oldest
//! first: memberships someone added lately are the first left out) until
//! the next one would take it past [`TOKEN_BUDGET_BYTES`]; then it says
//! `orgs_incomplete`, and deciders read the user's memberships from the
//! store instead. 4 KiB leaves room in the 8 KiB header limits of common
//! proxies and in a browser's storage, and holds about 100 memberships by a
//! built-in role in the compact form (docs/tokens.md).

use super::claims::{AccessClaims, OrgClaim};
use super::error::TokenError;
use super::keys::SigningKeys;
use super::sign::{sign, signing_input, SIGNATURE_CHARS};
use crate::core::ids::OrgId;

/// Largest token the issuer signs, in bytes.
pub const TOKEN_BUDGET_BYTES: usize = 4096;

fn base64_len(bytes: usize) -> usize {
    (bytes * 4).div_ceil(3)
}

fn payload_len(claims: &AccessClaims) -> Result<usize, TokenError> {
    serde_json::to_string(claims)
        .map(|s| base64_len(s.len()))
        .map_err(|_| TokenError::malformed("claims could not be serialized"))
}

/// Sets `claims.orgs` to as many of `memberships` (in priority order) as
/// fit within `budget` bytes once the token is signed by the key `kid`, and
/// `orgs_incomplete` when some were left out. Nothing is signed: the
/// signature's length is fixed.
pub fn fit_within(
    kid: &str,
    claims: &mut AccessClaims,
    memberships: Vec<(OrgId, OrgClaim)>,
    budget: usize,
) -> Result<(), TokenError> {
    claims.orgs.clear();
    claims.orgs_incomplete = !memberships.is_empty();
    // What the header, the two dots and the signature add.
    let smallest = signing_input(kid, claims)?;
    let overhead = smallest
        .len()
        .saturating_sub(payload_len(claims)?)
        .saturating_add(1 + SIGNATURE_CHARS);
    let fits = |claims: &mut AccessClaims, k: usize| -> Result<bool, TokenError> {
        // `extend`, not `collect`: no sort compiled for these pairs (crate::core::order).
        claims.orgs.clear();
        claims.orgs.extend(memberships.iter().take(k).cloned());
        claims.orgs_incomplete = k < memberships.len();
        Ok(overhead + payload_len(claims)? <= budget)
    };
    // The largest count that fits: fitting is monotone in the count.
    let (mut low, mut high) = (0, memberships.len());
    while low < high {
        let mid = (low + high).div_ceil(2);
        if fits(claims, mid)? {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    fits(claims, low)?;
    Ok(())
}

/// [`fit_within`], then signed by the active key of `keys` in Rust.
pub fn sign_within(
    keys: &SigningKeys,
    claims: &mut AccessClaims,
    memberships: Vec<(OrgId, OrgClaim)>,
    budget: usize,
) -> Result<String, TokenError> {
    fit_within(&keys.active().kid, claims, memberships, budget)?;
    let token = sign(keys, claims)?;
    debug_assert!(claims.orgs.is_empty() || token.len() <= budget);
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ids::RoleId;
    use crate::core::rights::{Right, RightSet};
    use crate::core::token::{Verifier, VerifyOptions};

    fn keys() -> SigningKeys {
        SigningKeys::from_entries(vec![SigningKeys::generate(&[7; 32], Some("k".into()))]).unwrap()
    }

    fn claims() -> AccessClaims {
        serde_json::from_value(serde_json::json!({
            "iss": "https://api.example/t/acme", "sub": "victim", "aud": "https://api.example",
            "jti": "j", "tid": "acme", "iat": 1_800_000_000, "exp": 1_800_000_900
        }))
        .unwrap()
    }

    fn membership(i: usize, explicit: bool) -> (OrgId, OrgClaim) {
        let rights = RightSet::of(&[
            Right::OrganizationInfo,
            Right::ApplicationDevicesRead,
            Right::ApplicationDevicesWrite,
            Right::ApplicationTrafficRead,
            Right::ApplicationTrafficDownWrite,
            Right::GatewaySettingsBasic,
        ]);
        let claim = if explicit {
            OrgClaim { role: None, rights }
        } else {
            OrgClaim {
                role: Some(RoleId::new("member").unwrap()),
                rights: crate::core::roles::BuiltinRole::Member.rights(),
            }
        };
        (OrgId::new(format!("org-{i:04}")).unwrap(), claim)
    }

    #[test]
    fn every_membership_fits_when_few_and_the_token_is_complete() {
        let mut c = claims();
        let token = sign_within(
            &keys(),
            &mut c,
            (0..3).map(|i| membership(i, false)).collect(),
            TOKEN_BUDGET_BYTES,
        )
        .unwrap();
        assert_eq!(c.orgs.len(), 3);
        assert!(!c.orgs_incomplete);
        assert!(!token.contains("orgs_incomplete"));
        let v = Verifier::new(
            keys().verification_keys(),
            VerifyOptions::new(&c.iss, "https://api.example"),
        );
        assert_eq!(v.verify(&token, 1_800_000_100).unwrap().claims, c);
    }

    #[test]
    fn many_memberships_stay_within_the_budget_and_say_so() {
        for explicit in [false, true] {
            for n in [150, 2000] {
                let mut c = claims();
                let token = sign_within(
                    &keys(),
                    &mut c,
                    (0..n).map(|i| membership(i, explicit)).collect(),
                    TOKEN_BUDGET_BYTES,
                )
                .unwrap();
                assert!(token.len() <= TOKEN_BUDGET_BYTES, "{n}: {}", token.len());
                assert!(c.orgs.len() < n, "{n}");
                assert!(c.orgs_incomplete);
                // The oldest (first) memberships are the ones kept.
                assert!(c.orgs.contains_key(&membership(0, explicit).0));
                // And it is as full as the budget allows: one more would not fit.
                let mut more = c.clone();
                let (o, m) = membership(c.orgs.len(), explicit);
                more.orgs.insert(o, m);
                assert!(
                    sign(&keys(), &more).unwrap().len() > TOKEN_BUDGET_BYTES,
                    "{n}"
                );
                let v = Verifier::new(
                    keys().verification_keys(),
                    VerifyOptions::new(&c.iss, "https://api.example"),
                );
                assert!(
                    v.verify(&token, 1_800_000_100)
                        .unwrap()
                        .claims
                        .orgs_incomplete
                );
            }
        }
        // The compact form: about a hundred memberships by a built-in role fit.
        let mut c = claims();
        sign_within(
            &keys(),
            &mut c,
            (0..500).map(|i| membership(i, false)).collect(),
            TOKEN_BUDGET_BYTES,
        )
        .unwrap();
        assert!(c.orgs.len() >= 90, "{}", c.orgs.len());
    }
}
