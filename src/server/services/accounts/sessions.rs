//! Signed-in sessions, kept server-side in the store's database so any node serves any request. The
//! shopper's cookie holds a random secret; the row is keyed by its hash. A session ends after
//! `SessionRules::idle` without a request and after `SessionRules::absolute` in any case.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use super::secrets::{is_secret, new_secret, stored_id};
use crate::server::config::SessionRules;
use crate::server::entities::{session, user};

/// A request refreshes its session's `last_seen_at` at most this often (not a write per page).
const TOUCH_EVERY: chrono::Duration = chrono::Duration::minutes(1);

/// Starts a session for `user_id`; returns the secret for the cookie.
pub async fn start(db: &impl ConnectionTrait, user_id: i32, rules: SessionRules) -> Result<String, DbErr> {
    let secret = new_secret();
    let now = Utc::now();
    session::Entity::insert(session::ActiveModel {
        id: Set(stored_id(&secret)),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + to_chrono(rules.absolute)),
    })
    .exec_without_returning(db)
    .await?;
    Ok(secret)
}

/// The user of a live session (None: no such session, or it has expired: then it is deleted).
pub async fn user_of(
    db: &impl ConnectionTrait,
    secret: &str,
    rules: SessionRules,
) -> Result<Option<user::Model>, DbErr> {
    if !is_secret(secret) {
        return Ok(None);
    }
    let id = stored_id(secret);
    let Some(found) = session::Entity::find_by_id(id.clone()).one(db).await? else { return Ok(None) };
    let now = Utc::now();
    if found.expires_at <= now || found.last_seen_at + to_chrono(rules.idle) <= now {
        session::Entity::delete_by_id(id).exec(db).await?;
        return Ok(None);
    }
    if found.last_seen_at + TOUCH_EVERY <= now {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(id))
            .exec(db)
            .await?;
    }
    user::Entity::find_by_id(found.user_id).one(db).await
}

/// Ends the session of this secret (sign-out).
pub async fn end(db: &impl ConnectionTrait, secret: &str) -> Result<(), DbErr> {
    if is_secret(secret) {
        session::Entity::delete_by_id(stored_id(secret)).exec(db).await?;
    }
    Ok(())
}

/// Ends every session of `user_id` but the one of `keep` (None: all of them).
pub async fn end_all(db: &impl ConnectionTrait, user_id: i32, keep: Option<&str>) -> Result<u64, DbErr> {
    let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        delete = delete.filter(session::Column::Id.ne(stored_id(keep)));
    }
    Ok(delete.exec(db).await?.rows_affected)
}

fn to_chrono(duration: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}
