//! Orders in the back office: the list with its filters and pages, one order's detail and timeline, and
//! staff's changes — fulfil, cancel, refund — each a lifecycle transition with its audit entry in the
//! same transaction. Which changes an order allows is [`Allowed::of`], the one place the page's buttons
//! and the changes themselves ask.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;

use super::lifecycle::{self, Changed};
use crate::error::AppError;
use crate::model::order::{OrderStatus, PaymentStatus};
use crate::server::entities::{audit_entry, inventory_ledger, mail_outbox, order, order_line};
use crate::server::services::audit::{self, Actor, Subject};
use crate::server::services::mail;
use crate::server::services::payments::{self, Closed, Payments};

/// Orders per page of the list.
pub const PAGE_SIZE: u64 = 25;

/// The list's filters (each optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    /// Placed on or after this day (UTC).
    pub placed_from: Option<NaiveDate>,
    /// Placed on or before this day (UTC).
    pub placed_to: Option<NaiveDate>,
    /// Part of the customer's address.
    pub email: Option<String>,
    /// Orders with a line of this SKU.
    pub sku: Option<String>,
}

/// One page of the list, newest order first.
#[derive(Debug)]
pub struct OrderPage {
    pub orders: Vec<order::Model>,
    /// Orders matching the filters, over all pages.
    pub matching: u64,
    /// 1-based.
    pub page: u64,
    pub pages: u64,
}

pub async fn list(db: &impl ConnectionTrait, filter: &OrderFilter, page: u64) -> Result<OrderPage, DbErr> {
    let mut find = order::Entity::find();
    if let Some(status) = filter.status {
        find = find.filter(order::Column::Status.eq(status));
    }
    if let Some(day) = filter.placed_from {
        find = find.filter(order::Column::CreatedAt.gte(start_of(day)));
    }
    if let Some(day) = filter.placed_to.and_then(|day| day.succ_opt()) {
        find = find.filter(order::Column::CreatedAt.lt(start_of(day)));
    }
    if let Some(email) = &filter.email {
        find = find.filter(order::Column::Email.like(crate::server::db::containing(&email.to_lowercase())));
    }
    if let Some(sku) = &filter.sku {
        let with_sku = Query::select()
            .column(order_line::Column::OrderId)
            .from(order_line::Entity)
            .and_where(order_line::Column::Sku.eq(sku.as_str()))
            .to_owned();
        find = find.filter(order::Column::Id.in_subquery(with_sku));
    }
    let matching = find.clone().count(db).await?;
    let pages = matching.div_ceil(PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let orders = find.order_by_desc(order::Column::Id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE).all(db).await?;
    Ok(OrderPage { orders, matching, page, pages })
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// What staff may do to an order as it is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Allowed {
    /// Paid (no refund under way) and not shipped: ship it, with a tracking number.
    pub fulfil: bool,
    /// Awaiting payment (its payment page is closed first), or paid and not shipped (refunded in full),
    /// with nothing refunded by line yet. The units go back on hand either way.
    pub cancel: bool,
    /// Paid or shipped, the payment taken: refund it in full or by line (the rest of it, after refunds by
    /// line).
    pub refund: bool,
}

impl Allowed {
    pub fn of(order: &order::Model) -> Allowed {
        let state = lifecycle::State::of(order);
        let paid = state == lifecycle::PAID;
        let charged = state.payment == PaymentStatus::Succeeded;
        Allowed {
            fulfil: paid,
            cancel: order.status == OrderStatus::PendingPayment || (paid && order.refunded_amount == 0),
            refund: charged && matches!(order.status, OrderStatus::Paid | OrderStatus::Fulfilled),
        }
    }

    /// What is left of the payment (all of it, when nothing was refunded by line) can be refunded in one go:
    /// refunds are allowed and no refund by line still waits for the provider's answer (what is left is
    /// known only after it).
    pub fn refund_rest(&self, refund_pending: bool) -> bool {
        self.refund && !refund_pending
    }
}

/// Why the rest of a payment cannot be refunded yet (the service's refusal and the page's words).
pub const REFUND_REST_WAITS: &str =
    "A refund by line is still waiting for the payment provider's answer: refund the rest after it.";

/// One thing that happened to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub what: String,
}

/// An order as the back office shows it.
#[derive(Debug)]
pub struct OrderDetail {
    pub order: order::Model,
    pub lines: Vec<order_line::Model>,
    /// Oldest first.
    pub timeline: Vec<Event>,
    /// Newest first.
    pub audit: Vec<audit_entry::Model>,
    pub allowed: Allowed,
    /// Its refunds by line, oldest first.
    pub refunds: Vec<crate::server::entities::refund::Model>,
    /// A refund by line waits for the provider's answer.
    pub refund_pending: bool,
}

pub async fn detail(db: &impl ConnectionTrait, order_id: i32) -> Result<Option<OrderDetail>, DbErr> {
    let Some(order) = order::Entity::find_by_id(order_id).one(db).await? else { return Ok(None) };
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_asc(order_line::Column::Id)
        .all(db)
        .await?;
    let mails = mail::of_order(db, order_id).await?;
    let stock = inventory_ledger::Entity::find()
        .filter(inventory_ledger::Column::OrderId.eq(order_id))
        .order_by_asc(inventory_ledger::Column::Id)
        .all(db)
        .await?;
    let audit = audit::of(db, &Subject::Order(order_id), 100).await?;
    let refunds = super::refunds::of_order(db, order_id).await?;
    let mut timeline = timeline(&order, &mails, &stock, &audit, &lines);
    for row in &refunds {
        timeline
            .push(Event { at: row.completed_at.unwrap_or(row.created_at), what: super::refunds::timeline_line(row) });
    }
    timeline.sort_by_key(|event| event.at);
    let allowed = Allowed::of(&order);
    let refund_pending = refunds.iter().any(|row| row.status == super::refunds::PENDING);
    Ok(Some(OrderDetail { order, lines, timeline, audit, allowed, refunds, refund_pending }))
}

/// The order's events in time order: placed, paid, shipped, its mails, its stock movements, staff's changes.
fn timeline(
    order: &order::Model,
    mails: &[mail_outbox::Model],
    stock: &[inventory_ledger::Model],
    audit: &[audit_entry::Model],
    lines: &[order_line::Model],
) -> Vec<Event> {
    let mut events = vec![Event { at: order.created_at, what: "Placed".into() }];
    if let Some(at) = order.paid_at {
        events.push(Event { at, what: "Paid".into() });
    }
    if let Some(at) = order.fulfilled_at {
        events.push(Event { at, what: format!("Shipped, tracking number {}", order.tracking_number) });
    }
    for m in mails {
        events.push(Event { at: m.created_at, what: format!("Mail queued: “{}”", m.subject) });
        if let Some(at) = m.sent_at {
            events.push(Event { at, what: format!("Mail sent: “{}”", m.subject) });
        }
        if let Some(at) = m.failed_at {
            events.push(Event { at, what: format!("Mail not delivered: “{}” ({})", m.subject, m.last_error) });
        }
    }
    let sku_of = |variant_id: i32| lines.iter().find(|l| l.variant_id == variant_id).map_or("", |l| l.sku.as_str());
    for row in stock {
        let what = match row.delta {
            delta if delta < 0 => format!("Stock taken: {} × {} ({})", -delta, sku_of(row.variant_id), row.reason),
            delta => format!("Stock returned: {delta} × {} ({})", sku_of(row.variant_id), row.reason),
        };
        events.push(Event { at: row.created_at, what });
    }
    for entry in audit {
        events
            .push(Event { at: entry.created_at, what: format!("{} by {}", action_label(&entry.action), entry.actor) });
    }
    // Stable: events of the same instant keep the order they were listed in.
    events.sort_by_key(|event| event.at);
    events
}

/// An audit entry's action as people read it.
pub fn action_label(action: &str) -> &str {
    match action {
        "order_fulfilled" => "Fulfilled",
        "order_cancelled" => "Cancelled",
        "order_refunded" => "Refunded",
        "order_refunded_units" => "Refunded by line",
        "stock_changed" => "Stock changed",
        "ledger_reconciled" => "Ledger reconciled",
        "product_created" => "Product created",
        "product_updated" => "Details changed",
        "product_status" => "Status changed",
        "option_added" => "Option added",
        "value_added" => "Option value added",
        "variant_added" => "Variant added",
        "variant_updated" => "Variant changed",
        "image_added" => "Picture added",
        "image_removed" => "Picture removed",
        "promo_created" => "Promo code created",
        "promo_updated" => "Terms changed",
        "promo_expired" => "Ended now",
        other => other,
    }
}

/// A carrier's tracking number as staff type it: 1 to 64 letters, digits, spaces or dashes.
pub fn parse_tracking_number(value: &str) -> Result<String, AppError> {
    let value = value.trim();
    let fine = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == ' ';
    if value.is_empty() {
        return Err(AppError::invalid("tracking_number", "Enter the carrier's tracking number."));
    }
    if value.len() > 64 || !value.chars().all(fine) {
        return Err(AppError::invalid(
            "tracking_number",
            "A tracking number has at most 64 letters, digits or dashes.",
        ));
    }
    Ok(value.to_owned())
}

/// Staff's reason for a cancellation or a refund, kept on the order: at most 500 characters.
pub fn parse_reason(value: &str) -> Result<String, AppError> {
    let value = value.trim();
    if value.chars().count() > 500 {
        return Err(AppError::invalid("reason", "Keep the reason under 500 characters."));
    }
    Ok(value.to_owned())
}

/// The note staff's change leaves on the order: "Cancelled by the shop: <reason>".
pub(super) fn staff_note(done: &str, reason: &str) -> String {
    if reason.is_empty() { format!("{done} by the shop.") } else { format!("{done} by the shop: {reason}") }
}

pub(super) fn not_allowed(order: &order::Model, what: &str) -> AppError {
    AppError::Conflict(format!("Order #{} is {}: it cannot be {what}.", order.id, order.status.label().to_lowercase()))
}

pub(super) fn state_json(order: &order::Model) -> serde_json::Value {
    json!({ "status": order.status.as_str(), "payment": format!("{:?}", order.payment_status).to_lowercase() })
}

/// Paid → shipped with `tracking_number`: the transition, the customer's shipping mail (outbox) and the
/// audit entry, in one transaction.
pub async fn fulfil(
    db: &DatabaseConnection,
    shop: &mail::Shop,
    actor: &Actor,
    order_id: i32,
    tracking_number: &str,
) -> Result<(), AppError> {
    let tracking_number = parse_tracking_number(tracking_number)?;
    crate::write_retry!(db, |txn| {
        let before = match lifecycle::fulfil(txn, order_id, &tracking_number).await? {
            Changed::Yes(before) => before,
            Changed::No(order) => return Ok(Err(not_allowed(&order, "fulfilled"))),
            Changed::NoSuchOrder => return Ok(Err(AppError::NotFound)),
        };
        mail::queue_shipping_notice(txn, shop, &before, &tracking_number).await?;
        let change = audit::Change {
            action: "order_fulfilled",
            subject: Subject::Order(order_id),
            before: state_json(&before),
            after: json!({ "status": "fulfilled", "tracking_number": tracking_number }),
        };
        audit::record(txn, actor, change).await?;
        Ok(Ok(()))
    })
}

/// What a cancellation or a refund did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// The order changed, the provider's refund did not answer: the sweeper asks again.
    RefundPending,
}

/// Staff cancel an order. Awaiting payment: its payment page is closed at the provider first (a payment
/// made meanwhile makes it paid instead, and the cancellation is refused), then it is cancelled. Paid and
/// not shipped: it is cancelled and its payment refunded in full. Its units go back on hand either way.
pub async fn cancel(
    db: &DatabaseConnection,
    payments: &Payments,
    actor: &Actor,
    order_id: i32,
    reason: &str,
) -> Result<Outcome, AppError> {
    let reason = parse_reason(reason)?;
    let note = staff_note("Cancelled", &reason);
    let Some(order) = order::Entity::find_by_id(order_id).one(db).await? else { return Err(AppError::NotFound) };
    if !Allowed::of(&order).cancel {
        return Err(not_allowed(&order, "cancelled"));
    }
    if order.status == OrderStatus::PendingPayment
        && let Some(session_id) = &order.checkout_session_id
    {
        match payments::close_payment_page(payments, session_id).await {
            Closed::Expired => {}
            Closed::Paid(session) => {
                payments::settle(db, payments, &session).await?;
                return Err(AppError::Conflict(format!(
                    "Order #{order_id} was paid just now: it is paid, not cancelled. Cancel it again to refund it."
                )));
            }
            Closed::Unknown(err) => {
                tracing::warn!(order_id, error = %err, "could not close a payment page for a cancellation");
                return Err(AppError::Conflict(
                    "The payment provider did not answer, so the order's payment page is still open. Try again.".into(),
                ));
            }
        }
    }
    let awaiting = order.status == OrderStatus::PendingPayment;
    let cancelled = crate::write_retry!(db, |txn| {
        let done = if awaiting {
            lifecycle::cancel(txn, order_id, Some(&note)).await?
        } else {
            lifecycle::cancel_paid(txn, order_id, &note).await?
        };
        if !done {
            return Ok(Ok(None));
        }
        let after = order::Entity::find_by_id(order_id).one(txn).await?;
        // A refund by line made since the order was read (its row is locked now): refused, rolled back.
        if after.as_ref().is_some_and(|after| after.refunded_amount > 0) {
            let message = format!("Order #{order_id} was refunded in part meanwhile: refund the rest instead.");
            return Ok(Err(AppError::Conflict(message)));
        }
        let change = audit::Change {
            action: "order_cancelled",
            subject: Subject::Order(order_id),
            before: state_json(&order),
            after: json!({ "status": "cancelled", "reason": reason, "refund": !awaiting }),
        };
        audit::record(txn, actor, change).await?;
        Ok(Ok(after))
    })?;
    let Some(cancelled) = cancelled else {
        let now = order::Entity::find_by_id(order_id).one(db).await?.unwrap_or(order);
        return Err(not_allowed(&now, "cancelled"));
    };
    if awaiting || payments::send_refund(db, payments, &cancelled, "").await? {
        Ok(Outcome::Done)
    } else {
        Ok(Outcome::RefundPending)
    }
}

/// Staff refund a paid or shipped order's payment in full (through the provider). The stock is left as
/// it is: the goods are with the customer, or staff count them back in when they return.
pub async fn refund(
    db: &DatabaseConnection,
    payments: &Payments,
    actor: &Actor,
    order_id: i32,
    reason: &str,
) -> Result<Outcome, AppError> {
    let reason = parse_reason(reason)?;
    let Some(order) = order::Entity::find_by_id(order_id).one(db).await? else { return Err(AppError::NotFound) };
    let allowed = Allowed::of(&order);
    if !allowed.refund {
        return Err(not_allowed(&order, "refunded"));
    }
    if !allowed.refund_rest(super::refunds::has_pending(db, order_id).await?) {
        return Err(AppError::Conflict(REFUND_REST_WAITS.into()));
    }
    let claimed = crate::write_retry!(db, |txn| {
        if !lifecycle::claim_refund(txn, &order).await? {
            return Ok(Ok(None));
        }
        let change = audit::Change {
            action: "order_refunded",
            subject: Subject::Order(order_id),
            before: state_json(&order),
            after: json!({ "payment": "refunding", "amount": order.total - order.refunded_amount, "reason": reason }),
        };
        audit::record(txn, actor, change).await?;
        Ok(Ok(order::Entity::find_by_id(order_id).one(txn).await?))
    })?;
    let Some(claimed) = claimed else {
        return Err(AppError::Conflict(format!("Order #{order_id} changed meanwhile: look at it again.")));
    };
    let note = staff_note("Refunded", &reason);
    if payments::send_refund(db, payments, &claimed, &note).await? {
        Ok(Outcome::Done)
    } else {
        Ok(Outcome::RefundPending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_numbers_are_short_and_plain() {
        assert_eq!(parse_tracking_number(" 1Z 999-AA1 ").unwrap(), "1Z 999-AA1");
        assert!(parse_tracking_number("  ").is_err());
        assert!(parse_tracking_number("<script>").is_err());
        assert!(parse_tracking_number(&"9".repeat(65)).is_err());
    }

    #[test]
    fn reasons_are_capped() {
        assert_eq!(parse_reason("  damaged in transit ").unwrap(), "damaged in transit");
        assert!(parse_reason(&"x".repeat(501)).is_err());
    }
}
