//! The outbox (`GET /api/v1/admin/notifications`): every notification is
//! planned with the operation that causes it — its record is one of the
//! operation's writes, its delivery a notice committed with them — so a
//! notification exists exactly when its operation happened. Tenant admins
//! read it (it holds email addresses); the queue's dead letters mark a
//! channel that never got through (`undelivered`).

use std::collections::BTreeMap;

use super::{read, AdminError, Ctx, Page, Paging};
use crate::auth::Secret;
use crate::core::decide::Subject;
use crate::core::rights::{Right, RightSet};
use crate::model::records::User;
use crate::notify::message::Notice;
use crate::notify::record::{self, Channel, Kind, Notification, KEEP_SECS};
use crate::store::plan::Plan;
use crate::store::{keys, Store};

/// What one notification says, before it has an ID.
#[derive(Debug)]
pub struct Tell<'a> {
    /// What it is about.
    pub kind: Kind,
    /// Email recipients (addresses; empty ones are left out).
    pub to: Vec<String>,
    /// Its facts by name.
    pub data: BTreeMap<String, String>,
    /// An invitation's token.
    pub token: Option<Secret>,
    /// What makes it unique among the tenant's notifications of this
    /// millisecond (the invitation and its secret's hash, the organization…).
    pub unique: &'a [&'a str],
}

/// Facts by name.
pub fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    // `extend`, not `collect`: no sort compiled for these pairs (crate::core::order).
    let mut data = BTreeMap::new();
    data.extend(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    data
}

fn key<S: ?Sized>(ctx: &Ctx<'_, S>, id: &str) -> String {
    format!("{}{id}", keys::notifications(ctx.tenant))
}

/// Plans a notification: its outbox record (kept 30 days) and its delivery.
pub fn notify<S: ?Sized>(ctx: &Ctx<'_, S>, plan: &mut Plan, tell: Tell<'_>) {
    let mut parts = vec![tell.kind.name()];
    parts.extend_from_slice(tell.unique);
    let n = Notification {
        id: record::id(ctx.now_ms, &parts),
        kind: tell.kind,
        to: tell.to.into_iter().filter(|a| !a.is_empty()).collect(),
        data: tell.data,
        created_at: ctx.timestamp(),
        undelivered: Vec::new(),
    };
    let text = serde_json::to_string(&n).unwrap_or_default();
    plan.create_expiring(key(ctx, &n.id), text, None, KEEP_SECS);
    plan.notify(Notice {
        tenant: ctx.tenant.clone(),
        notification: n,
        token: tell.token,
    });
}

/// The email addresses of the tenant's active admins (registration
/// requests go to them). Reads every user: it runs in the tenant's writer,
/// on its local storage.
pub async fn admin_addresses<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
) -> Result<Vec<String>, AdminError> {
    let mut out = Vec::new();
    for l in ctx.store.list_all(&keys::users(ctx.tenant)).await? {
        if let Some(u) = read::<S, User>(ctx.store, &l.key).await? {
            if u.admin && u.is_active() && !u.email.is_empty() {
                out.push(u.email);
            }
        }
    }
    Ok(out)
}

/// `GET /api/v1/admin/notifications`: newest first; tenant admins
/// (`RIGHT_USER_INFO` at tenant level: it holds addresses).
pub async fn list<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    paging: Paging,
) -> Result<Page<Notification>, AdminError> {
    Subject::require(ctx.caller.tenant_rights(), RightSet::of(&[Right::UserInfo]))?;
    let mut listed = ctx.store.list_all(&keys::notifications(ctx.tenant)).await?;
    listed.reverse();
    let page = paging.apply(listed);
    let mut items = Vec::with_capacity(page.items.len());
    for l in &page.items {
        if let Some(n) = read::<S, Notification>(ctx.store, &l.key).await? {
            items.push(n);
        }
    }
    Ok(Page {
        items,
        total: page.total,
    })
}

/// Marks `channel` of notification `id` as undelivered (the queue's dead
/// letter for it). The platform's own call, never a caller's.
pub async fn mark_undelivered<S: Store + ?Sized>(
    ctx: &Ctx<'_, S>,
    plan: &mut Plan,
    id: &str,
    channel: Channel,
) -> Result<(), AdminError> {
    let k = key(ctx, id);
    let Some(mut n) = read::<S, Notification>(ctx.store, &k).await? else {
        // Expired from the outbox already: nothing left to mark.
        return Ok(());
    };
    if !n.undelivered.contains(&channel) {
        n.undelivered.push(channel);
        crate::core::order::sort(&mut n.undelivered);
        plan.put_expiring(
            k,
            serde_json::to_string(&n).unwrap_or_default(),
            None,
            KEEP_SECS,
        );
    }
    Ok(())
}
