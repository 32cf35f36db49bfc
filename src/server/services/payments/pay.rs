//! Paying an order on the provider's hosted page: the store creates a Checkout Session and sends the
//! shopper there; the provider's webhooks (and the shopper's return, and the hold's expiry) settle the
//! order. The store's server never sees the card.

use sea_orm::DatabaseConnection;

use super::Payments;
use super::provider::{ProviderError, ReturnUrls, Session};
use crate::error::AppError;
use crate::server::entities::order::{self, OrderStatus};
use crate::server::services::orders::lifecycle::{self, Details};

/// A payment page is not opened for an order with less time than this left on its hold.
const LEAST_TIME_TO_PAY: chrono::Duration = chrono::Duration::seconds(20);

/// What a shopper whose payment came after the hold is told (the sweeper settles it).
pub const LATE_PAYMENT: &str = "Your payment arrived after the time to pay ran out. Within a few minutes we either \
                                confirm your order (if the items are still available) or refund your card in full.";

fn ran_out() -> AppError {
    AppError::Conflict("The time to pay for this order ran out and it was cancelled. Your card was not charged.".into())
}

fn unreachable() -> AppError {
    AppError::Conflict("We couldn't reach the payment service. Please try again in a moment.".into())
}

/// Where to send the shopper to pay `token`'s order: the provider's page for it (the same page
/// however often they ask), or the order's own page when it is already paid.
pub async fn start(db: &DatabaseConnection, payments: &Payments, token: &str) -> Result<String, AppError> {
    let order = super::find_order(db, token).await?.ok_or(AppError::NotFound)?;
    let order_page = format!("/orders/{}", order.token);
    match order.status {
        OrderStatus::Paid | OrderStatus::Fulfilled => return Ok(order_page),
        OrderStatus::PendingPayment if order.hold_expires_at - LEAST_TIME_TO_PAY > chrono::Utc::now() => {}
        _ => return Err(ran_out()),
    }
    if let Some(id) = &order.checkout_session_id {
        let session = payments.provider.retrieve_session(id).await.map_err(|err| {
            tracing::error!(order_id = order.id, error = %err, "could not read a checkout session");
            unreachable()
        })?;
        if session.paid {
            settle(db, payments, &session).await?;
            return Ok(order_page);
        }
        let open = session.is_open();
        return match session.url.filter(|_| open) {
            Some(url) => Ok(url),
            None => Err(ran_out()),
        };
    }
    let back = ReturnUrls {
        success: format!("{}{order_page}", payments.shop.public_url),
        cancel: format!("{}{order_page}", payments.shop.public_url),
    };
    let session = payments.provider.create_session(&order, &back).await.map_err(|err| {
        tracing::error!(order_id = order.id, error = %err, "could not create a checkout session");
        unreachable()
    })?;
    let recorded =
        crate::write_retry!(db, |txn| { Ok(Ok(lifecycle::record_session(txn, order.id, &session.id).await?)) })?;
    if !recorded {
        // A double click made the same session (the provider's idempotency key) and recorded it: fine.
        // Anything else means the hold ran out while the provider answered: close the page again.
        let now = super::find_order(db, token).await?.ok_or(AppError::NotFound)?;
        if now.checkout_session_id.as_deref() != Some(session.id.as_str()) || now.status != OrderStatus::PendingPayment
        {
            if let Err(err) = payments.provider.expire_session(&session.id).await {
                tracing::warn!(order_id = order.id, error = %err, "could not close an unneeded checkout session");
            }
            return Err(ran_out());
        }
    }
    session.url.ok_or(AppError::Internal)
}

/// A session the provider reports as paid: the order becomes paid (or, cancelled meanwhile, waits for
/// the sweeper). Returns what happened.
pub async fn settle(db: &DatabaseConnection, payments: &Payments, session: &Session) -> Result<String, AppError> {
    crate::write_retry!(db, |txn| { Ok(Ok(settle_session(txn, &payments.shop, session).await?)) })
}

/// [`settle`] inside a transaction (the webhook inbox's).
pub async fn settle_session(
    txn: &impl sea_orm::ConnectionTrait,
    shop: &crate::server::services::mail::Shop,
    session: &Session,
) -> Result<String, sea_orm::DbErr> {
    if !session.paid {
        return Ok("ignored: the session is not paid".into());
    }
    let Some(order) = super::order_for(txn, &session.id, session.order_id).await? else {
        return Ok("no such order".into());
    };
    let details = Details { payment_intent_id: session.payment_intent.clone(), ..Details::default() };
    lifecycle::record_success(txn, shop, &order, session.amount_total, details).await
}

/// The shopper came back from the payment page (or reloads the order's page) before the webhook
/// arrived: the session says whether they paid. True when it settled the order just now (read it
/// again). Failures only delay the answer (the webhook settles it).
pub async fn refresh(db: &DatabaseConnection, payments: &Payments, order: &order::Model) -> bool {
    let Some(id) = order.checkout_session_id.as_deref().filter(|_| order.status == OrderStatus::PendingPayment) else {
        return false;
    };
    match payments.provider.retrieve_session(id).await {
        Ok(session) if session.paid => match settle(db, payments, &session).await {
            Ok(_) => return true,
            Err(err) => tracing::warn!(order_id = order.id, error = %err, "could not settle a paid session"),
        },
        Ok(_) => {}
        Err(ProviderError::Api { status, message }) => {
            tracing::warn!(order_id = order.id, status, %message, "provider refused to read a checkout session")
        }
        Err(err) => tracing::warn!(order_id = order.id, error = %err, "could not read a checkout session"),
    }
    false
}
