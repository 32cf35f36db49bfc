//! Inventory reconciliation: for every SKU, stock on hand against the sum of its ledger, and the units
//! held by orders awaiting payment against the units the ledger took for them. The command
//! (`storefront reconcile-inventory`), the job and the admin page all ask [`check`]; only [`repair`]
//! writes, through `inventory::correct_ledger` (a ledger row with reason `reconcile`, never silently).

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

use crate::error::AppError;
use crate::server::db::statement;
use crate::server::services::inventory;

/// One SKU whose numbers disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuDrift {
    pub sku: String,
    pub variant_id: i32,
    /// `variants.stock`.
    pub stock: i64,
    /// The sum of the variant's ledger rows (what the stock must be).
    pub ledger: i64,
    /// Units in the lines of orders awaiting payment.
    pub held_by_orders: i64,
    /// Units the ledger took for those orders (and did not give back).
    pub held_in_ledger: i64,
}

impl SkuDrift {
    /// Stock on hand minus what the ledger says it is.
    pub fn ledger_drift(&self) -> i64 {
        self.stock - self.ledger
    }

    /// Units held by orders awaiting payment that the ledger did not take (negative: taken twice).
    pub fn hold_drift(&self) -> i64 {
        self.held_by_orders - self.held_in_ledger
    }
}

/// What a check found (and, after [`repair`], what was corrected).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    pub skus_checked: usize,
    pub drifts: Vec<SkuDrift>,
    /// SKUs whose ledger was corrected by [`repair`].
    pub repaired: Vec<String>,
}

impl Reconciliation {
    /// Whether anything is left to look at (after a repair: what a repair cannot fix, the holds).
    pub fn has_drift(&self) -> bool {
        self.drifts.iter().any(|d| d.hold_drift() != 0 || (d.ledger_drift() != 0 && !self.repaired.contains(&d.sku)))
    }

    /// For machines: each drifting SKU with its numbers and differences.
    pub fn to_json(&self) -> serde_json::Value {
        let drift: Vec<serde_json::Value> = self
            .drifts
            .iter()
            .map(|d| {
                serde_json::json!({
                    "sku": d.sku,
                    "stock": d.stock,
                    "ledger": d.ledger,
                    "ledger_drift": d.ledger_drift(),
                    "held_by_orders": d.held_by_orders,
                    "held_in_ledger": d.held_in_ledger,
                    "hold_drift": d.hold_drift(),
                    "repaired": self.repaired.contains(&d.sku),
                })
            })
            .collect();
        serde_json::json!({ "skus_checked": self.skus_checked, "drift": drift, "has_drift": self.has_drift() })
    }

    /// A table and a summary, for people.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if !self.drifts.is_empty() {
            out.push_str(&format!(
                "{:<24} {:>8} {:>8} {:>8} {:>8} {:>8}  {}\n",
                "SKU", "stock", "ledger", "drift", "held", "in-ledger", "repaired"
            ));
            for d in &self.drifts {
                let repaired = if self.repaired.contains(&d.sku) { "yes" } else { "" };
                out.push_str(&format!(
                    "{:<24} {:>8} {:>8} {:>8} {:>8} {:>8}  {repaired}\n",
                    d.sku,
                    d.stock,
                    d.ledger,
                    d.ledger_drift(),
                    d.held_by_orders,
                    d.held_in_ledger
                ));
            }
        }
        let stock = self.drifts.iter().filter(|d| d.ledger_drift() != 0).count();
        let holds = self.drifts.iter().filter(|d| d.hold_drift() != 0).count();
        out.push_str(&format!(
            "{} of {} SKUs drift: stock differs from the ledger in {stock}, holds of orders awaiting payment in {holds}",
            self.drifts.len(),
            self.skus_checked
        ));
        if !self.repaired.is_empty() {
            out.push_str(&format!("; corrected the ledger of {} (reason 'reconcile')", self.repaired.len()));
        }
        out.push('\n');
        out
    }
}

/// Compares every SKU's numbers (three grouped queries, whatever the catalog's size) in one snapshot of
/// the database (a repeatable-read transaction on PostgreSQL, a read transaction on SQLite), so an order
/// placed meanwhile is never half seen. Writes nothing.
pub async fn check(db: &DatabaseConnection) -> Result<Reconciliation, AppError> {
    let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    let txn = db
        .begin_with_config(
            postgres.then_some(sea_orm::IsolationLevel::RepeatableRead),
            postgres.then_some(sea_orm::AccessMode::ReadOnly),
        )
        .await?;
    let found = measure(&txn).await;
    txn.commit().await?;
    found
}

async fn measure(db: &impl ConnectionTrait) -> Result<Reconciliation, AppError> {
    let stock_sql = "SELECT v.id, v.sku, CAST(v.stock AS BIGINT), CAST(COALESCE(SUM(l.delta), 0) AS BIGINT) \
         FROM variants v LEFT JOIN inventory_ledger l ON l.variant_id = v.id \
         GROUP BY v.id, v.sku, v.stock ORDER BY v.sku";
    let held_sql = "SELECT ol.variant_id, CAST(SUM(ol.quantity) AS BIGINT) FROM order_lines ol \
         JOIN orders o ON o.id = ol.order_id WHERE o.status = ? GROUP BY ol.variant_id";
    let taken_sql = "SELECT l.variant_id, CAST(-SUM(l.delta) AS BIGINT) FROM inventory_ledger l \
         JOIN orders o ON o.id = l.order_id WHERE o.status = ? GROUP BY l.variant_id";
    let pending = || ["pending_payment".into()];
    let rows = db.query_all_raw(statement(db, stock_sql, [])).await?;
    let held = per_variant(db.query_all_raw(statement(db, held_sql, pending())).await?)?;
    let taken = per_variant(db.query_all_raw(statement(db, taken_sql, pending())).await?)?;
    let mut drifts = Vec::new();
    for row in &rows {
        let variant_id: i32 = row.try_get_by_index(0)?;
        let drift = SkuDrift {
            sku: row.try_get_by_index(1)?,
            variant_id,
            stock: row.try_get_by_index(2)?,
            ledger: row.try_get_by_index(3)?,
            held_by_orders: held.get(&variant_id).copied().unwrap_or(0),
            held_in_ledger: taken.get(&variant_id).copied().unwrap_or(0),
        };
        if drift.ledger_drift() != 0 || drift.hold_drift() != 0 {
            drifts.push(drift);
        }
    }
    Ok(Reconciliation { skus_checked: rows.len(), drifts, repaired: Vec::new() })
}

fn per_variant(rows: Vec<sea_orm::QueryResult>) -> Result<HashMap<i32, i64>, sea_orm::DbErr> {
    rows.iter().map(|row| Ok((row.try_get_by_index::<i32>(0)?, row.try_get_by_index::<i64>(1)?))).collect()
}

/// Checks, then corrects the ledger of every SKU whose stock differs from it (one row each, reason
/// `reconcile`, each re-checked in its own transaction so a sale meanwhile is not "corrected"). The stock
/// on hand is kept: it is what was counted or sold; the ledger is the record that lost a row. Holds are
/// reported, not changed (an order without its stock needs a person).
pub async fn repair(db: &DatabaseConnection) -> Result<Reconciliation, AppError> {
    let mut found = check(db).await?;
    for drift in found.drifts.iter().filter(|d| d.ledger_drift() != 0) {
        let written = inventory::correct_ledger(db, drift.variant_id).await?;
        if written != 0 {
            tracing::warn!(sku = %drift.sku, delta = written, "inventory ledger corrected");
        }
        // Either way the ledger now agrees (a sale meanwhile may have changed both numbers).
        found.repaired.push(drift.sku.clone());
    }
    Ok(found)
}
