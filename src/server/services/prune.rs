//! Pruning: rows that have done their work are deleted after a while — idempotency keys and webhook
//! inbox rows after 7 days (a client or the provider retries within hours, never days), sent mails after
//! 30 days, the payment sandbox's requests and delivered webhooks after 7 days, sessions at their
//! absolute end (idle ones end when next seen) and mailed account links a week after they expire.
//! Two nodes never prune at once (a job lease).

use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use super::leases;
use crate::server::entities::{
    account_token, idempotency_key, mail_outbox, sandbox_idempotency, sandbox_webhook, session, webhook_event,
};

pub const KEEP_KEYS_AND_EVENTS: chrono::Duration = chrono::Duration::days(7);
pub const KEEP_SENT_MAIL: chrono::Duration = chrono::Duration::days(30);
/// Longer than any prune takes: a node that dies holding it is taken over after this.
const LEASE: chrono::Duration = chrono::Duration::minutes(10);

/// How many rows of each kind one run deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub idempotency_keys: u64,
    pub webhook_events: u64,
    pub mails: u64,
    pub sandbox_rows: u64,
    /// Sessions past their absolute end, and mailed links a week past their expiry.
    pub account_rows: u64,
}

/// One run, as `holder` (this node). None when another node holds the lease.
pub async fn prune(
    db: &DatabaseConnection,
    holder: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Pruned>, DbErr> {
    if !leases::acquire(db, "prune", holder, LEASE, now).await? {
        return Ok(None);
    }
    let result = prune_rows(db, now).await;
    leases::release(db, "prune", holder).await?;
    result.map(Some)
}

async fn prune_rows(db: &DatabaseConnection, now: chrono::DateTime<chrono::Utc>) -> Result<Pruned, DbErr> {
    let week_ago = now - KEEP_KEYS_AND_EVENTS;
    let idempotency_keys = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::UpdatedAt.lt(week_ago))
        .exec(db)
        .await?
        .rows_affected;
    let webhook_events = webhook_event::Entity::delete_many()
        .filter(webhook_event::Column::ReceivedAt.lt(week_ago))
        .exec(db)
        .await?
        .rows_affected;
    let mails = mail_outbox::Entity::delete_many()
        .filter(mail_outbox::Column::SentAt.lt(now - KEEP_SENT_MAIL))
        .exec(db)
        .await?
        .rows_affected;
    let sandbox_requests = sandbox_idempotency::Entity::delete_many()
        .filter(sandbox_idempotency::Column::CreatedAt.lt(week_ago))
        .exec(db)
        .await?
        .rows_affected;
    let sandbox_hooks = sandbox_webhook::Entity::delete_many()
        .filter(sandbox_webhook::Column::DeliveredAt.lt(week_ago))
        .exec(db)
        .await?
        .rows_affected;
    let sessions =
        session::Entity::delete_many().filter(session::Column::ExpiresAt.lt(now)).exec(db).await?.rows_affected;
    let links = account_token::Entity::delete_many()
        .filter(account_token::Column::ExpiresAt.lt(week_ago))
        .exec(db)
        .await?
        .rows_affected;
    Ok(Pruned {
        idempotency_keys,
        webhook_events,
        mails,
        sandbox_rows: sandbox_requests + sandbox_hooks,
        account_rows: sessions + links,
    })
}
