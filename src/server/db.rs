//! Database connection and migrations, for SQLite (embedded default) and PostgreSQL.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use super::config::{SettingError, Settings};

/// Connects (creating the SQLite file and its folder if missing) and applies pending migrations.
pub async fn connect_and_migrate(settings: &Settings) -> Result<DatabaseConnection, SettingError> {
    let db = connect(settings).await?;
    Migrator::up(&db, None).await.map_err(|e| {
        SettingError::new("DATABASE_URL", format!("migrations failed on {}: {e}", settings.database_url_for_display()))
    })?;
    Ok(db)
}

pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, SettingError> {
    let url = settings.database_url.expose();
    if settings.is_sqlite() {
        create_parent_dir(url)?;
    }
    let mut options = ConnectOptions::new(url);
    options.sqlx_logging(false).connect_timeout(Duration::from_secs(5)).acquire_timeout(Duration::from_secs(10));
    if settings.is_sqlite() {
        // One writer at a time is SQLite's rule; WAL lets readers go on while it writes.
        options.max_connections(8).min_connections(1).map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    } else {
        options.max_connections(20).min_connections(1);
    }
    Database::connect(options).await.map_err(|e| {
        SettingError::new("DATABASE_URL", format!("cannot connect to {}: {e}", settings.database_url_for_display()))
    })
}

/// `sqlite://data/store.db?mode=rwc` → creates `data/`.
fn create_parent_dir(url: &str) -> Result<(), SettingError> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") {
        return Ok(());
    }
    match std::path::Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .map_err(|e| SettingError::new("STORE_DATA_DIR", format!("cannot create {}: {e}", dir.display()))),
        _ => Ok(()),
    }
}
