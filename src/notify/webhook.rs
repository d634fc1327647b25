//! The webhook, as the Standard Webhooks specification says: a JSON body
//! `{"type", "timestamp", "data"}` and three headers — `webhook-id` (the
//! notification's ID, the same on every retry), `webhook-timestamp` (Unix
//! seconds of this attempt) and `webhook-signature` (`v1,` and the base64
//! HMAC-SHA256 of `<id>.<timestamp>.<body>` under the secret).

use base64ct::{Base64, Encoding};
use core::fmt;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::message::Notice;
use crate::auth::Secret;

/// The signing secret: `whsec_` and base64 of the key bytes (the form the
/// specification's libraries generate); the key bytes are what signs.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

/// Why a secret was refused (the secret itself is never quoted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadSecret;

impl fmt::Display for BadSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the webhook secret is not `whsec_` followed by base64 of 24 to 64 bytes")
    }
}

impl WebhookSecret {
    /// Parses `whsec_<base64>`.
    pub fn parse(text: &str) -> Result<WebhookSecret, BadSecret> {
        let b64 = text.trim().strip_prefix("whsec_").ok_or(BadSecret)?;
        let key = Base64::decode_vec(b64).map_err(|_| BadSecret)?;
        if !(24..=64).contains(&key.len()) {
            return Err(BadSecret);
        }
        Ok(WebhookSecret(key))
    }

    /// `webhook-signature` for one attempt.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        format!(
            "v1,{}",
            Base64::encode_string(&self.mac(id, timestamp, body))
        )
    }

    /// Whether `header` (space-separated `v1,<base64>` entries) holds a valid
    /// signature of this attempt (constant time per entry).
    pub fn verify(&self, id: &str, timestamp: i64, body: &str, header: &str) -> bool {
        let expected = self.mac(id, timestamp, body);
        header.split(' ').any(|entry| {
            entry
                .strip_prefix("v1,")
                .and_then(|b64| Base64::decode_vec(b64).ok())
                .is_some_and(|sig| {
                    use subtle::ConstantTimeEq;
                    sig.len() == expected.len() && bool::from(sig.ct_eq(&expected))
                })
        })
    }

    fn mac(&self, id: &str, timestamp: i64, body: &str) -> Vec<u8> {
        // HMAC takes keys of any length: this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return Vec::new();
        };
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// The webhook's JSON body: `type` (`invitation.created`), `timestamp` (when
/// the notification was made) and `data` — the notification's facts, its
/// `notification_id`, the tenant, the recipients, and for invitations the
/// `link` with the token (the deployment may deliver it its own way).
pub fn body(notice: &Notice, link: Option<&Secret>) -> String {
    let n = &notice.notification;
    let mut data = serde_json::Map::new();
    for (k, v) in &n.data {
        data.insert(k.clone(), serde_json::Value::String(v.clone()));
    }
    data.insert("notification_id".into(), n.id.clone().into());
    data.insert("tenant".into(), notice.tenant.as_str().into());
    data.insert("kind".into(), n.kind.name().into());
    data.insert(
        "to".into(),
        serde_json::Value::Array(n.to.iter().cloned().map(Into::into).collect()),
    );
    if let Some(l) = link {
        data.insert("link".into(), l.expose().into());
    }
    serde_json::json!({
        "type": n.kind.event_type(),
        "timestamp": n.created_at,
        "data": data,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The specification's own example.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1_614_265_330;
    const BODY: &str = r#"{"test": 2432232314}"#;

    #[test]
    fn signs_the_specifications_example() {
        let s = WebhookSecret::parse(SECRET).unwrap();
        assert_eq!(
            s.sign(ID, TS, BODY),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(s.verify(
            ID,
            TS,
            BODY,
            "v1,bm9wZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        ));
        assert!(!s.verify(ID, TS + 1, BODY, &s.sign(ID, TS, BODY)));
        assert!(!s.verify(ID, TS, "{}", &s.sign(ID, TS, BODY)));
        assert!(!s.verify(
            ID,
            TS,
            BODY,
            "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        ));
    }

    #[test]
    fn refuses_bad_secrets_without_quoting_them() {
        for bad in [
            "",
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_!!!",
            "whsec_AAAA",
        ] {
            let e = WebhookSecret::parse(bad).unwrap_err();
            assert!(bad.is_empty() || !e.to_string().contains(bad));
        }
        let s = WebhookSecret::parse(SECRET).unwrap();
        assert!(!format!("{s:?}").contains("MfKQ"));
    }
}
