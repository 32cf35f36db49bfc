//! The end of a payment hold. An order whose shopper was sent to the provider's payment page may be in
//! the middle of paying: its page is closed at the provider first (expiring a Checkout Session also
//! cancels its PaymentIntent), and only an order that can no longer be paid is cancelled. One that was
//! paid meanwhile becomes paid instead. So a shopper is never charged for an order that expiry then
//! cancels, except when the provider stays unreachable past a grace period (the sweeper then settles
//! any payment that still arrives).

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::Payments;
use super::pay::settle;
use super::provider::{ProviderError, Session};
use crate::error::AppError;
use crate::server::entities::order::{self, OrderStatus};
use crate::server::services::orders::lifecycle;

/// How long past its hold an order waits for an unreachable provider before it is cancelled anyway.
pub const PROVIDER_GRACE: chrono::Duration = chrono::Duration::minutes(10);

/// What closing an order's payment page found.
pub enum Closed {
    /// Nobody can pay on it any more.
    Expired,
    /// It was paid first.
    Paid(Session),
    /// The provider did not say.
    Unknown(ProviderError),
}

/// Cancels every order still awaiting payment after its hold, giving its stock back (with ledger
/// rows). Safe on several nodes at once: each cancellation is a lifecycle transition, and only the run
/// that made it returns the stock. Returns how many orders it cancelled.
pub async fn expire_holds(
    db: &DatabaseConnection,
    payments: &Payments,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, AppError> {
    let due = order::Entity::find()
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment))
        .filter(order::Column::HoldExpiresAt.lt(now))
        .order_by_asc(order::Column::Id)
        .all(db)
        .await?;
    let mut cancelled = 0;
    for order in due {
        if let Some(session_id) = &order.checkout_session_id {
            match close_payment_page(payments, session_id).await {
                Closed::Expired => {}
                Closed::Paid(session) => {
                    if let Err(err) = settle(db, payments, &session).await {
                        tracing::warn!(order_id = order.id, error = %err, "could not settle a paid session");
                    }
                    continue;
                }
                Closed::Unknown(err) if now < order.hold_expires_at + PROVIDER_GRACE => {
                    tracing::warn!(order_id = order.id, error = %err, "could not close a payment page; will retry");
                    continue;
                }
                Closed::Unknown(err) => {
                    tracing::error!(order_id = order.id, error = %err, "payment page not closed; cancelling anyway");
                }
            }
        }
        // One failing order does not keep the others from being cancelled this round.
        match crate::write_retry!(db, |txn| { Ok(Ok(lifecycle::cancel(txn, order.id, None).await?)) }) {
            Ok(true) => cancelled += 1,
            Ok(false) => {}
            Err(err) => tracing::warn!(order_id = order.id, error = %err, "could not cancel an expired order"),
        }
    }
    Ok(cancelled)
}

/// Closes an order's payment page at the provider, and says whether it was paid first.
pub async fn close_payment_page(payments: &Payments, session_id: &str) -> Closed {
    let expired = payments.provider.expire_session(session_id).await;
    let session = match expired {
        Ok(session) => session,
        // Refused: no longer open (paid, or expired already). The session says which.
        Err(ProviderError::Api { .. }) => match payments.provider.retrieve_session(session_id).await {
            Ok(session) => session,
            Err(err) => return Closed::Unknown(err),
        },
        Err(err) => return Closed::Unknown(err),
    };
    match session.status.as_str() {
        _ if session.paid => Closed::Paid(session),
        "expired" => Closed::Expired,
        other => Closed::Unknown(ProviderError::Api { status: 200, message: format!("session is still {other}") }),
    }
}
