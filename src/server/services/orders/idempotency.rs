//! Idempotent order placement (Stripe's rules): the first request with a key claims it with a
//! fingerprint of what it asks for; a repeat with the same fingerprint gets the same order back, a
//! repeat with another fingerprint is refused (422), and a repeat while the first is still running gets
//! 409. A refused placement releases the key so the shopper can fix the cart and retry.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::error::AppError;
use crate::server::entities::idempotency_key::{self, KeyState};

/// An in-progress key older than this belongs to a request that died (its transaction never
/// committed, so no order exists): a retry may take it over. Longer than the worst case of a live
/// request (5 attempts, each bounded by the pool's 10 s acquire timeout and the database's 10 s busy or
/// lock timeout); and the key is completed only by the claim that owns it, so even a late original
/// cannot make a second order under the key.
const KEY_LEASE: chrono::Duration = chrono::Duration::minutes(5);

/// The longest key a form may send.
pub const MAX_KEY_LEN: usize = 100;

pub enum Claim {
    /// Ours: go on and place the order.
    Proceed(Owned),
    /// The order this key already made.
    Replay(i32),
}

/// A key this request claimed, and when (the claim's identity: only this claim completes or releases it).
#[derive(Debug, Clone)]
pub struct Owned {
    key: String,
    claimed: chrono::DateTime<chrono::Utc>,
}

/// A request's digest, marked with the cart it came from (the start of every fingerprint).
pub fn for_cart(cart_id: i32, request_digest: &str) -> String {
    format!("{cart_id}/{request_digest}")
}

/// The order a done key made for this cart, whatever details it was placed with.
pub async fn order_of(db: &DatabaseConnection, key: &str, cart_id: i32) -> Result<Option<i32>, AppError> {
    let Some(existing) = idempotency_key::Entity::find_by_id(key.to_owned()).one(db).await? else { return Ok(None) };
    let ours = existing.fingerprint.starts_with(&for_cart(cart_id, ""));
    Ok(existing.order_id.filter(|_| ours && existing.state == KeyState::Done))
}

/// The part of a fingerprint that names the request (`<request>:<cart lines>`): once the order is
/// placed its lines have left the cart, so a repeat (a refresh) matches on this part alone.
fn request_part(print: &str) -> &str {
    print.split(':').next().unwrap_or_default()
}

fn in_progress() -> AppError {
    AppError::Conflict("Your order is already being placed. Please wait a moment.".into())
}

pub async fn claim(db: &DatabaseConnection, key: &str, print: &str, empty_cart: bool) -> Result<Claim, AppError> {
    // Microseconds: what PostgreSQL keeps, so that the stored claim compares equal to ours.
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
    let owned = Owned { key: key.to_owned(), claimed: now };
    // Two rounds at most: a key inserted by a concurrent request between our read and our insert is
    // read again.
    for _ in 0..2 {
        if let Some(existing) = idempotency_key::Entity::find_by_id(key.to_owned()).one(db).await? {
            let same_request = request_part(&existing.fingerprint) == request_part(print);
            return match (existing.state, existing.order_id) {
                (KeyState::Done, Some(order_id)) if same_request => Ok(Claim::Replay(order_id)),
                (KeyState::InProgress, _) if existing.fingerprint == print => {
                    if existing.updated_at >= now - KEY_LEASE {
                        return Err(in_progress());
                    }
                    let taken = idempotency_key::Entity::update_many()
                        .col_expr(idempotency_key::Column::UpdatedAt, Expr::value(now))
                        .filter(idempotency_key::Column::Key.eq(key))
                        .filter(idempotency_key::Column::State.eq(KeyState::InProgress))
                        .filter(idempotency_key::Column::UpdatedAt.eq(existing.updated_at))
                        .exec(db)
                        .await?;
                    if taken.rows_affected == 1 { Ok(Claim::Proceed(owned)) } else { Err(in_progress()) }
                }
                _ => Err(AppError::invalid(
                    "idempotency_key",
                    "This checkout was already submitted with different details. Please review your order again.",
                )),
            };
        }
        if empty_cart {
            return Err(AppError::invalid("cart", "Your cart is empty."));
        }
        let inserted = idempotency_key::ActiveModel {
            key: Set(key.to_owned()),
            fingerprint: Set(print.to_owned()),
            state: Set(KeyState::InProgress),
            order_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await;
        match inserted {
            Ok(_) => return Ok(Claim::Proceed(owned)),
            Err(err) if crate::server::db::is_unique_violation(&err) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(in_progress())
}

/// Marks our claim done with its order, in the order's transaction. False when the key was released
/// or taken over meanwhile: the caller must not create a second order under it.
pub async fn complete(txn: &impl ConnectionTrait, owned: &Owned, order_id: i32) -> Result<bool, DbErr> {
    let done = idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::State, Expr::value(sea_orm::ActiveEnum::to_value(&KeyState::Done)))
        .col_expr(idempotency_key::Column::OrderId, Expr::value(order_id))
        .col_expr(idempotency_key::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .filter(idempotency_key::Column::Key.eq(&owned.key))
        .filter(idempotency_key::Column::State.eq(KeyState::InProgress))
        .filter(idempotency_key::Column::UpdatedAt.eq(owned.claimed))
        .exec(txn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Frees our claim after a refusal (nothing was written), for a corrected retry.
pub async fn release(db: &DatabaseConnection, owned: &Owned) {
    let released = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Key.eq(&owned.key))
        .filter(idempotency_key::Column::State.eq(KeyState::InProgress))
        .filter(idempotency_key::Column::UpdatedAt.eq(owned.claimed))
        .exec(db)
        .await;
    if let Err(err) = released {
        tracing::warn!(error = %err, "could not release an idempotency key");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_matches_on_the_request_part_alone() {
        assert_eq!(request_part("abc:def"), "abc");
        assert_eq!(request_part("abc:"), "abc");
        assert_ne!(request_part("abc:def"), request_part("abd:def"));
    }
}
