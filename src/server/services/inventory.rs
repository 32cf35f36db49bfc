//! Stock on hand and its ledger. Every change of `variants.stock` goes through this module and writes a
//! ledger row in the same transaction, so stock always equals the sum of the variant's ledger.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::error::AppError;
use crate::server::db::statement;
use crate::server::entities::{inventory_ledger, variant};
use crate::server::services::read_model::record_change;
use crate::server::services::{audit, stock_alerts};

/// Sets a variant's stock on hand to `stock` (a count, a delivery), recording the difference.
pub async fn set_stock(db: &DatabaseConnection, sku: &str, stock: i32, reason: &str) -> Result<(), AppError> {
    crate::write_retry!(db, |txn| { Ok(edit_stock(txn, sku, StockEdit::SetTo(stock), reason).await?.map(drop)) })
}

/// The most units of one SKU the store keeps count of.
pub const MAX_STOCK: i32 = 1_000_000;

/// A change of stock on hand asked for by a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockEdit {
    /// What a count found, or what is on the shelf now.
    SetTo(i32),
    /// Units received (positive) or gone (negative: damaged, lost).
    Adjust(i32),
}

/// Why a person changed stock on hand: the ledger reasons of the back office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockReason {
    Received,
    Returned,
    Damaged,
    Lost,
    CountCorrection,
}

impl StockReason {
    pub const ALL: [StockReason; 5] = [
        StockReason::Received,
        StockReason::Returned,
        StockReason::Damaged,
        StockReason::Lost,
        StockReason::CountCorrection,
    ];

    /// As the ledger stores it.
    pub fn as_str(self) -> &'static str {
        match self {
            StockReason::Received => "received",
            StockReason::Returned => "returned",
            StockReason::Damaged => "damaged",
            StockReason::Lost => "lost",
            StockReason::CountCorrection => "count_correction",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StockReason::Received => "Received (delivery)",
            StockReason::Returned => "Returned by a customer",
            StockReason::Damaged => "Damaged",
            StockReason::Lost => "Lost or stolen",
            StockReason::CountCorrection => "Count correction",
        }
    }

    pub fn parse(value: &str) -> Option<StockReason> {
        StockReason::ALL.into_iter().find(|reason| reason.as_str() == value)
    }
}

/// What an edit of stock on hand did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockChanged {
    pub variant_id: i32,
    pub before: i32,
    pub after: i32,
}

/// Applies `edit` to the stock of `sku` under its row lock (a sale cannot slip between the read and the
/// write) and records the difference with `reason`, in the caller's transaction. Refused: an unknown SKU
/// (404), a result below zero or above [`MAX_STOCK`] (422).
pub async fn edit_stock(
    txn: &impl ConnectionTrait,
    sku: &str,
    edit: StockEdit,
    reason: &str,
) -> Result<Result<StockChanged, AppError>, sea_orm::DbErr> {
    let Some(found) = locked(txn, variant::Entity::find().filter(variant::Column::Sku.eq(sku))).await? else {
        return Ok(Err(AppError::NotFound));
    };
    let target = match edit {
        StockEdit::SetTo(stock) => i64::from(stock),
        StockEdit::Adjust(delta) => i64::from(found.stock) + i64::from(delta),
    };
    if target < 0 {
        let message = match edit {
            StockEdit::SetTo(_) => "Stock cannot be negative.".to_owned(),
            StockEdit::Adjust(delta) => format!("Only {} on hand: cannot take away {}.", found.stock, -delta),
        };
        return Ok(Err(AppError::invalid("quantity", message)));
    }
    let Ok(stock) = i32::try_from(target).map_err(drop).and_then(|t| if t > MAX_STOCK { Err(()) } else { Ok(t) })
    else {
        return Ok(Err(AppError::invalid("quantity", format!("Stock cannot be more than {MAX_STOCK}."))));
    };
    let changed = StockChanged { variant_id: found.id, before: found.stock, after: stock };
    let delta = stock - found.stock;
    if delta == 0 {
        return Ok(Ok(changed));
    }
    variant::Entity::update_many()
        .col_expr(variant::Column::Stock, Expr::col(variant::Column::Stock).add(delta))
        .filter(variant::Column::Id.eq(found.id))
        .exec(txn)
        .await?;
    let movement = Movement { variant_id: found.id, product_id: found.product_id, delta, stock_after: stock };
    record(txn, movement, reason, None).await?;
    Ok(Ok(changed))
}

/// A back-office edit of stock on hand: the change, its ledger row and its audit entry, in one
/// transaction.
pub async fn edit_by(
    db: &DatabaseConnection,
    actor: &audit::Actor,
    sku: &str,
    edit: StockEdit,
    reason: StockReason,
) -> Result<StockChanged, AppError> {
    crate::write_retry!(db, |txn| {
        let changed = match edit_stock(txn, sku, edit, reason.as_str()).await? {
            Ok(changed) => changed,
            Err(refused) => return Ok(Err(refused)),
        };
        if changed.before != changed.after {
            let change = audit::Change {
                action: "stock_changed",
                subject: audit::Subject::Sku(sku.to_owned()),
                before: serde_json::json!({ "stock": changed.before }),
                after: serde_json::json!({ "stock": changed.after, "reason": reason.as_str() }),
            };
            audit::record(txn, actor, change).await?;
        }
        Ok(Ok(changed))
    })
}

/// A variant running out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LowStock {
    pub sku: String,
    pub product: String,
    pub stock: i32,
}

/// The active variants with at most `threshold` units on hand (of products on sale), fewest first.
pub async fn low_stock(db: &impl ConnectionTrait, threshold: i32, limit: u64) -> Result<Vec<LowStock>, sea_orm::DbErr> {
    let sql = "SELECT v.sku, p.title, v.stock FROM variants v JOIN products p ON p.id = v.product_id \
         WHERE v.active = ? AND p.status = ? AND v.stock <= ? ORDER BY v.stock, v.sku LIMIT ?";
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let values = [true.into(), crate::server::services::catalog::ACTIVE.into(), threshold.into(), limit.into()];
    let rows = db.query_all_raw(statement(db, sql, values)).await?;
    rows.iter()
        .map(|row| {
            Ok(LowStock {
                sku: row.try_get_by_index(0)?,
                product: row.try_get_by_index(1)?,
                stock: row.try_get_by_index(2)?,
            })
        })
        .collect()
}

/// One SKU's ledger, newest row first (at most `limit` rows), with the variant.
pub async fn history(
    db: &impl ConnectionTrait,
    sku: &str,
    limit: u64,
) -> Result<Option<(variant::Model, Vec<inventory_ledger::Model>)>, sea_orm::DbErr> {
    let Some(found) = variant::Entity::find().filter(variant::Column::Sku.eq(sku)).one(db).await? else {
        return Ok(None);
    };
    let rows = inventory_ledger::Entity::find()
        .filter(inventory_ledger::Column::VariantId.eq(found.id))
        .order_by_desc(inventory_ledger::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(Some((found, rows)))
}

/// Which variants [`take`] may take from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sellable {
    /// Only a variant that is for sale (a new order).
    OnlyWhileSold,
    /// Any variant with the units on hand (an order already paid for, revived).
    Any,
}

/// The one rule that prevents overselling: takes `quantity` units of a variant only if that many are on
/// hand (and, for [`Sellable::OnlyWhileSold`], only while the variant is for sale), in one conditional
/// UPDATE that holds under any concurrency. True when taken; the caller then records the ledger row (see
/// [`record`], [`movement_after`]).
pub async fn take(
    txn: &impl ConnectionTrait,
    variant_id: i32,
    quantity: i32,
    sellable: Sellable,
) -> Result<bool, sea_orm::DbErr> {
    let mut update = variant::Entity::update_many()
        .col_expr(variant::Column::Stock, Expr::col(variant::Column::Stock).sub(quantity))
        .filter(variant::Column::Id.eq(variant_id))
        .filter(variant::Column::Stock.gte(quantity));
    if sellable == Sellable::OnlyWhileSold {
        update = update.filter(variant::Column::Active.eq(true));
    }
    let taken = update.exec(txn).await?.rows_affected == 1;
    if !taken {
        crate::server::metrics::oversell_prevented();
    }
    Ok(taken)
}

/// The movement of `delta` units just applied to a variant, read back with its stock after.
pub async fn movement_after(
    txn: &impl ConnectionTrait,
    variant_id: i32,
    delta: i32,
) -> Result<Option<Movement>, sea_orm::DbErr> {
    let variant = variant::Entity::find_by_id(variant_id).one(txn).await?;
    Ok(variant.map(|v| Movement { variant_id, product_id: v.product_id, delta, stock_after: v.stock }))
}

/// Puts `quantity` units of a variant back on hand (a cancelled order), with their ledger row.
pub async fn put_back(
    txn: &impl ConnectionTrait,
    variant_id: i32,
    quantity: i32,
    reason: &str,
    order_id: Option<i32>,
) -> Result<(), sea_orm::DbErr> {
    variant::Entity::update_many()
        .col_expr(variant::Column::Stock, Expr::col(variant::Column::Stock).add(quantity))
        .filter(variant::Column::Id.eq(variant_id))
        .exec(txn)
        .await?;
    if let Some(movement) = movement_after(txn, variant_id, quantity).await? {
        record(txn, movement, reason, order_id).await?;
    }
    Ok(())
}

/// A change of one variant's stock on hand, already applied to `variants.stock`.
#[derive(Debug, Clone, Copy)]
pub struct Movement {
    pub variant_id: i32,
    pub product_id: i32,
    pub delta: i32,
    pub stock_after: i32,
}

/// The bookkeeping of every stock change, in the transaction that made it: its ledger row, and a catalog
/// change when the variant went out of or back into stock (listings show only that, so ordinary sales do
/// not refresh every node's catalog and page cache). Back in stock, the shoppers who asked are mailed
/// ([`stock_alerts::announce_restock`]).
pub async fn record(
    txn: &impl ConnectionTrait,
    movement: Movement,
    reason: &str,
    order_id: Option<i32>,
) -> Result<(), sea_orm::DbErr> {
    ledger_row(txn, movement.variant_id, movement.delta, reason, order_id).await?;
    let before = movement.stock_after - movement.delta;
    if (before == 0) != (movement.stock_after == 0) {
        let why = if movement.stock_after == 0 { "sold_out" } else { "back_in_stock" };
        record_change(txn, Some(movement.product_id), why).await?;
        if before == 0 {
            stock_alerts::announce_restock(txn, movement.variant_id).await?;
        }
    }
    Ok(())
}

/// Makes a variant's ledger agree with its stock on hand again (reconciliation): one row with reason
/// `reconcile` for the difference, measured under the variant's lock. Answers the delta written (0: they
/// agreed). The stock is not changed, so no catalog change is recorded.
pub async fn correct_ledger(db: &DatabaseConnection, variant_id: i32) -> Result<i64, AppError> {
    crate::write_retry!(db, |txn| {
        let Some(found) = locked(txn, variant::Entity::find_by_id(variant_id)).await? else {
            return Ok(Err(AppError::NotFound));
        };
        let delta = i64::from(found.stock) - ledger_sum(txn, variant_id).await?;
        if delta == 0 {
            return Ok(Ok(0));
        }
        let Ok(row_delta) = i32::try_from(delta) else {
            return Ok(Err(AppError::Conflict(format!(
                "The ledger of {} is off by {delta}: too far to correct.",
                found.sku
            ))));
        };
        ledger_row(txn, variant_id, row_delta, RECONCILE, None).await?;
        Ok(Ok(delta))
    })
}

/// One ledger row (its stock change is the caller's: [`record`], or none for [`correct_ledger`]).
async fn ledger_row(
    txn: &impl ConnectionTrait,
    variant_id: i32,
    delta: i32,
    reason: &str,
    order_id: Option<i32>,
) -> Result<(), sea_orm::DbErr> {
    inventory_ledger::ActiveModel {
        variant_id: Set(variant_id),
        delta: Set(delta),
        reason: Set(reason.to_owned()),
        order_id: Set(order_id),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The variant `find` selects, read with its row locked until the transaction ends (PostgreSQL; SQLite's
/// write transactions have the database to themselves): what a stock decision reads before it writes.
pub async fn locked(
    txn: &impl ConnectionTrait,
    find: sea_orm::Select<variant::Entity>,
) -> Result<Option<variant::Model>, sea_orm::DbErr> {
    let find =
        if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres { find.lock_exclusive() } else { find };
    find.one(txn).await
}

/// The ledger reason of a reconciliation's correcting row.
pub const RECONCILE: &str = "reconcile";

/// The sum of a variant's ledger rows (what its stock must be).
pub async fn ledger_sum(db: &impl ConnectionTrait, variant_id: i32) -> Result<i64, sea_orm::DbErr> {
    let sql = "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM inventory_ledger WHERE variant_id = ?";
    let row = db.query_one_raw(statement(db, sql, [variant_id.into()])).await?;
    Ok(row.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0))
}
