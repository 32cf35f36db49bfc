//! Single-use links mailed to a shopper (verify an address, reset a password): a random secret in the
//! link, its hash in `account_tokens`, an expiry, and `used_at` set by the one request that redeems it.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use super::secrets::{is_secret, new_secret, stored_id};
use crate::server::entities::account_token::{self, Purpose};

impl Purpose {
    /// How long a mailed link works.
    pub fn lifetime(self) -> chrono::Duration {
        match self {
            Purpose::VerifyEmail => chrono::Duration::hours(24),
            Purpose::ResetPassword => chrono::Duration::hours(1),
        }
    }
}

/// A new link secret for `user_id` and `email`; earlier unused links of the same purpose stop working.
pub async fn issue(db: &impl ConnectionTrait, user_id: i32, purpose: Purpose, email: &str) -> Result<String, DbErr> {
    let now = Utc::now();
    account_token::Entity::update_many()
        .col_expr(account_token::Column::UsedAt, Expr::value(now))
        .filter(account_token::Column::UserId.eq(user_id))
        .filter(account_token::Column::Purpose.eq(purpose))
        .filter(account_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    let secret = new_secret();
    account_token::Entity::insert(account_token::ActiveModel {
        id: Set(stored_id(&secret)),
        user_id: Set(user_id),
        purpose: Set(purpose),
        email: Set(email.to_owned()),
        created_at: Set(now),
        expires_at: Set(now + purpose.lifetime()),
        used_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(secret)
}

/// A link for `purpose` that was never used and has not expired at `now`.
fn usable(purpose: Purpose, now: chrono::DateTime<Utc>) -> Condition {
    Condition::all()
        .add(account_token::Column::Purpose.eq(purpose))
        .add(account_token::Column::UsedAt.is_null())
        .add(account_token::Column::ExpiresAt.gt(now))
}

/// Whether a link still works (shown before it is used: the reset page's form).
pub async fn find_usable(
    db: &impl ConnectionTrait,
    secret: &str,
    purpose: Purpose,
) -> Result<Option<account_token::Model>, DbErr> {
    if !is_secret(secret) {
        return Ok(None);
    }
    account_token::Entity::find_by_id(stored_id(secret)).filter(usable(purpose, Utc::now())).one(db).await
}

/// Uses a link: exactly one request gets its row (a conditional update), later ones and expired links
/// get None.
pub async fn redeem(
    db: &impl ConnectionTrait,
    secret: &str,
    purpose: Purpose,
) -> Result<Option<account_token::Model>, DbErr> {
    if !is_secret(secret) {
        return Ok(None);
    }
    let id = stored_id(secret);
    let now = Utc::now();
    let used = account_token::Entity::update_many()
        .col_expr(account_token::Column::UsedAt, Expr::value(now))
        .filter(account_token::Column::Id.eq(id.clone()))
        .filter(usable(purpose, now))
        .exec(db)
        .await?;
    if used.rows_affected != 1 {
        return Ok(None);
    }
    account_token::Entity::find_by_id(id).one(db).await
}
