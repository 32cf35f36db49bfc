//! Background work of each app node. Jobs run on every node, but a round of hold expiry, of the payment
//! sweeper or of the cleanup runs on one node at a time: it first takes the job's lease (a row that
//! expires, `services::leases`), so a node that dies mid-round is taken over once its lease runs out.
//! Each change is still a conditional UPDATE or an idempotent delete, so a round that outlives its lease
//! and meets another does every change once.

use std::time::Duration;

use sea_orm::DatabaseConnection;

use super::page_cache::PageCache;
use super::services::mail::delivery::{self, Mailer};
use super::services::payments::{self, Payments};
use super::services::read_model::{self, ReadModel};
use super::services::{cart, leases, prune, reconcile};
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

/// How often each node looks for expired holds, and for late payments to settle.
pub const HOLD_EXPIRY_EVERY: Duration = Duration::from_secs(15);
pub const SWEEP_EVERY: Duration = Duration::from_secs(30);
const CLEANUP_EVERY: Duration = Duration::from_secs(3600);

/// How often each node sends the outbox's due mails, and how many at most per round.
pub const MAIL_EVERY: Duration = Duration::from_secs(2);
const MAIL_BATCH: u64 = 50;

/// Sends the outbox's mails through SMTP (on every node: each mail is claimed by one of them).
pub fn spawn_mail_delivery(db: DatabaseConnection, mailer: Mailer) {
    supervise("mail delivery", MAIL_EVERY, move || {
        let (db, mailer) = (db.clone(), mailer.clone());
        async move {
            match delivery::deliver_due(&db, &mailer, MAIL_BATCH).await {
                Ok(round) if round == delivery::Round::default() => {}
                Ok(round) => tracing::info!(
                    sent = round.sent,
                    deferred = round.deferred,
                    given_up = round.given_up,
                    "mail delivery"
                ),
                Err(err) => tracing::warn!(error = %err, "mail delivery failed; will retry"),
            }
        }
    });
}

/// The lease of a hold-expiry round, and of a payment-sweeper round.
pub const HOLD_EXPIRY_LEASE: &str = "hold-expiry";
pub const SWEEP_LEASE: &str = "payment-sweeper";

/// How long a round may hold its lease before another node may take it over (a round takes seconds; a
/// provider that does not answer is given up on after its own timeout, well within this).
pub const ROUND_LEASE: chrono::Duration = chrono::Duration::minutes(5);

/// Runs `round` only if `node` takes the lease `name` (None: another node is running it now), and gives
/// the lease back after it.
pub async fn leased<T, Fut>(
    db: &DatabaseConnection,
    name: &str,
    node: &str,
    round: impl FnOnce() -> Fut,
) -> Result<Option<T>, crate::error::AppError>
where
    Fut: std::future::Future<Output = Result<T, crate::error::AppError>>,
{
    if !leases::acquire(db, name, node, ROUND_LEASE, chrono::Utc::now()).await? {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    let done = round().await;
    crate::server::metrics::job_ran(name, started.elapsed(), done.is_ok());
    if let Err(err) = leases::release(db, name, node).await {
        tracing::warn!(lease = name, error = %err, "could not give a job lease back; it runs out by itself");
    }
    done.map(Some)
}

/// One hold-expiry round as `node` (the job every 15 s, and `storefront expire-holds`): the orders it
/// cancelled, or None when another node is running one.
pub async fn expire_holds(
    db: &DatabaseConnection,
    payments: &Payments,
    node: &str,
) -> Result<Option<usize>, crate::error::AppError> {
    let expired =
        leased(db, HOLD_EXPIRY_LEASE, node, || payments::expire_holds(db, payments, chrono::Utc::now())).await?;
    crate::server::metrics::holds_expired(expired.unwrap_or(0));
    Ok(expired)
}

/// One payment-sweeper round as `node`: (revived, refunded), or None when another node is running one.
pub async fn sweep(
    db: &DatabaseConnection,
    payments: &Payments,
    node: &str,
) -> Result<Option<(usize, usize)>, crate::error::AppError> {
    let swept = leased(db, SWEEP_LEASE, node, || payments::sweep(db, payments)).await?;
    let (revived, refunded) = swept.unwrap_or((0, 0));
    crate::server::metrics::swept(revived, refunded);
    Ok(swept)
}

/// A name for this process in job leases.
pub fn node_name(prefix: &str) -> String {
    format!("{prefix}-{:016x}", rand::random::<u64>())
}

/// The payment and cleanup jobs, each on its own task (a slow provider in the sweeper never delays hold
/// expiry), each restarted if it panics.
pub fn spawn_housekeeping(db: DatabaseConnection, payments: Payments) {
    // This node's name in job leases.
    let node = node_name("node");
    let (expiry_db, expiry_payments, expiry_node) = (db.clone(), payments.clone(), node.clone());
    supervise("hold expiry", HOLD_EXPIRY_EVERY, move || {
        let (db, payments, node) = (expiry_db.clone(), expiry_payments.clone(), expiry_node.clone());
        async move {
            match expire_holds(&db, &payments, &node).await {
                Ok(Some(0)) => {}
                Ok(Some(n)) => tracing::info!(orders = n, "cancelled orders whose payment hold expired"),
                Ok(None) => tracing::debug!("another node is expiring holds"),
                Err(err) => tracing::warn!(error = %err, "expiring payment holds failed"),
            }
        }
    });
    let (sweep_db, sweep_node) = (db.clone(), node.clone());
    supervise("payment sweeper", SWEEP_EVERY, move || {
        let (db, payments, node) = (sweep_db.clone(), payments.clone(), sweep_node.clone());
        async move {
            match sweep(&db, &payments, &node).await {
                Ok(Some((0, 0))) => {}
                Ok(Some((revived, refunded))) => {
                    tracing::info!(revived, refunded, "settled payments that came after their hold")
                }
                Ok(None) => tracing::debug!("another node is sweeping payments"),
                Err(err) => tracing::warn!(error = %err, "settling late payments failed"),
            }
        }
    });
    supervise("cleanup", CLEANUP_EVERY, move || {
        let (db, node) = (db.clone(), node.clone());
        async move {
            match cleanup(&db, &node, chrono::Utc::now()).await {
                Ok(Some(cleaned)) => {
                    tracing::info!(?cleaned, "pruned old keys, events, mails and idle carts");
                    // The node that holds the hour's lease also reconciles the inventory (read only).
                    match reconcile::check(&db).await {
                        Ok(found) if found.has_drift() => tracing::error!(
                            drifting = found.drifts.len(),
                            report = %found.to_json(),
                            "inventory drift: run `storefront reconcile-inventory`"
                        ),
                        Ok(_) => tracing::debug!("inventory reconciled: no drift"),
                        Err(err) => tracing::warn!(error = %err, "inventory reconciliation failed"),
                    }
                }
                Ok(None) => tracing::debug!("another node is cleaning up"),
                Err(err) => tracing::warn!(error = %err, "cleanup failed"),
            }
        }
    });
}

/// What one cleanup round deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cleaned {
    pub pruned: prune::Pruned,
    pub idle_carts: u64,
    pub catalog_changes: u64,
}

/// One cleanup round, as `node` (the hourly job and `storefront prune`): old rows pruned, carts idle for
/// [`CART_IDLE_DAYS`] deleted, change-feed rows older than a day deleted. None when another node holds
/// the lease (it is doing the same now).
pub async fn cleanup(
    db: &DatabaseConnection,
    node: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Cleaned>, crate::error::AppError> {
    let Some(pruned) = prune::prune(db, node, now).await? else { return Ok(None) };
    let idle_carts = cart::delete_idle(db, now - chrono::Duration::days(CART_IDLE_DAYS)).await?;
    let catalog_changes = read_model::prune_changes(db, now - chrono::Duration::days(1)).await?;
    Ok(Some(Cleaned { pruned, idle_carts, catalog_changes }))
}

/// Runs `round` every `every` on its own task; a round that panics is logged and the job restarts.
pub fn supervise<F, Fut>(name: &'static str, every: Duration, round: F)
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        loop {
            let round = round.clone();
            let job = tokio::spawn(async move {
                let mut ticker = tokio::time::interval(every);
                ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    ticker.tick().await;
                    round().await;
                }
            });
            match job.await {
                Err(err) if err.is_panic() => {
                    let pause = every.min(Duration::from_secs(5));
                    tracing::error!(job = name, ?pause, "background job panicked; restarting it");
                    tokio::time::sleep(pause).await;
                }
                // Cancelled (the runtime is shutting down).
                _ => return,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_job_that_panics_is_restarted() {
        let rounds = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&rounds);
        supervise("test", Duration::from_millis(10), move || {
            let rounds = Arc::clone(&counted);
            async move {
                if rounds.fetch_add(1, Ordering::SeqCst) == 0 {
                    panic!("the first round fails");
                }
            }
        });
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while rounds.load(Ordering::SeqCst) < 3 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(rounds.load(Ordering::SeqCst) >= 3, "rounds went on after the panic");
    }
}
