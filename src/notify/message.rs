//! What travels from the tenant's writer to the queue's consumer: a
//! [`Notice`] per notification, a [`Delivery`] per channel of it. An
//! invitation's token travels here (inside the platform, to be put in the
//! email's link and the webhook's payload) and nowhere else: the outbox
//! keeps the notification without it.

use serde::{Deserialize, Serialize};

use super::record::{Channel, Notification};
use crate::auth::Secret;
use crate::core::ids::TenantId;

/// A notification to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// The tenant.
    pub tenant: TenantId,
    /// The outbox record.
    pub notification: Notification,
    /// An invitation's one-time token (invitation kinds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
}

/// One delivery of a notice — the webhook, or the email to one recipient —
/// as one queue message, retried alone: a webhook that is down never sends
/// an email twice, and one bad address never repeats the others' emails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Email or webhook.
    pub channel: Channel,
    /// The email's recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    /// What to deliver.
    pub notice: Notice,
}

impl Notice {
    /// Its deliveries: an email per recipient when email is configured, the
    /// webhook when one is.
    pub fn deliveries(&self, email: bool, webhook: bool) -> Vec<Delivery> {
        let mut out = Vec::new();
        if email {
            for to in &self.notification.to {
                out.push(Delivery {
                    channel: Channel::Email,
                    recipient: Some(to.clone()),
                    notice: self.clone(),
                });
            }
        }
        if webhook {
            out.push(Delivery {
                channel: Channel::Webhook,
                recipient: None,
                notice: self.clone(),
            });
        }
        out
    }
}

/// The link an invitation's email and webhook carry: `template` with
/// `{base_url}`, `{tenant}` and `{token}` replaced (the default puts the
/// token in the fragment, which browsers never send to a server).
pub fn link(template: &str, base_url: &str, tenant: &TenantId, token: &Secret) -> Secret {
    Secret::new(
        template
            .replace("{base_url}", base_url)
            .replace("{tenant}", tenant.as_str())
            .replace("{token}", token.expose()),
    )
}

/// The default link template.
pub const DEFAULT_LINK: &str = "{base_url}/t/{tenant}/portal/#/invitations/{token}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_fill_the_template_and_deliveries_keep_the_token_out_of_debug() {
        let t = TenantId::new("acme").unwrap();
        let token = Secret::new("OWI.A.B");
        let l = link(DEFAULT_LINK, "https://ow.example", &t, &token);
        assert_eq!(
            l.expose(),
            "https://ow.example/t/acme/portal/#/invitations/OWI.A.B"
        );
        let notice = Notice {
            tenant: t,
            notification: Notification {
                id: "n".into(),
                kind: super::super::record::Kind::Invitation,
                to: vec!["a@b.example".into()],
                data: Default::default(),
                created_at: String::new(),
                undelivered: vec![],
            },
            token: Some(token),
        };
        let all = notice.deliveries(true, true);
        assert_eq!(all.len(), 2);
        assert_eq!(notice.deliveries(false, true).len(), 1);
        assert!(notice.deliveries(false, false).is_empty());
        let d = all.into_iter().next().unwrap();
        assert_eq!(d.recipient.as_deref(), Some("a@b.example"));
        assert!(!format!("{d:?}").contains("OWI.A.B"));
        let back: Delivery = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back, d);
    }
}
