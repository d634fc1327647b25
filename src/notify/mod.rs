//! Notifications (CONTRACT section 6): invitations, registration requests,
//! approvals, rejections and removals, told to people by email and to the
//! deployment by a signed webhook.
//!
//! An operation that notifies plans two things with its writes: the
//! outbox record ([`record::Notification`], readable by tenant admins,
//! without secrets) and a [`message::Notice`] to deliver (with the
//! invitation's one-time token where there is one). The tenant's writer
//! commits both with the operation and hands the notice to a queue, one
//! [`message::Delivery`] per channel; the queue's consumer renders the
//! email from [`templates`] and signs the webhook ([`webhook`]).
//!
//! - [`record`]: the outbox record, its kinds and channels;
//! - [`message`]: what travels on the queue;
//! - [`templates`]: the emails' subjects and bodies, overridable;
//! - [`webhook`]: the Standard Webhooks payload and signature.

pub mod message;
pub mod record;
pub mod templates;
pub mod webhook;
