//! Refunds by line: staff give back the money for some units of a paid or shipped order (a broken mug of
//! three), optionally putting those units back on hand. The one writer of `refunds`, of an order line's
//! `refunded_quantity` and of an order's `refunded_amount`. How much a refund gives back is
//! `pricing::refund_for_units`. A refund is written (units counted, amount reserved, audit entry) in one
//! transaction with the order's row locked, then asked of the provider with a key of its own outside any
//! transaction: answered, it succeeds (and an order refunded unit by unit to its last one becomes
//! refunded); refused, it fails and gives its units and amount back; unanswered, it stays pending and
//! the sweeper asks again with the same key.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::back_office::{Allowed, Outcome, not_allowed, parse_reason, staff_note, state_json};
use super::lifecycle;
use crate::error::AppError;
use crate::model::money::Money;
use crate::server::entities::{order, order_line, refund};
use crate::server::services::audit::{self, Actor, Subject};
use crate::server::services::inventory::{self, StockEdit, StockReason};
use crate::server::services::payments::{Payments, ProviderError, REFUND_RETRY};
use crate::server::services::pricing::{OrderAmounts, refund_for_units};

pub const PENDING: &str = "pending";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";

/// Units of one order line to refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Units {
    /// The order line's id.
    pub line: i32,
    pub quantity: i32,
}

/// The refund form's quantities: a field `line-<id>` per order line, a whole number of units from 0
/// (empty: 0). Lines with 0 are left out.
pub fn parse_units<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Vec<Units>, AppError> {
    let mut units = Vec::new();
    for (name, value) in fields {
        let Some(line) = name.strip_prefix("line-") else { continue };
        let line = line.parse::<i32>().map_err(|_| AppError::invalid("lines", "That item is not on this order."))?;
        let quantity = match value.trim() {
            "" => 0,
            typed => typed
                .parse::<i32>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| AppError::invalid("lines", "Units to refund: a whole number from 0."))?,
        };
        if quantity > 0 {
            units.push(Units { line, quantity });
        }
    }
    units.sort_by_key(|u| u.line);
    if units.is_empty() {
        return Err(AppError::invalid("lines", "Choose how many units of which item to refund."));
    }
    if units.windows(2).any(|pair| pair[0].line == pair[1].line) {
        return Err(AppError::invalid("lines", "Give the units of each item once."));
    }
    Ok(units)
}

/// One line of a refund as stored (`refunds.lines`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundedLine {
    pub line: i32,
    pub sku: String,
    pub quantity: i32,
}

/// The lines of a stored refund ("2 × MUG-RED, 1 × MUG-BLUE").
pub fn describe(row: &refund::Model) -> String {
    let lines: Vec<RefundedLine> = serde_json::from_str(&row.lines).unwrap_or_default();
    lines.iter().map(|l| format!("{} × {}", l.quantity, l.sku)).collect::<Vec<_>>().join(", ")
}

/// An order's refunds by line, oldest first.
pub async fn of_order(db: &impl ConnectionTrait, order_id: i32) -> Result<Vec<refund::Model>, DbErr> {
    refund::Entity::find().filter(refund::Column::OrderId.eq(order_id)).order_by_asc(refund::Column::Id).all(db).await
}

/// Whether one of the order's refunds by line still waits for the provider's answer.
pub async fn has_pending(db: &impl ConnectionTrait, order_id: i32) -> Result<bool, DbErr> {
    let pending = refund::Entity::find()
        .filter(refund::Column::OrderId.eq(order_id))
        .filter(refund::Column::Status.eq(PENDING))
        .count(db)
        .await?;
    Ok(pending > 0)
}

/// Staff refund `units` of a paid or shipped order (its payment taken, no refund in full under way),
/// putting them back on hand when `restock` (ledger reason `returned`). Refused: an item not on the
/// order, more units than are left to refund, units that cost nothing.
pub async fn refund_units(
    db: &DatabaseConnection,
    payments: &Payments,
    actor: &Actor,
    order_id: i32,
    units: &[Units],
    restock: bool,
    reason: &str,
) -> Result<Outcome, AppError> {
    let reason = parse_reason(reason)?;
    let made = crate::write_retry!(db, |txn| {
        // The order's row locked first (PostgreSQL; SQLite's write transactions are alone): refunds of
        // the same order are written one after another, each reading what the one before it wrote.
        let mut find = order::Entity::find_by_id(order_id);
        if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            find = find.lock_exclusive();
        }
        let Some(order) = find.one(txn).await? else { return Ok(Err(AppError::NotFound)) };
        if !Allowed::of(&order).refund {
            return Ok(Err(not_allowed(&order, "refunded")));
        }
        let lines = order_line::Entity::find().filter(order_line::Column::OrderId.eq(order_id)).all(txn).await?;
        let mut refunded = Vec::new();
        let mut units_price = 0i64;
        for wanted in units {
            let Some(line) = lines.iter().find(|l| l.id == wanted.line) else {
                return Ok(Err(AppError::invalid("lines", "That item is not on this order.")));
            };
            let left = line.quantity - line.refunded_quantity;
            if wanted.quantity > left {
                let message = format!("Only {left} of {} left to refund.", line.sku);
                return Ok(Err(AppError::invalid("lines", message)));
            }
            units_price += line.unit_price * i64::from(wanted.quantity);
            refunded.push(RefundedLine { line: line.id, sku: line.sku.clone(), quantity: wanted.quantity });
        }
        let units_left: i32 = lines.iter().map(|l| l.quantity - l.refunded_quantity).sum();
        let refunding: i32 = units.iter().map(|u| u.quantity).sum();
        let amounts = OrderAmounts { subtotal: order.subtotal, shipping: order.shipping, total: order.total };
        let amount = refund_for_units(&amounts, units_price, order.refunded_amount, refunding == units_left);
        if amount <= 0 {
            return Ok(Err(AppError::invalid("lines", "These units cost nothing: there is nothing to refund.")));
        }
        count_refunded(txn, order_id, refunded.iter().map(|l| (l.line, l.quantity)), amount).await?;
        if restock {
            for line in &refunded {
                if let Err(refused) = inventory::edit_stock(
                    txn,
                    &line.sku,
                    StockEdit::Adjust(line.quantity),
                    StockReason::Returned.as_str(),
                )
                .await?
                {
                    return Ok(Err(refused));
                }
            }
        }
        let now = chrono::Utc::now();
        let row = refund::ActiveModel {
            order_id: Set(order_id),
            amount: Set(amount),
            status: Set(PENDING.to_owned()),
            reason: Set(reason.clone()),
            lines: Set(serde_json::to_string(&refunded).unwrap_or_else(|_| "[]".into())),
            restocked: Set(restock),
            actor: Set(actor.name.clone()),
            provider_refund_id: Set(String::new()),
            error: Set(String::new()),
            attempted_at: Set(now),
            created_at: Set(now),
            completed_at: Set(None),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        let change = audit::Change {
            action: "order_refunded_units",
            subject: Subject::Order(order_id),
            before: state_json(&order),
            after: json!({ "refund": row.id, "amount": amount, "units": refunded, "restocked": restock, "reason": reason }),
        };
        audit::record(txn, actor, change).await?;
        Ok(Ok((order, row)))
    })?;
    let (order, row) = made;
    send(db, payments, &order, &row).await
}

/// Asks the provider for `row`'s refund (its own key: asking again is the same refund) and records the
/// answer.
async fn send(
    db: &DatabaseConnection,
    payments: &Payments,
    order: &order::Model,
    row: &refund::Model,
) -> Result<Outcome, AppError> {
    let Some(intent_id) = order.payment_intent_id.as_deref() else {
        tracing::error!(order_id = order.id, "a paid order has no payment intent to refund");
        return Ok(Outcome::RefundPending);
    };
    let key = format!("refund-{intent_id}-part-{}", row.id);
    match payments.provider.refund_part(intent_id, row.amount, &key).await {
        Ok(provider_id) => {
            crate::write_retry!(db, |txn| { succeeded(txn, row, &provider_id).await.map(Ok) })?;
            Ok(Outcome::Done)
        }
        Err(ProviderError::Api { status, message }) if status < 500 => {
            tracing::warn!(order_id = order.id, refund = row.id, status, %message, "the provider refused a refund");
            crate::write_retry!(db, |txn| { failed(txn, row, &message).await.map(Ok) })?;
            Err(AppError::Conflict(format!("The payment provider refused the refund: {message}")))
        }
        Err(error) => {
            tracing::error!(order_id = order.id, refund = row.id, %error, "could not refund a payment; will retry");
            Ok(Outcome::RefundPending)
        }
    }
}

/// The provider refunded `row`: it succeeded; an order whose every unit is now refunded becomes refunded.
async fn succeeded(txn: &impl ConnectionTrait, row: &refund::Model, provider_id: &str) -> Result<(), DbErr> {
    let done = refund::Entity::update_many()
        .col_expr(refund::Column::Status, Expr::value(SUCCEEDED))
        .col_expr(refund::Column::ProviderRefundId, Expr::value(provider_id.chars().take(255).collect::<String>()))
        .col_expr(refund::Column::CompletedAt, Expr::value(chrono::Utc::now()))
        .filter(refund::Column::Id.eq(row.id))
        .filter(refund::Column::Status.eq(PENDING))
        .exec(txn)
        .await?;
    if done.rows_affected == 0 {
        return Ok(());
    }
    let Some(order) = order::Entity::find_by_id(row.order_id).one(txn).await? else { return Ok(()) };
    if order.refunded_amount >= order.total && !has_pending(txn, order.id).await? {
        lifecycle::record_refund(txn, order.id, &staff_note("Refunded", "every item")).await?;
    }
    Ok(())
}

/// The provider refused `row`: it failed, and its units and amount are refundable again (units put back
/// on hand stay there: they are on the shelf).
async fn failed(txn: &impl ConnectionTrait, row: &refund::Model, message: &str) -> Result<(), DbErr> {
    let done = refund::Entity::update_many()
        .col_expr(refund::Column::Status, Expr::value(FAILED))
        .col_expr(refund::Column::Error, Expr::value(message.chars().take(500).collect::<String>()))
        .col_expr(refund::Column::CompletedAt, Expr::value(chrono::Utc::now()))
        .filter(refund::Column::Id.eq(row.id))
        .filter(refund::Column::Status.eq(PENDING))
        .exec(txn)
        .await?;
    if done.rows_affected == 0 {
        return Ok(());
    }
    let lines: Vec<RefundedLine> = serde_json::from_str(&row.lines).unwrap_or_default();
    count_refunded(txn, row.order_id, lines.iter().map(|l| (l.line, -l.quantity)), -row.amount).await
}

/// Adds (or, negative, gives back) units refunded per order line and the order's amount refunded by
/// line: the one writer of both columns.
async fn count_refunded(
    txn: &impl ConnectionTrait,
    order_id: i32,
    units: impl Iterator<Item = (i32, i32)>,
    amount: i64,
) -> Result<(), DbErr> {
    for (line, quantity) in units {
        order_line::Entity::update_many()
            .col_expr(
                order_line::Column::RefundedQuantity,
                Expr::col(order_line::Column::RefundedQuantity).add(quantity),
            )
            .filter(order_line::Column::Id.eq(line))
            .exec(txn)
            .await?;
    }
    order::Entity::update_many()
        .col_expr(order::Column::RefundedAmount, Expr::col(order::Column::RefundedAmount).add(amount))
        .filter(order::Column::Id.eq(order_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// The sweeper's part: every refund by line the provider has not answered for [`REFUND_RETRY`] is asked
/// for again (claimed first, so one node asks). Returns how many were answered.
pub async fn retry_pending(db: &DatabaseConnection, payments: &Payments) -> Result<usize, AppError> {
    let now = chrono::Utc::now();
    let stale = refund::Entity::find()
        .filter(refund::Column::Status.eq(PENDING))
        .filter(refund::Column::AttemptedAt.lt(now - REFUND_RETRY))
        .order_by_asc(refund::Column::Id)
        .limit(100)
        .all(db)
        .await?;
    let mut answered = 0;
    for row in stale {
        let claimed = refund::Entity::update_many()
            .col_expr(refund::Column::AttemptedAt, Expr::value(now))
            .filter(refund::Column::Id.eq(row.id))
            .filter(refund::Column::Status.eq(PENDING))
            .filter(refund::Column::AttemptedAt.eq(row.attempted_at))
            .exec(db)
            .await?;
        if claimed.rows_affected == 0 {
            continue;
        }
        let Some(order) = order::Entity::find_by_id(row.order_id).one(db).await? else { continue };
        match send(db, payments, &order, &row).await {
            Ok(Outcome::Done) | Err(AppError::Conflict(_)) => answered += 1,
            Ok(Outcome::RefundPending) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(answered)
}

/// "Refunded $7.50 for 1 × MUG-RED" and the like, for the order's timeline.
pub fn timeline_line(row: &refund::Model) -> String {
    let amount = Money::store(row.amount).format();
    let restocked = if row.restocked { ", units back on hand" } else { "" };
    match row.status.as_str() {
        SUCCEEDED => format!("Refunded {amount} for {}{restocked} by {}", describe(row), row.actor),
        FAILED => format!("Refund of {amount} for {} refused by the provider: {}", describe(row), row.error),
        _ => format!("Refund of {amount} for {} waiting for the provider{restocked}", describe(row)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_quantities_are_read_per_line() {
        let units = parse_units([("line-7", "2"), ("line-3", " 1 "), ("line-9", "0"), ("line-4", ""), ("reason", "x")]);
        assert_eq!(units.unwrap(), vec![Units { line: 3, quantity: 1 }, Units { line: 7, quantity: 2 }]);
        assert!(parse_units([("line-3", "0")]).unwrap_err().field("lines").is_some(), "nothing chosen");
        assert!(parse_units([("line-3", "-1")]).is_err());
        assert!(parse_units([("line-3", "1.5")]).is_err());
        assert!(parse_units([("line-x", "1")]).is_err());
        assert!(parse_units([("line-3", "1"), ("line-3", "2")]).is_err(), "a line twice");
    }
}
