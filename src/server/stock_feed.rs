//! Which products' stock moved, on any node: read from the inventory ledger, which has one row for
//! every change of stock (sale, cancellation, restock, adjustment).
//!
//! Each node keeps its own cursor. PostgreSQL hands out ledger ids before commit, so a lower id can
//! become visible after a higher one was read: ids skipped below the cursor are kept as gaps and asked
//! for again until they show up, or for [`GAP_PATIENCE`] (a rolled-back transaction's id never does).

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, FromQueryResult, Statement};

use crate::error::AppError;

/// How long a skipped id is waited for.
pub const GAP_PATIENCE: Duration = Duration::from_secs(60);
/// At most this many ledger rows are read per poll (the rest come at the next).
const BATCH: usize = 5_000;
/// At most this many gaps are remembered (the oldest go first).
const MAX_GAPS: usize = 2_000;

#[derive(Debug)]
pub struct StockFeed {
    /// Every id up to this one was seen or is in `gaps`.
    cursor: i64,
    gaps: Vec<(i64, Instant)>,
}

#[derive(Debug, FromQueryResult)]
struct Movement {
    id: i64,
    slug: String,
}

impl StockFeed {
    /// Starts at the ledger's end: pages rendered from now on already show the stock before it.
    pub async fn start(db: &impl ConnectionTrait) -> Result<StockFeed, AppError> {
        let sql = "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS id, '' AS slug FROM inventory_ledger";
        let row = Movement::find_by_statement(Statement::from_string(db.get_database_backend(), sql)).one(db).await?;
        Ok(StockFeed { cursor: row.map_or(0, |r| r.id), gaps: Vec::new() })
    }

    /// Every ledger id up to this one has been read (or is a gap still waited for).
    pub fn cursor(&self) -> i64 {
        self.cursor
    }

    /// The slugs of the products whose stock moved since the last poll (each once).
    pub async fn poll(&mut self, db: &impl ConnectionTrait) -> Result<Vec<String>, AppError> {
        let now = Instant::now();
        self.gaps.retain(|(_, since)| now.duration_since(*since) < GAP_PATIENCE);
        let mut filter = format!("l.id > {}", self.cursor);
        if !self.gaps.is_empty() {
            let ids: Vec<String> = self.gaps.iter().map(|(id, _)| id.to_string()).collect();
            filter = format!("{filter} OR l.id IN ({})", ids.join(","));
        }
        let sql = format!(
            "SELECT l.id AS id, p.slug AS slug FROM inventory_ledger l \
             JOIN variants v ON v.id = l.variant_id JOIN products p ON p.id = v.product_id \
             WHERE {filter} ORDER BY l.id LIMIT {BATCH}"
        );
        let rows = Movement::find_by_statement(Statement::from_string(db.get_database_backend(), sql)).all(db).await?;
        let mut slugs: Vec<String> = Vec::new();
        for row in rows {
            if let Some(at) = self.gaps.iter().position(|(id, _)| *id == row.id) {
                self.gaps.swap_remove(at);
            } else if row.id > self.cursor {
                self.gaps.extend((self.cursor + 1..row.id).take(MAX_GAPS).map(|id| (id, now)));
                self.cursor = row.id;
            }
            if !slugs.contains(&row.slug) {
                slugs.push(row.slug);
            }
        }
        if self.gaps.len() > MAX_GAPS {
            self.gaps.sort_by_key(|(_, since)| *since);
            self.gaps.drain(..self.gaps.len() - MAX_GAPS);
        }
        Ok(slugs)
    }
}
