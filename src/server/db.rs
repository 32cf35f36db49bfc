//! Database connection and migrations, for SQLite (embedded default) and PostgreSQL.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr,
    RuntimeErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use super::config::{SettingError, Settings};
use crate::error::AppError;

/// PostgreSQL's `statement_timeout` for every connection of the store.
pub const STATEMENT_TIMEOUT: &str = "15s";

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
        // A statement running longer than this is cancelled by the server (57014) instead of holding a
        // connection and its locks; no query of the store comes near it.
        options.max_connections(20).min_connections(1).map_sqlx_postgres_opts(|o| {
            o.options([("statement_timeout", STATEMENT_TIMEOUT), ("idle_in_transaction_session_timeout", "60s")])
        });
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

/// A raw statement written once with `?` placeholders, numbered (`$1`, `$2`…) for PostgreSQL. For the
/// few statements the entity API does not express (INSERT … SELECT, aggregates, tables without an entity).
pub fn statement(
    db: &impl ConnectionTrait,
    sql: &str,
    values: impl IntoIterator<Item = sea_orm::Value>,
) -> sea_orm::Statement {
    let backend = db.get_database_backend();
    let sql = if backend == DatabaseBackend::Postgres {
        let mut numbered = String::with_capacity(sql.len() + 8);
        for (i, part) in sql.split('?').enumerate() {
            if i > 0 {
                numbered.push_str(&format!("${i}"));
            }
            numbered.push_str(part);
        }
        numbered
    } else {
        sql.to_owned()
    };
    sea_orm::Statement::from_sql_and_values(backend, sql, values)
}

/// A LIKE pattern matching `text` anywhere, its `%`, `_` and `\` taken as themselves (a search for
/// "50%" or "first_last" finds those characters, not any). The same on SQLite and PostgreSQL.
pub fn containing(text: &str) -> sea_orm::sea_query::LikeExpr {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')
}

/// The database refused a row for a unique key (a race the checks before the insert could not see, or a
/// key that is meant to collide).
pub fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// Begins a transaction that will write. On SQLite it takes the write lock at BEGIN (IMMEDIATE): a
/// deferred transaction that reads and then writes fails with SQLITE_BUSY when another wrote in
/// between, instead of waiting its turn. PostgreSQL's default (read committed) is kept: stock rules
/// are single conditional UPDATEs, which it re-checks on the latest row version.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let sqlite = db.get_database_backend() == DatabaseBackend::Sqlite;
    let mode = sqlite.then_some(SqliteTransactionMode::Immediate);
    let txn = db.begin_with_options(TransactionOptions { sqlite_transaction_mode: mode, ..Default::default() }).await?;
    if !sqlite {
        // A row lock waited on for this long fails (55P03, retried) instead of waiting forever, like
        // SQLite's busy timeout.
        txn.execute_unprepared("SET LOCAL lock_timeout = '10s'").await?;
    }
    Ok(txn)
}

/// Whether a failed transaction may succeed if run again: PostgreSQL serialization failures (40001),
/// deadlocks (40P01) and lock timeouts (55P03), SQLite busy/locked.
pub fn is_retryable(err: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))
    | DbErr::Conn(RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    let Some(code) = e.as_database_error().and_then(|d| d.code()) else { return false };
    matches!(code.as_ref(), "40001" | "40P01" | "55P03" | "5" | "6" | "517" | "261" | "262")
}

/// Runs a write transaction, retrying it (up to 5 attempts, with growing jittered pauses) when the
/// database says a retry may succeed. The body sees the transaction as `&DatabaseTransaction` and
/// evaluates to `Ok(Ok(value))` (commit), `Ok(Err(refusal))` for a business refusal (rolled back, not
/// retried) or `Err(db_err)` (retried when retryable). A macro rather than a function taking an async
/// closure: the futures of async closures cannot yet be proven `Send` for every borrow, which server
/// functions require.
#[macro_export]
macro_rules! write_retry {
    ($db:expr, |$txn:ident| $body:block) => {{
        let db: &sea_orm::DatabaseConnection = $db;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let transaction = async {
                let owned = $crate::server::db::begin_write(db).await?;
                let result = {
                    let $txn = &owned;
                    async { $body }.await
                };
                $crate::server::db::finish(owned, result).await
            };
            // Every log line written inside the transaction says so (and which attempt it is).
            let span = tracing::info_span!("db_transaction", attempt);
            let outcome = tracing::Instrument::instrument(transaction, span).await;
            if let Some(result) = $crate::server::db::after_attempt(outcome, attempt).await {
                break result;
            }
        }
    }};
}

/// Commits after success, rolls back after a refusal.
pub async fn finish<T>(
    txn: DatabaseTransaction,
    result: Result<Result<T, AppError>, DbErr>,
) -> Result<Result<T, AppError>, DbErr> {
    match result {
        Ok(Ok(value)) => {
            txn.commit().await?;
            Ok(Ok(value))
        }
        Ok(Err(refusal)) => {
            txn.rollback().await?;
            Ok(Err(refusal))
        }
        Err(err) => Err(err),
    }
}

/// The final result of an attempt, or None (after a pause) when it should be tried again.
pub async fn after_attempt<T>(
    outcome: Result<Result<T, AppError>, DbErr>,
    attempt: u32,
) -> Option<Result<T, AppError>> {
    const ATTEMPTS: u32 = 5;
    match outcome {
        Ok(result) => Some(result),
        Err(err) if attempt < ATTEMPTS && is_retryable(&err) => {
            let pause = 10u64 * 2u64.pow(attempt) + rand::random_range(0..10);
            tracing::debug!(attempt, error = %err, "retrying a write transaction");
            tokio::time::sleep(Duration::from_millis(pause)).await;
            None
        }
        Err(err) => Some(Err(AppError::from(err))),
    }
}
