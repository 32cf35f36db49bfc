//! Stock on hand and its ledger. Every change of `variants.stock` goes through this module and writes a
//! ledger row in the same transaction, so stock always equals the sum of the variant's ledger.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
};

use crate::error::AppError;
use crate::server::db::statement;
use crate::server::entities::{inventory_ledger, variant};
use crate::server::services::read_model::record_change;
use crate::server::services::stock_alerts;

/// Sets a variant's stock on hand to `stock` (a count, a delivery), recording the difference.
pub async fn set_stock(db: &DatabaseConnection, sku: &str, stock: i32, reason: &str) -> Result<(), AppError> {
    if stock < 0 {
        return Err(AppError::invalid("stock", "Stock cannot be negative."));
    }
    crate::write_retry!(db, |txn| {
        // Locked so that a sale cannot slip between this read and the write below.
        let Some(found) = locked(txn, variant::Entity::find().filter(variant::Column::Sku.eq(sku))).await? else {
            return Ok(Err(AppError::NotFound));
        };
        let delta = stock - found.stock;
        if delta == 0 {
            return Ok(Ok(()));
        }
        variant::Entity::update_many()
            .col_expr(variant::Column::Stock, Expr::col(variant::Column::Stock).add(delta))
            .filter(variant::Column::Id.eq(found.id))
            .exec(txn)
            .await?;
        record(
            txn,
            Movement { variant_id: found.id, product_id: found.product_id, delta, stock_after: stock },
            reason,
            None,
        )
        .await?;
        Ok(Ok(()))
    })
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
    Ok(update.exec(txn).await?.rows_affected == 1)
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
