//! The life of an order after it is placed, and the **only** writer of `orders.status` and
//! `orders.payment_status`. Every change is [`transition`]: the state machine (`OrderStatus::can_become`,
//! `PaymentStatus::can_become`) is checked, then one conditional UPDATE applies it only if the row is
//! still exactly as it was read (status, payment status and `updated_at`), so of two concurrent changes
//! one wins and the other reads again. Cancel (and its restock), mark paid, record a payment,
//! revive and refund are built on it; the admin's fulfil and refunds will be too.

use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::server::entities::order::{self, OrderStatus, PaymentStatus};
use crate::server::entities::order_line;
use crate::server::services::checkout;
use crate::server::services::inventory;
use crate::server::services::mail::{self, Shop};

/// What placement creates: awaiting payment, nothing paid.
pub const PLACED: State = State { status: OrderStatus::PendingPayment, payment: PaymentStatus::Unpaid };

/// Paid, the payment taken (and no refund under way): what can be shipped or cancelled by staff.
pub const PAID: State = State { status: OrderStatus::Paid, payment: PaymentStatus::Succeeded };

/// An order's two statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    pub status: OrderStatus,
    pub payment: PaymentStatus,
}

impl State {
    pub fn of(order: &order::Model) -> State {
        State { status: order.status, payment: order.payment_status }
    }

    /// The same order status with another payment status.
    pub fn paying(self, payment: PaymentStatus) -> State {
        State { payment, ..self }
    }

    /// Whether the state machine allows `self` → `next` (each half stays or moves along a legal edge).
    pub fn can_become(self, next: State) -> bool {
        let status = self.status == next.status || self.status.can_become(next.status);
        let payment = self.payment == next.payment || self.payment.can_become(next.payment);
        status && payment && (self != next || self.payment.can_become(next.payment))
    }
}

/// Columns that change with a transition.
#[derive(Debug, Clone, Default)]
pub struct Details {
    pub note: Option<String>,
    pub payment_error: Option<String>,
    pub payment_intent_id: Option<String>,
    pub checkout_session_id: Option<String>,
    pub tracking_number: Option<String>,
}

/// Applies `order` → `to` if the state machine allows it and nobody changed the order since it was
/// read. `Ok(false)`: it changed meanwhile (read it again). An illegal transition is a bug: it is
/// refused with an error (the caller's transaction rolls back) and never written.
pub async fn transition(
    conn: &impl ConnectionTrait,
    order: &order::Model,
    to: State,
    details: Details,
) -> Result<bool, DbErr> {
    let from = State::of(order);
    if !from.can_become(to) {
        tracing::error!(order_id = order.id, ?from, ?to, "illegal order transition refused");
        return Err(DbErr::Custom(format!("illegal order transition {from:?} -> {to:?}")));
    }
    let now = chrono::Utc::now();
    let mut update = order::Entity::update_many()
        .col_expr(order::Column::Status, value(to.status))
        .col_expr(order::Column::PaymentStatus, value(to.payment))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::Status.eq(from.status))
        .filter(order::Column::PaymentStatus.eq(from.payment))
        .filter(order::Column::UpdatedAt.eq(order.updated_at));
    if to.status == OrderStatus::Paid && from.status != OrderStatus::Paid {
        update = update.col_expr(order::Column::PaidAt, Expr::value(now));
    }
    if to.status == OrderStatus::Fulfilled && from.status != OrderStatus::Fulfilled {
        update = update.col_expr(order::Column::FulfilledAt, Expr::value(now));
    }
    let Details { note, payment_error, payment_intent_id, checkout_session_id, tracking_number } = details;
    let columns = [
        (order::Column::Note, note),
        (order::Column::PaymentError, payment_error),
        (order::Column::PaymentIntentId, payment_intent_id),
        (order::Column::CheckoutSessionId, checkout_session_id),
        (order::Column::TrackingNumber, tracking_number),
    ];
    for (column, set) in columns {
        if let Some(set) = set {
            update = update.col_expr(column, Expr::value(set));
        }
    }
    Ok(update.exec(conn).await?.rows_affected == 1)
}

fn value(status: impl sea_orm::ActiveEnum<Value = String>) -> SimpleExpr {
    Expr::value(status.to_value())
}

/// What [`change`] did.
#[derive(Debug)]
pub enum Changed {
    /// The order as it was just before the change.
    Yes(Box<order::Model>),
    /// `decide` wanted no change of the order as it is.
    No(Box<order::Model>),
    NoSuchOrder,
}

/// Reads the order, asks `decide` what it becomes, and applies that; when another writer changed the
/// order between the read and the write, reads it again (a few times) so no decision is lost.
pub async fn change<F>(conn: &impl ConnectionTrait, order_id: i32, mut decide: F) -> Result<Changed, DbErr>
where
    F: FnMut(&order::Model) -> Option<(State, Details)>,
{
    for _ in 0..8 {
        let Some(order) = order::Entity::find_by_id(order_id).one(conn).await? else {
            return Ok(Changed::NoSuchOrder);
        };
        let Some((to, details)) = decide(&order) else { return Ok(Changed::No(Box::new(order))) };
        if transition(conn, &order, to, details).await? {
            return Ok(Changed::Yes(Box::new(order)));
        }
    }
    Err(DbErr::Custom(format!("order {order_id} kept changing; giving up this round")))
}

/// pending_payment → cancelled (the hold ran out, or the shopper or staff cancelled): its units go back
/// on hand with ledger rows and its promo code's use is returned, in the caller's transaction. False
/// when the order was no longer awaiting payment.
pub async fn cancel(conn: &impl ConnectionTrait, order_id: i32, note: Option<&str>) -> Result<bool, DbErr> {
    let changed = change(conn, order_id, |order| {
        (order.status == OrderStatus::PendingPayment).then(|| {
            let to = State { status: OrderStatus::Cancelled, ..State::of(order) };
            (to, Details { note: note.map(str::to_owned), ..Details::default() })
        })
    })
    .await?;
    let Changed::Yes(order) = changed else { return Ok(false) };
    give_back(conn, &order).await?;
    Ok(true)
}

/// A cancelled order's units back on hand (with ledger rows) and its promo code's use returned.
async fn give_back(conn: &impl ConnectionTrait, order: &order::Model) -> Result<(), DbErr> {
    if !order.promo_code.is_empty() {
        checkout::return_promo_use(conn, &order.promo_code).await?;
    }
    for line in lines(conn, order.id).await? {
        inventory::put_back(conn, line.variant_id, line.quantity, "order_cancelled", Some(order.id)).await?;
    }
    Ok(())
}

/// Staff cancel a paid order before it ships: `(paid, succeeded)` → `(cancelled, refunding)` in one step
/// (so the sweeper never revives it and retries its refund should the provider not answer), its units go
/// back on hand and its promo code's use is returned, in the caller's transaction. The caller then asks
/// the provider for the refund. False when the order is no longer paid and unshipped.
pub async fn cancel_paid(conn: &impl ConnectionTrait, order_id: i32, note: &str) -> Result<bool, DbErr> {
    let changed = change(conn, order_id, |order| {
        (State::of(order) == PAID).then(|| {
            let to = State { status: OrderStatus::Cancelled, payment: PaymentStatus::Refunding };
            (to, Details { note: Some(note.to_owned()), ..Details::default() })
        })
    })
    .await?;
    let Changed::Yes(order) = changed else { return Ok(false) };
    give_back(conn, &order).await?;
    Ok(true)
}

/// paid → fulfilled, with the carrier's tracking number (and the time it shipped). `Changed::No` when
/// the order is not paid with its payment taken (awaiting payment, shipped already, cancelled, refunded,
/// or a refund under way).
pub async fn fulfil(conn: &impl ConnectionTrait, order_id: i32, tracking_number: &str) -> Result<Changed, DbErr> {
    change(conn, order_id, |order| {
        (State::of(order) == PAID).then(|| {
            let to = State { status: OrderStatus::Fulfilled, ..State::of(order) };
            (to, Details { tracking_number: Some(tracking_number.to_owned()), ..Details::default() })
        })
    })
    .await
}

/// A payment the provider reports as succeeded: the order becomes paid (once, whoever tells first:
/// the shopper's return from the payment page, a webhook, the hold's expiry or the sweeper) and its
/// confirmation mail is queued in the same transaction. A payment for an order cancelled meanwhile is
/// recorded (`cancelled` + `succeeded`) for the sweeper to revive or refund. A payment of another amount
/// than the order's total changes nothing and is left for review. Returns what happened.
pub async fn record_success(
    conn: &impl ConnectionTrait,
    shop: &Shop,
    order: &order::Model,
    paid: i64,
    details: Details,
) -> Result<String, DbErr> {
    if paid != order.total {
        tracing::error!(order_id = order.id, paid, total = order.total, "paid amount differs from the order total");
        return Ok("amount differs from the order total; left for review".into());
    }
    let changed = change(conn, order.id, |order| {
        let now = State::of(order);
        // A refund recorded or under way stays, whatever order the events come in.
        if !now.payment.can_become(PaymentStatus::Succeeded) {
            return None;
        }
        let status = match now.status {
            OrderStatus::PendingPayment => OrderStatus::Paid,
            other => other,
        };
        Some((
            State { status, payment: PaymentStatus::Succeeded },
            Details { payment_error: Some(String::new()), ..details.clone() },
        ))
    })
    .await?;
    match changed {
        Changed::Yes(before) if before.status == OrderStatus::PendingPayment => {
            mail::queue_order_confirmation(conn, shop, &before).await?;
            Ok("paid".into())
        }
        Changed::Yes(before) => Ok(format!("payment recorded; order was {}", before.status.as_str())),
        Changed::No(order) => Ok(format!("ignored: payment already {:?}", order.payment_status).to_lowercase()),
        Changed::NoSuchOrder => Ok("no such order".into()),
    }
}

/// A refused payment, shown on the order's page while it can still be paid. A late failure never
/// hides a success or a refund.
pub async fn record_failure(conn: &impl ConnectionTrait, order_id: i32, message: &str) -> Result<String, DbErr> {
    let changed = change(conn, order_id, |order| {
        let to = State::of(order).paying(PaymentStatus::Failed);
        let open = order.status == OrderStatus::PendingPayment && State::of(order).can_become(to);
        open.then(|| (to, Details { payment_error: Some(message.to_owned()), ..Details::default() }))
    })
    .await?;
    Ok(match changed {
        Changed::Yes(_) => "failure recorded".into(),
        _ => "ignored: payment already settled".into(),
    })
}

/// The shopper was sent to the provider's payment page for this session: from now on the hold's
/// expiry closes that page at the provider before it cancels the order.
pub async fn record_session(conn: &impl ConnectionTrait, order_id: i32, session_id: &str) -> Result<bool, DbErr> {
    let changed = change(conn, order_id, |order| {
        let fresh = order.status == OrderStatus::PendingPayment && order.checkout_session_id.is_none();
        let to = State::of(order).paying(PaymentStatus::Open);
        (fresh && State::of(order).can_become(to))
            .then(|| (to, Details { checkout_session_id: Some(session_id.to_owned()), ..Details::default() }))
    })
    .await?;
    Ok(matches!(changed, Changed::Yes(_)))
}

/// Claims a cancelled order whose payment arrived late and makes it paid again (the caller re-takes its
/// stock in the same transaction, and rolls back if it cannot). False when it was settled elsewhere.
pub async fn revive(conn: &impl ConnectionTrait, shop: &Shop, order: &order::Model) -> Result<bool, DbErr> {
    if State::of(order) != (State { status: OrderStatus::Cancelled, payment: PaymentStatus::Succeeded }) {
        return Ok(false);
    }
    let note = "Paid after its hold ran out; the items were still in stock.";
    let to = State { status: OrderStatus::Paid, payment: PaymentStatus::Succeeded };
    if !transition(conn, order, to, Details { note: Some(note.into()), ..Details::default() }).await? {
        return Ok(false);
    }
    if !order.promo_code.is_empty() {
        // The code's use, given back at cancellation, is counted again (the order keeps its discount).
        checkout::count_promo_use(conn, &order.promo_code, chrono::Utc::now(), false).await?;
    }
    mail::queue_order_confirmation(conn, shop, order).await?;
    Ok(true)
}

/// Claims a paid-for order for a refund (`succeeded` → `refunding`, or a `refunding` one whose last try
/// is `order` as read): exactly one node then calls the provider. From here on the order is never
/// revived, and the refund is retried with the same provider key until the provider answers.
pub async fn claim_refund(conn: &impl ConnectionTrait, order: &order::Model) -> Result<bool, DbErr> {
    let to = State::of(order).paying(PaymentStatus::Refunding);
    if !State::of(order).can_become(to) {
        return Ok(false);
    }
    transition(conn, order, to, Details::default()).await
}

/// A refund made at the provider (by the store, or by staff in the provider's dashboard): the payment
/// is refunded and so is the order, when its state allows. `note` is kept only on an order without one
/// (a staff cancellation's reason is not replaced by the refund's).
pub async fn record_refund(conn: &impl ConnectionTrait, order_id: i32, note: &str) -> Result<String, DbErr> {
    let changed = change(conn, order_id, |order| {
        let now = State::of(order);
        if !now.payment.can_become(PaymentStatus::Refunded) {
            return None;
        }
        let status = if now.status.can_become(OrderStatus::Refunded) { OrderStatus::Refunded } else { now.status };
        let note =
            (!note.is_empty() && order.note.is_empty() && status == OrderStatus::Refunded).then(|| note.to_owned());
        Some((State { status, payment: PaymentStatus::Refunded }, Details { note, ..Details::default() }))
    })
    .await?;
    Ok(match changed {
        Changed::Yes(before) if before.status.can_become(OrderStatus::Refunded) => "refunded".into(),
        Changed::Yes(before) => format!("refund recorded; order was {}", before.status.as_str()),
        Changed::No(_) => "ignored: nothing to refund".into(),
        Changed::NoSuchOrder => "no such order".into(),
    })
}

/// The card's brand and last four digits as the provider reports them (its intent's event may come
/// after the order was settled by the session's): kept once, never a state change.
pub async fn record_card(
    conn: &impl ConnectionTrait,
    order_id: i32,
    (brand, last4): (String, String),
) -> Result<(), DbErr> {
    order::Entity::update_many()
        .col_expr(order::Column::CardBrand, Expr::value(brand))
        .col_expr(order::Column::CardLast4, Expr::value(last4))
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::CardBrand.eq(""))
        .exec(conn)
        .await?;
    Ok(())
}

/// An order's lines, by variant (every transaction locks variants in the same order).
pub async fn lines(conn: &impl ConnectionTrait, order_id: i32) -> Result<Vec<order_line::Model>, DbErr> {
    order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_asc(order_line::Column::VariantId)
        .all(conn)
        .await
}

/// Takes an order's units again (a late payment revived), all or none: false when one line is short
/// (the caller rolls back).
pub async fn retake_stock(conn: &impl ConnectionTrait, order_id: i32) -> Result<bool, DbErr> {
    for line in lines(conn, order_id).await? {
        // The customer has paid: the units are taken again if they are on hand, sold or not.
        if !inventory::take(conn, line.variant_id, line.quantity, inventory::Sellable::Any).await? {
            return Ok(false);
        }
        if let Some(movement) = inventory::movement_after(conn, line.variant_id, -line.quantity).await? {
            inventory::record(conn, movement, "order_revived", Some(order_id)).await?;
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_moves_only_along_legal_edges() {
        use OrderStatus::{Cancelled, Paid, PendingPayment};
        use PaymentStatus::{Open, Refunding, Succeeded, Unpaid};
        let s = |status, payment| State { status, payment };
        assert!(s(PendingPayment, Open).can_become(s(Paid, Succeeded)));
        assert!(s(Cancelled, Succeeded).can_become(s(Paid, Succeeded)));
        assert!(s(Cancelled, Refunding).can_become(s(Cancelled, Refunding)), "a refund retried");
        assert!(!s(Cancelled, Refunding).can_become(s(Paid, Succeeded)), "never revived once sent to refund");
        assert!(!s(Paid, Succeeded).can_become(s(Paid, Succeeded)), "no change is no transition");
        assert!(!s(OrderStatus::Refunded, PaymentStatus::Refunded).can_become(s(Paid, PaymentStatus::Refunded)));
        assert!(!s(Cancelled, Unpaid).can_become(s(PendingPayment, Unpaid)));
    }
}
