//! Probes for load balancers and orchestrators.

use axum::extract::State;
use axum::http::StatusCode;

use super::state::AppState;

/// The process is up and serving.
pub async fn alive() -> &'static str {
    "ok"
}

/// The store can serve shoppers: its database answers and its schema is the one this build expects (no
/// migration of this build pending, none applied that this build does not know, as after a newer node
/// migrated the database a rolling deploy has not yet replaced this one with).
pub async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    use migration::{Migrator, MigratorTrait};
    if let Err(err) = state.db.ping().await {
        tracing::error!(cause = %err, "readiness check: database unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable");
    }
    match Migrator::get_pending_migrations_read_only(&state.db).await {
        Ok(pending) if pending.is_empty() => (StatusCode::OK, "ready"),
        Ok(pending) => {
            tracing::error!(pending = pending.len(), "readiness check: migrations pending");
            (StatusCode::SERVICE_UNAVAILABLE, "migrations pending")
        }
        Err(err) => {
            tracing::error!(cause = %err, "readiness check: the database schema does not match this build");
            (StatusCode::SERVICE_UNAVAILABLE, "database schema does not match this build")
        }
    }
}
