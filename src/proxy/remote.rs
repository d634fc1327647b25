//! Facts from orgwarden's directory endpoint, for deciders that run outside
//! the worker (the gateway component, the Envoy filter): where each fact is
//! served and how an answer is read. Both ends use this module and
//! [`crate::http::directory`]'s documents, so they cannot drift apart.

use crate::model::facts::{Fact, FactError, Need};

/// The path (under the deployment's base URL) that serves `need`; `None`
/// for an external issuer's JWKS, which is fetched from its own URL.
pub fn directory_path(need: &Need) -> Option<String> {
    let base = |t: &str| format!("/t/{}/api/v1/directory", segment(t));
    Some(match need {
        Need::Epochs(t) => format!("{}/epochs", base(t.as_str())),
        Need::Grants(t, kind, id) => format!(
            "{}/grants/{}/{}",
            base(t.as_str()),
            kind.path(),
            segment(id)
        ),
        Need::ApiKey(t, id) => format!("{}/api-keys/{}", base(t.as_str()), segment(id)),
        Need::Principal(t, u) => {
            format!("{}/principals/{}", base(t.as_str()), segment(u.as_str()))
        }
        Need::Jwks(_) | Need::Signature(_) => return None,
    })
}

/// Percent-encodes everything but unreserved characters: IDs are checked
/// before they get here, and this keeps anything else one segment.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Reads the directory's answer to `need`: a 200 with the fact's JSON, or
/// the reason the decision must fail closed.
pub fn read_answer(need: &Need, status: u16, body: &[u8]) -> Result<Fact, FactError> {
    if status != 200 {
        return Err(FactError(format!(
            "the directory answered {status} for {}",
            need.kind()
        )));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| FactError(format!("the {} fact is not UTF-8", need.kind())))?;
    Fact::from_json(need, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ids::{TenantId, UserId};
    use crate::model::entity::EntityKind;

    #[test]
    fn each_fact_has_its_path() {
        let t = TenantId::new("acme").unwrap_or_else(|_| unreachable!());
        let u = UserId::new("alice").unwrap_or_else(|_| unreachable!());
        assert_eq!(
            directory_path(&Need::Epochs(t.clone())).as_deref(),
            Some("/t/acme/api/v1/directory/epochs")
        );
        assert_eq!(
            directory_path(&Need::Grants(
                t.clone(),
                EntityKind::Applications,
                "billing".into()
            ))
            .as_deref(),
            Some("/t/acme/api/v1/directory/grants/applications/billing")
        );
        assert_eq!(
            directory_path(&Need::ApiKey(t.clone(), "A B/..".into())).as_deref(),
            Some("/t/acme/api/v1/directory/api-keys/A%20B%2F..")
        );
        assert_eq!(
            directory_path(&Need::Principal(t, u)).as_deref(),
            Some("/t/acme/api/v1/directory/principals/alice")
        );
        assert_eq!(directory_path(&Need::Jwks("https://x".into())), None);
    }

    #[test]
    fn only_a_well_formed_200_is_a_fact() {
        let t = TenantId::new("acme").unwrap_or_else(|_| unreachable!());
        let need = Need::Epochs(t);
        assert!(read_answer(&need, 200, br#"{"users":{"a":1}}"#).is_ok());
        assert!(read_answer(&need, 503, b"{}").is_err());
        assert!(read_answer(&need, 200, b"{\"users\":").is_err());
        assert!(read_answer(&need, 200, &[0xff]).is_err());
    }
}
