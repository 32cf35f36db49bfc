//! The sweeper: orders whose payment succeeded after they were cancelled (the hold ran out first). Each
//! gets its stock back and becomes paid when every line is still there, and is refunded through the
//! provider otherwise, with the reason noted on the order. It also asks again for every refund the
//! provider did not answer (the sweeper's own, or one staff asked for in the back office). Safe on several
//! nodes at once: reviving and refunding each start with a lifecycle transition from the order exactly as
//! read.

use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::Payments;
use crate::error::AppError;
use crate::server::entities::order::{self, OrderStatus, PaymentStatus};
use crate::server::services::orders::lifecycle;

/// A refund whose provider call failed (or whose node died) is asked for again after this long, with
/// the same provider idempotency key (so it is the same refund).
pub const REFUND_RETRY: chrono::Duration = chrono::Duration::minutes(5);

const REFUND_NOTE: &str =
    "Refunded automatically: the payment arrived after the order's hold ran out and the items were no longer in stock.";

/// One round (with the refunds by line the provider has not answered). Returns (revived, refunded).
pub async fn sweep(db: &DatabaseConnection, payments: &Payments) -> Result<(usize, usize), AppError> {
    let stale_claim = chrono::Utc::now() - REFUND_RETRY;
    let stranded = order::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(order::Column::Status.eq(OrderStatus::Cancelled))
                        .add(order::Column::PaymentStatus.eq(PaymentStatus::Succeeded)),
                )
                .add(
                    Condition::all()
                        .add(order::Column::PaymentStatus.eq(PaymentStatus::Refunding))
                        .add(order::Column::UpdatedAt.lt(stale_claim)),
                ),
        )
        .order_by_asc(order::Column::Id)
        .all(db)
        .await?;
    let (mut revived, mut refunded) = (0, 0);
    for order in stranded {
        // Only an order never sent to refund may be revived.
        if order.payment_status == PaymentStatus::Succeeded {
            match crate::write_retry!(db, |txn| { revive(txn, payments, &order).await }) {
                Ok(true) => {
                    revived += 1;
                    continue;
                }
                Ok(false) => continue,
                Err(AppError::Validation(_)) => {}
                Err(err) => {
                    tracing::warn!(order_id = order.id, error = %err, "could not settle a late payment");
                    continue;
                }
            }
        }
        let note = if order.status == OrderStatus::Cancelled { REFUND_NOTE } else { "" };
        if lifecycle::claim_refund(db, &order).await? && send_refund(db, payments, &order, note).await? {
            refunded += 1;
        }
    }
    refunded += crate::server::services::orders::refunds::retry_pending(db, payments).await?;
    Ok((revived, refunded))
}

/// Claims the order as read and re-takes its stock, all lines or none (a refusal rolls the claim back).
async fn revive(
    txn: &sea_orm::DatabaseTransaction,
    payments: &Payments,
    order: &order::Model,
) -> Result<Result<bool, AppError>, sea_orm::DbErr> {
    if !lifecycle::revive(txn, &payments.shop, order).await? {
        return Ok(Ok(false));
    }
    if !lifecycle::retake_stock(txn, order.id).await? {
        return Ok(Err(AppError::invalid("stock", "out of stock")));
    }
    Ok(Ok(true))
}

/// Asks the provider to refund `order`, which the caller has just claimed for refund (its payment
/// `refunding`: exactly one node gets there), and records the refund. No transaction is open during the
/// call; when it fails (it may still have happened: a timeout) the order stays `refunding`, is never
/// revived, and the sweeper asks for the same refund again (the same provider key) after
/// [`REFUND_RETRY`]. True: refunded.
pub async fn send_refund(
    db: &DatabaseConnection,
    payments: &Payments,
    order: &order::Model,
    note: &str,
) -> Result<bool, AppError> {
    let Some(intent_id) = order.payment_intent_id.as_deref() else {
        tracing::error!(order_id = order.id, "a paid order has no payment intent to refund");
        return Ok(false);
    };
    match payments.provider.refund(intent_id).await {
        Ok(_) => {
            crate::write_retry!(db, |txn| { Ok(Ok(lifecycle::record_refund(txn, order.id, note).await?)) })?;
            Ok(true)
        }
        Err(err) => {
            tracing::error!(order_id = order.id, error = %err, "could not refund a payment; will retry");
            Ok(false)
        }
    }
}
