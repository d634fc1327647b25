//! Notifications on the platform (docs/flows.md): the configuration, read
//! once per isolate, and the hand-over of committed notices to the
//! `NOTIFICATIONS` queue, one message per delivery. The queue's consumer is
//! [`super::deliver`].
//!
//! Configuration: `NOTIFY_FROM` (the sender's address; with the
//! `SEND_EMAIL` binding, email is on) and `NOTIFY_FROM_NAME`, `NOTIFY_WEBHOOK_URL` and the secret
//! `NOTIFY_WEBHOOK_SECRET` (`whsec_…`; the webhook is on), `INVITATION_URL`
//! (the link template), `NOTIFY_TEMPLATES` (email overrides),
//! `NOTIFY_RETRY_SECONDS` (the first retry's delay, doubling, default 30),
//! `NOTIFY_DEAD_LETTER_QUEUE` (the dead-letter queue's name).

use worker::Env;

use crate::notify::message::{Notice, DEFAULT_LINK};
use crate::notify::templates::Templates;
use crate::notify::webhook::WebhookSecret;

/// The binding notices are queued on.
pub const QUEUE: &str = "NOTIFICATIONS";
/// The binding emails are sent with.
pub const EMAIL: &str = "SEND_EMAIL";

/// The deployment's notification settings.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// The sender's address, when email is on.
    pub from: Option<String>,
    /// The sender's display name.
    pub from_name: String,
    /// The webhook's URL and secret, when it is on.
    pub webhook: Option<(String, WebhookSecret)>,
    /// The invitation link template.
    pub link: String,
    /// The email templates, or why the overrides were refused (every email
    /// then fails, visibly, rather than going out in a shape nobody chose).
    pub templates: Result<Templates, String>,
    /// The first retry's delay, seconds.
    pub retry_seconds: u32,
    /// The dead-letter queue's name.
    pub dead_letter_queue: String,
}

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .ok()
        .map(|v| v.to_string())
        .filter(|v| !v.trim().is_empty())
}

impl NotifyConfig {
    /// Reads the configuration; a webhook without a usable secret is off,
    /// and said so in the log.
    pub fn from_env(env: &Env) -> NotifyConfig {
        let email_binding = env.send_email(EMAIL).is_ok();
        let from = var(env, "NOTIFY_FROM").filter(|_| email_binding);
        let webhook = var(env, "NOTIFY_WEBHOOK_URL").and_then(|url| {
            let secret = env
                .secret("NOTIFY_WEBHOOK_SECRET")
                .ok()
                .map(|s| s.to_string());
            match secret.as_deref().map(WebhookSecret::parse) {
                Some(Ok(s)) => Some((url, s)),
                Some(Err(e)) => {
                    log::error!("NOTIFY_WEBHOOK_SECRET: {e}; the webhook is off");
                    None
                }
                None => {
                    log::error!("NOTIFY_WEBHOOK_URL is set but NOTIFY_WEBHOOK_SECRET is not; the webhook is off");
                    None
                }
            }
        });
        // A JSON string, or a table in wrangler.toml.
        let overrides = var(env, "NOTIFY_TEMPLATES")
            .or_else(|| super::isolate::object_json(env, "NOTIFY_TEMPLATES"));
        let templates = match overrides {
            None => Ok(Templates::default()),
            Some(json) => Templates::from_json(&json).map_err(|e| {
                log::error!("{e}");
                e.to_string()
            }),
        };
        NotifyConfig {
            from,
            from_name: var(env, "NOTIFY_FROM_NAME").unwrap_or_else(|| "orgwarden".to_owned()),
            webhook,
            link: var(env, "INVITATION_URL").unwrap_or_else(|| DEFAULT_LINK.to_owned()),
            templates,
            retry_seconds: var(env, "NOTIFY_RETRY_SECONDS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(30)
                .clamp(1, 3600),
            dead_letter_queue: var(env, "NOTIFY_DEAD_LETTER_QUEUE")
                .unwrap_or_else(|| "orgwarden-notifications-dead".to_owned()),
        }
    }
}

/// Queues every delivery of `notice`; `Err` when the queue refused one
/// (the caller keeps the notice and tries again: a delivery may then be
/// queued twice, which its notification ID lets receivers drop).
pub async fn dispatch(env: &Env, config: &NotifyConfig, notice: &Notice) -> Result<(), String> {
    let deliveries = notice.deliveries(config.from.is_some(), config.webhook.is_some());
    if deliveries.is_empty() {
        return Ok(());
    }
    let queue = env.queue(QUEUE).map_err(|e| e.to_string())?;
    let texts = deliveries
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<String>, _>>()
        .map_err(|e| e.to_string())?;
    // One call: the batch is queued whole or not at all.
    queue.send_batch(texts).await.map_err(|e| e.to_string())
}
