//! The `NOTIFICATIONS` queue's consumer: each message is one delivery
//! ([`Delivery`]) — an email through the `SEND_EMAIL` binding, or the
//! signed webhook POST. A delivery that fails is retried by the queue with
//! a doubling delay (`NOTIFY_RETRY_SECONDS`, then twice that, … up to an
//! hour); after the queue's last try (`max_retries` in wrangler.toml) it
//! goes to the dead-letter queue, whose messages this consumer turns into
//! `undelivered` marks on the notification in the outbox, through the
//! tenant's writer. Nothing is lost: the outbox keeps every notification.
//!
//! The export is written out (not `#[event(queue)]`) to read each message's
//! `attempts` and to answer every failure without a panic.

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::{Env, Fetch};

use super::isolate;
use super::notify::{NotifyConfig, EMAIL};
use super::writer::ObjectWriter;
use crate::http::{Authority, Call, WriteRequest, Writer};
use crate::notify::message::{link, Delivery};
use crate::notify::record::Channel;
use crate::notify::webhook;

fn get(obj: &JsValue, name: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn call(obj: &JsValue, method: &str, arg: Option<&JsValue>) {
    if let Ok(f) = get(obj, method).dyn_into::<Function>() {
        let r = match arg {
            Some(a) => f.call1(obj, a),
            None => f.call0(obj),
        };
        if r.is_err() {
            log::warn!("queue message {method}() failed");
        }
    }
}

/// The queue handler (worker-build wires an export named `queue`).
#[wasm_bindgen]
pub async fn queue(batch: JsValue, env: Env, _ctx: JsValue) -> Result<JsValue, JsValue> {
    let iso = match isolate::get(&env) {
        Ok(i) => i,
        Err(p) => {
            // Nothing can be delivered without a configuration: the queue
            // retries the whole batch once it is fixed.
            log::error!("notifications wait: {}", p.detail);
            call(&batch, "retryAll", None);
            return Ok(JsValue::UNDEFINED);
        }
    };
    let config = &iso.notify;
    let dead =
        get(&batch, "queue").as_string().as_deref() == Some(config.dead_letter_queue.as_str());
    let messages = get(&batch, "messages")
        .dyn_into::<Array>()
        .unwrap_or_default();
    for m in messages.iter() {
        let parsed = get(&m, "body")
            .as_string()
            .and_then(|t| serde_json::from_slice::<Delivery>(t.as_bytes()).ok());
        let Some(d) = parsed else {
            log::error!("a notification queue message is not a delivery; dropped");
            call(&m, "ack", None);
            continue;
        };
        let result = if dead {
            mark_undelivered(&env, &d).await
        } else {
            deliver(&env, &iso.base_url, iso.now_ms(), config, &d).await
        };
        match result {
            Ok(()) => call(&m, "ack", None),
            Err(why) => {
                let attempts = get(&m, "attempts").as_f64().unwrap_or(1.0).clamp(1.0, 20.0);
                let delay =
                    (f64::from(config.retry_seconds) * 2f64.powf(attempts - 1.0)).min(3600.0);
                log::warn!(
                    "notification {} ({:?}) attempt {attempts} failed: {why}; retry in {delay} s",
                    d.notice.notification.id,
                    d.channel
                );
                let options = Object::new();
                let _ = Reflect::set(
                    &options,
                    &"delaySeconds".into(),
                    &JsValue::from_f64(delay.round()),
                );
                call(&m, "retry", Some(&options));
            }
        }
    }
    Ok(JsValue::UNDEFINED)
}

/// One delivery.
async fn deliver(
    env: &Env,
    base_url: &str,
    now_ms: i64,
    config: &NotifyConfig,
    d: &Delivery,
) -> Result<(), String> {
    let n = &d.notice;
    let token_link = n
        .token
        .as_ref()
        .map(|t| link(&config.link, base_url, &n.tenant, t));
    match d.channel {
        Channel::Email => {
            let from = config.from.as_deref().ok_or("email is not configured")?;
            let to = d.recipient.as_deref().ok_or("no recipient")?;
            let templates = config.templates.as_ref().map_err(Clone::clone)?;
            let mut vars = n.notification.data.clone();
            vars.insert("tenant".into(), n.tenant.to_string());
            vars.insert("kind".into(), n.notification.kind.name().into());
            vars.insert("notification_id".into(), n.notification.id.clone());
            if let Some(l) = &token_link {
                vars.insert("link".into(), l.expose().to_owned());
            }
            let mail = templates
                .render(n.notification.kind, &vars)
                .map_err(|e| e.to_string())?;
            let sender_address = worker::EmailAddress::new(&config.from_name, from);
            let message = worker::SendEmailBuilder::builder_with_email_address_and_str(
                &sender_address,
                to,
                &mail.subject,
            )
            .text(&mail.text)
            .html(&mail.html)
            .build();
            let sender = env.send_email(EMAIL).map_err(|e| e.to_string())?;
            sender
                .send_with_builder(&message)
                .await
                .map(|_| ())
                .map_err(|e| format!("send_email: {e:?}"))
        }
        Channel::Webhook => {
            let (url, secret) = config
                .webhook
                .as_ref()
                .ok_or("the webhook is not configured")?;
            let body = webhook::body(n, token_link.as_ref());
            let ts = now_ms.div_euclid(1000);
            let id = &n.notification.id;
            let js = |e: wasm_bindgen::JsValue| format!("{e:?}");
            let headers = web_sys::Headers::new().map_err(js)?;
            let set = |k: &str, v: &str| headers.set(k, v).map_err(js);
            set("content-type", "application/json")?;
            set("webhook-id", id)?;
            set("webhook-timestamp", &ts.to_string())?;
            set("webhook-signature", &secret.sign(id, ts, &body))?;
            let req = super::body::post(url, body, Some(&headers)).map_err(js)?;
            let resp = Fetch::Request(req)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            match resp.status_code() {
                200..=299 => Ok(()),
                s => Err(format!("the webhook answered {s}")),
            }
        }
    }
}

/// A dead letter: the notification's channel is marked undelivered in the
/// outbox (through the tenant's writer, as every write).
async fn mark_undelivered(env: &Env, d: &Delivery) -> Result<(), String> {
    log::error!(
        "notification {} ({:?}) dead-lettered after its last try",
        d.notice.notification.id,
        d.channel
    );
    let w = WriteRequest {
        tenant: d.notice.tenant.clone(),
        authority: Authority::Internal,
        call: Call::MarkUndelivered {
            notification: d.notice.notification.id.clone(),
            channel: d.channel,
        },
    };
    ObjectWriter::new(env)
        .write(w)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}
