//! The `seed` command: a deterministic demo catalog (or a large synthetic one for benchmarks), built
//! offline. Does nothing when the catalog already has products, so it can run on every start.

mod demo;
mod rows;

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, TransactionTrait};

use crate::error::AppError;
use crate::server::entities::product;

pub use rows::{generate, slugify};

#[derive(Debug, Clone, Copy)]
pub struct SeedOptions {
    /// How many products (the demo catalog has 250).
    pub products: usize,
    /// The random seed: the same seed gives the same catalog.
    pub seed: u64,
}

impl Default for SeedOptions {
    fn default() -> Self {
        SeedOptions { products: 250, seed: 42 }
    }
}

#[derive(Debug)]
pub struct SeedReport {
    pub created: bool,
    pub products: u64,
    pub variants: usize,
    pub elapsed: Duration,
}

/// Seeds the catalog unless it already has products.
#[tracing::instrument(skip(db))]
pub async fn seed(db: &DatabaseConnection, options: SeedOptions) -> Result<SeedReport, AppError> {
    let started = Instant::now();
    let existing = product::Entity::find().count(db).await?;
    if existing > 0 {
        return Ok(SeedReport { created: false, products: existing, variants: 0, elapsed: started.elapsed() });
    }
    let catalog = generate(options);
    let variants = catalog.variants.len();
    let txn = db.begin().await?;
    catalog.insert(&txn).await?;
    reset_sequences(&txn).await?;
    // The opening stock of every variant, so that stock always equals the sum of its ledger rows.
    let opening = crate::server::db::statement(
        &txn,
        "INSERT INTO inventory_ledger (variant_id, delta, reason, created_at) \
         SELECT id, stock, 'seed', ? FROM variants WHERE stock > 0",
        [chrono::Utc::now().into()],
    );
    txn.execute_raw(opening).await?;
    crate::server::services::read_model::record_change(&txn, None, "seed").await?;
    txn.commit().await?;
    Ok(SeedReport { created: true, products: options.products as u64, variants, elapsed: started.elapsed() })
}

/// Rows were inserted with explicit ids: move PostgreSQL's sequences past them.
async fn reset_sequences(db: &impl ConnectionTrait) -> Result<(), AppError> {
    if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return Ok(());
    }
    for table in ["categories", "products", "product_options", "option_values", "variants", "product_images"] {
        db.execute_unprepared(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        ))
        .await?;
    }
    Ok(())
}
