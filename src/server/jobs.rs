//! Background work of each app node. Every job is safe to run on several nodes at once: each change is
//! a conditional UPDATE or an idempotent delete, so two nodes doing the same round do it once.

use std::time::Duration;

use sea_orm::DatabaseConnection;

use super::page_cache::PageCache;
use super::services::payments::{self, Payments};
use super::services::read_model::{self, ReadModel};
use super::services::{cart, orders};
use super::stock_feed::StockFeed;

/// Idle carts are deleted after this long.
pub const CART_IDLE_DAYS: i64 = 30;

/// Polls the catalog change feed and swaps in a fresh read model when it moved, and the stock feed,
/// telling the page cache whose stock moved. Errors are logged and the old snapshot keeps serving.
pub fn spawn_catalog_refresh(
    catalog: ReadModel,
    pages: PageCache,
    mut stock: StockFeed,
    db: DatabaseConnection,
    every: Duration,
) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(err) = catalog.refresh_if_changed(&db).await {
                tracing::warn!(error = %err, "catalog refresh failed; serving the previous snapshot");
            }
            match stock.poll(&db).await {
                Ok(slugs) => pages.stock_moved(&slugs, stock.cursor()),
                Err(err) => tracing::warn!(error = %err, "reading the stock feed failed; will retry"),
            }
        }
    });
}

/// Every 30 s: cancel orders whose payment hold ran out (their stock returns), and settle payments
/// that succeeded after their order was cancelled (revive or refund). Every hour: delete carts
/// idle for 30 days and change-feed rows older than a day (every node has long read them).
pub fn spawn_housekeeping(db: DatabaseConnection, payments: Payments) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(30));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut round: u64 = 0;
        loop {
            ticker.tick().await;
            let now = chrono::Utc::now();
            match orders::expire_holds(&db, now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(orders = n, "cancelled orders whose payment hold expired"),
                Err(err) => tracing::warn!(error = %err, "expiring payment holds failed"),
            }
            match payments::sweep(&db, &payments).await {
                Ok((0, 0)) => {}
                Ok((revived, refunded)) => {
                    tracing::info!(revived, refunded, "settled payments that came after their hold")
                }
                Err(err) => tracing::warn!(error = %err, "settling late payments failed"),
            }
            if round.is_multiple_of(120) {
                match cart::delete_idle(&db, now - chrono::Duration::days(CART_IDLE_DAYS)).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(carts = n, "deleted idle carts"),
                    Err(err) => tracing::warn!(error = %err, "deleting idle carts failed"),
                }
                if let Err(err) = read_model::prune_changes(&db, now - chrono::Duration::days(1)).await {
                    tracing::warn!(error = %err, "pruning the catalog change feed failed");
                }
            }
            round += 1;
        }
    });
}
